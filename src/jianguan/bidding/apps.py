from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BiddingConfig(AppConfig):
    name = "jianguan.bidding"
    label = "bidding"
    verbose_name = _("Bidding")

    def ready(self) -> None:
        from jianguan.core.navigation import NavItem, register

        register(
            NavItem(_("Bidding"), _("Bid-rigging leads"), "bidding:lead-list", "bidding.view_lead", order=400),
            NavItem(_("Bidding"), _("Award concentration"), "bidding:concentration", "bidding.view_tender", order=410),
            NavItem(_("Bidding"), _("Import tenders"), "bidding:import", "bidding.import_tenders", order=420),
        )
