from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from varde.lib.fields import EncryptedTextField
from varde.people.models import Municipality, Pupil, School


class Case(models.Model):
    """A worry about a pupil (undring), from the first form to the archive."""

    class Status(models.TextChoices):
        OPEN = "open", _("Åpen")
        CLOSED = "closed", _("Avsluttet")

    class Seriousness(models.IntegerChoices):
        LOW = 1, _("1 – en liten undring")
        SOME = 2, _("2 – noe bekymret")
        MEDIUM = 3, _("3 – bekymret")
        HIGH = 4, _("4 – svært bekymret")
        URGENT = 5, _("5 – alvorlig, haster")

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="cases")
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="cases")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_cases"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    level = models.PositiveSmallIntegerField(_("nivå i Lunnermodellen"), default=0)
    opened_at = models.DateTimeField(_("opprettet"))
    observed = EncryptedTextField(_("hva har du sett eller hørt?"))
    observed_on = models.DateField(_("når så du det sist?"))
    place = models.CharField(_("hvor"), max_length=200, blank=True)
    duration = models.CharField(_("hvor lenge har du vært bekymret?"), max_length=200, blank=True)
    earlier_worries = EncryptedTextField(_("tidligere bekymringer"), blank=True)
    seriousness = models.PositiveSmallIntegerField(
        _("hvor alvorlig kjennes det?"), choices=Seriousness.choices
    )
    who_knows = EncryptedTextField(_("hvem andre vet om dette?"), blank=True)
    parents_thoughts = EncryptedTextField(_("første tanker om å involvere foresatte"), blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("sak")
        verbose_name_plural = _("saker")
        ordering = ["-opened_at"]
        indexes = [models.Index(fields=["school", "status"])]

    def __str__(self) -> str:
        return f"Sak {self.pk}"


class CaseParticipant(models.Model):
    """Someone invited into a case (Kjentmann, nurse, PPT, LOS ...); they see it from then on."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    invited_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "user"], name="case_participant_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} i sak {self.case_id}"


class CaseEvent(models.Model):
    """One line of the chronology: what happened on the case, when and by whom."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("Undring registrert")
        CONVERSATION_PLANNED = "conversation_planned", _("Undringssamtale planlagt")
        CONVERSATION_HELD = "conversation_held", _("Undringssamtale gjennomført")
        NOTE = "note", _("Notat")
        INVITED = "invited", _("Invitert inn i saken")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    summary = EncryptedTextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"


class Conversation(models.Model):
    """The wondering conversation (undringssamtale) with the pupil: planned, then recorded.

    The pupil's own view is kept in the pupil's words, with how it was weighed
    given age and maturity (the Convention on the Rights of the Child, art. 12).
    """

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="conversation")
    planned_for = models.DateTimeField(_("tidspunkt"))
    attendees = models.CharField(_("hvem deltar"), max_length=500)
    trusted_adult = models.CharField(_("voksen eleven tar med seg"), max_length=200, blank=True)
    held_at = models.DateTimeField(_("gjennomført"), null=True, blank=True)
    what_was_said = EncryptedTextField(_("hva ble sagt"), blank=True)
    pupil_view = EncryptedTextField(_("elevens syn, med elevens egne ord"), blank=True)
    weighing = EncryptedTextField(_("hvordan elevens syn er vektlagt"), blank=True)
    version = models.PositiveIntegerField(default=1)

    def __str__(self) -> str:
        return f"Undringssamtale i sak {self.case_id}"
