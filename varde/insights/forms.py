from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from varde.insights.selectors import Period

MAX_MONTHS = 36


def add_months(month: dt.date, months: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def months_between(first: dt.date, last: dt.date) -> int:
    return (last.year - first.year) * 12 + last.month - first.month


def default_period() -> Period:
    this_month = timezone.localdate().replace(day=1)
    return Period(first_month=add_months(this_month, -11), last_month=this_month)


class MonthField(forms.CharField):
    widget = forms.TextInput(attrs={"type": "month", "class": "ds-input", "placeholder": "ÅÅÅÅ-MM"})
    default_error_messages = {"invalid": _("Skriv måneden som år og måned, for eksempel 2026-01.")}

    def to_python(self, value: Any) -> dt.date | None:
        text = str(value or "").strip()
        if not text:
            return None
        try:
            return dt.datetime.strptime(text, "%Y-%m").date()
        except ValueError as exc:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from exc


class TrendFilterForm(forms.Form):
    fra = MonthField(label=_("Fra måned"), required=False)
    til = MonthField(label=_("Til og med måned"), required=False)
    skole = forms.TypedChoiceField(
        label=_("Skole"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=forms.Select(attrs={"class": "ds-input"}),
    )

    def __init__(self, *args: Any, schools: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        several = len({s.municipality_id for s in schools}) > 1
        self.fields["skole"].choices = [("", _("Alle skoler"))] + [
            (s.pk, f"{s.name} ({s.municipality.name})" if several else s.name) for s in schools
        ]
        self.fields["skole"].error_messages["invalid_choice"] = _("Velg en skole fra listen.")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        first, last = data.get("fra"), data.get("til")
        if first and last and first > last:
            raise forms.ValidationError(_("Fra-måneden må komme før til-måneden."))
        if first and last and months_between(first, last) >= MAX_MONTHS:
            raise forms.ValidationError(_("Velg en periode på høyst 36 måneder."))
        return data

    def period(self) -> Period:
        """The chosen period; the last twelve months when nothing valid was chosen."""
        default = default_period()
        if not self.is_valid():
            return default
        first = self.cleaned_data.get("fra")
        last = self.cleaned_data.get("til")
        if first and not last:
            last = min(max(first, default.last_month), add_months(first, MAX_MONTHS - 1))
        if last and not first:
            first = add_months(last, -11)
        return Period(
            first_month=first or default.first_month, last_month=last or default.last_month
        )
