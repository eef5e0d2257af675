"""The plan editor made of forms: every item of every part of Lunner's plan opens, saves
unchanged without changing a byte, and a changed field lands where it belongs."""

from __future__ import annotations

import copy
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from tests.world import grant, make_user
from varde.audit.models import AuditEntry
from varde.people.roles import Role
from varde.plan.editor import PARTS, SETTINGS_KEY, ItemForms, part_items
from varde.plan.models import PlanVersion, content_hash
from varde.plan.selectors import plan_current, plan_working_content
from varde.plan.services import plan_draft_store

pytestmark = pytest.mark.any_database


class _Form(HTMLParser):
    """What a browser sends for the page's form that posts to `action`, with nothing touched."""

    def __init__(self, action: str) -> None:
        super().__init__(convert_charrefs=True)
        self.action = action
        self.inside = False
        self.found = False
        self.pairs: list[tuple[str, str]] = []
        self.select: tuple[str, list[tuple[str, bool]]] | None = None
        self.textarea: list[str] | None = None
        self.textarea_name = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = (
                not self.found and a.get("method") == "post" and a.get("action", "") == self.action
            )
            self.found = self.found or self.inside
            return
        if not self.inside or "disabled" in a:
            return
        name = a.get("name", "")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.pairs.append((name, a.get("value", "on")))
            elif kind not in ("submit", "button"):
                self.pairs.append((name, a.get("value", "")))
        elif tag == "select" and name:
            self.select = (name, [])
        elif tag == "option" and self.select is not None:
            self.select[1].append((a.get("value", ""), "selected" in a))
        elif tag == "textarea" and name:
            self.textarea, self.textarea_name = [], name

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.textarea.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select" and self.select is not None:
            name, options = self.select
            chosen = [v for v, s in options if s] or [options[0][0]] if options else []
            self.pairs += [(name, v) for v in chosen]
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            text = "".join(self.textarea)
            self.pairs.append((self.textarea_name, text[1:] if text.startswith("\n") else text))
            self.textarea = None


def form_data(html: str, action: str = "") -> dict[str, Any]:
    parser = _Form(action)
    parser.feed(html)
    assert parser.found, "the page has no such form"
    data: dict[str, Any] = {}
    for name, value in parser.pairs:
        data.setdefault(name, []).append(value)
    return {k: v if len(v) > 1 else v[0] for k, v in data.items()}


def as_query(data: dict[str, Any]) -> QueryDict:
    query = QueryDict(mutable=True)
    for name, value in data.items():
        query.setlist(name, value if isinstance(value, list) else [value])
    return query


def item_path(part: str, key: str) -> str:
    return f"/ansatt/plan/endre/{part}/{key}/"


def working(world) -> dict[str, Any]:
    return plan_working_content(municipality=world.lunner)


def post_item(client, part: str, key: str, changes: dict[str, Any] | None = None):
    """The item's form as the page shows it, with `changes` typed in, sent."""
    path = item_path(part, key)
    data = form_data(client.get(path).content.decode())
    data.update(changes or {})
    return client.post(path, data)


def differences(before: Any, after: Any, path: tuple = ()) -> list[tuple]:
    """Every place two plans differ, as paths of keys and list positions."""
    if isinstance(before, dict) and isinstance(after, dict):
        found = []
        for key in sorted(set(before) | set(after), key=str):
            if key not in before or key not in after:
                found.append((*path, key))
            else:
                found += differences(before[key], after[key], (*path, key))
        return found
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        pairs = enumerate(zip(before, after, strict=True))
        return [d for i, (b, a) in pairs for d in differences(b, a, (*path, i))]
    return [] if before == after else [path]


def at(content: Any, path: tuple) -> Any:
    for step in path:
        content = content[step]
    return content


def service_index(content: dict, key: str) -> int:
    return next(i for i, s in enumerate(content["services"]) if s["key"] == key)


def page_of(response) -> str:
    return response.content.decode()


@pytest.fixture
def admin(client, world):
    client.force_login(world.admin)
    return client


# ------------------------------------------------------------------------ unchanged, changed


