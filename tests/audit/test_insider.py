"""The audit log against someone who can write the database but does not hold the keyring (a
database administrator, a stolen backup restored and changed): each attack is named by
`audit_verify`. The attacker's tools are what the database holds; the MAC key is derived from
the keyring, which is never in it."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from django.core.management import CommandError, call_command

from tests.world import grant, make_user
from varde.audit.anchor import anchor_read, audit_anchor_write
from varde.audit.models import AuditChain, AuditEntry
from varde.audit.services import audit_record


def reads(world, n: int = 6, municipality=None) -> None:
    municipality = municipality or world.lunner
    for i in range(n):
        audit_record(
            actor=world.teacher,
            action="read",
            object_type="case",
            object_id=i,
            municipality_id=municipality.pk,
            reason="Sakens side",
        )


def verify(*args: str) -> str:
    try:
        call_command("audit_verify", *args)
    except CommandError as error:
        return str(error)
    return "ok"


@pytest.mark.proof("Tamper evidence against an insider")
def test_dropping_the_newest_entries_and_moving_the_head_back_is_named(world):
    reads(world)
    audit_anchor_write()
    keep = AuditEntry.objects.filter(chain=world.lunner.pk).order_by("-seq")[2]
    AuditEntry.objects.filter(chain=keep.chain, seq__gt=keep.seq).delete()
    AuditChain.objects.filter(chain=keep.chain).update(last_seq=keep.seq, last_mac=keep.mac)
    answer = verify()
    assert f"entries #{keep.seq + 1}–#{keep.seq + 2} are missing" in answer
    assert "lunner" in answer


@pytest.mark.proof("Tamper evidence against an insider")
def test_wiping_every_entry_and_every_head_is_named(world):
    reads(world)
    reads(world, municipality=world.gran)
    audit_anchor_write()
    AuditEntry.objects.all().delete()
    AuditChain.objects.all().delete()
    answer = verify()
    assert "lunner (chain" in answer and "gran (chain" in answer
    assert answer.count("the chain is empty, but the anchor") >= 2


@pytest.mark.proof("Tamper evidence against an insider")
def test_editing_an_entry_and_recomputing_every_later_link_without_the_key_is_named(world):
    reads(world)
    audit_anchor_write()
    rows = list(AuditEntry.objects.filter(chain=world.lunner.pk).order_by("seq"))
    rows[1].actor_label = "Noen andre <noen@andre.test>"
    # The best the attacker can do: a MAC over the same fields with a key of their own.
    guessed = b"\x00" * 32
    for previous, entry in zip(rows, rows[1:], strict=False):
        if entry is not rows[1]:
            entry.prev_mac = previous.mac
        entry.mac = hmac.new(guessed, entry.canonical(), hashlib.sha256).hexdigest()
        AuditEntry.objects.filter(pk=entry.pk).update(
            actor_label=entry.actor_label, prev_mac=entry.prev_mac, mac=entry.mac
        )
    AuditChain.objects.filter(chain=world.lunner.pk).update(last_mac=rows[-1].mac)
    assert f"entry #{rows[1].seq} was changed after it was written" in verify()


@pytest.mark.proof("Tamper evidence against an insider")
def test_an_entry_invented_at_the_end_is_named(world):
    reads(world)
    audit_anchor_write()
    last = AuditEntry.objects.filter(chain=world.lunner.pk).order_by("-seq").first()
    last.pk, last.seq, last.prev_mac = None, last.seq + 1, last.mac
    last.reason = "Oppfunnet"
    last.mac = hashlib.sha256(last.canonical()).hexdigest()
    last.save()
    AuditChain.objects.filter(chain=last.chain).update(last_seq=last.seq, last_mac=last.mac)
    assert f"entry #{last.seq} was changed after it was written" in verify()


def test_a_missing_head_is_named(world):
    reads(world)
    audit_anchor_write()
    last = AuditChain.objects.get(chain=world.lunner.pk).last_seq
    AuditChain.objects.filter(chain=world.lunner.pk).delete()
    assert f"the chain's head is missing (its entries end at #{last})" in verify()


def test_without_its_anchor_file_the_log_is_not_called_whole(world):
    reads(world)
    answer = verify()
    assert "the anchor" in answer and "is missing" in answer
    assert verify("--no-anchor") == "ok"


def counts() -> dict[int, int]:
    """Entries per chain, counted from the rows."""
    found: dict[int, int] = {}
    for chain in AuditEntry.objects.values_list("chain", flat=True):
        found[chain] = found.get(chain, 0) + 1
    return found


def test_each_municipality_has_its_own_chain_and_is_verified_on_its_own(world, capsys):
    before = counts()
    reads(world, 3)
    reads(world, 4, municipality=world.gran)
    audit_record(actor=None, action="login_failed", object_type="account", reason="Ukjent konto")
    expected = {
        0: before.get(0, 0) + 1,
        world.lunner.pk: before.get(world.lunner.pk, 0) + 3,
        world.gran.pk: before.get(world.gran.pk, 0) + 4,
    }
    assert counts() == expected
    assert dict(AuditChain.objects.values_list("chain", "last_seq")) == expected
    audit_anchor_write()
    AuditEntry.objects.filter(chain=world.gran.pk, seq=2).update(reason="endret")
    assert verify("--municipality", "lunner") == "ok"
    assert "gran (chain" in verify("--municipality", "gran")
    assert "gran (chain" in verify()
    assert verify("--municipality", "installation") == "ok"


def test_the_anchor_holds_each_chains_head_and_only_what_moved(world):
    reads(world, 2)
    assert audit_anchor_write() == len(counts())
    assert audit_anchor_write() == 0
    reads(world, 1)
    reads(world, 1, municipality=world.gran)
    assert audit_anchor_write() == 2
    anchored, unreadable = anchor_read()
    assert not unreadable
    lunner = AuditChain.objects.get(chain=world.lunner.pk)
    expected = counts()[lunner.chain]
    assert (anchored[lunner.chain].seq, anchored[lunner.chain].mac) == (expected, lunner.last_mac)


def test_entries_newer_than_the_anchor_are_counted(world, capsys):
    reads(world, 2)
    audit_anchor_write()
    reads(world, 3)
    call_command("audit_verify")
    assert "3 newer than its last line" in capsys.readouterr().out


def test_the_mac_key_is_nowhere_in_the_database(world, settings, tmp_path, monkeypatch):
    """A copy of the database under another keyring does not verify: the key is outside it."""
    reads(world, 2)
    audit_anchor_write()
    monkeypatch.delenv("VARDE_KEYS", raising=False)
    settings.VARDE_KEYS_FILE = tmp_path / "other-keys.json"
    assert "was changed after it was written" in verify()


def test_the_export_for_an_audit_holds_the_municipalitys_chain_only(world, tmp_path):
    reads(world, 3)
    reads(world, 2, municipality=world.gran)
    audit_anchor_write()
    lunner = counts()[world.lunner.pk]
    out = tmp_path / "lunner.jsonl"
    call_command("audit_export", "--municipality", "lunner", "--output", str(out))
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert lines[0]["municipality"] == "lunner" and lines[0]["last_seq"] == lunner
    assert lines[0]["anchor"]["seq"] == lunner
    assert [line["seq"] for line in lines[1:]] == list(range(1, lunner + 1))
    assert {line["municipality_id"] for line in lines[1:]} == {world.lunner.pk}


def test_two_new_staff_in_two_municipalities_each_start_their_own_chain(world):
    person = make_user("ny@gran.test", "Ny i Gran")
    grant(person, "teacher", school=world.gran_school)
    before = AuditChain.objects.filter(chain=world.gran.pk).first()
    reads(world, 1, municipality=world.gran)
    after = AuditChain.objects.get(chain=world.gran.pk)
    assert after.last_seq == (before.last_seq if before else 0) + 1
