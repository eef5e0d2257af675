from __future__ import annotations

import hashlib
import json
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from varde.people.models import Municipality


def content_hash(content: dict[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


class PlanVersion(models.Model):
    """One version of a municipality's plan. Published versions never change."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Utkast")
        PUBLISHED = "published", _("Publisert")

    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="plan_versions"
    )
    number = models.PositiveIntegerField(_("versjon"), null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    content = models.JSONField()
    content_hash = models.CharField(max_length=64)
    change_note = models.CharField(_("hva er endret"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # A draft whose changes need a second person: who asked to publish it, when, and the
    # content it was then. Any later change to the draft voids the request.
    approval_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approval_requested_at = models.DateTimeField(null=True, blank=True)
    approval_hash = models.CharField(max_length=64, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("planversjon")
        verbose_name_plural = _("planversjoner")
        ordering = ["municipality", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "number"],
                condition=Q(number__isnull=False),
                name="plan_version_number_unique",
            ),
            models.UniqueConstraint(
                fields=["municipality"],
                condition=Q(status="draft"),
                name="plan_one_draft_per_municipality",
            ),
        ]

    def __str__(self) -> str:
        if self.number:
            return f"{self.municipality} – versjon {self.number}"
        return f"{self.municipality} – utkast"

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def awaits_approval(self) -> bool:
        """A draft someone has asked a second person to approve, unchanged since."""
        return bool(self.approval_hash) and self.approval_hash == self.content_hash
