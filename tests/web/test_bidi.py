"""Direction controls in names: refused where names are typed, isolated where text is shown.

A right-to-left override (U+202E) turns the text after it backwards until the end of the
paragraph: in "Eier: Tina‮ Lærer. Opprettet 1. desember" everything after the name runs
backwards, and a name can be made to look like another. Forms refuse these characters in
names; pages and the archive PDF show every text people typed inside <bdi>, which ends the
override at the end of the name.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
import zipfile

import pytest
from django import forms
from django.utils import timezone

from tests.web.template_bidi import TEMPLATES, bare_outputs, typed_names

# Forms refuse the controls before saving and templates wrap what they show: the same answer
# on every database, so CI's SQLite job only.
pytestmark = pytest.mark.any_database

# The controls the issue names, written out here rather than taken from varde.lib.text:
# the embeddings and overrides U+202A–U+202E and the isolates U+2066–U+2069.
CONTROLS = [chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))]
RLO = "\u202e"

# Without isolation: "Petra Lie" then, backwards, everything that follows on the line.
PUPIL_FIRST, PUPIL_LAST = "Petra", f"Lie{RLO}enitsrik"
OWNER = f"Tina {RLO}reræL"

# The fields that take people's names, listed by hand from the forms.
NAME_FIELDS = [
    ("varde.cases.forms", "WorryForm", "who_knows", {}),
    ("varde.cases.forms", "ConversationPlanForm", "attendees", {}),
    ("varde.cases.forms", "ConversationPlanForm", "trusted_adult", {}),
    ("varde.cases.forms", "ParentContactForm", "with_whom", {}),
    ("varde.cases.forms", "MeasureForm", "responsible", {"people": []}),
    ("varde.people.forms", "RoleGrantForm", "full_name", {"municipality": None}),
    ("varde.yearplan.forms", "EventForm", "contributors", {"people": None}),
]


def _form(module: str, name: str, kwargs: dict) -> forms.Form:
    import importlib

    from varde.people.models import Municipality, User

    given = {
        "municipality": Municipality(pk=0),
        "people": User.objects.none(),
    }
    cls = getattr(importlib.import_module(module), name)
    return cls(**{key: given[key] for key in kwargs})


@pytest.mark.django_db
@pytest.mark.parametrize("control", CONTROLS, ids=[f"U+{ord(c):04X}" for c in CONTROLS])
@pytest.mark.parametrize(("module", "name", "field", "kwargs"), NAME_FIELDS)
def test_every_name_field_refuses_a_direction_control(module, name, field, kwargs, control):
    form = _form(module, name, kwargs)
    with pytest.raises(forms.ValidationError) as refused:
        form.fields[field].clean(f"Anne{control}enitsrik")
    (message,) = refused.value.messages
    assert f"(U+{ord(control):04X})" in message
    assert "usynlig tegn som snur skriveretningen" in message


@pytest.mark.django_db
@pytest.mark.parametrize(("module", "name", "field", "kwargs"), NAME_FIELDS)
def test_a_name_in_any_script_is_still_taken(module, name, field, kwargs):
    form = _form(module, name, kwargs)
    # Sami, Norwegian letters and a name written right to left (Arabic) are all names.
    for value in ("Áile Ođđasat", "Åse Ødegård-Nilsen", "سارة حسن"):
        assert form.fields[field].clean(value) == value


def test_the_staff_page_refuses_a_name_with_a_direction_control(client, world):
    from varde.people.models import User

    client.force_login(world.admin)
    response = client.post(
        "/ansatt/brukere/rolle/",
        {
            "email": "ny@lunner.test",
            "full_name": OWNER,
            "role": "teacher",
            "school": world.school.pk,
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Rollen er ikke gitt" in page and "(U+202E)" in page
    assert 'id="id_full_name-error"' in page
    assert not User.objects.filter(email="ny@lunner.test").exists()


def test_the_plan_editor_refuses_a_service_name_with_a_direction_control(client, world):
    """The plan as it stands saves as a draft; with an override in a service's name, typed
    or written as a YAML escape, it is refused with the line to fix and nothing is saved."""
    from varde.plan.models import PlanVersion
    from varde.plan.selectors import plan_current
    from varde.plan.services import plan_dump_yaml

    client.force_login(world.admin)
    text = plan_dump_yaml(plan_current(municipality=world.lunner).content)
    bup = "name: Barne- og ungdomspsykiatrisk poliklinikk (BUP)"
    line = [row.strip() for row in text.splitlines()].index(bup) + 1
    for turned in (
        f"name: Barne- og ungdomspsykiatrisk poliklinikk {RLO}(PUB)",
        'name: "Barne- og ungdomspsykiatrisk poliklinikk \\u202e(PUB)"',
        'name: "Barne- og ungdomspsykiatrisk poliklinikk \\U0000202E(PUB)"',
    ):
        response = client.post(
            "/ansatt/plan/rediger/", {"text": text.replace(bup, turned), "change_note": "BUP"}
        )
        page = response.content.decode()
        assert response.status_code == 200, turned
        assert "Planen inneholder et usynlig tegn som snur skriveretningen" in page, turned
        assert f"på linje {line}." in page, turned
        assert not PlanVersion.objects.filter(status=PlanVersion.Status.DRAFT).exists()
    response = client.post("/ansatt/plan/rediger/", {"text": text, "change_note": "Uendret"})
    assert response.status_code == 302
    assert PlanVersion.objects.filter(status=PlanVersion.Status.DRAFT).exists()


# ---------------------------------------------------------------- shown isolated


@pytest.fixture
def turned(world):
    """Petra, whose surname holds a right-to-left override, in a case owned by Tina, whose
    name holds one too: as an import or a database administrator could have left them."""
    from varde.cases.services import case_open
    from varde.people.models import Pupil

    world.teacher.full_name = OWNER
    world.teacher.save(update_fields=["full_name"])
    pupil = Pupil.objects.create(
        municipality=world.lunner,
        school=world.school,
        external_id="RLO1",
        first_name=PUPIL_FIRST,
        last_name=PUPIL_LAST,
        birth_date=dt.date(2011, 3, 14),
        grade=9,
    )
    case = case_open(
        actor=world.teacher,
        pupil=pupil,
        observed="Sovnet i timen.",
        observed_on=timezone.localdate(),
        seriousness=2,
    )
    return case


def isolated_everywhere(html: str) -> tuple[int, int]:
    """How often the override occurs in the page, and how often inside an isolate: a <bdi>
    holding text only, or (where HTML holds text only, as in <title>) FSI … PDI."""
    total = html.count(RLO)
    in_bdi = sum(m.group().count(RLO) for m in re.finditer(r"<bdi>[^<]*</bdi>", html))
    in_fsi = sum(m.group().count(RLO) for m in re.finditer(r"&#x2068;[^<&]*&#x2069;", html))
    return total, in_bdi + in_fsi


@pytest.mark.parametrize(
    "path",
    ["/ansatt/saker/", "/ansatt/saker/{case}/", "/ansatt/elever/", "/ansatt/elever/{pupil}/"],
)
def test_a_name_with_an_override_is_shown_isolated(client, world, turned, path):
    client.force_login(world.principal)
    url = path.format(case=turned.pk, pupil=turned.pupil_id)
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    total, isolated = isolated_everywhere(html)
    assert total > 0, f"{url} does not show the name at all"
    assert isolated == total, f"{url}: {total - isolated} of {total} not isolated"


def test_the_case_list_holds_the_pupils_name_in_its_own_isolate(client, world, turned):
    client.force_login(world.principal)
    html = client.get("/ansatt/saker/").content.decode()
    assert f"<bdi>{PUPIL_FIRST} {PUPIL_LAST}</bdi></a>" in html
    assert f"<bdi>{OWNER}</bdi>" in html


def test_a_name_in_a_choice_is_isolated_with_the_unicode_isolates(client, world):
    """An <option> holds text only, so the invitation list isolates the name itself with
    first-strong isolate (U+2068) and pop directional isolate (U+2069)."""
    world.nurse.full_name = f"Hanne {RLO}reielpeksesleH"
    world.nurse.save(update_fields=["full_name"])
    client.force_login(world.teacher)
    html = client.get(f"/ansatt/saker/{world.case.pk}/deltakere/").content.decode()
    assert f"\u2068Hanne {RLO}reielpeksesleH\u2069 – Helsesykepleier" in html


def test_the_archive_pdf_does_not_run_the_words_after_a_name_backwards(
    client, world, turned, settings, tmp_path
):
    from varde.cases.models import Case, CaseEvent

    settings.DATA_DIR = tmp_path / "data"
    Case.objects.filter(pk=turned.pk).update(status=Case.Status.CLOSED, closed_at=timezone.now())
    CaseEvent.objects.create(
        case=turned, at=timezone.now(), actor=world.teacher, kind=CaseEvent.Kind.CLOSED
    )
    client.force_login(world.teacher)
    assert client.post(f"/ansatt/saker/{turned.pk}/arkiv/").status_code == 302
    download = client.get(f"/ansatt/saker/{turned.pk}/arkiv/pakke.zip")
    assert download.status_code == 200
    package = b"".join(download.streaming_content) if download.streaming else download.content
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        (pdf_name,) = [n for n in archive.namelist() if n.endswith(".pdf")]
        path = tmp_path / "sak.pdf"
        path.write_bytes(archive.read(pdf_name))
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    # The words after each name read forwards: the birth date after the pupil's name.
    assert "født 14.3.2011" in text, text[:600]
    assert "1102.3.41" not in text and "tdøf" not in text
    # The name itself is as it was typed: its own override turns only itself.
    assert "Petra Liekirstine" in text


# ---------------------------------------------------------------- the templates


def test_every_template_shows_typed_text_inside_an_isolate():
    paths = sorted(
        p for p in TEMPLATES.rglob("*.html") if "insights" not in p.parts and p.name != "400.html"
    )
    bare = bare_outputs(paths, typed_names())
    assert not bare, "Typed text shown without <bdi>:\n" + "\n".join(map(str, bare))


def test_the_template_check_finds_a_bare_name(tmp_path):
    (tmp_path / "page.html").write_text(
        '{% load i18n %}<td><a href="{{ c.pupil.full_name }}">{{ c.pupil.full_name }}</a></td>'
        "<td><bdi>{{ c.owner }}</bdi></td>"
        "{% blocktranslate with name=case.pupil.full_name n=case.level %}"
        "Undring om {{ name }} på nivå {{ n }}{% endblocktranslate %}"
        "{% block title %}{{ pupil.full_name }}{% endblock %}"
        "<option>&#x2068;{{ s.name }}&#x2069;</option>"
    )
    found = bare_outputs([tmp_path / "page.html"], typed_names(), root=tmp_path)
    assert [b.output for b in found] == [
        "{{ name }} (case.pupil.full_name)",
        "{{ c.pupil.full_name }}",
        "{{ pupil.full_name }}",
    ]
