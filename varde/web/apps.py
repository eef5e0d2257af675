from __future__ import annotations

from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "varde.web"
    label = "web"

    def ready(self) -> None:
        from django.conf import settings

        from varde.lib.env import data_dir_private

        # Every process that serves or changes Varde's data starts here (gunicorn's workers,
        # the task worker, every manage.py command), so each one finds the data directory
        # its own user's alone, fixed if an older Varde or a looser umask left it open, or
        # stops with an error naming the path that cannot be fixed.
        data_dir_private(settings.DATA_DIR)
