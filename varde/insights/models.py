"""Tallies behind the trend page, and what of them may be shown.

The tallies are counts per school and month, recounted from the raw rows. The publication
(`PublishedCell`, `WithheldCell`) is every number the trend page and its CSV may show, worked
out from the tallies and suppressed once, jointly (varde/insights/suppression.py): the page
reads only the publication, so it costs the same for a school as for a whole SLT region and
can show nothing the publication does not hold. `insights_refresh`
(varde/insights/services.py) rebuilds both in one transaction; the periodic tick runs it.
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


class PublishedCell(models.Model):
    """One number of the publication: a family's count for a node of the map (school
    "s<id>", municipality "m<id>" or SLT region "r<id>"), a month or a whole year (month 0)
    and a category (`label`; "*" for the total). Only cells that are not 0 are stored; the
    number itself only when it may be shown."""

    class State(models.TextChoices):
        SHOWN = "shown", _("vises")
        SMALL = "small", _("1–4")
        HIDDEN = "hidden", _("skjult")
        WITHHELD = "withheld", _("holdt tilbake")

    family = models.CharField(_("familie"), max_length=16)
    node = models.CharField(_("node"), max_length=24)
    year = models.PositiveSmallIntegerField(_("år"))
    month = models.PositiveSmallIntegerField(_("måned"))  # 0: the whole year
    label = models.CharField(_("kategori"), max_length=24)
    shown = models.PositiveIntegerField(_("antall"), null=True)
    state = models.CharField(_("tilstand"), max_length=8, choices=State.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["node", "year", "month", "family", "label"], name="published_cell_key"
            ),
            models.CheckConstraint(
                condition=models.Q(state="shown", shown__isnull=False)
                | (~models.Q(state="shown") & models.Q(shown__isnull=True)),
                name="published_cell_number_only_when_shown",
            ),
        ]

    def __str__(self) -> str:
        when = f"{self.year}" if not self.month else f"{self.year}-{self.month:02d}"
        return f"{self.family} {self.node} {when} {self.label}: {self.shown or self.state}"


class WithheldCell(models.Model):
    """A family, node and year none of whose numbers may be shown, zeros included."""

    family = models.CharField(_("familie"), max_length=16)
    node = models.CharField(_("node"), max_length=24)
    year = models.PositiveSmallIntegerField(_("år"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["node", "year", "family"], name="withheld_cell_key")
        ]

    def __str__(self) -> str:
        return f"{self.family} {self.node} {self.year}"


class TallyRefresh(models.Model):
    """When the tallies were last rebuilt: one row. `generation` counts the rebuilds that
    changed a tally or the publication, so a page that keeps what it showed knows when that is
    out of date. `published_for` fingerprints what the publication was worked out from (the
    map and the method), so that a rebuild republishes when either changed."""

    refreshed_at = models.DateTimeField(_("oppdatert"), null=True)
    seconds = models.FloatField(_("sekunder"), default=0)
    generation = models.PositiveBigIntegerField(_("generasjon"), default=0)
    published_for = models.CharField(_("publisert for"), max_length=64, blank=True, default="")

    def __str__(self) -> str:
        return f"Talt opp {self.refreshed_at}"
