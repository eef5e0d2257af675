from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "varde.people"
    label = "people"
    verbose_name = _("Personer")

    def ready(self) -> None:
        from varde.people import signals  # noqa: F401