@pytest.mark.django_db
def test_every_item_saved_unchanged_leaves_the_plan_byte_identical(admin, world):
    before = working(world)
    digest = content_hash(before)
    items = list(part_items(before))
    assert {part.slug for part, _key in items} == set(PARTS)
    for part, key in items:
        page = admin.get(item_path(part.slug, key))
        assert page.status_code == 200, (part.slug, key)
        data = form_data(page_of(page))
        # The write-back itself, made even though nothing changed: not a byte moves.
        content = copy.deepcopy(before)
        item = part.find(content, key)
        forms = ItemForms(part.spec(key), item=item, content=content, data=as_query(data))
        assert forms.is_valid(), (part.slug, key, forms.form.errors, forms.row_errors())
        assert not forms.has_changed(), (part.slug, key)
        forms.apply(item)
        assert content_hash(content) == digest, (part.slug, key, differences(before, content))
        # And through the page: nothing is stored.
        response = admin.post(item_path(part.slug, key), data)
        assert response.status_code == 302, (part.slug, key, page_of(response)[:2000])
        assert response["Location"] == f"/ansatt/plan/endre/{part.slug}/"
    assert not PlanVersion.objects.filter(status="draft").exists()
    assert content_hash(working(world)) == digest
    print(f"unchanged: {len(items)} items in {len(PARTS)} parts saved, 0 bytes changed")


def _first_own_field(html: str) -> tuple[str, str]:
    """The first text the item's own form shows (not a row's): its name and value."""
    data = form_data(html)
    for name in re.findall(r'<(?:input type="(?:text|number)"|textarea) name="([^"-]+)"', html):
        if name not in ("key",) and name in data:
            return name, data[name]
    raise AssertionError("no field of its own")


@pytest.mark.django_db
def test_a_changed_field_lands_where_it_belongs_and_nowhere_else(admin, world):
    items = list(part_items(working(world)))
    for part, key in items:
        before = working(world)
        html = page_of(admin.get(item_path(part.slug, key)))
        name, value = _first_own_field(html)
        typed = str(abs(int(value) - 1)) if value.isdigit() else f"{value} (endret)"
        response = post_item(admin, part.slug, key, {name: typed})
        assert response.status_code == 302, (part.slug, key, page_of(response)[:2000])
        after = working(world)
        changed = differences(before, after)
        assert len(changed) == 1, (part.slug, key, changed)
        assert str(at(after, changed[0])) == typed, (part.slug, key, changed)
        assert after.get("translations") == before.get("translations")
    published = plan_current(municipality=world.lunner)
    assert published.number == 1, "the editor never publishes"
    print(f"changed: {len(items)} items, each changed in exactly one place")


@pytest.mark.django_db
def test_a_save_is_audited_with_what_changed(admin, world):
    post_item(admin, "tjenester", "barnevern", {"name": "Barneverntjenesten"})
    entry = AuditEntry.objects.order_by("-pk").first()
    assert entry.reason == "Utkast endret: Tjenester og telefonnumre › Barnevernet"
    assert entry.actor_id == world.admin.pk


# ------------------------------------------------------------------------ services and hours


@pytest.mark.django_db
def test_opening_hours_are_typed_per_weekday(admin, world):
    before = working(world)
    i = service_index(before, "barnevern")
    response = post_item(admin, "tjenester", "barnevern", {"contacts-0-sat": "10:00 - 14:00"})
    assert response.status_code == 302
    after = working(world)
    assert differences(before, after) == [("services", i, "contacts", 0, "hours", "weekly", "sat")]
    assert after["services"][i]["contacts"][0]["hours"]["weekly"]["sat"] == ["10:00-14:00"]


@pytest.mark.django_db
def test_hours_that_are_not_hours_are_explained_next_to_the_field(admin, world):
    response = post_item(
        admin, "tjenester", "barnevern", {"contacts-0-mon": "8-15", "name": "Barnevernet i Lunner"}
    )
    page = page_of(response)
    assert response.status_code == 200
    assert (
        'id="id_contacts-0-mon-error">Skriv tidene som 08:00-15:30, flere skilt med komma.' in page
    )
    # Nothing saved, nothing typed lost.
    assert not PlanVersion.objects.filter(status="draft").exists()
    assert 'value="8-15"' in page and 'value="Barnevernet i Lunner"' in page


