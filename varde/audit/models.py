from __future__ import annotations

import hashlib
import hmac
import json

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_MAC = "0" * 64
# The chain of entries that belong to no one municipality: failed logins of unknown accounts,
# figures across several municipalities, demo data.
INSTALLATION_CHAIN = 0


class AuditAction(models.TextChoices):
    READ = "read", _("Lest")
    CREATE = "create", _("Opprettet")
    UPDATE = "update", _("Endret")
    DELETE = "delete", _("Slettet")
    EXPORT = "export", _("Eksportert")
    IMPORT = "import", _("Importert")
    PUBLISH = "publish", _("Publisert")
    LOGIN = "login", _("Innlogget")
    LOGIN_FAILED = "login_failed", _("Mislykket innlogging")
    LOGOUT = "logout", _("Logget ut")


class AuditChain(models.Model):
    """The end of one chain of entries: one per municipality (the data controller), and chain 0
    for the installation's own events. Locked while entries are appended to it."""

    chain = models.BigIntegerField(unique=True)
    last_seq = models.BigIntegerField(default=0)
    last_mac = models.CharField(max_length=64, default=GENESIS_MAC)

    def __str__(self) -> str:
        return f"audit chain {self.chain} #{self.last_seq}"


class AuditEntry(models.Model):
    """One read or write of personal data: who, what, when (UTC) and why.

    The entries of one municipality form a keyed chain: each entry's MAC (HMAC-SHA256 with a
    key derived from the keyring, which never reaches the database) covers its own fields and
    the previous entry's MAC, so an edited, removed or invented entry breaks the chain for
    anyone without the keyring. `key_id` names the keyring key the MAC key came from.
    """

    chain = models.BigIntegerField(default=INSTALLATION_CHAIN)
    seq = models.BigIntegerField()
    at = models.DateTimeField(_("tidspunkt"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    actor_label = models.CharField(_("hvem"), max_length=300)
    action = models.CharField(_("handling"), max_length=20, choices=AuditAction.choices)
    object_type = models.CharField(_("type"), max_length=60)
    object_id = models.CharField(_("objekt"), max_length=64, blank=True)
    # Kept as plain numbers, not foreign keys, so the log outlives the records.
    pupil_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    school_id = models.BigIntegerField(null=True, blank=True)
    municipality_id = models.BigIntegerField(null=True, blank=True)
    reason = models.CharField(_("hvorfor"), max_length=300)
    detail = models.JSONField(default=dict, blank=True)
    key_id = models.CharField(max_length=32)
    prev_mac = models.CharField(max_length=64)
    mac = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("loggoppføring")
        verbose_name_plural = _("logg")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["chain", "seq"], name="audit_entry_chain_seq"),
        ]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.chain}#{self.seq} {self.action} {self.object_type}:{self.object_id}"

    def canonical(self) -> bytes:
        fields = {
            "chain": self.chain,
            "seq": self.seq,
            "at": self.at.isoformat(),
            "actor": self.actor_id,
            "actor_label": self.actor_label,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "pupil_id": self.pupil_id,
            "school_id": self.school_id,
            "municipality_id": self.municipality_id,
            "reason": self.reason,
            "detail": self.detail,
            "key_id": self.key_id,
            "prev_mac": self.prev_mac,
        }
        return json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str).encode()

    def compute_mac(self, key: bytes) -> str:
        return hmac.new(key, self.canonical(), hashlib.sha256).hexdigest()


def chain_of(municipality_id: int | None) -> int:
    """The chain an entry about `municipality_id` belongs to (the installation's for none)."""
    return municipality_id or INSTALLATION_CHAIN
