"""`manage.py rotate_keys` re-encrypts every encrypted value of every model under a new key."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from tests.proofs.plugin import scale
from varde.cases.models import Case, Conversation
from varde.cases.services import case_open, conversation_plan, conversation_record
from varde.lib.crypto import DecryptionError
from varde.lib.reencrypt import encrypted_fields

pytestmark = pytest.mark.proof("Key rotation")


def raw_tokens() -> list[tuple[str, str, object, str]]:
    """(table, column, pk, token) for every non-empty encrypted value in the database."""
    quote = connection.ops.quote_name
    found = []
    with connection.cursor() as cursor:
        for model, fields in encrypted_fields():
            table, pk = model._meta.db_table, model._meta.pk.column
            for f in fields:
                cursor.execute(
                    f"SELECT {quote(pk)}, {quote(f.column)} FROM {quote(table)} "
                    f"WHERE {quote(f.column)} <> ''"
                )
                found += [(table, f.column, row[0], row[1]) for row in cursor.fetchall()]
    return found


def plaintexts() -> dict[tuple[str, object], tuple[str, ...]]:
    return {
        **{
            ("case", c.pk): (c.observed, c.earlier_worries, c.who_knows) for c in Case.objects.all()
        },
        **{
            ("conversation", c.pk): (c.what_was_said, c.pupil_view, c.weighing)
            for c in Conversation.objects.all()
        },
    }


def hold_conversation(world) -> None:
    conversation_plan(
        actor=world.teacher,
        case=world.case,
        planned_for=timezone.now() + dt.timedelta(days=1),
        attendees="Tina og Petter",
    )
    conversation_record(
        actor=world.teacher,
        case=world.case,
        what_was_said="Petter sa at han var sliten.",
        pupil_view="«Jeg sov dårlig, det er alt.» 🙂",
        weighing="Eleven er 15 år og forklarte seg tydelig.",
    )


def test_every_encrypted_field_of_every_app_is_found():
    found = {f"{m._meta.label_lower}.{f.name}" for m, fields in encrypted_fields() for f in fields}
    assert {"cases.case.observed", "cases.conversation.pupil_view"} <= found
    assert "cases.caseevent.summary" in found


def test_old_rows_read_after_rotation_and_every_row_ends_under_the_new_key(
    keyed_world, keys_file, proof_figures
):
    hold_conversation(keyed_world)
    for number in range(scale(20, 400)):
        case_open(
            actor=keyed_world.teacher,
            pupil=keyed_world.pupil,
            observed=f"Observasjon {number}: æøå \x00 🙂",
            observed_on=dt.date(2026, 11, 1),
            seriousness=1 + number % 5,
            who_knows="Kontaktlærer" if number % 2 else "",
        )
    before = plaintexts()
    tokens = raw_tokens()
    assert tokens and all(token.startswith("v1:k1:") for *_, token in tokens)

    call_command("rotate_keys", batch_size=7, stdout=io.StringIO())

    after = raw_tokens()
    assert json.loads(keys_file.read_text())["current"] == "k2"
    assert len(after) == len(tokens)
    assert all(token.startswith("v1:k2:") for *_, token in after)
    assert plaintexts() == before
    proof_figures.add(checked=len(after), lost=len(tokens) - len(after))


def test_running_it_again_with_resume_changes_nothing(keyed_world, capsys):
    call_command("rotate_keys")
    tokens = raw_tokens()
    call_command("rotate_keys", resume=True)
    assert raw_tokens() == tokens
    assert "values re-encrypted: 0," in capsys.readouterr().out


def test_a_rotation_cut_short_is_finished_by_resume(keyed_world, keys_file):
    hold_conversation(keyed_world)
    before = plaintexts()
    # A rotation that stopped after the key was added but before any row was rewritten.
    from varde.lib.crypto import keyring_rotate

    keyring_rotate()
    assert all(token.startswith("v1:k1:") for *_, token in raw_tokens())
    call_command("rotate_keys", resume=True, stdout=io.StringIO())
    assert all(token.startswith("v1:k2:") for *_, token in raw_tokens())
    assert plaintexts() == before


def test_a_tampered_value_is_refused_named_and_left_while_the_rest_rotate(
    keyed_world, proof_figures
):
    table, column, pk, token = next(t for t in raw_tokens() if t[0] == Case._meta.db_table)
    tampered = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(table)} SET {quote(column)} = %s WHERE id = %s", [tampered, pk]
        )
    with pytest.raises(CommandError) as caught:
        call_command("rotate_keys", stdout=io.StringIO())
    assert f"{table}.{column} pk={pk}" in str(caught.value)
    assert "Virket ruset" not in str(caught.value)
    rest = [t for t in raw_tokens() if (t[0], t[1], t[2]) != (table, column, pk)]
    assert rest and all(token.startswith("v1:k2:") for *_, token in rest)
    with pytest.raises(DecryptionError):
        Case.objects.get(pk=pk)
    proof_figures.add(faults=1, checked=len(rest) + 1)


def mfa_tokens() -> list[str]:
    """Every sealed two-factor value (TOTP secrets, recovery-code seeds), read with SQL."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT CAST(data AS TEXT) FROM mfa_authenticator")
        rows = [json.loads(raw) for (raw,) in cursor.fetchall()]
    return [row[key] for row in rows for key in ("secret", "seed") if key in row]