@pytest.mark.django_db
def test_two_intervals_a_day_and_exceptions_one_per_line(admin, world):
    i = service_index(working(world), "barnevern")
    post_item(
        admin,
        "tjenester",
        "barnevern",
        {
            "contacts-0-fri": "08:00-11:00, 12:00-15:30",
            "contacts-0-exceptions": (
                "2026-12-24 10:00-14:00 Julaften\r\n2026-12-31 stengt Nyttårsaften"
            ),
        },
    )
    hours = working(world)["services"][i]["contacts"][0]["hours"]
    assert hours["weekly"]["fri"] == ["08:00-11:00", "12:00-15:30"]
    assert hours["exceptions"] == [
        {"date": "2026-12-24", "hours": ["10:00-14:00"], "note": "Julaften"},
        {"date": "2026-12-31", "note": "Nyttårsaften"},
    ]
    assert hours["closed_on_public_holidays"] is True
    # Shown again as typed.
    page = page_of(admin.get(item_path("tjenester", "barnevern")))
    assert "2026-12-24 10:00-14:00 Julaften\n2026-12-31 stengt Nyttårsaften" in page


@pytest.mark.django_db
def test_an_exception_that_is_not_a_date_says_which_line(admin, world):
    page = page_of(
        post_item(
            admin,
            "tjenester",
            "barnevern",
            {"contacts-0-exceptions": "2026-12-24 stengt\n24.12 stengt"},
        )
    )
    assert "Linje 2: begynn med datoen som ÅÅÅÅ-MM-DD, for eksempel 2026-12-24." in page


@pytest.mark.django_db
def test_open_around_the_clock_leaves_the_hours_out(admin, world):
    i = service_index(working(world), "barnevern")
    post_item(admin, "tjenester", "barnevern", {"contacts-0-always_open": "on"})
    assert "hours" not in working(world)["services"][i]["contacts"][0]
    page = page_of(admin.get(item_path("tjenester", "barnevern")))
    assert re.search(r'name="contacts-0-always_open"[^>]* checked', page)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("phone", "message"),
    [
        ("12", "Telefonnummeret må ha fra 3 til 15 sifre."),
        ("ring oss", "Telefonnummeret må ha fra 3 til 15 sifre."),
        ("1234567890123456", "Telefonnummeret må ha fra 3 til 15 sifre."),
    ],
)
def test_a_phone_number_needs_3_to_15_digits(admin, world, phone, message):
    page = page_of(post_item(admin, "tjenester", "barnevern", {"contacts-1-phone": phone}))
    assert f'id="id_contacts-1-phone-error">{message}' in page
    assert not PlanVersion.objects.filter(status="draft").exists()


@pytest.mark.django_db
def test_a_direction_control_is_refused_in_every_text(admin, world):
    for part, key, field in (
        ("tjenester", "barnevern", "name"),
        ("tjenester", "barnevern", "contacts-0-label"),
        ("tekst", "innledning", "blocks-0-text"),
        ("ring", "worried", "steps-0-why"),
    ):
        page = page_of(post_item(admin, part, key, {field: "Barne\u202evern"}))
        assert "usynlig tegn som snur skriveretningen" in page, (part, key, field)
    assert not PlanVersion.objects.filter(status="draft").exists()


@pytest.mark.django_db
def test_a_new_contact_gets_a_key_from_its_name(admin, world):
    i = service_index(working(world), "skolehelsetjenesten")
    response = post_item(
        admin,
        "tjenester",
        "skolehelsetjenesten",
        {
            "contacts-0-label": "Helsesykepleier på Lunner ungdomsskole",
            "contacts-0-phone": "61 32 40 00",
            "contacts-0-source": "Kommunens nettside",
            "contacts-0-always_open": [],
            "contacts-0-mon": "08:00-15:30",
            "contacts-0-hours_source": "Kommunens nettside",
        },
    )
    assert response.status_code == 302, page_of(response)[:3000]
    contact = working(world)["services"][i]["contacts"][0]
    assert contact["key"] == "helsesykepleier_pa_lunner_ungdomsskole"
    assert contact["hours"] == {"weekly": {"mon": ["08:00-15:30"]}}


