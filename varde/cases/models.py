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
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("koordinator"),
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    archive_sha256 = models.CharField(max_length=64, blank=True)
    # The day the working copy is removed, from the plan's retention rules.
    purge_after = models.DateField(null=True, blank=True, db_index=True)
    level = models.PositiveSmallIntegerField(_("nivå i Lunnermodellen"), default=0)
    # When the case reached its current level; the level's deadlines count from here.
    level_since = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(_("opprettet"))
    observed = EncryptedTextField(_("hva har du sett eller hørt?"))
    observed_on = models.DateField(_("når så du det sist?"))
    # Short answers, sealed like the notes: a person types what they like about the pupil
    # there. The forms keep their lengths (a sealed token is longer than its text).
    place = EncryptedTextField(_("hvor"), blank=True)
    duration = EncryptedTextField(_("hvor lenge har du vært bekymret?"), blank=True)
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
    # The service the participant comes from (a key in the plan's services),
    # empty for the school's own staff.
    service = models.CharField(max_length=50, blank=True)
    # Set when the participant was let in without consent, on a legal basis.
    legal_basis = models.CharField(max_length=50, blank=True)
    legal_reason = EncryptedTextField(blank=True)
    # When the invited person first opened the case: until then the invitation is a notice
    # on their start page, case list and notice list.
    seen_at = models.DateTimeField(null=True, blank=True)

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
        HANDOVER_OFFERED = "handover_offered", _("Overføring foreslått")
        HANDOVER_ACCEPTED = "handover_accepted", _("Saken er overtatt")
        HANDOVER_DECLINED = "handover_declined", _("Overføring avslått")
        PARENTS_DECIDED = "parents_decided", _("Foreldreinvolvering vurdert")
        PARENTS_CONTACTED = "parents_contacted", _("Kontakt med foresatte")
        DECISION = "decision", _("Beslutning")
        MEASURE_ADDED = "measure_added", _("Tiltak avtalt")
        MEASURE_EVALUATED = "measure_evaluated", _("Tiltak evaluert")
        COORDINATOR = "coordinator", _("Koordinator oppnevnt")
        ADVICE_ASKED = "advice_asked", _("Råd spurt om")
        ADVICE_ANSWERED = "advice_answered", _("Råd gitt")
        CONSENT_GIVEN = "consent_given", _("Samtykke registrert")
        CONSENT_WITHDRAWN = "consent_withdrawn", _("Samtykke trukket tilbake")
        REFERRAL = "referral", _("Henvisning")
        SHARED_BY_LAW = "shared_by_law", _("Delt uten samtykke etter lov")
        CLOSED = "closed", _("Saken er avsluttet")
        ARCHIVED = "archived", _("Arkivert")
        ARCHIVE_SENT = "archive_sent", _("Sendt til arkivet")
        ARCHIVE_RECEIVED = "archive_received", _("Mottatt av arkivet")
        ARCHIVE_REFUSED = "archive_refused", _("Avvist av arkivet")
        CONCERN_WRITTEN = "concern_written", _("Bekymringsmelding skrevet")
        CONCERN_APPROVED = "concern_approved", _("Bekymringsmelding godkjent")
        CONCERN_SENT = "concern_sent", _("Bekymringsmelding sendt")
        CONCERN_RECEIVED = "concern_received", _("Barneverntjenesten har bekreftet mottak")
        CONCERN_ANSWERED = "concern_answered", _("Svar fra barneverntjenesten")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    summary = EncryptedTextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind_label} {self.at:%Y-%m-%d %H:%M}"

    @property
    def kind_label(self) -> str:
        """The kind's label. get_kind_display builds a dict of every choice on each call, which
        a chronology of many lines pays for on every line."""
        try:
            return str(self.Kind(self.kind).label)
        except ValueError:
            return self.kind


