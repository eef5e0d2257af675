"""Tallies behind the trend page: counts per school and month, recounted from the raw rows.

The trend page reads only these tables, so it costs the same for a school as for a whole
country's SLT region. `insights_refresh` (varde/insights/services.py) rebuilds them in one
transaction from the cases, decisions, conversations and incidents; the periodic tick runs it.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class WorryTally(models.Model):
    """Worries opened at a school in a month, by the pupil's grade band then and the highest
    level of Lunnermodellen each has reached."""

    school = models.ForeignKey("people.School", on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("måned"))
    band = models.CharField(_("trinn"), max_length=8)
    level = models.PositiveSmallIntegerField(_("høyeste nivå"))
    count = models.PositiveIntegerField(_("antall"))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["school", "month", "band", "level"], name="worry_tally_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.band} nivå {self.level}: {self.count}"


class ConversationTally(models.Model):
    """Worries opened at a school in a month whose conversation was held, by the number of
    days (Oslo calendar) from the worry to the conversation."""

    school = models.ForeignKey("people.School", on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("måned"))
    days = models.IntegerField(_("dager"))
    count = models.PositiveIntegerField(_("antall"))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["school", "month", "days"], name="conversation_tally_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.days} dager: {self.count}"


class IncidentTally(models.Model):
    """Acute incidents at a school in a month by kind, and how many had their next-day
    follow-up held."""

    school = models.ForeignKey("people.School", on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("måned"))
    kind = models.CharField(_("type"), max_length=20)
    count = models.PositiveIntegerField(_("antall"))
    followed_up = models.PositiveIntegerField(_("fulgt opp"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["school", "month", "kind"], name="incident_tally_key")
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.kind}: {self.count}"


class TallyRefresh(models.Model):
    """When the tallies were last rebuilt: one row. `generation` counts the rebuilds that
    changed a tally, so a page that keeps what it showed knows when that is out of date."""

    refreshed_at = models.DateTimeField(_("oppdatert"), null=True)
    seconds = models.FloatField(_("sekunder"), default=0)
    generation = models.PositiveBigIntegerField(_("generasjon"), default=0)

    def __str__(self) -> str:
        return f"Talt opp {self.refreshed_at}"