@pytest.mark.django_db
def test_a_new_service_with_a_key_made_from_its_name(admin, world):
    page = page_of(admin.get("/ansatt/plan/endre/tjenester/ny/"))
    data = form_data(page)
    data.update(name="Ungdomskontakten Æsøy", summary="Samtaler for ungdom.")
    response = admin.post("/ansatt/plan/endre/tjenester/ny/", data)
    assert response.status_code == 302, page_of(response)[:3000]
    service = working(world)["services"][-1]
    assert service == {
        "key": "ungdomskontakten_aesoy",
        "name": "Ungdomskontakten Æsøy",
        "summary": "Samtaler for ungdom.",
        "blocks": [],
        "contacts": [],
    }
    entry = AuditEntry.objects.order_by("-pk").first()
    assert entry.reason == "Utkast endret: Tjenester og telefonnumre › Ungdomskontakten Æsøy (ny)"
    assert "Ungdomskontakten Æsøy" in page_of(admin.get("/ansatt/plan/endre/tjenester/"))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("barnevern", "Nøkkelen «barnevern» er allerede brukt. Velg en annen."),
        ("Ny tjeneste", "Bruk bare små bokstaver a–z, tall og _ (høyst 40 tegn)."),
        ("ny", "Nøkkelen «ny» er allerede brukt. Velg en annen."),
    ],
)
def test_a_new_key_must_be_new_and_plain(admin, world, key, message):
    data = form_data(page_of(admin.get("/ansatt/plan/endre/tjenester/ny/")))
    data.update(key=key, name="Ny tjeneste")
    page = page_of(admin.post("/ansatt/plan/endre/tjenester/ny/", data))
    assert message in page
    assert 'value="Ny tjeneste"' in page
    assert not PlanVersion.objects.filter(status="draft").exists()


@pytest.mark.django_db
def test_age_limits_are_kept_in_order(admin, world):
    page = page_of(post_item(admin, "tjenester", "bup", {"age_min": "18"}))
    assert "«Til og med» kan ikke være lavere enn «Fra»." in page
    post_item(admin, "tjenester", "bup", {"age_min": "6"})
    bup = working(world)["services"][service_index(working(world), "bup")]
    assert (bup["age_min"], bup["age_max"]) == (6, 17)


# ------------------------------------------------------------------------ removing


@pytest.mark.django_db
def test_removing_asks_first_then_removes(admin, world):
    path = "/ansatt/plan/endre/tjenester/kommunepsykolog/slett/"
    # The consent rule for the municipal psychologist names it; remove that first.
    rule = admin.post(
        "/ansatt/plan/endre/samtykke/regel-kommunepsykolog/slett/", {"confirm": "yes"}
    )
    assert rule.status_code == 302
    ask = admin.post(path)
    assert ask.status_code == 200 and "Slette «<bdi>Kommunepsykolog</bdi>»?" in page_of(ask)
    assert "kommunepsykolog" in {s["key"] for s in working(world)["services"]}
    done = admin.post(path, {"confirm": "yes"})
    assert done.status_code == 302 and done["Location"] == "/ansatt/plan/endre/tjenester/"
    assert "kommunepsykolog" not in {s["key"] for s in working(world)["services"]}
    assert admin.get(item_path("tjenester", "kommunepsykolog")).status_code == 404


@pytest.mark.django_db
def test_removing_what_the_plan_still_names_is_refused_with_the_reasons(admin, world):
    response = admin.post("/ansatt/plan/endre/tjenester/barnevern/slett/", {"confirm": "yes"})
    page = page_of(response)
    assert response.status_code == 200
    assert "Ikke slettet. Rett dette først:" in page
    assert "finner ikke kontakten «barnevern.office»" in page
    assert not PlanVersion.objects.filter(status="draft").exists()


