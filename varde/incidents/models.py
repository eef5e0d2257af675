"""Acute incidents: a pupil intoxicated at school, or suspected drug sale at or near it.

Each is recorded as it happens: who started it and when, each step of the plan's
routine ticked with the time and who did it, the duty-to-avert decision, the call
to the police, and for an intoxicated pupil the next-day follow-up with the adult
the pupil chose. A sale with no pupil identified holds no personal data.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from varde.lib.fields import EncryptedTextField
from varde.people.models import Municipality, Pupil, School


class Incident(models.Model):
    class Kind(models.TextChoices):
        # The keys of the plan's routines.
        INTOXICATED = "intoxicated", _("Elev ruset på skolen")
        DRUG_SALE = "drug_sale", _("Mistanke om salg av rusmidler")

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="incidents")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reported_incidents"
    )
    started_at = models.DateTimeField()
    pupil = models.ForeignKey(
        Pupil, on_delete=models.PROTECT, null=True, blank=True, related_name="incidents"
    )
    case = models.ForeignKey(
        "cases.Case", on_delete=models.SET_NULL, null=True, blank=True, related_name="incidents"
    )
    # Sent with the form that starts the incident, so a resubmission finds the same row.
    client_token = models.UUIDField(unique=True, default=uuid.uuid4)
    notes = EncryptedTextField(_("kort om hva som skjedde"), blank=True)
    police_called_at = models.DateTimeField(null=True, blank=True)
    # Sealed: a case number at the police ties the pupil to a police matter.
    police_reference = EncryptedTextField(_("referanse fra politiet"), blank=True)
    # The duty to avert: decided, with whom was alerted and why.
    # A key of the plan's avert options, kept as text so each municipality names its own.
    avert_option = models.CharField(max_length=50, blank=True)
    avert_alerted = models.BooleanField(null=True, blank=True)
    avert_reason = EncryptedTextField(_("begrunnelse"), blank=True)
    avert_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    avert_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("hendelse")
        verbose_name_plural = _("hendelser")
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["school", "started_at"])]

    def __str__(self) -> str:
        return f"Hendelse {self.pk}"


class StepTick(models.Model):
    """One step of the routine done: when, by whom, with a short note."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="ticks")
    key = models.CharField(max_length=50)
    # When it was recorded; kept as it was. `happened_at` is the time the person gave for when
    # it happened ("Ringte mor 12:40", recorded at 12:34), when that is another minute.
    done_at = models.DateTimeField()
    happened_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    note = EncryptedTextField(_("kort notat"), blank=True)

    class Meta:
        ordering = ["done_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "key"], name="step_tick_once_per_step")
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.done_at:%H:%M}"

    @property
    def when(self) -> dt.datetime:
        """When the step happened: the time given, or else the time it was recorded."""
        return self.happened_at or self.done_at


class FollowUp(models.Model):
    """The conversation with the pupil on the next school day, with the adult the pupil chose."""

    incident = models.OneToOneField(Incident, on_delete=models.CASCADE, related_name="follow_up")
    adult = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incident_follow_ups",
        verbose_name=_("voksen eleven vil snakke med"),
    )
    due_on = models.DateField()
    created_at = models.DateTimeField()
    held_at = models.DateTimeField(null=True, blank=True)
    held_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    pupil_words = EncryptedTextField(_("det eleven sa, med elevens egne ord"), blank=True)
    next_steps = EncryptedTextField(_("det eleven og skolen ble enige om videre"), blank=True)

    class Meta:
        indexes = [models.Index(fields=["held_at", "due_on"])]

    def __str__(self) -> str:
        return f"Oppfølging {self.due_on}"


class SubmissionToken(models.Model):
    """A form's one-time token: a repeated POST of the same form saves nothing the second time."""

    token = models.UUIDField(unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    used_at = models.DateTimeField()

    def __str__(self) -> str:
        return str(self.token)
