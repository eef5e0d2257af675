from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class YearplanConfig(AppConfig):
    name = "varde.yearplan"
    label = "yearplan"
    verbose_name = _("Årshjul")
    default_auto_field = "django.db.models.BigAutoField"