@pytest.mark.django_db
def test_removing_a_contact_a_situation_calls_is_refused(admin, world):
    response = post_item(admin, "tjenester", "barnevern", {"contacts-1-DELETE": "on"})
    assert response.status_code == 200
    assert "finner ikke kontakten «barnevern.vakt»" in page_of(response)


# ------------------------------------------------------------------------ the plan's text


@pytest.mark.django_db
def test_title_and_summary_of_the_plan(admin, world):
    post_item(admin, "tekst", SETTINGS_KEY, {"title": "Rusforebygging i Lunnerskolen"})
    assert working(world)["title"] == "Rusforebygging i Lunnerskolen"


@pytest.mark.django_db
def test_blocks_are_reordered_added_and_removed(admin, world):
    before = working(world)["sections"][2]["blocks"]  # innledning: four paragraphs
    response = post_item(
        admin,
        "tekst",
        "innledning",
        {
            "blocks-0-ORDER": "2",
            "blocks-1-ORDER": "1",
            "blocks-2-ORDER": "4",
            "blocks-3-DELETE": "on",
            "blocks-4-kind": "list",
            "blocks-4-text": "Første punkt\r\nAndre punkt\r\n",
            "blocks-4-ORDER": "3",
        },
    )
    assert response.status_code == 302, page_of(response)[:3000]
    after = working(world)["sections"][2]["blocks"]
    assert after == [before[1], before[0], {"list": ["Første punkt", "Andre punkt"]}, before[2]]


@pytest.mark.django_db
def test_a_block_changes_kind_and_shows_the_fields_it_needs(admin, world):
    page = page_of(post_item(admin, "tekst", "innledning", {"blocks-0-kind": "link"}))
    assert "Lenken må begynne med https://." in page
    assert 'name="blocks-0-url"' in page and 'name="blocks-0-text"' not in page
    data = form_data(page)
    data.update({"blocks-0-url": "https://korus.no", "blocks-0-title": "KORUS"})
    assert admin.post(item_path("tekst", "innledning"), data).status_code == 302
    assert working(world)["sections"][2]["blocks"][0] == {
        "link": {"url": "https://korus.no", "text": "KORUS"}
    }


@pytest.mark.django_db
def test_a_subsection_is_addressed_by_its_own_key_and_added_under_its_parent(admin, world):
    before = working(world)
    assert post_item(admin, "tekst", "los", {"title": "LOS"}).status_code == 302
    kompetanse = next(s for s in working(world)["sections"] if s["key"] == "kompetanse")
    assert kompetanse["sections"][1]["title"] == "LOS"
    assert len(differences(before, working(world))) == 1
    data = form_data(page_of(admin.get("/ansatt/plan/endre/tekst/ny/?under=kompetanse")))
    assert data["parent"] == "kompetanse"
    data.update({"title": "Helsesykepleier", "blocks-0-text": "Har faste dager på skolen."})
    assert admin.post("/ansatt/plan/endre/tekst/ny/", data).status_code == 302
    kompetanse = next(s for s in working(world)["sections"] if s["key"] == "kompetanse")
    assert kompetanse["sections"][-1] == {
        "key": "helsesykepleier",
        "title": "Helsesykepleier",
        "blocks": [{"p": "Har faste dager på skolen."}],
    }
    # Section keys are unique across the whole plan, nested ones too.
    data.update({"key": "los", "title": "Losen"})
    page = page_of(admin.post("/ansatt/plan/endre/tekst/ny/", data))
    assert "Nøkkelen «los» er allerede brukt." in page


@pytest.mark.django_db
def test_removing_a_section_removes_its_subsections(admin, world):
    ask = page_of(admin.post("/ansatt/plan/endre/tekst/kompetanse/slett/"))
    assert "De 2 underkapitlene fjernes også." in ask
    admin.post("/ansatt/plan/endre/tekst/kompetanse/slett/", {"confirm": "yes"})
    keys = {s["key"] for s in working(world)["sections"]}
    assert "kompetanse" not in keys
    assert admin.get(item_path("tekst", "los")).status_code == 404


