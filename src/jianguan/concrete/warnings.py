"""Warning kinds the concrete module adds to the command centre's catalogue (its first two,
failing batch and broken chain of custody, are in ``command/catalogue.py``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jianguan.command.catalogue import WarningKind
from jianguan.core.models import Department

WARNING_KINDS = [
    WarningKind(
        "concrete.forgery_lead",
        "concrete",
        _("Concrete test records look forged"),
        _("Forgery signal at %(labs)s: %(summary)s"),
        Department.Code.QUALITY,
    ),
]
