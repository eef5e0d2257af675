from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "varde.incidents"
    label = "incidents"
    verbose_name = _("Hendelser")
    default_auto_field = "django.db.models.BigAutoField"
