"""`manage.py check --deploy` is clean with production settings, and finds what it should
when those settings are missing, so a clean result means something."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

import pytest

from tests.proofs.instances import ROOT

pytestmark = [pytest.mark.proof("check --deploy clean"), pytest.mark.any_database]

PRODUCTION = {
    "DEBUG": "0",
    "VARDE_HTTPS": "1",
    "ALLOWED_HOSTS": "varde.lunner.kommune.no",
}


def check_deploy(tmp_path, **env: str) -> subprocess.CompletedProcess[str]:
    # The test run allows async-unsafe ORM calls; a production process does not.
    unset = ("DEBUG", "VARDE_HTTPS", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE")
    base = {k: v for k, v in os.environ.items() if k not in unset}
    base.update(VARDE_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="varde.settings", **env)
    command = [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"]
    return subprocess.run(command, cwd=ROOT, env=base, capture_output=True, text=True)


def test_check_deploy_is_clean_in_production_settings(tmp_path, proof_figures):
    result = check_deploy(tmp_path, SECRET_KEY=secrets.token_urlsafe(50), **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    proof_figures.add(checked=1)


def test_the_secret_generated_on_first_run_passes_too(tmp_path):
    result = check_deploy(tmp_path, **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_check_deploy_complains_without_https_or_with_debug(tmp_path, proof_figures):
    plain = check_deploy(tmp_path, **{**PRODUCTION, "VARDE_HTTPS": "0", "DEBUG": "1"})
    assert plain.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in plain.stderr + plain.stdout, warning
    assert "security.W018" in plain.stderr + plain.stdout  # DEBUG on
    proof_figures.add(faults=1, checked=1)
