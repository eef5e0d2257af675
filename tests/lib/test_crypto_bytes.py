"""Sealing bytes (files such as archive packages) with the keyring: round trip, tampering,
another context, and rotation."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from varde.lib.crypto import (
    DecryptionError,
    decrypt_bytes,
    encrypt_bytes,
    keyring_rotate,
    needs_reencrypt_bytes,
)

pytestmark = pytest.mark.any_database

CONTEXT = "cases.archive.package:7"
PROPERTY = hypothesis_settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
PACKAGE = b"PK\x03\x04" + b"manifest.json Petter Elev 2011-03-14" + bytes(range(256))


@PROPERTY
@given(plaintext=st.binary(max_size=4096))
def test_it_round_trips_any_bytes(keys_file: Path, plaintext: bytes) -> None:
    sealed = encrypt_bytes(plaintext, context=CONTEXT)
    assert sealed.startswith(b"v1:k1:")
    assert decrypt_bytes(sealed, context=CONTEXT) == plaintext


def test_the_sealed_bytes_show_nothing_of_the_plaintext(keys_file: Path) -> None:
    sealed = encrypt_bytes(PACKAGE, context=CONTEXT)
    assert b"Petter" not in sealed and b"PK\x03\x04" not in sealed
    # Prefix, 12-byte nonce and 16-byte tag: a file grows by the same few bytes whatever its size.
    assert len(sealed) == len(PACKAGE) + len(b"v1:k1:") + 12 + 16


@pytest.mark.proof("Tampered ciphertext refused")
@PROPERTY
@given(data=st.data())
def test_it_refuses_sealed_bytes_with_any_byte_changed(keys_file: Path, data, proof_figures):
    sealed = bytearray(encrypt_bytes(PACKAGE, context=CONTEXT))
    index = data.draw(st.integers(0, len(sealed) - 1))
    sealed[index] ^= data.draw(st.integers(1, 255))
    with pytest.raises(DecryptionError):
        decrypt_bytes(bytes(sealed), context=CONTEXT)
    proof_figures.add(inputs=1, faults=1, checked=1)


@pytest.mark.parametrize("cut", [0, 3, 6, 10, 30])
def test_it_refuses_sealed_bytes_cut_short(keys_file: Path, cut: int) -> None:
    sealed = encrypt_bytes(b"", context=CONTEXT)
    with pytest.raises(DecryptionError):
        decrypt_bytes(sealed[:cut], context=CONTEXT)


def test_it_refuses_bytes_sealed_for_another_case(keys_file: Path) -> None:
    sealed = encrypt_bytes(PACKAGE, context="cases.archive.package:8")
    with pytest.raises(DecryptionError):
        decrypt_bytes(sealed, context=CONTEXT)


def test_a_plain_file_is_not_taken_for_sealed_bytes(keys_file: Path) -> None:
    with pytest.raises(DecryptionError):
        decrypt_bytes(PACKAGE, context=CONTEXT)
    with pytest.raises(DecryptionError):
        needs_reencrypt_bytes(PACKAGE)


def test_bytes_sealed_before_a_rotation_still_open_and_ask_to_be_sealed_again(keys_file: Path):
    old = encrypt_bytes(PACKAGE, context=CONTEXT)
    keyring_rotate()
    new = encrypt_bytes(PACKAGE, context=CONTEXT)
    assert needs_reencrypt_bytes(old) is True and needs_reencrypt_bytes(new) is False
    assert new.startswith(b"v1:k2:")
    assert decrypt_bytes(old, context=CONTEXT) == decrypt_bytes(new, context=CONTEXT) == PACKAGE
