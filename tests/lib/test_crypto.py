from __future__ import annotations

import base64
import json
import os
import stat
import threading
from pathlib import Path

import pytest
from django.db import connection, models
from django.test.utils import isolate_apps
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from varde.lib import crypto
from varde.lib.crypto import (
    DecryptionError,
    KeyringError,
    decrypt_text,
    encrypt_text,
    keyring_rotate,
    needs_reencrypt,
)
from varde.lib.fields import EncryptedTextField

# Keys and tokens only: the database under the test does not matter (the canary that scans the
# database's own bytes is in test_canary.py).
pytestmark = pytest.mark.any_database

CONTEXT = "cases.note.text"
PROPERTY = hypothesis_settings(
    max_examples=200,
    deadline=None,
    # The keyring fixture is the same for every example, which is what we want here.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Long texts are built by repeating a short drawn one, so 1 MB examples stay cheap to make.
TEXTS = st.one_of(
    st.text(),
    st.text(alphabet=st.sampled_from("\x00\n æøåÆØÅ 🙂\u200b"), max_size=200),
    st.text(min_size=1, max_size=16).map(lambda s: s * (1_048_576 // len(s) + 1)),
)


def read_keyring(path: Path) -> dict:
    return json.loads(path.read_text())


def write_keyring(path: Path, data: dict) -> None:
    # Written the way another process would: a new file moved into place.
    temp = path.with_name("other-process.tmp")
    temp.write_text(json.dumps(data))
    os.replace(temp, path)


def fresh_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


# --- Round trip -------------------------------------------------------------------------------


@PROPERTY
@given(plaintext=TEXTS)
def test_it_round_trips_any_text(keys_file: Path, plaintext: str) -> None:
    token = encrypt_text(plaintext, context=CONTEXT)
    assert token.startswith("v1:k1:")
    assert decrypt_text(token, context=CONTEXT) == plaintext


def test_it_round_trips_a_megabyte_with_nul_and_emoji(keys_file: Path) -> None:
    plaintext = ("Bekymring\x00 for elev 🙂 æøå\n" * 40_000)[:1_048_576]
    token = encrypt_text(plaintext, context=CONTEXT)
    assert decrypt_text(token, context=CONTEXT) == plaintext


def test_it_seals_the_same_text_differently_each_time(keys_file: Path) -> None:
    assert encrypt_text("hei", context=CONTEXT) != encrypt_text("hei", context=CONTEXT)


def test_the_token_does_not_contain_the_plaintext(keys_file: Path) -> None:
    token = encrypt_text("KANARI-synlig", context=CONTEXT)
    assert "KANARI" not in token
    assert base64.urlsafe_b64encode(b"KANARI").decode()[:6] not in token


# --- Tampering --------------------------------------------------------------------------------


@pytest.mark.proof("Tampered ciphertext refused")
@PROPERTY
@given(data=st.data())
def test_it_refuses_a_token_with_any_character_changed(
    keys_file: Path, data, proof_figures
) -> None:
    token = encrypt_text("Samtale med foresatte", context=CONTEXT)
    index = data.draw(st.integers(0, len(token) - 1))
    alphabet = [chr(c) for c in range(32, 127) if chr(c) != token[index]]
    tampered = token[:index] + data.draw(st.sampled_from(alphabet)) + token[index + 1 :]
    with pytest.raises(DecryptionError):
        decrypt_text(tampered, context=CONTEXT)
    proof_figures.add(inputs=1, faults=1, checked=1)


@pytest.mark.proof("Tampered ciphertext refused")
@PROPERTY
@given(data=st.data())
def test_it_refuses_a_token_with_any_byte_changed(keys_file: Path, data, proof_figures) -> None:
    token = encrypt_text("Samtale med foresatte", context=CONTEXT)
    prefix, payload = token.rsplit(":", 1)
    raw = bytearray(base64.urlsafe_b64decode(payload))
    index = data.draw(st.integers(0, len(raw) - 1))
    raw[index] ^= data.draw(st.integers(1, 255))
    tampered = f"{prefix}:{base64.urlsafe_b64encode(bytes(raw)).decode()}"
    with pytest.raises(DecryptionError):
        decrypt_text(tampered, context=CONTEXT)
    proof_figures.add(inputs=1, faults=1, checked=1)


@pytest.mark.proof("Tampered ciphertext refused")
@pytest.mark.parametrize(
    "cut",
    [
        lambda t: t[:-4],
        lambda t: t + "AAAA",
        lambda t: t.replace("v1:", "v2:", 1),
        lambda t: t.rsplit(":", 1)[0] + ":",
        lambda t: "v1:k1:" + base64.urlsafe_b64encode(b"x" * 27).decode(),
        lambda t: "",
        lambda t: "bare text someone typed",
    ],
)
def test_it_refuses_malformed_tokens(keys_file: Path, cut) -> None:
    token = encrypt_text("hei", context=CONTEXT)
    with pytest.raises(DecryptionError):
        decrypt_text(cut(token), context=CONTEXT)


@pytest.mark.proof("Tampered ciphertext refused")
def test_it_refuses_a_token_moved_to_another_field(keys_file: Path) -> None:
    token = encrypt_text("Hemmelig", context="cases.note.text")
    with pytest.raises(DecryptionError, match="altered, or belongs to another field"):
        decrypt_text(token, context="cases.measure.text")


def test_the_error_never_shows_the_plaintext(keys_file: Path) -> None:
    token = encrypt_text("KANARI-i-feilmelding", context=CONTEXT)
    with pytest.raises(DecryptionError) as caught:
        decrypt_text(token, context="cases.other.text")
    assert "KANARI" not in str(caught.value)
    assert read_keyring(keys_file)["keys"]["k1"] not in str(caught.value)


# --- Keys and rotation ------------------------------------------------------------------------


def test_it_creates_the_keyring_on_first_use_readable_only_by_its_owner(keys_file: Path) -> None:
    encrypt_text("hei", context=CONTEXT)
    assert stat.S_IMODE(keys_file.stat().st_mode) == 0o600
    data = read_keyring(keys_file)
    assert data["current"] == "k1"
    assert len(base64.b64decode(data["keys"]["k1"])) == 32


@pytest.mark.proof("Key rotation")
def test_old_rows_still_read_after_rotation(keys_file: Path) -> None:
    old = encrypt_text("Gammel notat", context=CONTEXT)
    assert keyring_rotate() == "k2"
    new = encrypt_text("Nytt notat", context=CONTEXT)
    assert new.startswith("v1:k2:")
    assert decrypt_text(old, context=CONTEXT) == "Gammel notat"
    assert decrypt_text(new, context=CONTEXT) == "Nytt notat"
    assert needs_reencrypt(old) is True
    assert needs_reencrypt(new) is False
    assert stat.S_IMODE(keys_file.stat().st_mode) == 0o600
    assert sorted(read_keyring(keys_file)["keys"]) == ["k1", "k2"]


def test_it_notices_a_rotation_made_by_another_process(keys_file: Path) -> None:
    old = encrypt_text("hei", context=CONTEXT)
    data = read_keyring(keys_file)
    data["keys"]["k7"] = fresh_key()
    data["current"] = "k7"
    write_keyring(keys_file, data)
    assert encrypt_text("hei", context=CONTEXT).startswith("v1:k7:")
    assert needs_reencrypt(old) is True


def test_it_refuses_a_token_whose_key_is_gone(keys_file: Path) -> None:
    token = encrypt_text("hei", context=CONTEXT)
    write_keyring(keys_file, {"current": "k2", "keys": {"k2": fresh_key()}})
    with pytest.raises(DecryptionError, match="Unknown encryption key 'k1'"):
        decrypt_text(token, context=CONTEXT)


def test_two_first_uses_at_once_end_with_one_keyring(keys_file: Path) -> None:
    start = threading.Barrier(16)
    tokens: list[str] = []

    def first_use() -> None:
        start.wait()
        tokens.append(encrypt_text("samtidig", context=CONTEXT))

    threads = [threading.Thread(target=first_use) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(tokens) == 16
    assert list(read_keyring(keys_file)["keys"]) == ["k1"]
    assert all(decrypt_text(token, context=CONTEXT) == "samtidig" for token in tokens)
    assert sorted(p.name for p in keys_file.parent.iterdir()) == ["keys.json"]


def test_the_loser_of_a_creation_race_keeps_the_winners_keyring(keys_file: Path) -> None:
    encrypt_text("hei", context=CONTEXT)
    winner = keys_file.read_text()
    crypto._create_file(keys_file, crypto.Keyring(current="k1", keys={"k1": os.urandom(32)}))
    assert keys_file.read_text() == winner


def test_it_reads_the_keyring_from_the_environment(keys_file: Path, monkeypatch) -> None:
    monkeypatch.setenv("VARDE_KEYS", json.dumps({"current": "c1", "keys": {"c1": fresh_key()}}))
    token = encrypt_text("fra miljøet", context=CONTEXT)
    assert token.startswith("v1:c1:")
    assert decrypt_text(token, context=CONTEXT) == "fra miljøet"
    assert not keys_file.exists()
    with pytest.raises(KeyringError, match="VARDE_KEYS"):
        keyring_rotate()


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        '{"current": "k1", "keys": {}}',
        '{"current": "k1", "keys": {"k1": "c2hvcnQ="}}',
        # A key id with a colon, which a token could not name; the key itself is well formed.
        json.dumps({"current": "k:1", "keys": {"k:1": base64.b64encode(bytes(32)).decode()}}),
    ],
)
def test_it_refuses_a_malformed_keyring(keys_file: Path, content: str) -> None:
    keys_file.parent.mkdir(parents=True)
    keys_file.write_text(content)
    with pytest.raises(KeyringError):
        encrypt_text("hei", context=CONTEXT)


# --- The model field --------------------------------------------------------------------------


def test_the_field_stores_a_token_and_gives_back_plaintext(keys_file: Path) -> None:
    field = EncryptedTextField(context="tests.crypto.body")
    stored = field.get_prep_value("Elev virket urolig")
    assert stored.startswith("v1:k1:")
    assert field.from_db_value(stored, None, connection) == "Elev virket urolig"
    assert field.to_python("Elev virket urolig") == "Elev virket urolig"


def test_the_field_keeps_empty_and_null_as_they_are(keys_file: Path) -> None:
    field = EncryptedTextField(context="tests.crypto.body", null=True, blank=True)
    assert field.get_prep_value("") == ""
    assert field.get_prep_value(None) is None
    assert field.from_db_value("", None, connection) == ""
    assert field.from_db_value(None, None, connection) is None


@pytest.mark.proof("Tampered ciphertext refused")
def test_the_field_fails_closed_on_a_tampered_value(keys_file: Path) -> None:
    field = EncryptedTextField(context="tests.crypto.body")
    stored = field.get_prep_value("hei")
    with pytest.raises(DecryptionError):
        EncryptedTextField(context="tests.crypto.other").from_db_value(stored, None, connection)
    tampered = stored[:-2] + ("A" if stored[-2] != "A" else "B") + stored[-1]
    with pytest.raises(DecryptionError):
        field.from_db_value(tampered, None, connection)


def test_the_field_deconstructs_for_migrations() -> None:
    name, path, args, kwargs = EncryptedTextField(context="old.name.text", blank=True).deconstruct()
    assert path == "varde.lib.fields.EncryptedTextField"
    assert kwargs == {"context": "old.name.text", "blank": True}
    assert EncryptedTextField(*args, **kwargs).context == "old.name.text"
    assert "context" not in EncryptedTextField().deconstruct()[3]


def worry_model() -> type[models.Model]:
    """A model that only exists in an isolated app registry: it has no table."""

    class Worry(models.Model):
        text = EncryptedTextField(blank=True, null=True)
        pinned = EncryptedTextField(context="people.oldname.text")

        class Meta:
            app_label = "people"

        def __str__(self) -> str:
            return f"Worry {self.pk}"

    return Worry


@isolate_apps("varde.people")
def test_the_field_binds_values_to_app_model_and_field(keys_file: Path) -> None:
    Worry = worry_model()
    assert Worry._meta.get_field("text").context == "people.worry.text"
    assert Worry._meta.get_field("pinned").context == "people.oldname.text"


@isolate_apps("varde.people")
def test_searching_an_encrypted_field_is_refused(keys_file: Path) -> None:
    Worry = worry_model()
    Worry.objects.filter(text="")
    Worry.objects.filter(text=None)
    Worry.objects.filter(text__isnull=True)
    Worry.objects.exclude(text="")
    for lookup in ("text", "text__exact", "text__icontains", "text__startswith", "text__in"):
        value = ["x"] if lookup.endswith("__in") else "x"
        with pytest.raises(TypeError, match="is encrypted, so it cannot be searched"):
            Worry.objects.filter(**{lookup: value})
    with pytest.raises(TypeError, match="is encrypted"):
        Worry.objects.filter(text__lower="x")


def test_an_unattached_field_refuses_to_guess_a_context(keys_file: Path) -> None:
    with pytest.raises(TypeError, match="needs a context"):
        EncryptedTextField().get_prep_value("hei")


def test_a_key_added_by_another_process_is_found_by_the_next_read(keys_file: Path) -> None:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    token = encrypt_text("notat", context=CONTEXT)
    assert decrypt_text(token, context=CONTEXT) == "notat"
    # Another process adds a key and seals with it.
    data = read_keyring(keys_file)
    data["keys"]["k7"] = fresh_key()
    data["current"] = "k7"
    write_keyring(keys_file, data)
    nonce = os.urandom(12)
    sealed = AESGCM(base64.b64decode(data["keys"]["k7"])).encrypt(
        nonce, b"fra en annen prosess", CONTEXT.encode()
    )
    elsewhere = f"v1:k7:{base64.urlsafe_b64encode(nonce + sealed).decode()}"
    assert decrypt_text(elsewhere, context=CONTEXT) == "fra en annen prosess"
    assert decrypt_text(token, context=CONTEXT) == "notat"
