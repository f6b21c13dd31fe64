"""Errors of the credit module: message constants (Chinese and English through the catalogue)."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from jianguan.core.errors import ApplicationError

CATALOGUE_REFUSED = _("The behaviour catalogue was refused: %(problems)s")
CATALOGUE_REFUSED_COUNT = _("The behaviour catalogue was refused (%(problems)s problems):")

# One message per reason of jianguan.credit.catalogue.PROBLEMS, with the same parameters.
CATALOGUE_PROBLEMS: dict[str, Promise] = {
    "not_json": _("The catalogue is not valid JSON: %(detail)s"),
    "not_object": _("The catalogue must be a JSON object."),
    "format_unsupported": _("The catalogue format %(value)s is not supported (expected %(expected)s)."),
    "field_missing": _("%(where)s: the field %(field)s is missing."),
    "field_unknown": _("%(where)s: the field %(field)s is not part of the catalogue format."),
    "field_invalid": _("%(where)s: %(field)s must be %(expected)s."),
    "date_invalid": _("%(where)s: %(field)s %(value)s is not a date (YYYY-MM-DD)."),
    "list_empty": _("The catalogue lists no %(field)s."),
    "subject_type_unknown": _("%(where)s: subject type %(value)s is unknown (known: %(known)s)."),
    "subject_type_duplicate": _("%(where)s: subject type %(value)s is listed twice."),
    "prefix_invalid": _("%(where)s: code prefix %(value)s must be a capital letter and a capital letter or digit."),
    "prefix_duplicate": _("%(where)s: code prefix %(value)s is used by two subject types."),
    "source_unknown": _("%(where)s: code source %(value)s is neither a listed source nor “local”."),
    "code_malformed": _("%(where)s: code %(value)s does not read prefix-category-item (such as A1-1-01)."),
    "code_duplicate": _("%(where)s: code %(value)s appears more than once."),
    "category_unknown": _("%(where)s: item %(value)s belongs to no listed category."),
    "prefix_unknown": _("%(where)s: category %(value)s has a prefix of no listed subject type."),
    "kind_unknown": _("%(where)s: kind %(value)s is neither bad nor good."),
    "grade_unknown": _("%(where)s: severity %(value)s is unknown (A, B or C)."),
    "grade_missing": _("%(where)s: a bad behaviour needs a severity (A, B or C)."),
    "grade_on_good": _("%(where)s: a good behaviour has no severity."),
    "points_invalid": _(
        "%(where)s: points %(value)s must be a number above 0 and at most %(maximum)s, with at most two decimals."
    ),
    "disclosure_missing": _("%(where)s: a bad behaviour needs a disclosure period in months."),
    "disclosure_too_short": _(
        "%(where)s: a disclosure period of %(value)s months is shorter than the minimum of %(minimum)s months."
    ),
    "disclosure_too_long": _(
        "%(where)s: a disclosure period of %(value)s months is longer than the maximum of %(maximum)s months."
    ),
    "disclosure_on_good": _("%(where)s: a good behaviour has a validity, not a disclosure period."),
    "validity_invalid": _("%(where)s: a good behaviour is valid for %(expected)s months, not %(value)s."),
    "trigger_unknown": _("%(where)s: blacklist trigger %(value)s is unknown (known: %(known)s)."),
    "trigger_on_good": _("%(where)s: a good behaviour cannot put a subject on the blacklist."),
    "trigger_not_severe": _("%(where)s: an item that blacklists must be severity A, not %(value)s."),
}


class CatalogueRefused(ApplicationError):
    """A behaviour catalogue that cannot be used; ``extra["problems"]`` lists every reason."""

    code = "credit_catalogue_refused"
    status = 400
    default_message = CATALOGUE_REFUSED


def problem_message(reason: str, params: dict[str, str]) -> str:
    """One problem of a catalogue in the active language."""
    return str(CATALOGUE_PROBLEMS[reason]) % params


def catalogue_refused(problems: list[tuple[str, dict[str, str]]]) -> CatalogueRefused:
    """The error for a refused catalogue: each problem's message in the active language, joined."""

    class _Joined:
        """Renders the problems lazily, so the error speaks whichever language is active."""

        def __str__(self) -> str:
            return " ".join(problem_message(reason, params) for reason, params in problems)

    return CatalogueRefused(
        problems=_Joined(),
        extra={"problems": [{"reason": reason, **params} for reason, params in problems]},
    )


VERSION_EXISTS = _("Catalogue version %(version)s already exists: publish the change under a new version.")
