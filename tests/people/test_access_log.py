"""'Hvem har sett opplysningene om eleven?' reads like an answer to a parent's request."""

from __future__ import annotations

import re

from varde.audit.models import AuditEntry
from varde.audit.services import audit_record


def rows(client, world) -> list[list[str]]:
    client.force_login(world.principal)
    page = client.get(f"/ansatt/elever/{world.pupil.pk}/innsyn/").content.decode()
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        [
            " ".join(re.sub(r"<[^>]+>", "", cell).split())
            for cell in re.findall(r"<td>(.*?)</td>", row)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def test_one_page_is_one_row_with_the_persons_role_what_and_why(client, world):
    AuditEntry.objects.filter(pupil_id=world.pupil.pk).delete()
    client.force_login(world.teacher)
    assert client.get(f"/ansatt/saker/{world.case.pk}/").status_code == 200
    entries = AuditEntry.objects.filter(pupil_id=world.pupil.pk).count()
    assert entries >= 1
    found = [r for r in rows(client, world) if r[1].startswith("Tina Lærer")]
    assert len(found) == 1, found
    when, who, role, what, why = found[0]
    assert "Lærer" in role.split(", ") and "saken" in what and "Sakens side" in why


def test_the_log_is_in_the_pages_language_whatever_the_reader_used(client, world):
    AuditEntry.objects.filter(pupil_id=world.pupil.pk).delete()
    client.force_login(world.teacher)
    client.cookies["django_language"] = "en"
    client.get(f"/ansatt/saker/{world.case.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    stored = set(
        AuditEntry.objects.filter(pupil_id=world.pupil.pk).values_list("reason", flat=True)
    )
    assert "Sakens side" in stored and "Case page" not in stored
    client.cookies.pop("django_language", None)
    table = rows(client, world)
    assert all("Case page" not in " ".join(r) for r in table)


def test_an_automatic_deletion_is_named_as_such_never_anonymous(client, world):
    audit_record(
        actor=None,
        automatic="sletting etter oppbevaringstid",
        action="delete",
        object_type="case",
        object_id=world.case.pk,
        pupil_id=world.pupil.pk,
        school_id=world.school.pk,
        municipality_id=world.lunner.pk,
        reason="Arbeidskopien slettet etter arkivering (oppbevaringstid)",
    )
    table = rows(client, world)
    assert any(r[1] == "Varde – automatisk sletting etter oppbevaringstid" for r in table)
    assert all(r[1] != "anonym" for r in table)
