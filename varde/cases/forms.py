from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from varde.cases.models import Case
from varde.people.forms import StyledForm


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
    who_knows = forms.CharField(
        label=_("Hvem andre vet om dette?"), max_length=2000, required=False
    )
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
    attendees = forms.CharField(label=_("Hvem deltar?"), max_length=500)
    trusted_adult = forms.CharField(
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
    )
    weighing = forms.CharField(
        label=_("Hvordan er elevens syn vektlagt ut fra alder og modenhet?"),
        help_text=_("Barnekonvensjonen artikkel 12: barnets rett til å bli hørt."),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=20_000,
    )