class Conversation(models.Model):
    """The wondering conversation (undringssamtale) with the pupil: planned, then recorded.

    The pupil's own view is kept in the pupil's words, with how it was weighed
    given age and maturity (the Convention on the Rights of the Child, art. 12).
    """

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="conversation")
    planned_for = models.DateTimeField(_("tidspunkt"))
    attendees = EncryptedTextField(_("hvem deltar"))
    trusted_adult = EncryptedTextField(_("voksen eleven tar med seg"), blank=True)
    held_at = models.DateTimeField(_("gjennomført"), null=True, blank=True)
    what_was_said = EncryptedTextField(_("hva ble sagt"), blank=True)
    pupil_view = EncryptedTextField(_("elevens syn, med elevens egne ord"), blank=True)
    # Why the pupil's view is empty: a key of the plan's casework.conversation.no_view_reasons.
    no_view_reason = models.CharField(max_length=50, blank=True)
    weighing = EncryptedTextField(_("hvordan elevens syn er vektlagt"), blank=True)
    version = models.PositiveIntegerField(default=1)

    def __str__(self) -> str:
        return f"Undringssamtale i sak {self.case_id}"

    @property
    def pupil_view_in_quotes(self) -> bool:
        """Whether the pupil's words stand in quotation marks already, so that a page adds
        none of its own."""
        text = self.pupil_view.strip()
        return len(text) > 1 and text[0] in "«\"“„'" and text[-1] in "»\"”'"


class Handover(models.Model):
    """Ownership offered to a colleague; it moves only when they accept (stafettlogg)."""

    class State(models.TextChoices):
        WAITING = "waiting", _("Venter på svar")
        ACCEPTED = "accepted", _("Godtatt")
        DECLINED = "declined", _("Avslått")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="handovers")
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="handovers_offered"
    )
    offered_at = models.DateTimeField()
    message = EncryptedTextField(blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.WAITING)
    answered_at = models.DateTimeField(null=True, blank=True)
    # Set when the pupil has moved to another school in the municipality: accepted, the case
    # moves there, and the old school keeps no access.
    to_school = models.ForeignKey(
        "people.School", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["offered_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(state="waiting"),
                name="handover_one_waiting_per_case",
            )
        ]

    def __str__(self) -> str:
        return f"Overføring i sak {self.case_id}"


class ParentDecision(models.Model):
    """How and when the guardians are involved, and why (in consultation with the pupil)."""

    class Choice(models.TextChoices):
        INFORM_NOW = "inform_now", _("Skolen informerer foresatte nå")
        PUPIL_FIRST = "pupil_first", _("Eleven forteller det selv først")
        NOT_NOW = "not_now", _("Foresatte informeres ikke nå")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="parent_decisions")
    decided_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    choice = models.CharField(max_length=20, choices=Choice.choices)
    # Keys of the plan's situations where the school must inform regardless.
    obligations = models.JSONField(default=list, blank=True)
    pupil_age = models.PositiveSmallIntegerField()
    maturity = EncryptedTextField(blank=True)
    pupil_wishes = EncryptedTextField(blank=True)
    reason = EncryptedTextField()
    # Who is to be told (guardians from the register) and who at school tells them.
    tell = models.ManyToManyField("people.Guardian", blank=True, related_name="+")
    told_by = EncryptedTextField(blank=True)

    class Meta:
        ordering = ["decided_at", "pk"]

    def __str__(self) -> str:
        return f"Foreldreinvolvering i sak {self.case_id}"


