from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConcreteConfig(AppConfig):
    name = "jianguan.concrete"
    label = "concrete"
    verbose_name = _("Concrete strength")
