"""Encryption at rest for free-text notes about pupils.

Notes are sealed with AES-256-GCM under keys that live outside the database, in
the JSON keyring named by settings.VARDE_KEYS_FILE (or, in containers, in the
environment variable VARDE_KEYS):

    {"current": "k2", "keys": {"k1": "<base64 of 32 bytes>", "k2": "..."}}

A stolen database file or dump is then useless without the keyring. A token
names the key that sealed it, so keys can rotate while old rows still read:

    v1:<key id>:<base64url(12-byte nonce + ciphertext + tag)>

The caller's context (such as "cases.note.text") is bound in as associated data,
so a ciphertext copied into another field is refused instead of shown there.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
import re
import secrets
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

try:
    import fcntl
except ImportError:  # pragma: no cover - Varde runs on Linux; Windows only in development.
    fcntl = None  # type: ignore[assignment]

VERSION = "v1"
NONCE_BYTES = 12
KEY_BYTES = 32
TAG_BYTES = 16
ENV_KEYS = "VARDE_KEYS"
_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


class DecryptionError(Exception):
    """A token could not be opened. The message never contains plaintext or key material."""


class KeyringError(ImproperlyConfigured):
    """The keyring is missing, malformed, or cannot be changed where it is kept."""


@dataclass(frozen=True)
class Keyring:
    current: str
    keys: dict[str, bytes]


# --- Public API -------------------------------------------------------------------------------


def encrypt_text(plaintext: str, *, context: str) -> str:
    """Seal plaintext under the current key, bound to context."""
    key_id, raw = _seal(plaintext.encode("utf-8"), context)
    return f"{VERSION}:{key_id}:{base64.urlsafe_b64encode(raw).decode('ascii')}"


def decrypt_text(token: str, *, context: str) -> str:
    """Open a token made by encrypt_text with the same context, or raise DecryptionError."""
    key_id, raw = _parse(token)
    altered = f"Encrypted value for {context!r} was altered, or belongs to another field."
    return _open(key_id, raw, context, altered=altered).decode("utf-8")


def derived_key(purpose: str, *, key_id: str | None = None) -> tuple[str, bytes]:
    """A 32-byte key for `purpose` (such as "audit-chain"), derived with HKDF-SHA256 from the
    keyring's key `key_id` (the current key when None), and that key's id. Like the keyring,
    it never reaches the database; a derived key cannot be turned back into the keyring's."""
    keyring = _keyring()
    key_id = key_id or keyring.current
    key = keyring.keys.get(key_id)
    if key is None:
        raise DecryptionError(f"Unknown encryption key {key_id!r}; is the right keyring loaded?")
    derived = HKDF(
        algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=f"varde:{purpose}".encode()
    ).derive(key)
    return key_id, derived


def needs_reencrypt(token: str) -> bool:
    """True when the token was sealed with a key that is no longer the current one."""
    key_id, _raw = _parse(token)
    return key_id != _keyring().current


def keyring_rotate() -> str:
    """Add a fresh key, make it current, and return its id.

    Old keys stay in the keyring, so rows sealed with them still read until they are
    re-encrypted. A keyring given in VARDE_KEYS belongs to whoever set the variable,
    so it is rotated there, not here.
    """
    if os.environ.get(ENV_KEYS):
        raise KeyringError(f"The keyring comes from {ENV_KEYS}; rotate it where that is set.")
    path = _keys_file()
    _load_or_create(path)
    with _exclusive_lock(path):
        # Read again under the lock: another process may have rotated meanwhile, and
        # writing back a stale copy would drop its key and orphan every row it sealed.
        keyring = _read_file(path)
        key_id = _next_key_id(keyring)
        rotated = Keyring(current=key_id, keys={**keyring.keys, key_id: _fresh_key()})
        _replace_file(path, rotated)
    _forget_cache()
    return key_id


def encrypt_bytes(plaintext: bytes, *, context: str) -> bytes:
    """Seal bytes (such as a file's contents) under the current key, bound to context.

    The result is ``v1:<key id>:`` followed by the 12-byte nonce, the ciphertext and the tag,
    as raw bytes: a file holding it is only about 30 bytes longer than its plaintext.
    """
    key_id, raw = _seal(plaintext, context)
    return f"{VERSION}:{key_id}:".encode("ascii") + raw