def test_two_factor_secrets_are_sealed_again_and_still_make_the_same_codes(keyed_world):
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    from tests.people.test_mfa_secrets import KNOWN_SECRET, totp_code

    Authenticator.objects.filter(user=keyed_world.teacher).delete()
    TOTP.activate(keyed_world.teacher, KNOWN_SECRET)
    before = mfa_tokens()
    assert before and all(token.startswith("v1:k1:") for token in before)

    call_command("rotate_keys", stdout=io.StringIO())

    after = mfa_tokens()
    assert len(after) == len(before) and all(token.startswith("v1:k2:") for token in after)
    authenticator = Authenticator.objects.get(user=keyed_world.teacher, type="totp")
    assert TOTP(authenticator).validate_code(totp_code(KNOWN_SECRET))


@pytest.fixture
def archived(keyed_world, settings, tmp_path):
    """Petter's case, closed and archived: its package sealed under k1."""
    from varde.cases.archive import case_archive

    settings.DATA_DIR = tmp_path / "data"
    Case.objects.filter(pk=keyed_world.case.pk).update(
        status=Case.Status.CLOSED, closed_at=timezone.now()
    )
    return case_archive(actor=keyed_world.teacher, case=Case.objects.get(pk=keyed_world.case.pk))


def test_archive_packages_are_sealed_again_and_download_unchanged(archived, keyed_world):
    import hashlib

    from varde.cases.archive import archive_package, archive_path

    assert archive_path(archived.pk).read_bytes().startswith(b"v1:k1:")
    out = io.StringIO()
    call_command("rotate_keys", stdout=out)
    assert archive_path(archived.pk).read_bytes().startswith(b"v1:k2:")
    assert "archive packages checked: 1, packages re-encrypted: 1," in out.getvalue()
    package = archive_package(actor=keyed_world.teacher, case=archived)
    assert hashlib.sha256(package).hexdigest() == archived.archive_sha256


def test_a_package_made_before_packages_were_sealed_is_sealed_by_resume(archived, keyed_world):
    from varde.cases.archive import archive_package, archive_path

    path = archive_path(archived.pk)
    plain = archive_package(actor=keyed_world.teacher, case=archived)
    path.write_bytes(plain)  # As the Varde before sealing left it.
    call_command("rotate_keys", resume=True, stdout=io.StringIO())
    raw = path.read_bytes()
    assert raw.startswith(b"v1:k1:") and b"manifest.json" not in raw
    assert archive_package(actor=keyed_world.teacher, case=archived) == plain


def test_an_unsealed_package_that_is_not_the_one_made_is_refused_and_named(
    archived, keyed_world, proof_figures
):
    from varde.cases.archive import archive_package, archive_path

    path = archive_path(archived.pk)
    forged = archive_package(actor=keyed_world.teacher, case=archived) + b"x"
    path.write_bytes(forged)
    with pytest.raises(CommandError) as caught:
        call_command("rotate_keys", stdout=io.StringIO())
    assert f"{path} (case {archived.pk})" in str(caught.value)
    assert path.read_bytes() == forged
    proof_figures.add(faults=1, checked=1)
