"""Errors of the bidding module: message constants (Chinese and English through the catalogue)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jianguan.core.errors import ApplicationError

BIDS_FILE_UNREADABLE = _("The bids file %(path)s cannot be read: %(reason)s")
BIDS_COLUMN_MISSING = _(
    "The bids file has no column %(column)s (it needs tender_id, bidder, amount; winner is optional)."
)
BIDS_VALUE_MISSING = _("Row %(row)s, column %(column)s: a value is required.")
BIDS_AMOUNT_INVALID = _("Row %(row)s, column amount: %(value)s is not a positive amount.")
BIDS_WINNER_INVALID = _("Row %(row)s, column winner: %(value)s is neither 0 nor 1.")
BIDS_CONFLICTING = _(
    "Rows %(first_row)s and %(second_row)s: bidder %(bidder)s bids twice in tender %(tender)s "
    "with different amounts (%(first)s and %(second)s)."
)
BIDS_TWO_WINNERS = _("Rows %(first_row)s and %(second_row)s: tender %(tender)s has two winning bidders.")


class BidsFileInvalid(ApplicationError):
    """A bids file that cannot be screened; the message names the row and column."""

    code = "bids_file_invalid"
    status = 400
