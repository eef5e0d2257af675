# Seal the two-factor secrets stored before Varde sealed them.

"""allauth stored TOTP secrets and recovery-code seeds as they were until Varde's MFA adapter
(varde.people.adapters.MFAAdapter) began sealing them with the keyring. This migration seals
the ones already stored, once, so the adapter only ever opens sealed values.

It reads the rows itself rather than through the adapter: a migration is a record of one
moment, and the adapter may change after it. The context below is the adapter's
MFA_SECRET_CONTEXT at the time of writing; the two must stay equal.

A plain secret is told from a sealed one by its shape: a TOTP secret is base32, a seed hex
and a migrated code digits, none of which holds a colon, while every sealed value does
("v1:<key id>:..."). Running it twice changes nothing. Going back opens them again, for
the Varde that stored them plain.
"""

from django.db import migrations

from varde.lib.crypto import decrypt_text, encrypt_text

CONTEXT = "mfa.authenticator.secret"
SEALED_KEYS = {"totp": ("secret",), "recovery_codes": ("seed", "migrated_codes")}


def _is_sealed(value):
    return ":" in value


def _change(apps, change):
    authenticator = apps.get_model("mfa", "Authenticator")
    for row in list(authenticator.objects.filter(type__in=SEALED_KEYS).order_by("pk")):
        data, changed = dict(row.data), False
        for key in SEALED_KEYS[row.type]:
            value = data.get(key)
            if value is None:
                continue
            values = value if isinstance(value, list) else [value]
            new = [change(item) for item in values]
            if new != values:
                data[key] = new if isinstance(value, list) else new[0]
                changed = True
        if changed:
            authenticator.objects.filter(pk=row.pk).update(data=data)


def _seal_one(value):
    return value if _is_sealed(value) else encrypt_text(value, context=CONTEXT)


def _unseal_one(value):
    return decrypt_text(value, context=CONTEXT) if _is_sealed(value) else value


def seal(apps, schema_editor):
    _change(apps, _seal_one)


def unseal(apps, schema_editor):
    _change(apps, _unseal_one)


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0001_initial"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [migrations.RunPython(seal, unseal, elidable=False)]
