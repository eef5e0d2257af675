from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from varde.lib.text import has_bidi_controls
from varde.plan.editor import refuse_bidi

# A direction control written as a YAML escape in a double-quoted string ("\u202e",
# "\U0000202E") reaches the plan's names as the character itself once the text is parsed.
_ESCAPED_BIDI = re.compile(r"\\(?:u|U0000)20(?:2[a-eA-E]|6[6-9])")


class PlanEditForm(forms.Form):
    text = forms.CharField(
        label=_("Planen (YAML)"),
        help_text=_("Formatet er beskrevet i docs/plan-format.md. Lagring gir et utkast."),
        widget=forms.Textarea(
            attrs={"rows": 30, "class": "ds-input plan-yaml", "spellcheck": "false"}
        ),
        max_length=2_000_000,
    )
    change_note = forms.CharField(
        label=_("Hva er endret?"),
        max_length=500,
        required=False,
        widget=forms.TextInput(attrs={"class": "ds-input"}),
    )

    def clean_text(self) -> str:
        """The plan names services, contacts and routines shown on every page and in the
        archive PDF; a direction control in it could make one name look like another."""
        text = self.cleaned_data["text"]
        lines = [
            number
            for number, line in enumerate(text.splitlines(), start=1)
            if has_bidi_controls(line) or _ESCAPED_BIDI.search(line)
        ]
        if lines:
            raise forms.ValidationError(
                _(
                    "Planen inneholder et usynlig tegn som snur skriveretningen (U+202A–U+202E "
                    "eller U+2066–U+2069), på linje %(lines)s. Fjern tegnet og lagre på nytt."
                )
                % {"lines": ", ".join(str(n) for n in lines[:10])},
                code="bidi",
            )
        return text


class PublishForm(forms.Form):
    change_note = forms.CharField(
        label=_("Hva er endret?"),
        help_text=_("Kort, for den som leser listen over versjoner."),
        max_length=500,
        widget=forms.TextInput(attrs={"class": "ds-input"}),
        error_messages={"required": _("Skriv kort hva som er endret før du publiserer.")},
        validators=[refuse_bidi],
    )

    def clean_change_note(self) -> str:
        note = " ".join(self.cleaned_data["change_note"].split())
        if not note:
            raise forms.ValidationError(self.fields["change_note"].error_messages["required"])
        return note


class PreviewForm(forms.Form):
    """When and in which situation to ask "who to call now" of the draft and of the plan."""

    day = forms.DateField(
        label=_("Dato"),
        help_text=_("For eksempel 17.05.2027."),
        input_formats=["%d.%m.%Y", "%Y-%m-%d"],
        widget=forms.DateInput(format="%d.%m.%Y", attrs={"class": "ds-input"}),
        error_messages={"invalid": _("Skriv datoen som dd.mm.åååå, for eksempel 17.05.2027.")},
    )
    time = forms.TimeField(
        label=_("Klokkeslett"),
        help_text=_("For eksempel 19:30."),
        input_formats=["%H:%M", "%H.%M"],
        widget=forms.TimeInput(format="%H:%M", attrs={"class": "ds-input"}),
        error_messages={"invalid": _("Skriv klokkeslettet som tt:mm, for eksempel 19:30.")},
    )
    situation = forms.ChoiceField(label=_("Situasjon"))

    def __init__(self, *args: object, situations: list[tuple[str, str]], **kwargs: object):
        super().__init__(*args, **kwargs)
        self.fields["situation"].choices = situations
        self.fields["situation"].widget.attrs["class"] = "ds-input"