class ParentContact(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="parent_contacts")
    at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Interpreter(models.TextChoices):
        QUALIFIED = "qualified", _("Kvalifisert tolk ble brukt")
        NONE = "none", _("Ingen tolk ble brukt")

    with_whom = EncryptedTextField()
    # The guardian reached, when chosen from the register.
    guardian = models.ForeignKey(
        "people.Guardian", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    channel = models.CharField(max_length=50)
    summary = EncryptedTextField()
    interpreter = models.CharField(max_length=10, choices=Interpreter.choices, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"Kontakt med foresatte i sak {self.case_id}"


class Decision(models.Model):
    """A decision at a level of Lunnermodellen (close, continue, escalate, report)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="decisions")
    decided_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    key = models.CharField(max_length=50)  # a key in the plan's casework.decisions
    from_level = models.PositiveSmallIntegerField()
    to_level = models.PositiveSmallIntegerField()
    reason = EncryptedTextField()
    legal_basis = models.CharField(max_length=50, blank=True)
    # When a case is closed with no decision on involving the guardians: why none was made.
    no_parents_reason = EncryptedTextField(blank=True)

    class Meta:
        ordering = ["decided_at", "pk"]

    def __str__(self) -> str:
        return f"Beslutning {self.key} i sak {self.case_id}"


class Measure(models.Model):
    """A measure (tiltak) with goal, responsible person and evaluation: the stafettlogg."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="measures")
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    level = models.PositiveSmallIntegerField()
    description = EncryptedTextField()
    goal = EncryptedTextField()
    # Who is responsible: a member of staff (reminded, and sees it on the start page), or a
    # person outside the school by name and how to reach them. The name is kept in either case.
    responsible_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="measures_responsible",
        null=True,
        blank=True,
    )
    responsible = EncryptedTextField()
    evaluate_on = models.DateField()
    evaluation = EncryptedTextField(blank=True)
    evaluated_at = models.DateTimeField(null=True, blank=True)
    evaluated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["evaluate_on", "pk"]
        indexes = [models.Index(fields=["evaluated_at", "evaluate_on"])]

    def __str__(self) -> str:
        return f"Tiltak i sak {self.case_id}"


class AdviceRequest(models.Model):
    """A question to the school's Kjentmann or nurse, named or anonymous.

    When anonymous, the adviser sees the question and the pupil's age band, never who it is.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="advice_requests")
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    adviser = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="advice_requests"
    )
    anonymous = models.BooleanField(default=True)
    age_band = models.CharField(max_length=20)
    asked_at = models.DateTimeField()
    question = EncryptedTextField()
    answer = EncryptedTextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-asked_at", "pk"]

    def __str__(self) -> str:
        return f"Spørsmål om råd {self.pk}"


class Consent(models.Model):
    """Consent to share something about a pupil with a service, for a period."""

    class Giver(models.TextChoices):
        PUPIL = "pupil", _("Eleven")
        GUARDIAN = "guardian", _("Foresatt")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="consents")
    giver = models.CharField(max_length=10, choices=Giver.choices)
    giver_name = EncryptedTextField()
    # The guardian who consented, when chosen from the register.
    guardian = models.ForeignKey(
        "people.Guardian", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    service = models.CharField(max_length=50)  # a key in the plan's services
    scope = EncryptedTextField()
    valid_from = models.DateField()
    valid_until = models.DateField()
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["service", "valid_from", "pk"]

    def __str__(self) -> str:
        return f"Samtykke {self.service} i sak {self.case_id}"


class Referral(models.Model):
    """A referral (henvisning) or report to a service outside the school."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="referrals")
    service = models.CharField(max_length=50)
    made_at = models.DateTimeField()
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # Keys of the plan's requirements for this service that were confirmed.
    requirements_met = models.JSONField(default=list, blank=True)
    legal_basis = models.CharField(max_length=50, blank=True)
    reason = EncryptedTextField()

    class Meta:
        ordering = ["made_at", "pk"]

    def __str__(self) -> str:
        return f"Henvisning til {self.service} i sak {self.case_id}"


class CaseRemoval(models.Model):
    """What is left of a case after its working copy was removed: no personal data."""

    case_id_removed = models.PositiveIntegerField(unique=True)
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField()
    archived_at = models.DateTimeField()
    archive_sha256 = models.CharField(max_length=64)
    # The removal day, and the plan's rule that set it: days after the package was made.
    purge_after = models.DateField(null=True, blank=True)
    retention_days = models.PositiveIntegerField(null=True, blank=True)
    # The archive's reference (journal or case number) from its receipt, or as confirmed by hand.
    archive_reference = models.CharField(max_length=200, blank=True)
    removed_at = models.DateTimeField()

    class Meta:
        ordering = ["-removed_at", "-pk"]
        indexes = [models.Index(fields=["school", "removed_at"])]

    def __str__(self) -> str:
        return f"Slettet sak {self.case_id_removed}"


class ArchiveDelivery(models.Model):
    """The hand-off of a case's package to the municipality's archive, until the archive's
    receipt. The working copy is removed only once the delivery is received."""

    class Transport(models.TextChoices):
        DOWNLOAD = "download", _("Nedlasting og manuell opplasting")
        FOLDER = "folder", _("Arkivsystemets importmappe")
        FIKS_IO = "fiks_io", _("Fiks IO")

    class State(models.TextChoices):
        WAITING = "waiting", _("Venter på sending")
        SENT = "sent", _("Sendt, venter på kvittering")
        RECEIVED = "received", _("Mottatt av arkivet")
        REFUSED = "refused", _("Avvist av arkivet")
        FAILED = "failed", _("Ikke levert, prøves igjen")

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="delivery")
    transport = models.CharField(max_length=10, choices=Transport.choices)
    state = models.CharField(max_length=10, choices=State.choices, default=State.WAITING)
    created_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    # When the next send (or retry) is due; empty when nothing is to be sent automatically.
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    received_at = models.DateTimeField(null=True, blank=True)
    # The archive's reference: the case number and the journal numbers of its entries.
    reference = models.CharField(max_length=200, blank=True)
    # Set when a person confirmed the reference by hand (download, or a folder with no receipt).
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The archive's or the transport's last error, as it said it.
    error = EncryptedTextField(blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        indexes = [models.Index(fields=["state", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"Arkivlevering for sak {self.case_id}"


class ArchiveMessage(models.Model):
    """One arkivmelding of a delivery: the case folder with its first journal entry, or one
    more journal entry in it. Each gets its own receipt."""

    delivery = models.ForeignKey(ArchiveDelivery, on_delete=models.CASCADE, related_name="messages")
    number = models.PositiveSmallIntegerField()
    # Fiks IO's id of the last send of this message; replies name it in "svar-til".
    message_id = models.UUIDField(null=True, blank=True, unique=True)
    received_at = models.DateTimeField(null=True, blank=True)
    reference = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["delivery", "number"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="archive_message_number")
        ]

    def __str__(self) -> str:
        return f"Arkivmelding {self.number} for levering {self.delivery_id}"


class ConcernReport(models.Model):
    """A report of concern (bekymringsmelding) to the child welfare service, from the case,
    in the structure of the national form for public employees, followed until received."""

    class Channel(models.TextChoices):
        PORTAL = "portal", _("Den nasjonale digitale bekymringsmeldingen")
        LETTER = "letter", _("Brev")
        IN_PERSON = "in_person", _("Levert personlig")

    class Answer(models.TextChoices):
        OPENED = "opened", _("Barneverntjenesten har åpnet undersøkelse")
        CLOSED = "closed", _("Barneverntjenesten har henlagt meldingen")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="concern_reports")
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    legal_basis = models.CharField(max_length=50)
    urgent = models.BooleanField(default=False)
    # What the school has seen and heard, and what it has done: the form's two main fields.
    seen = EncryptedTextField()
    done = EncryptedTextField(blank=True)
    # Whether the guardians know of the report, and if not, why.
    guardians_informed = EncryptedTextField(blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices, blank=True)
    # The child welfare service's receipt: its number and when the school got it.
    receipt_number = EncryptedTextField(blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    received_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answer = models.CharField(max_length=10, choices=Answer.choices, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["sent_at", "received_at"])]

    def __str__(self) -> str:
        return f"Bekymringsmelding {self.pk} i sak {self.case_id}"
