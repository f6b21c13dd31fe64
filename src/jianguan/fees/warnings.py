"""The supporting fee's warnings for the command centre (found by convention, see
``command/catalogue.py``); raised by ``fees.handlers`` from ``fees.flag.raised``. All go to the
market office, which keeps the fees (DESIGN.md); severity comes from ``command.warning_policy``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jianguan.command.catalogue import WarningKind
from jianguan.core.models import Department

WARNING_KINDS = [
    WarningKind(
        "fees.area_grew",
        "fees",
        _("Floor area grew after the fee was assessed"),
        _(
            "Project %(project)s: the %(basis)s area is %(measured)s m², %(delta)s m² (%(percent)s %%) more than the "
            "%(assessed)s m² the fee was assessed on."
        ),
        Department.Code.MARKET,
    ),
    WarningKind(
        "fees.relief_no_policy",
        "fees",
        _("Fee relief without a matching policy"),
        _(
            "Project %(project)s: %(share)s %% of the supporting fee (%(amount)s yuan) relieved as %(code)s by "
            "%(approver)s (%(document)s), but no policy rule gives that relief."
        ),
        Department.Code.MARKET,
    ),
    WarningKind(
        "fees.relief_use_not_qualifying",
        "fees",
        _("Fee relief for a use that does not qualify"),
        _(
            "Project %(project)s: relief %(code)s (%(amount)s yuan) granted by %(approver)s for use %(use)s, which "
            "the policy does not cover."
        ),
        Department.Code.MARKET,
    ),
    WarningKind(
        "fees.relief_exceeds_policy",
        "fees",
        _("Fee relief larger than the policy allows"),
        _(
            "Project %(project)s: %(share)s %% of the fee relieved as %(code)s by %(approver)s; the policy allows "
            "%(allowed)s %%."
        ),
        Department.Code.MARKET,
    ),
    WarningKind(
        "fees.permit_before_fee",
        "fees",
        _("Construction permit before the supporting fee was settled"),
        _("Project %(project)s: construction permit on %(permit_on)s, but the fee was not paid or exempt by then."),
        Department.Code.MARKET,
    ),
]
