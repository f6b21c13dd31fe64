from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BiddingConfig(AppConfig):
    name = "jianguan.bidding"
    label = "bidding"
    verbose_name = _("Bidding")
