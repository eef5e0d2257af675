"""The year plan (årshjul): meetings per school, school year and grade; calendar feeds;
what staff know (Kjentmann training, the nurse's days); and who has read the routines.

Nothing here is meant to be about a pupil, but what staff type freely (a meeting's place,
contributors and notes, a member of staff's days at school) is sealed like the notes of a
case: a note about a meeting can name a pupil as easily as a note about a case.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from varde.lib.fields import EncryptedTextField
from varde.people.models import School
from varde.plan.models import PlanVersion


class YearEvent(models.Model):
    """One parent meeting or pupil talk for one grade at one school in one school year.

    Rolled from the plan's template (template_key) and then adjusted by the school;
    `sequence` goes up on every change so calendar programs replace their copy.
    """

    class Kind(models.TextChoices):
        PARENT_MEETING = "parent_meeting", _("Foreldremøte")
        PUPIL_TALK = "pupil_talk", _("Elevforedrag")

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="year_events")
    # The autumn year the school year starts: 2027 is August 2027 to June 2028.
    school_year = models.PositiveSmallIntegerField(_("skoleår"))
    template_key = models.CharField(max_length=64)
    grade = models.PositiveSmallIntegerField(_("trinn"))
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("tittel"), max_length=200)
    theme = models.TextField(_("tema"), max_length=2000)
    called_by = models.CharField(_("hvem innkaller"), max_length=500)
    contributors = EncryptedTextField(_("hvem bidrar med hva"), blank=True)
    starts_at = models.DateTimeField(_("tidspunkt"))
    duration_minutes = models.PositiveSmallIntegerField(_("varighet i minutter"), default=60)
    place = EncryptedTextField(_("sted"), blank=True)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="year_events",
        verbose_name=_("ansvarlig"),
    )
    notes = EncryptedTextField(_("notater"), blank=True)
    # Who leads the meeting when it is someone outside Varde (the police contact, a speaker).
    leader_name = EncryptedTextField(_("leder utenfra"), blank=True)
    cancelled = models.BooleanField(_("avlyst"), default=False)
    # Shown, with time, place and theme, on the public page for parents and in its calendar.
    public = models.BooleanField(_("vises på foreldresiden"), default=False)
    sequence = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("møte i årshjulet")
        verbose_name_plural = _("møter i årshjulet")
        ordering = ["starts_at", "grade"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "school_year", "template_key", "grade"],
                name="year_event_once_per_template_and_grade",
            ),
            models.CheckConstraint(
                condition=Q(grade__gte=1) & Q(grade__lte=13), name="year_event_grade_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} – {self.grade}. trinn"

    @property
    def ends_at(self) -> dt.datetime:
        return self.starts_at + dt.timedelta(minutes=self.duration_minutes)


class CalendarFeed(models.Model):
    """A secret address a calendar program subscribes to: a school's meetings, or a person's.

    The token is looked up by its SHA-256 and kept sealed to show its owner the address again.
    Revoking sets revoked_at; the address then answers 404 like one that never existed.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    # A school's feed when set; otherwise the owner's own meetings.
    school = models.ForeignKey(
        School, on_delete=models.CASCADE, null=True, blank=True, related_name="calendar_feeds"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    token = EncryptedTextField()
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("kalenderabonnement")
        ordering = ["school__name", "pk"]

    def __str__(self) -> str:
        return f"{self.owner} – {self.school or '–'}"


class StaffCompetence(models.Model):
    """What the school should know about a member of staff: Kjentmann training, nurse's days."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="competences"
    )
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="competences")
    trained_on = models.DateField(_("Kjentmann-kurs fullført"), null=True, blank=True)
    days_at_school = EncryptedTextField(_("dager på skolen"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "school"], name="competence_once_per_school")
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.school}"


class RoutinesRead(models.Model):
    """A member of staff confirmed having read the routines of one plan version."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="routines_read"
    )
    plan_version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "plan_version"], name="routines_read_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.plan_version}"