# ------------------------------------------------------------------------ who to call, routines


@pytest.mark.django_db
def test_a_call_step_names_a_contact_and_when(admin, world):
    page = page_of(admin.get(item_path("ring", "advice")))
    assert (
        '<option value="barnevern.vakt">Barnevernet – Interkommunal barnevernsvakt</option>' in page
    )
    assert "Når kontakten er stengt" in page
    response = post_item(
        admin,
        "ring",
        "advice",
        {
            "steps-3-contact": "nodetater.politi",
            "steps-3-when": "always",
            "steps-3-why": "Ved fare: 112.",
        },
    )
    assert response.status_code == 302, page_of(response)[:3000]
    advice = next(s for s in working(world)["situations"] if s["key"] == "advice")
    assert advice["steps"][-1] == {"contact": "nodetater.politi", "why": "Ved fare: 112."}


@pytest.mark.django_db
def test_routine_roles_and_deadlines(admin, world):
    page = page_of(post_item(admin, "rutiner", "worry", {"steps-1-deadline_days": "400"}))
    assert "Skriv et helt tall fra 0 til 365." in page
    post_item(admin, "rutiner", "worry", {"responsible_roles": ["teacher", "kjentmann"]})
    worry = next(r for r in working(world)["routines"] if r["key"] == "worry")
    assert worry["responsible_roles"] == ["teacher", "kjentmann"]
    intoxicated = next(r for r in working(world)["routines"] if r["key"] == "intoxicated")
    post_item(admin, "rutiner", "intoxicated", {"title": "Hvis en elev er ruset på skolen"})
    after = next(r for r in working(world)["routines"] if r["key"] == "intoxicated")
    # The duty to avert, which this form does not show, is kept exactly.
    assert after["avert"] == intoxicated["avert"]


# ------------------------------------------------------------------------ Lunnermodellen


@pytest.mark.django_db
def test_a_level_step_is_done_by_the_facts_ticked(admin, world):
    response = post_item(
        admin,
        "lunnermodellen",
        "1",
        {
            "steps-1-done_by": ["measure_evaluated", "decision"],
            "steps-1-deadline_counts": "calendar_days",
        },
    )
    assert response.status_code == 302
    step = working(world)["lunnermodellen"]["levels"][1]["steps"][1]
    assert step["done_by"] == ["measure_evaluated", "decision"]
    # Calendar days are the plan's default: the key is left out.
    assert "deadline_counts" not in step and step["deadline_days"] == 30


@pytest.mark.django_db
def test_the_four_levels_are_neither_added_nor_removed(admin, world):
    assert admin.get("/ansatt/plan/endre/lunnermodellen/ny/").status_code == 404
    assert admin.post("/ansatt/plan/endre/lunnermodellen/1/slett/").status_code == 404
    assert admin.get(item_path("lunnermodellen", "4")).status_code == 404


# ------------------------------------------------------------------------ consent, year plan


@pytest.mark.django_db
def test_consent_settings_rules_and_actions(admin, world):
    post_item(admin, "samtykke", SETTINGS_KEY, {"guardians_required": "one"})
    consent = working(world)["casework"]["consent"]
    assert consent["guardians"]["required"] == "one"
    data = form_data(page_of(admin.get("/ansatt/plan/endre/samtykke/ny/?hva=handling")))
    data.update(service="ppt", title="Drøfte saken anonymt", consent="none", source="")
    page = page_of(admin.post("/ansatt/plan/endre/samtykke/ny/?hva=handling", data))
    assert "Deling uten samtykke må ha en kilde: planen eller loven." in page
    data["source"] = "Planen, «PPT»"
    assert admin.post("/ansatt/plan/endre/samtykke/ny/?hva=handling", data).status_code == 302
    actions = working(world)["casework"]["consent"]["actions"]
    assert actions[-1] == {
        "service": "ppt",
        "title": "Drøfte saken anonymt",
        "consent": "none",
        "source": "Planen, «PPT»",
    }
    assert admin.get(item_path("samtykke", f"handling-{len(actions)}")).status_code == 200
    rule = form_data(page_of(admin.get("/ansatt/plan/endre/samtykke/ny/")))
    rule.update(service="bup", source="Loven")
    assert "Tjenesten har allerede en samtykkeregel." in page_of(
        admin.post("/ansatt/plan/endre/samtykke/ny/", rule)
    )