def decrypt_bytes(token: bytes, *, context: str) -> bytes:
    """Open bytes made by encrypt_bytes with the same context, or raise DecryptionError."""
    key_id, raw = _parse_bytes(token)
    altered = f"Sealed bytes for {context!r} were altered, or belong to something else."
    return _open(key_id, raw, context, altered=altered)


def needs_reencrypt_bytes(token: bytes) -> bool:
    """True when bytes made by encrypt_bytes were sealed with a key that is no longer current."""
    key_id, _raw = _parse_bytes(token)
    return key_id != _keyring().current


# --- Sealing ----------------------------------------------------------------------------------


def _seal(plaintext: bytes, context: str) -> tuple[str, bytes]:
    """The current key's id, and the nonce followed by the ciphertext and tag."""
    keyring = _keyring()
    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = AESGCM(keyring.keys[keyring.current]).encrypt(nonce, plaintext, _aad(context))
    return keyring.current, nonce + sealed


def _open(key_id: str, raw: bytes, context: str, *, altered: str) -> bytes:
    """Open what _seal made, or raise DecryptionError (`altered` when the tag does not match)."""
    key = _keyring().keys.get(key_id)
    if key is None:
        raise DecryptionError(f"Unknown encryption key {key_id!r}; is the right keyring loaded?")
    try:
        return AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], _aad(context))
    except InvalidTag:
        raise DecryptionError(altered) from None


# --- Tokens -----------------------------------------------------------------------------------


def _aad(context: str) -> bytes:
    if not context:
        raise ValueError("An encryption context is required, such as 'cases.note.text'.")
    return context.encode("utf-8")


def _parse(token: str) -> tuple[str, bytes]:
    parts = token.split(":") if isinstance(token, str) else []
    if len(parts) != 3 or parts[0] != VERSION or not _KEY_ID.match(parts[1]):
        raise DecryptionError("Not an encrypted value in the v1 format.")
    raw = _b64decode_strict(parts[2])
    if len(raw) < NONCE_BYTES + TAG_BYTES:
        raise DecryptionError("Encrypted value is truncated.")
    return parts[1], raw


def _parse_bytes(token: bytes) -> tuple[str, bytes]:
    prefix = f"{VERSION}:".encode("ascii")
    if not isinstance(token, bytes) or not token.startswith(prefix):
        raise DecryptionError("Not sealed bytes in the v1 format.")
    # A key id is at most 32 characters, so its colon comes within the next 33 bytes.
    key_id, colon, _rest = token[len(prefix) : len(prefix) + 33].partition(b":")
    key_text = key_id.decode("ascii", errors="replace")
    if not colon or not _KEY_ID.match(key_text):
        raise DecryptionError("Not sealed bytes in the v1 format.")
    raw = token[len(prefix) + len(key_id) + 1 :]
    if len(raw) < NONCE_BYTES + TAG_BYTES:
        raise DecryptionError("Sealed bytes are truncated.")
    return key_text, raw


