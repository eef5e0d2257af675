"""The audit log becomes one keyed chain per municipality.

Existing entries are moved, in their order, into the chain of their municipality (chain 0 for
none), numbered from 1 in each chain, and given an HMAC with a key derived from the keyring.
"""

import hashlib
import hmac
import json

from django.db import migrations, models

GENESIS_MAC = "0" * 64


def _canonical(entry, *, chain, seq, key_id, prev_mac):
    # The same fields, in the same form, as AuditEntry.canonical() at this migration.
    fields = {
        "chain": chain,
        "seq": seq,
        "at": entry.at.isoformat(),
        "actor": entry.actor_id,
        "actor_label": entry.actor_label,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "pupil_id": entry.pupil_id,
        "school_id": entry.school_id,
        "municipality_id": entry.municipality_id,
        "reason": entry.reason,
        "detail": entry.detail,
        "key_id": key_id,
        "prev_mac": prev_mac,
    }
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str).encode()


def rechain(apps, schema_editor):
    AuditEntry = apps.get_model("audit", "AuditEntry")
    AuditChain = apps.get_model("audit", "AuditChain")
    if not AuditEntry.objects.exists():
        return
    from varde.lib.crypto import derived_key

    key_id, key = derived_key("audit-chain")
    heads = {}
    changed = []
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=2000):
        chain = entry.municipality_id or 0
        seq, prev = heads.get(chain, (0, GENESIS_MAC))
        entry.chain, entry.seq, entry.key_id, entry.prev_mac = chain, seq + 1, key_id, prev
        entry.mac = hmac.new(
            key,
            _canonical(entry, chain=chain, seq=seq + 1, key_id=key_id, prev_mac=prev),
            hashlib.sha256,
        ).hexdigest()
        heads[chain] = (entry.seq, entry.mac)
        changed.append(entry)
        if len(changed) >= 2000:
            AuditEntry.objects.bulk_update(changed, ["chain", "seq", "key_id", "prev_mac", "mac"])
            changed = []
    AuditEntry.objects.bulk_update(changed, ["chain", "seq", "key_id", "prev_mac", "mac"])
    AuditChain.objects.bulk_create(
        AuditChain(chain=chain, last_seq=seq, last_mac=mac) for chain, (seq, mac) in heads.items()
    )


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_initial")]

    operations = [
        migrations.AlterField(
            model_name="auditentry", name="seq", field=models.BigIntegerField()
        ),
        migrations.AddField(
            model_name="auditentry", name="chain", field=models.BigIntegerField(default=0)
        ),
        migrations.AddField(
            model_name="auditentry",
            name="key_id",
            field=models.CharField(default="", max_length=32),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditentry",
            name="prev_mac",
            field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditentry",
            name="mac",
            field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
        migrations.CreateModel(
            name="AuditChain",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("chain", models.BigIntegerField(unique=True)),
                ("last_seq", models.BigIntegerField(default=0)),
                ("last_mac", models.CharField(default=GENESIS_MAC, max_length=64)),
            ],
        ),
        migrations.RunPython(rechain, migrations.RunPython.noop),
        migrations.RemoveField(model_name="auditentry", name="prev_hash"),
        migrations.RemoveField(model_name="auditentry", name="hash"),
        migrations.DeleteModel(name="AuditHead"),
        migrations.AlterModelOptions(
            name="auditentry",
            options={
                "ordering": ["pk"],
                "verbose_name": "loggoppføring",
                "verbose_name_plural": "logg",
            },
        ),
        migrations.AddConstraint(
            model_name="auditentry",
            constraint=models.UniqueConstraint(
                fields=("chain", "seq"), name="audit_entry_chain_seq"
            ),
        ),
    ]
