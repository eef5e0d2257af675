"""Two-factor secrets are sealed with the keyring: a TOTP secret or a recovery-code seed never
lies in the database as it is, so a dump or a stolen backup cannot make anyone's codes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import importlib
import json
import re
import struct

import pytest
from allauth.mfa.adapter import get_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.apps import apps
from django.core.cache import cache
from django.db import connection

from tests.totp import totp_counter
from tests.world import PASSWORD
from varde.lib.crypto import DecryptionError

# RFC 6238's test secret ("12345678901234567890" in base32): a value the test knows on its own.
KNOWN_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
# A seed as allauth makes one (secrets.token_hex(40)), and codes moved over from another system.
KNOWN_SEED = "0123456789abcdef" * 5
MIGRATED_CODES = ["12345678", "87654321"]


def totp_code(secret: str) -> str:
    """The code an authenticator app shows now (RFC 6238: HMAC-SHA1, 30 s, 6 digits)."""
    key = base64.b32decode(secret, casefold=True)
    digest = hmac.new(key, struct.pack(">Q", totp_counter()), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = (int.from_bytes(digest[offset : offset + 4], "big") & 0x7FFFFFFF) % 1_000_000
    return f"{value:06d}"


def raw_rows(user) -> dict[str, str]:
    """The user's authenticator rows as the database holds them, by type, read with SQL."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT type, CAST(data AS TEXT) FROM mfa_authenticator WHERE user_id = %s",
            [user.pk],
        )
        return dict(cursor.fetchall())


def set_up_totp_through_the_pages(client, user) -> str:
    """Log in with the password, confirm it, and activate TOTP as a new user does; the secret
    is the one the page shows for typing into the app by hand."""
    client.post("/konto/login/", {"login": user.email, "password": PASSWORD})
    response = client.get("/konto/2fa/totp/activate/")
    client.post(response["Location"], {"password": PASSWORD})
    page = client.get("/konto/2fa/totp/activate/").content.decode()
    secret = re.search(r'id="authenticator_secret"[^>]*value="([A-Z2-7=]+)"', page) or re.search(
        r'value="([A-Z2-7=]+)"[^>]*id="authenticator_secret"', page
    )
    assert secret, "the activation page shows the secret"
    response = client.post("/konto/2fa/totp/activate/", {"code": totp_code(secret.group(1))})
    assert response.status_code == 302
    return secret.group(1)


@pytest.mark.proof("Encryption at rest")
def test_a_totp_secret_set_up_through_the_pages_is_not_in_the_database_as_it_is(client, world):
    Authenticator.objects.filter(user=world.teacher).delete()
    secret = set_up_totp_through_the_pages(client, world.teacher)
    rows = raw_rows(world.teacher)
    assert set(rows) == {"totp", "recovery_codes"}
    assert secret not in rows["totp"]
    assert secret.lower() not in rows["totp"].lower()
    # The seed of the recovery codes is 80 hex digits as allauth makes it; none lies there.
    assert not re.search(r"[0-9a-f]{80}", rows["recovery_codes"])
    for raw in rows.values():
        assert all(v.startswith("v1:") for v in json.loads(raw).values() if isinstance(v, str))


def test_the_user_logs_in_again_with_a_code_from_the_secret_the_page_showed(client, world):
    Authenticator.objects.filter(user=world.teacher).delete()
    secret = set_up_totp_through_the_pages(client, world.teacher)
    client.post("/konto/logout/")
    response = client.post("/konto/login/", {"login": world.teacher.email, "password": PASSWORD})
    assert response["Location"].startswith("/konto/2fa/authenticate")
    # allauth refuses a code already used in its 30 seconds, and activation used this one.
    cache.clear()
    response = client.post("/konto/2fa/authenticate/", {"code": totp_code(secret)})
    assert response.status_code == 302
    assert client.get("/ansatt/").status_code == 200


def test_a_secret_stored_as_it_is_is_refused_rather_than_read(world):
    """Only the migration reads the old plain secrets; the adapter opens sealed ones alone."""
    with pytest.raises(DecryptionError):
        get_adapter().decrypt(KNOWN_SECRET)


def test_a_secret_sealed_for_something_else_is_refused(world):
    from varde.lib.crypto import encrypt_text

    with pytest.raises(DecryptionError):
        get_adapter().decrypt(encrypt_text(KNOWN_SECRET, context="cases.note.text"))


def plain_authenticators(user) -> None:
    """Rows as the Varde before sealing left them: allauth's default stores secrets as they are."""
    Authenticator.objects.filter(user=user).delete()
    Authenticator.objects.create(user=user, type="totp", data={"secret": KNOWN_SECRET})
    Authenticator.objects.create(
        user=user,
        type="recovery_codes",
        data={"seed": KNOWN_SEED, "used_mask": 0, "migrated_codes": MIGRATED_CODES},
    )


def migration():
    return importlib.import_module("varde.people.migrations.0002_seal_mfa_secrets")


@pytest.mark.proof("Encryption at rest")
def test_the_migration_seals_the_secrets_stored_before_and_they_still_work(world):
    plain_authenticators(world.teacher)
    assert KNOWN_SECRET in raw_rows(world.teacher)["totp"]

    migration().seal(apps, None)

    rows = raw_rows(world.teacher)
    assert KNOWN_SECRET not in rows["totp"] and KNOWN_SEED not in rows["recovery_codes"]
    assert not any(code in rows["recovery_codes"] for code in MIGRATED_CODES)
    totp = Authenticator.objects.get(user=world.teacher, type="totp")
    assert TOTP(totp).validate_code(totp_code(KNOWN_SECRET))
    codes = Authenticator.objects.get(user=world.teacher, type="recovery_codes")
    assert get_adapter().decrypt(codes.data["seed"]) == KNOWN_SEED
    assert RecoveryCodes(codes).get_unused_codes() == MIGRATED_CODES


def test_running_the_migration_twice_changes_nothing_and_going_back_opens_them(world):
    plain_authenticators(world.teacher)
    migration().seal(apps, None)
    sealed = raw_rows(world.teacher)
    migration().seal(apps, None)
    assert raw_rows(world.teacher) == sealed

    migration().unseal(apps, None)
    totp = Authenticator.objects.get(user=world.teacher, type="totp")
    codes = Authenticator.objects.get(user=world.teacher, type="recovery_codes")
    assert totp.data == {"secret": KNOWN_SECRET}
    assert codes.data["seed"] == KNOWN_SEED and codes.data["migrated_codes"] == MIGRATED_CODES