@pytest.mark.django_db
def test_a_year_plan_meeting(admin, world):
    page = page_of(post_item(admin, "arshjul", "police_pupil_talk", {"time": "kl ti"}))
    assert "Skriv klokkeslettet som tt:mm, for eksempel 18:00." in page
    post_item(admin, "arshjul", "police_pupil_talk", {"grades": ["8", "9"], "public": "on"})
    event = next(e for e in working(world)["yearplan"]["events"] if e["key"] == "police_pupil_talk")
    assert (event["grades"], event["public"]) == ([8, 9], True)
    post_item(admin, "arshjul", SETTINGS_KEY, {"remind_days_before": "7"})
    assert working(world)["yearplan"]["remind_days_before"] == 7


# ------------------------------------------------------------------------ who may, what is shown


EDITOR_PATHS = [
    "/ansatt/plan/endre/",
    "/ansatt/plan/endre/tjenester/",
    "/ansatt/plan/endre/tjenester/ny/",
    "/ansatt/plan/endre/tjenester/barnevern/",
]


@pytest.mark.django_db
def test_only_those_with_a_plan_role_reach_the_editor(client, world):
    for user in (world.teacher, world.principal, world.kjentmann, world.slt, world.outsider):
        client.force_login(user)
        for path in EDITOR_PATHS:
            assert client.get(path).status_code == 404, (user, path)
        assert (
            client.post("/ansatt/plan/endre/tjenester/ppt/slett/", {"confirm": "yes"}).status_code
            == 404
        )
    client.logout()
    assert client.get(EDITOR_PATHS[0])["Location"].startswith("/konto/login/")
    assert not PlanVersion.objects.filter(status="draft").exists()


@pytest.mark.django_db
def test_the_plan_owner_edits_the_plan(client, world):
    owner = make_user("pia@lunner.test", "Pia Planeier")
    grant(owner, Role.PLAN_OWNER, municipality=world.lunner)
    client.force_login(owner)
    for path in EDITOR_PATHS:
        assert client.get(path).status_code == 200, path
    assert post_item(client, "tjenester", "ppt", {"name": "PPT"}).status_code == 302
    assert AuditEntry.objects.order_by("-pk").first().actor_id == owner.pk


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/ansatt/plan/endre/finnes-ikke/",
        "/ansatt/plan/endre/tjenester/finnes-ikke/",
        "/ansatt/plan/endre/ring/om-delen/",
        "/ansatt/plan/endre/samtykke/regel-finnes-ikke/",
        "/ansatt/plan/endre/samtykke/handling-99/",
        "/ansatt/plan/endre/finnes-ikke/ny/",
    ],
)
def test_an_unknown_part_or_item_is_not_found(admin, path):
    assert admin.get(path).status_code == 404


@pytest.mark.django_db
def test_a_save_in_between_is_told_and_what_was_typed_is_kept(admin, world):
    stale = form_data(page_of(admin.get(item_path("tjenester", "ppt"))))
    post_item(admin, "tjenester", "ppt", {"summary": "Endret av en annen."})
    stale["name"] = "PPT Hadeland"
    response = admin.post(item_path("tjenester", "ppt"), stale)
    page = page_of(response)
    assert response.status_code == 200
    assert "Noen har lagret en endring her etter at du åpnet siden." in page
    assert 'value="PPT Hadeland"' in page
    ppt = working(world)["services"][service_index(working(world), "ppt")]
    assert (ppt["name"], ppt["summary"]) == (
        "Pedagogisk psykologisk tjeneste (PPT)",
        "Endret av en annen.",
    )
    # Sent again, it is saved.
    assert admin.post(item_path("tjenester", "ppt"), form_data(page)).status_code == 302


