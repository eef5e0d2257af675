from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from varde.people.forms import NameField, StyledForm
from varde.people.models import School, User

DATE_FORMATS = ["%d.%m.%Y", "%Y-%m-%d"]


class RollForm(forms.Form):
    school_year = forms.IntegerField(min_value=2000, max_value=2100, widget=forms.HiddenInput)
    schools = forms.MultipleChoiceField(
        label=_("Skoler"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Velg minst én skole.")},
    )

    def __init__(self, *args: Any, schools: QuerySet[School], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["schools"].choices = [(str(s.pk), s.name) for s in schools]


class EventForm(StyledForm):
    day = forms.DateField(
        label=_("Dato"),
        help_text=_("For eksempel 15.09.2027."),
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(format="%d.%m.%Y"),
        error_messages={"invalid": _("Skriv datoen som dd.mm.åååå, for eksempel 15.09.2027.")},
    )
    time = forms.TimeField(
        label=_("Klokkeslett"),
        help_text=_("For eksempel 18:00."),
        input_formats=["%H:%M", "%H.%M"],
        widget=forms.TimeInput(format="%H:%M"),
        error_messages={"invalid": _("Skriv klokkeslettet som tt:mm, for eksempel 18:00.")},
    )
    duration_minutes = forms.IntegerField(
        label=_("Varighet i minutter"), min_value=15, max_value=600
    )
    place = forms.CharField(label=_("Sted"), max_length=200, required=False)
    responsible = forms.ModelChoiceField(
        label=_("Ansvarlig"),
        help_text=_("Får påminnelse før møtet og møtet i sin kalender."),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Ingen valgt"),
    )
    contributors = NameField(
        label=_("Hvem bidrar med hva"),
        help_text=_("Én per linje, for eksempel «Politiet: forteller om lokalsituasjonen»."),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        required=False,
    )
    leader_name = NameField(
        label=_("Ledes av noen utenfra (valgfritt)"),
        help_text=_(
            "Navn og hvordan de nås, for eksempel «Politikontakten Kari Nordmann, 400 00 000»."
        ),
        max_length=300,
        required=False,
    )
    notes = forms.CharField(
        label=_("Notater"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        required=False,
    )
    cancelled = forms.BooleanField(label=_("Møtet er avlyst"), required=False)
    public = forms.BooleanField(
        label=_("Vis møtet på foreldresiden, med tid, sted og tema"), required=False
    )
    sequence = forms.IntegerField(min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args: Any, people: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["responsible"].queryset = people
        self.fields["responsible"].widget.attrs["class"] = "ds-input"
        self.fields["cancelled"].widget.attrs["class"] = "ds-input"
        self.fields["public"].widget.attrs["class"] = "ds-input"


class FeedForm(forms.Form):
    school = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)

    def __init__(self, *args: Any, schools: QuerySet[School], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["school"].choices = [("", "")] + [(s.pk, s.name) for s in schools]


class CompetenceForm(StyledForm):
    trained_on = forms.DateField(
        label=_("Kjentmann-kurs fullført"),
        help_text=_("Dato, for eksempel 12.03.2025. La stå tom hvis ikke aktuelt."),
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(format="%d.%m.%Y"),
        required=False,
        error_messages={"invalid": _("Skriv datoen som dd.mm.åååå, for eksempel 12.03.2025.")},
    )
    days_at_school = forms.CharField(
        label=_("Dager på skolen"),
        help_text=_("For eksempel «tirsdag og torsdag»."),
        max_length=200,
        required=False,
    )

    def clean_trained_on(self) -> dt.date | None:
        day = self.cleaned_data["trained_on"]
        if day and day > timezone.localdate():
            raise forms.ValidationError(_("Datoen kan ikke være fram i tid."))
        return day
