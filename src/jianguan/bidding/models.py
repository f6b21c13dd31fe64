"""Tenders, bids and awards as the trading centre reports them, and the leads drawn from them."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jianguan.core.models import Jurisdiction
from jianguan.registry.models import BidSection, Enterprise, Person


class Tender(models.Model):
    class Procedure(models.TextChoices):
        OPEN = "open", _("Open tendering")
        INVITED = "invited", _("Invited tendering")

    code = models.CharField(_("tender code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    bid_section = models.ForeignKey(
        BidSection,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tenders",
        verbose_name=_("bid section"),
    )
    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, verbose_name=_("administrative division"))
    owner = models.ForeignKey(
        Enterprise, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("owner")
    )
    agent = models.ForeignKey(
        Enterprise, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("tender agent")
    )
    segment = models.CharField(_("market segment"), max_length=32, default="building")
    procedure = models.CharField(_("procedure"), max_length=16, choices=Procedure.choices, default=Procedure.OPEN)
    control_price = models.DecimalField(_("control price (yuan)"), max_digits=16, decimal_places=2)
    published_on = models.DateField(_("published on"))
    opened_on = models.DateField(_("opened on"))
    imported_at = models.DateTimeField(_("imported at"), default=timezone.now)
    content_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-opened_on", "code"]
        verbose_name = _("tender")
        verbose_name_plural = _("tenders")
        permissions = [("import_tenders", "Can import tenders from the trading centre")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Bid(models.Model):
    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="bids", verbose_name=_("tender"))
    bidder = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="bids", verbose_name=_("bidder"))
    amount = models.DecimalField(_("bid price (yuan)"), max_digits=16, decimal_places=2)
    security_account = models.CharField(_("bid security paid from account"), max_length=64, blank=True)
    preparer = models.CharField(_("document prepared by"), max_length=128, blank=True)
    handler = models.CharField(_("bidding handled by"), max_length=128, blank=True)
    project_manager = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("project manager named"),
    )
    machine_code = models.CharField(_("file-making machine code"), max_length=128, blank=True)
    mac = models.CharField(_("MAC address"), max_length=64, blank=True)
    cpu_serial = models.CharField(_("CPU serial"), max_length=64, blank=True)
    disk_serial = models.CharField(_("disk serial"), max_length=64, blank=True)
    dongle_serial = models.CharField(_("pricing-software dongle serial"), max_length=64, blank=True)
    upload_ip = models.GenericIPAddressField(_("upload IP"), null=True, blank=True)
    uploaded_on_site = models.BooleanField(_("uploaded on site at the opening"), default=False)
    score = models.DecimalField(_("evaluation score"), max_digits=7, decimal_places=2, null=True, blank=True)
    won = models.BooleanField(_("won"), default=False)

    class Meta:
        ordering = ["tender", "amount"]
        verbose_name = _("bid")
        verbose_name_plural = _("bids")
        constraints = [models.UniqueConstraint(fields=["tender", "bidder"], name="one_bid_per_bidder")]

    def __str__(self) -> str:
        return f"{self.bidder} {self.amount}"


class Lead(models.Model):
    """A lead for the discipline inspection department: one tender with its statutory markers and
    screens, ranked by score. Refreshed by ``leads_refresh``; the evidence is kept as it was found."""

    tender = models.OneToOneField(Tender, on_delete=models.CASCADE, related_name="lead", verbose_name=_("tender"))
    score = models.FloatField(_("lead score"))
    markers = models.JSONField(_("statutory markers"), default=list)
    screens = models.JSONField(_("statistical screens"), default=dict)
    found_at = models.DateTimeField(_("found at"), default=timezone.now)

    class Meta:
        ordering = ["-score", "tender__code"]
        verbose_name = _("lead")
        verbose_name_plural = _("leads")

    def __str__(self) -> str:
        return f"{self.tender.code} ({self.score:.0f})"
