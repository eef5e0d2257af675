from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuestionsConfig(AppConfig):
    name = "varde.questions"
    label = "questions"
    verbose_name = _("Spørsmål fra elever")