@pytest.mark.django_db
def test_the_overview_lists_the_seven_parts_and_the_yaml_import(admin, world):
    page = page_of(admin.get("/ansatt/plan/endre/"))
    for part in PARTS.values():
        assert f'href="/ansatt/plan/endre/{part.slug}/"' in page
    assert 'href="/ansatt/plan/rediger/">Importer eller endre som YAML' in page
    admin_page = page_of(admin.get("/ansatt/plan/"))
    assert 'href="/ansatt/plan/endre/">Endre planen' in admin_page
    assert "Importer eller endre som YAML" in admin_page


@pytest.mark.django_db
def test_the_draft_is_edited_and_nothing_is_published(admin, world):
    post_item(admin, "tjenester", "ppt", {"name": "PPT"})
    post_item(admin, "tjenester", "fastlege", {"name": "Fastlegene"})
    draft = PlanVersion.objects.get(municipality=world.lunner, status="draft")
    names = {s["key"]: s["name"] for s in draft.content["services"]}
    assert (names["ppt"], names["fastlege"]) == ("PPT", "Fastlegene")
    assert PlanVersion.objects.filter(status="published").count() == 1


@pytest.mark.django_db
def test_an_item_whose_key_cannot_stand_in_an_address_is_listed_for_yaml(admin, world):
    content = working(world)
    content["sections"][2]["key"] = "inn ledning"
    plan_draft_store(municipality=world.lunner, content=content, actor=world.admin, reason="test")
    page = page_of(admin.get("/ansatt/plan/endre/tekst/"))
    assert '<bdi>Innledning</bdi> <span class="muted">(endres som YAML)</span>' in page


@pytest.mark.django_db
def test_consent_from_guardians_needs_a_rule_and_a_source(admin, world):
    page = page_of(post_item(admin, "samtykke", SETTINGS_KEY, {"guardians_source": ""}))
    assert "Skriv kilden for regelen om foresatte." in page
    assert not PlanVersion.objects.filter(status="draft").exists()


@pytest.mark.django_db
def test_a_key_left_out_shows_the_plans_default_and_stays_left_out(admin, world):
    content = working(world)
    worried = next(s for s in content["situations"] if s["key"] == "worried")
    del worried["steps"][2]["when"]  # "always" is the default
    plan_draft_store(municipality=world.lunner, content=content, actor=world.admin, reason="test")
    page = page_of(admin.get(item_path("ring", "worried")))
    assert re.search(r'name="steps-2-when"[^>]*>\s*<option value="always" selected>', page)
    before = working(world)
    assert post_item(admin, "ring", "worried", {"steps-2-why": "Døgnåpen."}).status_code == 302
    assert differences(before, working(world)) == [("situations", 1, "steps", 2, "why")]


@pytest.mark.django_db
def test_a_plan_owner_of_another_municipality_never_reaches_lunners_plan(client, world):
    owner = make_user("gro@gran.test", "Gro Planeier")
    grant(owner, Role.PLAN_OWNER, municipality=world.gran)
    client.force_login(owner)
    assert client.get("/ansatt/plan/endre/").status_code == 200
    assert client.get(item_path("tjenester", "barnevern")).status_code == 404
    assert client.post(item_path("tjenester", "barnevern"), {"name": "X"}).status_code == 404
    assert (
        client.post("/ansatt/plan/endre/tjenester/ppt/slett/", {"confirm": "yes"}).status_code
        == 404
    )
    assert "Barnevernet" not in page_of(client.get("/ansatt/plan/endre/tjenester/"))
    assert not PlanVersion.objects.filter(status="draft").exists()


@pytest.mark.django_db
def test_a_part_page_makes_the_same_queries_however_many_items(admin, world):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert admin.get("/ansatt/plan/endre/tjenester/").status_code == 200
        return len(captured)

    content = working(world)
    plan_draft_store(municipality=world.lunner, content=content, actor=world.admin, reason="test")
    few = queries()
    content["services"] += [
        {"key": f"ekstra_{n}", "name": f"Ekstra {n}", "contacts": []} for n in range(20)
    ]
    plan_draft_store(municipality=world.lunner, content=content, actor=world.admin, reason="test")
    assert queries() == few
