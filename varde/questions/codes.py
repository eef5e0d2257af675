"""Pickup codes: how a pupil finds the answer to an anonymous question again.

A code is 16 characters from Crockford's base 32 alphabet (80 random bits), shown in four
groups: `K7QM-3XPA-9DFT-WH2R`. Letters that look like digits are read as those digits, and
case, spaces and dashes do not matter, so a code copied by hand from a phone still works.

Only a keyed hash of the code is kept (HMAC-SHA256 under a key derived from the keyring,
which lives outside the database). Someone holding the database alone cannot test codes,
and the code itself is nowhere but in the one answer that showed it to the pupil.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from varde.lib.crypto import derived_key

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 16
GROUP = 4
KEY_PURPOSE = "pupil-question-code"
# Read as the character they are usually mistaken for.
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = re.compile(r"[\s\-–.]+")


def code_new() -> str:
    """A fresh code, grouped for reading."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return "-".join(raw[i : i + GROUP] for i in range(0, LENGTH, GROUP))


def code_normal(text: str) -> str | None:
    """The code as it is hashed, or None when `text` cannot be a code."""
    cleaned = _SEPARATORS.sub("", text.strip().upper()).translate(_LOOKALIKES)
    if len(cleaned) != LENGTH or any(c not in ALPHABET for c in cleaned):
        return None
    return cleaned


def code_hash(code: str, *, key_id: str | None = None) -> tuple[str, str]:
    """The keyed hash of a code (normalised first), and the id of the key it is made with:
    the keyring's current key unless `key_id` names another."""
    normal = code_normal(code)
    if normal is None:
        raise ValueError("not a pickup code")
    key_id, key = derived_key(KEY_PURPOSE, key_id=key_id)
    return key_id, hmac.new(key, normal.encode("ascii"), hashlib.sha256).hexdigest()
