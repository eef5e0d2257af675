"""Every number and opening time says where it comes from, and the page says it in plain words."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import time_machine
import yaml

OSLO = ZoneInfo("Europe/Oslo")
PLAN = Path(__file__).resolve().parents[2] / "varde" / "plan" / "content" / "lunner.yaml"


def words(response) -> str:
    """The page's text, without its tags."""
    return " ".join(re.sub(r"<[^>]+>", "", response.content.decode()).split())


def test_every_phone_number_and_opening_time_in_the_plan_data_has_a_source():
    content = yaml.safe_load(PLAN.read_text(encoding="utf-8"))
    for service in content["services"]:
        for contact in service.get("contacts") or []:
            if contact.get("phone"):
                assert contact.get("source"), (service["key"], contact["key"])
            if contact.get("hours"):
                assert contact.get("hours_source"), (service["key"], contact["key"])


def test_the_child_welfare_office_says_its_number_is_not_from_the_plan(client, world):
    page = words(client.get("/k/lunner/tjenester/barnevern/"))
    assert "906 42 577" in page
    assert "Kilde: Ikke i planen" in page and "Kommunen må bekrefte nummeret." in page
    # The plan says "hver dag"; Varde shows weekdays, and says so.
    assert "«åpen hver dag mellom klokken 08.00 og 15.30»" in page
    assert "Kilde: Planen, «Barnevernet»" in page  # the on-call service's number


def test_on_a_wednesday_the_office_is_open_until_half_past_three_today(client, world):
    with time_machine.travel(dt.datetime(2026, 12, 9, 10, tzinfo=OSLO), tick=False):
        page = words(client.get("/k/lunner/ring/worried/"))
    assert "Åpen til kl. 15.30 i dag." in page
    assert "Kilde:" in page


def test_on_17_may_who_to_call_now_says_why_the_office_is_closed(client, world):
    with time_machine.travel(dt.datetime(2028, 5, 17, 10, tzinfo=OSLO), tick=False):
        page = words(client.get("/k/lunner/ring/worried/"))
    assert "I dag er 17. mai (Grunnlovsdag)" in page
    assert "64 99 32 70" in page