def _b64decode_strict(text: str) -> bytes:
    try:
        raw = base64.b64decode(text, altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        raise DecryptionError("Encrypted value is not valid base64.") from None
    # Base64 ignores the spare low bits of the last character, so two spellings can
    # decode to the same bytes. Only the canonical one is accepted, so any change
    # to a stored token is refused rather than silently tolerated.
    if base64.urlsafe_b64encode(raw).decode("ascii") != text:
        raise DecryptionError("Encrypted value is not valid base64.")
    return raw


# --- The keyring, kept per process until its file changes -------------------------------------

_cache_lock = threading.Lock()
_cache: tuple[tuple[object, ...], Keyring] | None = None


def _keyring() -> Keyring:
    """The keyring, reloaded whenever its source changes (say, a rotation elsewhere): the
    file's identity is checked on every call, one stat."""
    global _cache
    from_env = os.environ.get(ENV_KEYS)
    if from_env:
        signature: tuple[object, ...] = ("env", from_env)
    else:
        signature = _file_signature(_keys_file())
    with _cache_lock:
        if _cache is not None and _cache[0] == signature:
            return _cache[1]
    # Loading happens outside the lock: it only reads, and a slow disk should not
    # stall threads that already hold a keyring. The signature was taken before the
    # read, so a rotation in between is noticed on the next call.
    keyring = _parse_keyring(from_env, ENV_KEYS) if from_env else _read_file(_keys_file())
    with _cache_lock:
        _cache = (signature, keyring)
    return keyring


def _forget_cache() -> None:
    global _cache
    with _cache_lock:
        _cache = None


def _keys_file() -> Path:
    return Path(settings.VARDE_KEYS_FILE)


def _file_signature(path: Path) -> tuple[object, ...]:
    """The keyring file's identity, creating the file on first use. One stat per call: every
    sealed value read asks for it."""
    # A rotation replaces the file, so the inode changes even when the clock's
    # resolution hides the change of mtime.
    try:
        try:
            st = path.stat()
        except FileNotFoundError:
            st = _load_or_create(path).stat()
    except OSError as exc:
        raise KeyringError(f"Cannot read the keyring {path}: {exc.strerror}") from None
    return ("file", str(path), st.st_ino, st.st_mtime_ns, st.st_size)


def _load_or_create(path: Path) -> Path:
    """Make sure the keyring file exists, creating it with one fresh key on first use."""
    if not path.exists():
        _create_file(path, Keyring(current="k1", keys={"k1": _fresh_key()}))
    return path


def _read_file(path: Path) -> Keyring:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise KeyringError(f"Cannot read the keyring {path}: {exc.strerror}") from None
    return _parse_keyring(text, str(path))


def _parse_keyring(text: str, source: str) -> Keyring:
    try:
        data = json.loads(text)
        keys = {kid: base64.b64decode(value, validate=True) for kid, value in data["keys"].items()}
        current = data["current"]
    except (ValueError, TypeError, KeyError, AttributeError, binascii.Error):
        raise KeyringError(f"The keyring in {source} is not JSON of the expected shape.") from None
    if current not in keys:
        raise KeyringError(f"The keyring in {source} names a current key it does not hold.")
    for key_id, key in keys.items():
        if not _KEY_ID.match(key_id) or len(key) != KEY_BYTES:
            raise KeyringError(f"The keyring in {source} holds a malformed key {key_id!r}.")
    return Keyring(current=current, keys=keys)


def _serialize(keyring: Keyring) -> str:
    keys = {key_id: base64.b64encode(key).decode("ascii") for key_id, key in keyring.keys.items()}
    return json.dumps({"current": keyring.current, "keys": keys}, indent=2) + "\n"


def _fresh_key() -> bytes:
    return AESGCM.generate_key(bit_length=KEY_BYTES * 8)


def _next_key_id(keyring: Keyring) -> str:
    numbers = [int(key_id[1:]) for key_id in keyring.keys if re.fullmatch(r"k\d+", key_id)]
    return f"k{max(numbers, default=0) + 1}"


# --- Writing the keyring file -----------------------------------------------------------------


def _create_file(path: Path, keyring: Keyring) -> None:
    """Publish a new keyring unless another process got there first.

    The keyring is written in full to a private temporary file and then linked into
    place; linking fails if the name exists (as O_EXCL does), so two processes racing
    on first use agree on one keyring, and none ever reads a half-written file.
    The loser simply reads the winner's file afterwards.
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temp = _write_temp(path, keyring)
    try:
        os.link(temp, path)
    except FileExistsError:
        pass
    finally:
        os.unlink(temp)
    _fsync_dir(path.parent)


def _replace_file(path: Path, keyring: Keyring) -> None:
    temp = _write_temp(path, keyring)
    os.replace(temp, path)
    _fsync_dir(path.parent)


def _write_temp(path: Path, keyring: Keyring) -> Path:
    # mkstemp opens with O_EXCL and mode 0600, so the keys are never readable by others,
    # not even for a moment. fsync because losing the keyring in a crash loses every note.
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(_serialize(keyring))
        handle.flush()
        os.fsync(handle.fileno())
    return Path(name)


def _fsync_dir(directory: Path) -> None:
    # The new directory entry must reach the disk too, or a crash can undo the link.
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def _exclusive_lock(path: Path) -> Iterator[None]:
    """Serialise rotations across processes with an advisory lock beside the keyring."""
    fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # Closing the descriptor also releases the lock.
