from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

MAX_IMPORT_BYTES = 10 * 1024 * 1024


class PupilFilterForm(forms.Form):
    q = forms.CharField(label=_("Søk på navn"), required=False, max_length=100)
    grade = forms.IntegerField(label=_("Trinn"), required=False, min_value=1, max_value=13)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV-fil fra skoleadministrativt system"))
    apply = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        upload = data.get("file")
        if upload is None:
            return data
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(_("Filen er for stor. Største tillatte størrelse er 10 MB."))
        raw = upload.read()
        try:
            data["text"] = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise forms.ValidationError(
                _("Filen er ikke UTF-8. Lagre den som «CSV UTF-8» og prøv igjen.")
            ) from exc
        return data
