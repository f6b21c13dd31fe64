"""The catalogue of warnings: every kind of condition the command centre is told about.

A module reports a condition by an event in the ledger; ``command/handlers.py`` turns it into a
warning of one of these kinds. Each kind names the department that deals with it and a message
with parameters, shown in Chinese or English. Severity and the disposal deadline come from the
decision rule ``command.warning_policy`` (src/jianguan/rules/), so they can be changed without code.

The kinds below are the ones the first modules brought. A module may instead declare its own in
``<app>/warnings.py`` as ``WARNING_KINDS = [WarningKind(...), ...]`` (messages translated in that
app's catalogue); they are found by convention, like handlers and demo steps (decision 0003).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property

from django.core.exceptions import ImproperlyConfigured
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


_BUILT_IN: dict[str, WarningKind] = {
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
            "concrete.batch_failed",
            "concrete",
            _("Concrete batch failed GB/T 50107"),
            _("Concrete batch %(batch)s failed the strength evaluation (%(method)s, %(n)s groups)."),
            Department.Code.QUALITY,
        ),
        WarningKind(
            "concrete.custody_flag",
            "concrete",
            _("Concrete chain of custody broken"),
            _("Concrete specimens: %(flag)s (%(subject)s)."),
            Department.Code.QUALITY,
        ),
        # lake: raised by jianguan.lake.handlers from the lake's jobs
        WarningKind(
            "lake.dust_exceedance",
            "lake",
            _("Dust above the limit"),
            _(
                "Site %(site)s: %(metric)s above %(limit)s for %(readings)s consecutive readings "
                "(peak %(peak)s) from %(start)s, monitor %(device)s."
            ),
            Department.Code.SAFETY,
        ),
        WarningKind(
            "lake.noise_exceedance",
            "lake",
            _("Noise above the limit"),
            _(
                "Site %(site)s: noise above %(limit)s dB(A) for %(readings)s consecutive readings "
                "(peak %(peak)s) from %(start)s, monitor %(device)s."
            ),
            Department.Code.SAFETY,
        ),
        WarningKind(
            "lake.device_silent",
            "lake",
            _("Device silent"),
            _("Device %(device)s has sent no data since %(last_seen)s (%(hours)s hours)."),
            Department.Code.SYSADMIN,
        ),
        # lifecycle: statutory deadlines of the stage line and stages opened out of order
        WarningKind(
            "lifecycle.completion_filing",
            "lifecycle",
            _("Completion filing overdue"),
            _(
                "Bid section %(section)s passed completion acceptance on %(anchor)s; the filing was due by "
                "%(due)s and is %(days)s days overdue."
            ),
            Department.Code.APPROVAL,
        ),
        WarningKind(
            "lifecycle.archive_handover",
            "lifecycle",
            _("Archive hand-over overdue"),
            _(
                "Bid section %(section)s passed completion acceptance on %(anchor)s; its archives were due at "
                "the urban-construction archive by %(due)s (%(days)s days overdue)."
            ),
            Department.Code.APPROVAL,
        ),
        WarningKind(
            "lifecycle.acceptance_notice",
            "lifecycle",
            _("Completion acceptance without notice"),
            _(
                "Bid section %(section)s holds completion acceptance on %(anchor)s; the quality station "
                "should have been told by %(due)s and was not."
            ),
            Department.Code.QUALITY,
        ),
        WarningKind(
            "lifecycle.permit_lapse",
            "lifecycle",
            _("Construction permit lapsed"),
            _(
                "Bid section %(section)s received its construction permit on %(anchor)s and has not started by "
                "%(due)s: the permit has lapsed (%(days)s days)."
            ),
            Department.Code.APPROVAL,
        ),
        WarningKind(
            "lifecycle.deadline_overdue",
            "lifecycle",
            _("Stage deadline overdue"),
            _("Bid section %(section)s: %(deadline)s, due by %(due)s, is %(days)s days overdue."),
            Department.Code.APPROVAL,
        ),
        WarningKind(
            "lifecycle.stage_out_of_order",
            "lifecycle",
            _("Stage opened out of order"),
            _("Bid section %(section)s opened stage %(stage)s on %(on)s without: %(missing)s."),
            Department.Code.APPROVAL,
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
        WarningKind(
            "credit.blacklisted",
            "credit",
            _("Subject put on the credit blacklist"),
            _("%(subject)s is on the credit blacklist from %(day)s (%(reasons)s), after record %(code)s."),
            Department.Code.CREDIT,
        ),
        WarningKind(
            "credit.lowest_grade",
            "credit",
            _("Credit grade fell to the lowest"),
            _("%(subject)s fell to credit grade %(grade)s (score %(score)s) on %(day)s, after record %(code)s."),
            Department.Code.CREDIT,
        ),
        # the base registry (registry/expiries.py, registry/handlers.py)
        WarningKind(
            "registry.certificate_expiring",
            "registry",
            _("Certificate about to expire"),
            _("Certificate %(number)s of %(holder)s expires on %(valid_until)s (%(days_left)s days left)."),
            Department.Code.MARKET,
        ),
        WarningKind(
            "registry.certificate_expired",
            "registry",
            _("Certificate expired"),
            _("Certificate %(number)s of %(holder)s expired on %(valid_until)s."),
            Department.Code.MARKET,
        ),
        WarningKind(
            "registry.key_person_not_registered",
            "registry",
            _("Key person not registered with their enterprise"),
            _(
                "%(person)s holds a key post in bid section %(bid_section)s for %(enterprise)s but is registered "
                "with %(registered_with)s."
            ),
            Department.Code.MARKET,
        ),
        WarningKind(
            "licensing.application_overdue",
            "licensing",
            _("Licence application overdue"),
            _("Application %(number)s (%(title)s) passed its statutory deadline %(deadline)s at step %(step)s."),
            Department.Code.APPROVAL,
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


def _module_kinds() -> list[WarningKind]:
    from django.apps import apps

    found: list[WarningKind] = []
    for app_config in apps.get_app_configs():
        if not app_config.name.startswith("jianguan."):
            continue
        try:
            module = importlib.import_module(f"{app_config.name}.warnings")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app_config.name}.warnings":
                raise
            continue
        found.extend(getattr(module, "WARNING_KINDS", []))
    return found


class _Kinds(Mapping[str, WarningKind]):
    """Every kind: the built-in ones and those the modules declare, assembled on first use."""

    @cached_property
    def _all(self) -> dict[str, WarningKind]:
        kinds = dict(_BUILT_IN)
        for kind in _module_kinds():
            if kind.code in kinds:
                raise ImproperlyConfigured(f"warning kind {kind.code} is declared twice")
            kinds[kind.code] = kind
        return kinds

    def __getitem__(self, code: str) -> WarningKind:
        return self._all[code]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all)

    def __len__(self) -> int:
        return len(self._all)


KINDS = _Kinds()


def kind_for(code: str) -> WarningKind:
    return KINDS[code]
