"""Linkage: ledger events of other modules that become credit records."""

from __future__ import annotations

from jianguan.core.ledger import Handler
from jianguan.credit.services import finding_confirmed

HANDLERS: dict[str, list[Handler]] = {
    # supervision confirms an inspection finding → a bad-behaviour record (payload: docs/architecture.md)
    "supervision.finding.confirmed": [finding_confirmed],
}
