from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from varde.insights.selectors import Period

# The publication is suppressed a calendar year at a time: a period is whole years.
MAX_YEARS = 3
# How far back the filter offers years.
YEARS_BACK = 9


def default_period() -> Period:
    """Last year and this one."""
    this_year = timezone.localdate().year
    return Period(first_year=this_year - 1, last_year=this_year)


class YearField(forms.Field):
    """A calendar year, chosen from a list. "2026-03" is read as 2026 too, so that links made
    when the filter took months still work."""

    widget = forms.Select(attrs={"class": "ds-input"})
    default_error_messages = {"invalid": _("Velg et år fra listen, for eksempel 2026.")}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        this_year = timezone.localdate().year
        self.years = list(range(this_year, this_year - YEARS_BACK - 1, -1))
        self.widget = forms.Select(
            attrs={"class": "ds-input"}, choices=[(str(y), str(y)) for y in self.years]
        )

    def to_python(self, value: Any) -> int | None:
        text = str(value or "").strip()
        if not text:
            return None
        found = re.fullmatch(r"(\d{4})(?:-(\d{2}))?", text)
        if not found or (found.group(2) and not 1 <= int(found.group(2)) <= 12):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        year = int(found.group(1))
        if year not in self.years:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return year

    def prepare_value(self, value: Any) -> Any:
        # Show "2026-03" from an old link as the year it is read as.
        found = re.fullmatch(r"(\d{4})-(0[1-9]|1[0-2])", str(value or ""))
        return found.group(1) if found else value


class TrendFilterForm(forms.Form):
    fra = YearField(label=_("Fra år"), required=False)
    til = YearField(label=_("Til og med år"), required=False)
    skole = forms.ChoiceField(
        label=_("Skole"), required=False, widget=forms.Select(attrs={"class": "ds-input"})
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["skole"].choices = choices
        self.fields["skole"].error_messages["invalid_choice"] = _("Velg en skole fra listen.")
        default = default_period()
        self.fields["fra"].initial = str(default.first_year)
        self.fields["til"].initial = str(default.last_year)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        first, last = data.get("fra"), data.get("til")
        if first and last and first > last:
            raise forms.ValidationError(_("Fra-året kan ikke komme etter til-året."))
        if first and last and last - first >= MAX_YEARS:
            raise forms.ValidationError(_("Velg en periode på høyst tre år."))
        return data

    def period(self) -> Period:
        """The chosen years; last year and this one when nothing valid was chosen."""
        default = default_period()
        if not self.is_valid():
            return default
        first = self.cleaned_data.get("fra")
        last = self.cleaned_data.get("til")
        if first and not last:
            last = min(max(first, default.last_year), first + MAX_YEARS - 1)
        if last and not first:
            first = max(last - 1, min(self.fields["fra"].years))
        return Period(first_year=first or default.first_year, last_year=last or default.last_year)
