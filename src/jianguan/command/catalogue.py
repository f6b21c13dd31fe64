"""The catalogue of warnings: every kind of condition the command centre is told about.

A module reports a condition by an event in the ledger; ``command/handlers.py`` turns it into a
warning of one of these kinds. Each kind names the department that deals with it and a message
with parameters, shown in Chinese or English. Severity and the disposal deadline come from the
decision rule ``command.warning_policy`` (src/jianguan/rules/), so they can be changed without code.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from jianguan.core.models import Department


@dataclass(frozen=True)
class WarningKind:
    code: str
    source: str
    label: str | Promise
    message: str | Promise  # with %(name)s parameters taken from the warning's params
    department: str


KINDS: dict[str, WarningKind] = {
    kind.code: kind
    for kind in [
        WarningKind(
            "core.ledger_broken",
            "core",
            _("Ledger chain broken"),
            _("The ledger's hash chain is broken at entry %(seq)s: %(reason)s"),
            Department.Code.SYSADMIN,
        ),
        WarningKind(
            "core.account_locked",
            "core",
            _("Account locked after failed sign-ins"),
            _("Account %(username)s was locked after repeated failed sign-ins from %(ip_address)s."),
            Department.Code.SYSADMIN,
        ),
        WarningKind(
            "supervision.rectification_overdue",
            "supervision",
            _("Rectification overdue"),
            _("Rectification order %(number)s to %(enterprise)s was due on %(deadline)s and has no reply."),
            Department.Code.QUALITY,
        ),
    ]
}


def kind_for(code: str) -> WarningKind:
    return KINDS[code]
