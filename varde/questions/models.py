"""Pupils' anonymous questions to the school's Kjentmann or school nurse, and their counts.

A question holds nothing about who asked it: no name, no network address, no device or
browser, no session, and the time only to the hour. The pupil reads the answer with a
pickup code, of which only a keyed hash is kept. Questions and answers are deleted after the
plan's number of days; the counts of topics per month (`QuestionTally`) stay, for the SLT
coordinator's figures.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from varde.lib.fields import EncryptedTextField


class PupilQuestion(models.Model):
    class HiddenReason(models.TextChoices):
        SPAM = "spam", _("Søppel eller reklame")
        THREAT = "threat", _("Trusler eller hets")
        OTHER = "other", _("Annet misbruk")

    school = models.ForeignKey("people.School", on_delete=models.CASCADE, related_name="+")
    # One of the plan's advice roles the pupil chose, or "" for whichever adviser answers.
    to_role = models.CharField(_("til"), max_length=30, blank=True)
    topic = models.CharField(_("tema"), max_length=40)
    urgent = models.BooleanField(_("haster"), default=False)
    # The start of the hour the question was asked in: an exact time could be matched
    # against the school network's own logs.
    asked_at = models.DateTimeField(_("spurt"))
    question = EncryptedTextField(_("spørsmål"))
    # The pickup code's keyed hash (HMAC-SHA256), and the id of the key it was made with.
    code_key = models.CharField(max_length=32)
    code_hash = models.CharField(max_length=64, unique=True)
    answer = EncryptedTextField(_("svar"), blank=True)
    answered_at = models.DateTimeField(_("besvart"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The role the answer is signed with for the pupil ("Helsesykepleier").
    answered_role = models.CharField(max_length=30, blank=True)
    # Abuse hidden by an adviser: the text and any answer are removed at once, the row stays
    # (and is counted) until its deletion day.
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_reason = models.CharField(max_length=10, choices=HiddenReason.choices, blank=True)

    class Meta:
        verbose_name = _("spørsmål fra elev")
        verbose_name_plural = _("spørsmål fra elever")
        indexes = [models.Index(fields=["school", "asked_at"], name="pupil_question_school_hour")]

    def __str__(self) -> str:
        return f"Spørsmål fra elev {self.pk}"


class QuestionTally(models.Model):
    """Questions asked at a school in a month, by topic, and whether they were hidden as
    abuse. Kept after the questions are deleted; holds no text."""

    school = models.ForeignKey("people.School", on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("måned"))
    topic = models.CharField(_("tema"), max_length=40)
    hidden = models.BooleanField(_("skjult"), default=False)
    count = models.PositiveIntegerField(_("antall"), default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["school", "month", "topic", "hidden"], name="question_tally_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.topic}: {self.count}"
