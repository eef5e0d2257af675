from __future__ import annotations

import os

import pytest

pytest_plugins = ["tests.proofs.plugin"]

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Browser tests check pages, not the database, so CI runs them in the SQLite job only
    (`-m "not any_database"` in the PostgreSQL job); with several workers (pytest-xdist's
    `--dist loadgroup`) they share one worker and its Chromium."""
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.any_database)
            item.add_marker(pytest.mark.xdist_group("browser"))


@pytest.fixture(autouse=True)
def _plain_static_files(settings):
    """Tests render templates without running collectstatic first."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Argon2 costs about a fifth of a second for each password it hashes or checks, on
    purpose; tests log in through the forms, load the demo and fuzz password forms hundreds
    of times. No test is about the hasher itself: a login, a lockout or a password change works
    the same with a fast one. Production keeps Argon2 (varde/settings.py), and the tests that
    run Varde as its own process (tests/proofs/server.py, `check --deploy`) run with it."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _own_audit_anchor(settings, tmp_path):
    """Each test anchors its audit log in a file of its own."""
    settings.VARDE_AUDIT_ANCHOR_FILE = tmp_path / "audit-anchor.log"


@pytest.fixture(autouse=True)
def _site_language():
    """Each test ends in the site's language. A request in English leaves English active in
    the thread, and a later test that renders text outside a request would inherit it."""
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture
def world(db):
    from tests.world import build_world

    return build_world()
