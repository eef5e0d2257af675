"""Tiny typed helpers that read settings from the environment."""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured


def envstr(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def envbool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw not in (None, "") else default


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def envsecret(name: str, *, fallback_file: Path | None = None) -> str:
    """Read a secret from NAME, from the file named by NAME_FILE, or from a local file.

    The local file is created with a fresh random value on first use, so a new
    installation never shares a secret with another and none is kept in git.
    """
    value = os.environ.get(name)
    if value:
        return value
    path_from_env = os.environ.get(f"{name}_FILE")
    if path_from_env:
        return Path(path_from_env).read_text().strip()
    if fallback_file is None:
        return ""
    if not fallback_file.exists():
        fallback_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(fallback_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
    return fallback_file.read_text().strip()


def syslog_address(value: str) -> str | tuple[str, int] | None:
    """A syslog destination: None for none, a socket path ("/dev/log"), or "host:port"."""
    value = value.strip()
    if not value:
        return None
    if value.startswith("/"):
        return value
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(
            f"VARDE_AUDIT_ANCHOR_SYSLOG: give a socket path or host:port, not {value!r}"
        )
    return host, int(port)


def database_from_url(url: str) -> dict[str, object]:
    """Turn postgres://user:password@host:port/name into a Django DATABASES entry.

    Parameters are bound on the server, and a statement a connection has run
    ``prepare_threshold`` times (5 unless the URL says otherwise) is prepared, so
    PostgreSQL plans it once per connection instead of on every request. Behind a
    pooler in transaction mode that cannot keep prepared statements, add
    ``?prepare_threshold=off`` to the URL. Other query parameters are libpq's.
    """
    from urllib.parse import parse_qs, unquote, urlsplit

    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql", "pgsql"}:
        raise ValueError(f"DATABASE_URL: unsupported scheme {parts.scheme!r}; use postgres://")
    # Other parameters (sslmode=require, connect_timeout=5, ...) go to libpq as they are.
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    threshold = query.pop("prepare_threshold", "5").strip().lower()
    if threshold in {"off", "none"}:
        prepare: int | None = None
    elif threshold.isdigit():
        prepare = int(threshold)
    else:
        raise ValueError(
            f"DATABASE_URL: prepare_threshold must be a whole number or 'off', not {threshold!r}"
        )
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.lstrip("/")),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {**query, "server_side_binding": True, "prepare_threshold": prepare},
    }


def data_dir_private(path: Path) -> int:
    """Make the data directory its owner's alone, and return how many modes were changed.

    The directory and every directory in it become 0700, and every file in it loses its
    group and other bits (a file Varde writes is 0600), so a data directory made by an
    older Varde or under a looser umask is fixed. Symbolic links inside it are neither
    followed nor changed. A mode that cannot be fixed (a file owned by someone else, a
    read-only mount) raises ImproperlyConfigured naming the path, so Varde does not start
    with its data open to other local users.
    """
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise ImproperlyConfigured(
            f"Cannot create the data directory {path}: {exc.strerror}. Create it, owned by "
            "the user Varde runs as, or set VARDE_DATA_DIR."
        ) from None
    changed = _make_private(str(path), follow=True)
    for top, dirs, files in os.walk(path):
        for name in [*dirs, *files]:
            changed += _make_private(os.path.join(top, name), follow=False)
    return changed


def _make_private(name: str, *, follow: bool) -> int:
    try:
        st = os.stat(name) if follow else os.lstat(name)
        if stat.S_ISLNK(st.st_mode):
            return 0
        mode = stat.S_IMODE(st.st_mode)
        private = 0o700 if stat.S_ISDIR(st.st_mode) else mode & 0o700
        if mode == private:
            return 0
        os.chmod(name, private)
    except FileNotFoundError:
        return 0  # Removed meanwhile (a cache entry, a temporary file): nothing to protect.
    except OSError as exc:
        raise ImproperlyConfigured(
            f"{name} in Varde's data directory is open to other users and its mode cannot "
            f"be changed ({exc.strerror}). Make it owned by the user Varde runs as, or take "
            "away its group and other permissions (chmod go-rwx)."
        ) from None
    return 1
