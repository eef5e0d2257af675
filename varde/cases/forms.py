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
