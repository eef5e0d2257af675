from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from varde.lib.text import BIDI_CONTROLS, has_bidi_controls
from varde.people.models import Municipality, School
from varde.people.roles import Role

MAX_IMPORT_BYTES = 10 * 1024 * 1024


def bidi_message(text: str) -> str:
    """Why `text` is refused: the direction controls it holds, named by their code points."""
    codes = ", ".join(sorted({f"U+{ord(c):04X}" for c in text if c in BIDI_CONTROLS}))
    return _(
        "Teksten inneholder et usynlig tegn som snur skriveretningen (%(codes)s). Det kan få "
        "et navn til å se ut som et annet. Skriv teksten på nytt uten tegnet."
    ) % {"codes": codes}


def refuse_bidi_controls(value: str) -> None:
    """A validator for names: a direction control (U+202E and its kin) could make one name
    look like another in every list, heading and PDF it is shown in."""
    if has_bidi_controls(value):
        raise forms.ValidationError(bidi_message(value), code="bidi")


class NameField(forms.CharField):
    """A text field that holds one or more people's names: direction controls are refused."""

    default_validators = [refuse_bidi_controls]


class StyledForm(forms.Form):
    """Designsystemet's input style on every field."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "ds-input")


class PupilFilterForm(StyledForm):
    q = forms.CharField(label=_("Søk på navn"), required=False, max_length=100)
    grade = forms.IntegerField(label=_("Trinn"), required=False, min_value=1, max_value=13)
    # Picking the pupil of a new worry: each pupil leads to the worry form.
    undring = forms.BooleanField(required=False, widget=forms.HiddenInput)


def _import_column_choices() -> list[tuple[str, str]]:
    from varde.people.importer import COLUMNS

    return [("", _("Brukes ikke")), *((c, c) for c in COLUMNS)]


IMPORT_COLUMN_CHOICES = _import_column_choices()


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV-fil fra skoleadministrativt system"))
    apply = forms.BooleanField(required=False, widget=forms.HiddenInput)
    new_school_year = forms.BooleanField(
        required=False,
        label=_("Nytt skoleår: filen har alle elevene, og elever som mangler i den har sluttet"),
    )
    confirm_duplicates = forms.BooleanField(
        required=False,
        label=_("Jeg har sjekket radene over: det er forskjellige elever"),
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        upload = data.get("file")
        if upload is None:
            return data
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(
                _("Filen er for stor. Største tillatte størrelse er 10 MB.")
            )
        raw = upload.read()
        try:
            data["text"] = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise forms.ValidationError(
                _("Filen er ikke UTF-8. Lagre den som «CSV UTF-8» og prøv igjen.")
            ) from exc
        return data


class RoleGrantForm(StyledForm):
    email = forms.EmailField(label=_("E-post"), max_length=254)
    full_name = NameField(
        label=_("Navn"),
        max_length=200,
        required=False,
        help_text=_("Trengs bare når personen ikke har bruker fra før."),
    )
    role = forms.ChoiceField(label=_("Rolle"), choices=Role.choices)
    school = forms.ModelChoiceField(
        label=_("Skole"),
        queryset=School.objects.none(),
        required=False,
        help_text=_("For roller ved en skole."),
    )

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = School.objects.filter(municipality=municipality)
