from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from varde.cases.models import Case, ConcernReport, ParentContact, ParentDecision
from varde.people.forms import NameField, StyledForm
from varde.people.models import Guardian


class WorryForm(StyledForm):
    observed = forms.CharField(
        label=_("Hva har du sett eller hørt?"),
        help_text=_("Beskriv konkret det du har observert, med datoer. Fakta, ikke konklusjoner."),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=20_000,
    )
    observed_on = forms.DateField(
        label=_("Når så du det sist?"),
        help_text=_("Dato, for eksempel 27.11.2026."),
        input_formats=["%d.%m.%Y", "%Y-%m-%d"],
    )
    place = forms.CharField(label=_("Hvor?"), max_length=200, required=False)
    duration = forms.CharField(
        label=_("Hvor lenge har du vært bekymret?"), max_length=200, required=False
    )
    earlier_worries = forms.CharField(
        label=_("Tidligere bekymringer"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=20_000,
        required=False,
    )
    seriousness = forms.TypedChoiceField(
        label=_("Hvor alvorlig kjennes det?"),
        choices=Case.Seriousness.choices,
        coerce=int,
        widget=forms.RadioSelect,
    )
    who_knows = NameField(label=_("Hvem andre vet om dette?"), max_length=2000, required=False)
    parents_thoughts = forms.CharField(
        label=_("Første tanker om å involvere foresatte"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=20_000,
        required=False,
    )

    def clean_observed_on(self) -> dt.date:
        day = self.cleaned_data["observed_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("Datoen kan ikke være fram i tid."))
        return day


class ConversationPlanForm(StyledForm):
    planned_for = forms.DateTimeField(
        label=_("Når?"),
        help_text=_("Dato og klokkeslett, for eksempel 02.12.2026 10:15."),
        input_formats=["%d.%m.%Y %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    attendees = NameField(label=_("Hvem deltar?"), max_length=500)
    trusted_adult = NameField(
        label=_("Voksen eleven tar med seg (valgfritt)"),
        help_text=_("Eleven kan ta med seg en voksen hen stoler på."),
        max_length=200,
        required=False,
    )


class ConversationRecordForm(StyledForm):
    what_was_said = forms.CharField(
        label=_("Hva ble sagt?"), widget=forms.Textarea(attrs={"rows": 5}), max_length=20_000
    )
    pupil_view = forms.CharField(
        label=_("Elevens syn – med elevens egne ord"),
        help_text=_("Skriv det eleven sa, så nær elevens ord som mulig."),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=20_000,
        required=False,
    )
    no_view_reason = forms.ChoiceField(
        label=_("Har eleven ikke sagt noe om saken? Velg hvorfor."),
        widget=forms.RadioSelect,
        required=False,
    )
    weighing = forms.CharField(
        label=_("Hvordan er elevens syn vektlagt ut fra alder og modenhet?"),
        help_text=_("Barnekonvensjonen artikkel 12: barnets rett til å bli hørt."),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=20_000,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(
        self, *args: object, no_view_reasons: list[tuple[str, str]], **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["no_view_reason"].choices = no_view_reasons

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if str(data.get("pupil_view") or "").strip():
            data["no_view_reason"] = ""
        elif not data.get("no_view_reason") and "pupil_view" not in self.errors:
            # The pupil's silence is also their voice, but it is written down why.
            self.add_error(
                "pupil_view",
                _("Skriv elevens syn, eller velg hvorfor eleven ikke har sagt noe."),
            )
        return data


class HandoverForm(StyledForm):
    to_user = forms.TypedChoiceField(label=_("Hvem skal overta saken?"), coerce=int)
    message = forms.CharField(
        label=_("Melding til kollegaen (valgfritt)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5_000,
        required=False,
    )

    def __init__(self, *args: object, colleagues: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["to_user"].choices = [("", _("Velg en kollega")), *colleagues]


class ParentDecisionForm(StyledForm):
    choice = forms.ChoiceField(
        label=_("Hva er bestemt?"),
        choices=ParentDecision.Choice.choices,
        widget=forms.RadioSelect,
    )
    obligations = forms.MultipleChoiceField(
        label=_("Skolen må informere foresatte uansett når:"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    pupil_wishes = forms.CharField(
        label=_("Hva ønsker eleven?"),
        help_text=_("Skal eleven få fortelle det selv først? Er det hensyn å ta?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=20_000,
        required=False,
    )
    maturity = forms.CharField(
        label=_("Alder og modenhet"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=20_000,
        required=False,
    )
    reason = forms.CharField(
        label=_("Begrunnelse"), widget=forms.Textarea(attrs={"rows": 3}), max_length=20_000
    )
    tell = forms.MultipleChoiceField(
        label=_("Hvem skal få vite det?"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    told_by = NameField(
        label=_("Hvem ved skolen forteller det?"),
        max_length=200,
        required=False,
        help_text=_("For eksempel kontaktlæreren, sammen med eleven."),
    )

    def __init__(
        self,
        *args: object,
        must_inform: list[tuple[str, str]],
        guardians: Sequence[Guardian] = (),
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["obligations"].choices = must_inform
        # A guardian who must not be contacted about the pupil is not offered.
        self.fields["tell"].choices = [
            (str(g.pk), f"{g.name} ({g.get_relation_display().lower()})")
            for g in guardians
            if g.may_be_called
        ]
        if not self.fields["tell"].choices:
            del self.fields["tell"]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("obligations") and data.get("choice") == ParentDecision.Choice.NOT_NOW:
            self.add_error(
                "choice", _("Skolen må informere foresatte i situasjonene du har krysset av.")
            )
        return data


class ParentContactForm(StyledForm):
    CHANNELS = [
        ("telefon", _("Telefon")),
        ("møte", _("Møte")),
        ("e-post", _("E-post")),
        ("brev", _("Brev")),
    ]
    at = forms.DateTimeField(
        label=_("Når?"),
        help_text=_("Dato og klokkeslett, for eksempel 02.12.2026 10:15."),
        input_formats=["%d.%m.%Y %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    guardian = forms.ChoiceField(label=_("Hvem nådde du?"), required=False)
    with_whom = NameField(
        label=_("Med hvem?"),
        max_length=200,
        required=False,
        help_text=_("Navnet, når det er en annen enn en av de foresatte over."),
    )
    channel = forms.ChoiceField(label=_("Hvordan?"), choices=CHANNELS)
    summary = forms.CharField(
        label=_("Hva ble sagt og avtalt?"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=20_000,
    )
    interpreter = forms.ChoiceField(
        label=_("Tolk"),
        required=False,
        choices=[("", _("Ikke aktuelt")), *ParentContact.Interpreter.choices],
    )

    def __init__(self, *args: object, guardians: Sequence[Guardian] = (), **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.guardians = {str(g.pk): g for g in guardians if g.may_be_called}
        self.fields["guardian"].choices = [
            ("", _("En annen (skriv navnet)")),
            *(
                (key, f"{g.name} ({g.get_relation_display().lower()})")
                for key, g in self.guardians.items()
            ),
        ]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        guardian = self.guardians.get(str(data.get("guardian") or ""))
        data["guardian"] = guardian
        if guardian is None and not data.get("with_whom") and "with_whom" not in self.errors:
            self.add_error("with_whom", _("Velg hvem du nådde, eller skriv navnet."))
        if guardian is not None and guardian.needs_interpreter and not data.get("interpreter"):
            self.add_error(
                "interpreter",
                _("%(name)s trenger tolk. Velg om det ble brukt kvalifisert tolk.")
                % {"name": guardian.name},
            )
        return data

    def clean_at(self) -> dt.datetime:
        at = self.cleaned_data["at"]
        if at > timezone.now() + dt.timedelta(minutes=5):
            raise forms.ValidationError(_("Tidspunktet kan ikke være fram i tid."))
        return at


class DecisionForm(StyledForm):
    key = forms.ChoiceField(label=_("Hva er besluttet?"), widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("Begrunnelse"),
        help_text=_("Hva bygger beslutningen på? Ta med elevens syn."),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=20_000,
    )
    no_parents_reason = forms.CharField(
        label=_("Hvorfor er foreldreinvolvering ikke vurdert?"),
        help_text=_("Trengs bare for å avslutte saken uten en vurdering av foreldreinvolvering."),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=20_000,
        required=False,
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: object, decisions: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["key"].choices = decisions


class MeasureForm(StyledForm):
    description = forms.CharField(
        label=_("Tiltak"), widget=forms.Textarea(attrs={"rows": 3}), max_length=20_000
    )
    goal = forms.CharField(
        label=_("Mål"),
        help_text=_("Hva skal være annerledes når tiltaket virker?"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=20_000,
    )
    responsible_user = forms.TypedChoiceField(
        label=_("Hvem er ansvarlig?"),
        help_text=_("Får påminnelse før evalueringen og ser tiltaket på startsiden sin."),
        coerce=int,
        empty_value=None,
        required=False,
    )
    responsible = NameField(
        label=_("Eller en person utenfor skolen"),
        help_text=_("Navn og hvordan hen nås, for eksempel «Helsesykepleier Kari, 400 00 000»."),
        max_length=200,
        required=False,
    )
    evaluate_on = forms.DateField(
        label=_("Evalueres"),
        help_text=_("Dato, for eksempel 15.01.2027."),
        input_formats=["%d.%m.%Y", "%Y-%m-%d"],
    )

    def __init__(self, *args: object, people: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["responsible_user"].choices = [("", _("Velg en ansatt")), *people]

    def clean_evaluate_on(self) -> dt.date:
        day = self.cleaned_data["evaluate_on"]
        if day < timezone.localdate():
            raise forms.ValidationError(_("Evalueringsdatoen kan ikke være passert."))
        return day

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        chosen = data.get("responsible_user")
        named = str(data.get("responsible") or "").strip()
        if not chosen and not named and "responsible" not in self.errors:
            self.add_error(
                "responsible_user",
                _("Velg hvem som er ansvarlig, eller skriv navnet på en person utenfor skolen."),
            )
        return data


class MeasureEvaluationForm(StyledForm):
    evaluation = forms.CharField(
        label=_("Hvordan virket tiltaket?"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=20_000,
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class CoordinatorForm(StyledForm):
    user = forms.TypedChoiceField(label=_("Koordinator"), coerce=int)

    def __init__(self, *args: object, people: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["user"].choices = [("", _("Velg en person")), *people]


class ConcernForm(StyledForm):
    """The report of concern, in the order of the national form for public employees."""

    urgent = forms.BooleanField(
        label=_("Det haster: barnet kan trenge hjelp straks"),
        help_text=_("Haster det utenom åpningstid, ring barnevernsvakten i tillegg."),
        required=False,
    )
    seen = forms.CharField(
        label=_("Hva er skolen bekymret for?"),
        help_text=_("Det skolen har sett og hørt, med datoer. Fakta, ikke konklusjoner."),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=20_000,
    )
    done = forms.CharField(
        label=_("Hva har skolen gjort?"),
        help_text=_("Samtaler, tiltak og samarbeid, med datoer."),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=20_000,
        required=False,
    )
    guardians_informed = forms.CharField(
        label=_("Er foreldrene informert om meldingen?"),
        help_text=_("Hvis ikke: skriv hvorfor, for eksempel at det kan skade barnet."),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5_000,
        required=False,
    )
    legal_basis = forms.ChoiceField(label=_("Hjemmel"), widget=forms.RadioSelect)

    def __init__(self, *args: object, bases: Sequence[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["legal_basis"].choices = list(bases)
        if len(bases) == 1:
            self.fields["legal_basis"].initial = bases[0][0]


class ConcernSentForm(StyledForm):
    channel = forms.ChoiceField(
        label=_("Hvordan ble meldingen sendt?"),
        choices=ConcernReport.Channel.choices,
        widget=forms.RadioSelect,
    )
    sent_at = forms.DateTimeField(
        label=_("Når ble den sendt?"),
        help_text=_("Dato og klokkeslett, for eksempel 27.11.2026 14:30."),
        input_formats=["%d.%m.%Y %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )


class ConcernReceiptForm(StyledForm):
    receipt_number = forms.CharField(
        label=_("Kvitteringsnummer eller referanse fra barneverntjenesten"),
        max_length=100,
    )


class ConcernAnswerForm(StyledForm):
    answer = forms.ChoiceField(
        label=_("Hva svarte barneverntjenesten?"),
        choices=ConcernReport.Answer.choices,
        widget=forms.RadioSelect,
    )


class ArchiveReferenceForm(StyledForm):
    reference = forms.CharField(
        label=_("Arkivets referanse"),
        help_text=_("Saksnummer eller journalpostnummer i arkivet, for eksempel 2026/1234."),
        max_length=200,
    )
