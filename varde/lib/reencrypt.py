"""Re-encrypt every EncryptedTextField value under the current key, model by model, and
the secrets allauth's two-factor login keeps (TOTP secrets, recovery-code seeds).

Models are found through the app registry, so a field added to any app later is
covered without changing this module. Rows are read as raw tokens in primary-key
order and rewritten in small batches, each in its own transaction, with a
conditional UPDATE: a row someone saved meanwhile is already under the current key
and is left alone. Running it again after an interruption finishes the job;
running it when nothing is left changes nothing.

The two-factor secrets are sealed by the MFA adapter settings.MFA_ADAPTER names, inside
allauth's JSON column, so they are opened and sealed again through that adapter's public
encrypt/decrypt hooks, each row under its row lock.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.db import connection, models, transaction

from varde.lib.crypto import DecryptionError, decrypt_text, encrypt_text, needs_reencrypt
from varde.lib.fields import EncryptedTextField

if TYPE_CHECKING:
    from allauth.mfa.adapter import DefaultMFAAdapter


@dataclass
class ReencryptReport:
    rows_checked: int = 0
    values_rewritten: int = 0
    values_current: int = 0
    # "<table>.<column> pk=<pk>: <reason>" for values that could not be opened.
    refused: list[str] = field(default_factory=list)


def encrypted_fields() -> Iterator[tuple[type[models.Model], list[EncryptedTextField]]]:
    """Every concrete model with a table of its own and its encrypted columns."""
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or not meta.managed:
            continue
        fields = [f for f in meta.local_concrete_fields if isinstance(f, EncryptedTextField)]
        if fields:
            yield model, fields


def reencrypt_all(*, batch_size: int = 500) -> ReencryptReport:
    report = ReencryptReport()
    for model, fields in encrypted_fields():
        _reencrypt_model(model, fields, batch_size=batch_size, report=report)
    if apps.is_installed("allauth.mfa"):
        reencrypt_mfa_secrets(batch_size=batch_size, report=report)
    return report


def _reencrypt_model(
    model: type[models.Model],
    fields: list[EncryptedTextField],
    *,
    batch_size: int,
    report: ReencryptReport,
) -> None:
    quote = connection.ops.quote_name
    table = model._meta.db_table
    pk = model._meta.pk.column
    columns = ", ".join(quote(f.column) for f in fields)
    select = f"SELECT {quote(pk)}, {columns} FROM {quote(table)}"
    order = f" ORDER BY {quote(pk)} LIMIT %s"
    last: object = None
    while True:
        with transaction.atomic():
            with connection.cursor() as cursor:
                if last is None:
                    cursor.execute(select + order, [batch_size])
                else:
                    cursor.execute(f"{select} WHERE {quote(pk)} > %s{order}", [last, batch_size])
                rows = cursor.fetchall()
                for row in rows:
                    report.rows_checked += 1
                    for f, token in zip(fields, row[1:], strict=True):
                        _reencrypt_value(cursor, table, pk, row[0], f, token, report)
        if len(rows) < batch_size:
            return
        last = rows[-1][0]


def _reencrypt_value(
    cursor: object,
    table: str,
    pk: str,
    pk_value: object,
    f: EncryptedTextField,
    token: str | None,
    report: ReencryptReport,
) -> None:
    if token is None or token == "":
        return
    where = f"{table}.{f.column} pk={pk_value}"
    try:
        if not needs_reencrypt(token):
            report.values_current += 1
            return
        sealed = encrypt_text(decrypt_text(token, context=f.context), context=f.context)
    except DecryptionError as exc:
        report.refused.append(f"{where}: {exc}")
        return
    quote = connection.ops.quote_name
    cursor.execute(  # type: ignore[attr-defined]
        f"UPDATE {quote(table)} SET {quote(f.column)} = %s "
        f"WHERE {quote(pk)} = %s AND {quote(f.column)} = %s",
        [sealed, pk_value, token],
    )
    report.values_rewritten += 1


# --- Two-factor secrets -----------------------------------------------------------------------

# Where allauth keeps what it passes through the adapter's encrypt(): the keys of an
# Authenticator's JSON data, by type. A list holds one sealed value per item.
MFA_SEALED_KEYS = {"totp": ("secret",), "recovery_codes": ("seed", "migrated_codes")}


def reencrypt_mfa_secrets(*, batch_size: int, report: ReencryptReport) -> None:
    from allauth.mfa.adapter import get_adapter

    adapter = get_adapter()
    authenticator = apps.get_model("mfa", "Authenticator")
    rows = authenticator.objects.filter(type__in=MFA_SEALED_KEYS).order_by("pk")
    last = 0
    while True:
        with transaction.atomic():
            batch = list(rows.select_for_update().filter(pk__gt=last)[:batch_size])
            for row in batch:
                report.rows_checked += 1
                if _reseal_mfa_row(row, adapter, report):
                    row.save(update_fields=["data"])
        if len(batch) < batch_size:
            return
        last = batch[-1].pk


def _reseal_mfa_row(row: Any, adapter: DefaultMFAAdapter, report: ReencryptReport) -> bool:
    """Seal the row's secrets again under the current key; True if any changed."""
    changed = False
    for key in MFA_SEALED_KEYS[row.type]:
        value = row.data.get(key)
        if value is None:
            continue
        tokens = value if isinstance(value, list) else [value]
        try:
            stale = [needs_reencrypt(token) for token in tokens]
            fresh = [
                adapter.encrypt(adapter.decrypt(token)) if old else token
                for token, old in zip(tokens, stale, strict=True)
            ]
        except DecryptionError as exc:
            report.refused.append(f"{row._meta.db_table}.data[{key!r}] pk={row.pk}: {exc}")
            continue
        report.values_rewritten += sum(stale)
        report.values_current += len(stale) - sum(stale)
        if any(stale):
            row.data[key] = fresh if isinstance(value, list) else fresh[0]
            changed = True
    return changed
