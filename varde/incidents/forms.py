from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from varde.people.forms import StyledForm


class TokenForm(StyledForm):
    """Every form carries a one-time token, so sending it twice saves once."""

    token = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if not self.is_bound:
            self.initial.setdefault("token", uuid.uuid4())


class StartForm(TokenForm):
    notes = forms.CharField(
        label=_("Kort om hva som skjedde (kan vente)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,
    )


class PoliceCallForm(TokenForm):
    reference = forms.CharField(
        label=_("Referanse fra politiet (hvis du fikk en)"), max_length=100, required=False
    )


class StepForm(TokenForm):
    note = forms.CharField(label=_("Kort notat"), max_length=500, required=False)
    happened = forms.TimeField(
        label=_("Klokkeslett"),
        help_text=_("Når det skjedde, for eksempel 12:40. Tomt: nå."),
        input_formats=["%H:%M", "%H.%M", "%H%M"],
        required=False,
        widget=forms.TimeInput(format="%H:%M", attrs={"type": "time"}),
    )


class AvertForm(TokenForm):
    option = forms.ChoiceField(label=_("Må noe avverges?"), widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("Hvorfor? Hvem varslet du?"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,
    )

    def __init__(self, *args: object, options: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["option"].choices = options


class AdultForm(TokenForm):
    adult = forms.TypedChoiceField(
        label=_("Hvilken voksen vil eleven snakke med?"),
        help_text=_("I tillegg til rektor eller stedfortreder."),
        coerce=int,
    )

    def __init__(self, *args: object, adults: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["adult"].choices = [("", _("Velg en voksen")), *adults]


class FollowUpForm(TokenForm):
    pupil_words = forms.CharField(
        label=_("Hva sa eleven? Skriv med elevens egne ord."),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=20_000,
    )
    next_steps = forms.CharField(
        label=_("Hva ble eleven og skolen enige om å gjøre videre?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=20_000,
    )


class PupilSearchForm(StyledForm):
    q = forms.CharField(label=_("Elevens navn"), max_length=100, required=False)
