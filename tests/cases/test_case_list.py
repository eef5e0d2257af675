"""The case list comes in pages of 50, newest first, and audits only what it shows."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from varde.audit.models import AuditEntry
from varde.cases.models import Case

URL = "/ansatt/saker/"


def many_cases(world, count: int) -> list[Case]:
    now = timezone.now()
    return Case.objects.bulk_create(
        Case(
            municipality=world.lunner,
            school=world.school,
            pupil=world.pupil,
            owner=world.teacher,
            opened_at=now - dt.timedelta(days=1, minutes=i),
            observed=f"Bekymring {i}.",
            observed_on=dt.date(2026, 11, 1),
            seriousness=2,
        )
        for i in range(count)
    )


def listed_ids(html: str) -> list[int]:
    import re

    return [int(pk) for pk in re.findall(r'href="/ansatt/saker/(\d+)/"', html)]


def test_the_list_shows_fifty_newest_first_and_pages_to_the_rest(client, world):
    extra = many_cases(world, 119)
    client.force_login(world.teacher)
    before = AuditEntry.objects.filter(object_type="case", reason="Saksliste").count()
    first = client.get(URL).content.decode()
    visible = list(
        Case.objects.filter(owner=world.teacher, status="open")
        .order_by("-opened_at", "-pk")
        .values_list("pk", flat=True)
    )
    assert len(visible) >= len(extra)
    assert listed_ids(first) == visible[:50]
    assert "Side 1 av 3" in first and "side=2" in first
    audited = AuditEntry.objects.filter(object_type="case", reason="Saksliste").count()
    assert audited - before == 50
    last = client.get(URL + "?side=3").content.decode()
    assert listed_ids(last) == visible[100:]


def test_a_page_number_that_is_not_a_number_shows_the_first_page(client, world):
    many_cases(world, 60)
    client.force_login(world.teacher)
    response = client.get(URL + "?side=abc")
    assert response.status_code == 200
    assert "Side 1 av 2" in response.content.decode()
