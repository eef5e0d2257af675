from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


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
