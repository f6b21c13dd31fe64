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
        # attendance (key people on site)
        WarningKind(
            "attendance.duty_shortfall",
            "attendance",
            _("Key person below the required days on site"),
            _("%(role)s %(person)s was on site %(present_days)s of %(required_days)s required days in %(month)s."),
            Department.Code.MARKET,
        ),
        WarningKind(
            "attendance.key_person_absent",
            "attendance",
            _("Key person absent from site"),
            _("%(role)s %(person)s has not checked in for %(days)s working days (since %(since)s)."),
            Department.Code.MARKET,
        ),
        WarningKind(
            "attendance.impossible_travel",
            "attendance",
            _("Same person at two distant sites (certificate lending?)"),
            _("%(person)s checked in %(distance_km)s km apart within %(minutes)s minutes."),
            Department.Code.MARKET,
        ),
        WarningKind(
            "attendance.never_present",
            "attendance",
            _("Key person never on site while others work (certificate lending?)"),
            _("%(role)s %(person)s never checked in during %(month)s while %(others)s others did."),
            Department.Code.MARKET,
        ),
        WarningKind(
            "attendance.registered_elsewhere",
            "attendance",
            _("Key person registered with another enterprise"),
            _("%(person)s acts as %(role)s for %(acting_for)s but is registered with %(registered_with)s."),
            Department.Code.MARKET,
        ),
    ]
}


def kind_for(code: str) -> WarningKind:
    return KINDS[code]
