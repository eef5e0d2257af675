from __future__ import annotations

from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "varde.reminders"
    verbose_name = "Påminnelser"
    default_auto_field = "django.db.models.BigAutoField"
