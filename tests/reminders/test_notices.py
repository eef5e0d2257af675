"""Handovers and invitations show at once, and the notice list ("Varsler") shows what needs the
person: the e-mail is a copy of it, not the only channel."""

from __future__ import annotations

import re

from django.core import mail

from varde.cases.consent import participant_invite
from varde.cases.services import handover_answer
from varde.reminders.models import Reminder
from varde.reminders.services import reminders_collect, reminders_send

INVITED = "Du er invitert inn i en sak"
OFFERED = "En kollega vil overføre en sak til deg"


def text(response) -> str:
    """The page's visible words, tags removed, for counting what a reader sees."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_an_invitation_shows_at_once_and_goes_when_the_case_is_opened(client, world):
    participant_invite(actor=world.teacher, case=world.case, user=world.kjentmann)
    client.force_login(world.kjentmann)
    case_link = f'href="/ansatt/saker/{world.case.pk}/"'

    # Before any collection of reminders: the start page, the notice list and the case list.
    start = client.get("/ansatt/").content.decode()
    assert INVITED in start and start.count(case_link) >= 1
    notices = client.get("/ansatt/varsler/")
    assert notices.status_code == 200 and text(notices).count(INVITED) == 1
    listed = client.get("/ansatt/saker/").content.decode()
    assert "Ny for deg" in listed

    # Collected and e-mailed: still once on each page, and the e-mail is its copy.
    reminders_collect()
    reminders_send()
    assert text(client.get("/ansatt/varsler/")).count(INVITED) == 1
    assert "kopi sendt på e-post" in client.get("/ansatt/varsler/").content.decode()
    copy = [m for m in mail.outbox if m.to == [world.kjentmann.email]]
    assert len(copy) == 1 and "Petter" not in copy[0].body

    # Opened: gone from every page at once, before the next collection retires the row.
    assert client.get(f"/ansatt/saker/{world.case.pk}/").status_code == 200
    assert INVITED not in client.get("/ansatt/").content.decode()
    assert "Ny for deg" not in client.get("/ansatt/saker/").content.decode()
    waiting = client.get("/ansatt/varsler/").content.decode().split("Ferdig de siste")[0]
    assert INVITED not in waiting
    reminders_collect()
    stored = Reminder.objects.get(user=world.kjentmann, key__startswith="invited:")
    assert stored.done_at is not None
    assert INVITED in text(client.get("/ansatt/varsler/")).split("Ferdig de siste")[1]


def test_a_handover_shows_in_the_case_list_and_the_notices_at_once_and_goes_when_answered(
    client, world
):
    client.force_login(world.teacher2)
    reply = f'href="/ansatt/overforinger/{world.handover.pk}/"'
    assert client.get("/ansatt/saker/").content.decode().count(reply) == 1
    assert client.get("/ansatt/varsler/").content.decode().count(reply) == 1
    reminders_collect()
    assert client.get("/ansatt/varsler/").content.decode().count(reply) == 1

    handover_answer(actor=world.teacher2, handover=world.handover, accept=False)
    # The stored reminder is still open until the next collection; the pages answer now.
    assert Reminder.objects.get(user=world.teacher2, key__startswith="handover:").done_at is None
    for page in ("/ansatt/", "/ansatt/saker/", "/ansatt/varsler/"):
        assert reply not in client.get(page).content.decode(), page


def test_nobody_sees_another_persons_notices(client, world):
    participant_invite(actor=world.teacher, case=world.case, user=world.kjentmann)
    reminders_collect()
    for user in (world.teacher, world.principal, world.nurse, world.admin, world.outsider):
        client.force_login(user)
        page = client.get("/ansatt/varsler/").content.decode()
        assert INVITED not in page and OFFERED not in page, user
