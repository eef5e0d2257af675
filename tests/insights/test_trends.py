"""The trend page: who sees it, that its figures are right, and that it names nobody."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from varde.audit.models import AuditEntry
from varde.cases.models import Case, Conversation, Decision
from varde.incidents.models import FollowUp, Incident
from varde.insights.models import PublishedCell, WorryTally
from varde.insights.services import insights_refresh
from varde.people.models import Pupil

from .conftest import TODAY

OSLO = ZoneInfo("Europe/Oslo")
URL = "/ansatt/innsikt/"
CSV_URL = "/ansatt/innsikt/eksport.csv"
PERIOD = "?fra=2026&til=2026"
LAST_YEAR = "?fra=2025&til=2025"


def at(month: int, day: int = 10, year: int = 2026) -> dt.datetime:
    return dt.datetime(year, month, day, 12, 0, tzinfo=OSLO)


def pupils(world, school, grade: int, count: int) -> list[Pupil]:
    start = Pupil.objects.count()
    return Pupil.objects.bulk_create(
        Pupil(
            municipality=school.municipality,
            school=school,
            external_id=f"gen-{start + i}",
            first_name=f"Genererte{start + i}",
            last_name="Elevnavn",
            birth_date=dt.date(2012, 1, 1),
            grade=grade,
        )
        for i in range(count)
    )


def worries(world, pupils_: list[Pupil], opened: dt.datetime) -> list[Case]:
    return Case.objects.bulk_create(
        Case(
            municipality=p.municipality,
            school=p.school,
            pupil=p,
            owner=world.teacher,
            opened_at=opened,
            observed="Generert fritekst som aldri skal vises i statistikk.",
            observed_on=opened.date(),
            seriousness=2,
        )
        for p in pupils_
    )


def held(cases: list[Case], *, days: int) -> None:
    Conversation.objects.bulk_create(
        Conversation(
            case=c,
            planned_for=c.opened_at,
            attendees="x",
            held_at=c.opened_at + dt.timedelta(days=days),
        )
        for c in cases
    )


def reached(world, cases: list[Case], level: int) -> None:
    Decision.objects.bulk_create(
        Decision(
            case=c,
            decided_at=c.opened_at,
            decided_by=world.principal,
            key="escalate",
            from_level=0,
            to_level=level,
            reason="Generert begrunnelse.",
        )
        for c in cases
    )


def intoxicated(world, count: int, *, done: int, when: dt.datetime) -> None:
    incidents_of(world, "intoxicated", count, done=done, when=when)


def incidents_of(world, kind: str, count: int, *, done: int, when: dt.datetime) -> None:
    """`count` incidents of `kind` at Lunner ungdomsskole, the first `done` followed up."""
    incidents = Incident.objects.bulk_create(
        Incident(
            municipality=world.lunner,
            school=world.school,
            kind=kind,
            reported_by=world.teacher,
            started_at=when,
        )
        for _ in range(count)
    )
    FollowUp.objects.bulk_create(
        FollowUp(
            incident=i,
            due_on=when.date(),
            created_at=when,
            held_at=when if n < done else None,
        )
        for n, i in enumerate(incidents)
    )


def dataset(world) -> None:
    """A year at Lunner ungdomsskole, counted by hand in the tests below.

    March: 7 worries about pupils in grade 9 (8 then, before August), 2 in grade 2 (1 then).
    September: 6 in grade 9, 1 in Harestua's grade 6.
    Conversations held 3 days after for the March grade-9 worries, 10 days for September's.
    Four March worries reached level 2, one September worry level 3.
    October: 12 pupils intoxicated, 9 followed up.
    """
    march_nine = worries(world, pupils(world, world.school, 9, 7), at(3))
    worries(world, pupils(world, world.school, 2, 2), at(3))
    september = worries(world, pupils(world, world.school, 9, 6), at(9))
    worries(world, pupils(world, world.other_school, 6, 1), at(9))
    held(march_nine, days=3)
    held(september, days=10)
    reached(world, march_nine[:4], 2)
    reached(world, september[:1], 3)
    intoxicated(world, 12, done=9, when=at(10))
    insights_refresh()


def csv_tables(client, query: str) -> dict[str, dict[tuple[str, str], str]]:
    """The export's tables: title to (row, column) to what it shows."""
    response = client.get(CSV_URL + query)
    assert response.status_code == 200
    rows = csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";")
    tables: dict[str, dict[tuple[str, str], str]] = {}
    for row in rows:
        if len(row) == 4 and row[1]:
            tables.setdefault(row[0], {})[(row[1], row[2])] = row[3]
    return tables


def figures(client, query: str) -> dict[str, str]:
    """The export's key figures: title to value."""
    response = client.get(CSV_URL + query)
    rows = csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";")
    return {row[0]: row[3] for row in rows if len(row) == 4 and not row[1] and row[0] != "Tabell"}


WORRIES = "Undringer per måned og trinn"
LEVELS = "Høyeste nivå i Lunnermodellen"
DAYS = "Dager fra undring til undringssamtale"
INCIDENTS = "Akutte hendelser per måned og type"
FOLLOW_UPS = "Oppfølging neste dag når en elev var ruset"
MEDIAN = "Dager fra undring til undringssamtale (median)"
SHARE = "Andel rushendelser der oppfølgingen neste dag er gjort"


# ---------------------------------------------------------------- who sees it


def test_the_slt_coordinator_sees_the_trends_of_both_municipalities_and_it_is_audited(
    client, world
):
    client.force_login(world.slt)
    response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Gran ungdomsskole" in page and "Harestua skole" in page
    assert "Alle skoler i Lunner kommune" in page and "Alle skoler i Gran kommune" in page
    entry = AuditEntry.objects.filter(object_type="insights").latest("seq")
    assert entry.actor == world.slt and entry.action == "read" and entry.pupil_id is None


def test_a_principal_sees_only_their_own_school(client, world):
    client.force_login(world.principal)
    page = client.get(URL).content.decode()
    assert "Lunner ungdomsskole" in page
    assert "Harestua skole" not in page and "Gran ungdomsskole" not in page
    assert client.get(f"{URL}?skole={world.other_school.pk}").status_code == 404
    assert client.get(f"{URL}?skole=kommune-{world.lunner.pk}").status_code == 404


def test_the_municipal_administrator_sees_their_municipality_only(client, world):
    client.force_login(world.admin)
    page = client.get(URL).content.decode()
    assert "Harestua skole" in page and "Gran ungdomsskole" not in page
    assert client.get(f"{URL}?skole={world.gran_school.pk}").status_code == 404
    assert client.get(f"{URL}?skole=kommune-{world.gran.pk}").status_code == 404


@pytest.mark.parametrize("persona", ["teacher", "teacher2", "kjentmann", "nurse", "outsider"])
def test_teachers_and_others_get_404(client, world, persona):
    client.force_login(getattr(world, persona))
    assert client.get(URL).status_code == 404
    assert client.get(CSV_URL).status_code == 404


def test_the_outsider_gets_404_for_every_school_too(client, world):
    client.force_login(world.outsider)
    assert client.get(f"{URL}?skole={world.gran_school.pk}").status_code == 404


def test_a_school_id_that_does_not_exist_answers_like_one_out_of_reach(client, world):
    client.force_login(world.slt)
    assert client.get(f"{URL}?skole=999999").status_code == 404
    assert client.get(f"{URL}?skole=abc").status_code == 404
    assert client.get(f"{URL}?skole=kommune-999999").status_code == 404


# ---------------------------------------------------------------- the figures


def test_worries_are_tallied_by_month_and_the_grade_band_the_pupil_was_in(world):
    dataset(world)
    tallied = {(t.school_id, t.month, t.band): 0 for t in WorryTally.objects.all()}
    for t in WorryTally.objects.all():
        tallied[(t.school_id, t.month, t.band)] += t.count
    school, harestua = world.school.pk, world.other_school.pk
    # March: the 7 ninth-graders were in grade 8 then, the 2 second-graders in grade 1.
    assert tallied[(school, dt.date(2026, 3, 1), "8-10")] == 7
    assert tallied[(school, dt.date(2026, 3, 1), "1-4")] == 2
    # September, after the new school year: 6 in grade 9, 1 in Harestua's grade 6.
    assert tallied[(school, dt.date(2026, 9, 1), "8-10")] == 6
    assert tallied[(harestua, dt.date(2026, 9, 1), "5-7")] == 1


def test_the_page_shows_the_region_s_total_and_no_count_from_1_to_4_as_a_number(client, world):
    dataset(world)
    client.force_login(world.slt)
    tables = csv_tables(client, PERIOD)
    # 16 generated worries, Petter's and Guro's: 18 in the region this year, never hidden.
    assert tables[WORRIES][("Sum", "Sum")] == "18"
    assert tables[LEVELS][("Sum", "Sum")] == "18"
    assert tables[DAYS][("Sum", "Sum")] == "18"
    # Two worries about second-graders in March: shown as "<5", and so is every 1-4.
    assert tables[WORRIES][("mars 2026", "1.–4. trinn")] == "<5"
    for table in tables.values():
        for label in table.values():
            assert not (label.isdigit() and 0 < int(label) < 5), label
    # The region's rows are its municipalities.
    assert ("Gran kommune", "Sum") in tables[LEVELS]
    assert ("Lunner kommune", "Sum") in tables[LEVELS]


def test_the_median_is_the_bucket_of_the_middle_conversation(client, world):
    # Last year, at one school: 7 conversations after 3 days and 6 after 10: the middle of
    # 13 is the 7th, after 3 days.
    march = worries(world, pupils(world, world.school, 9, 7), at(3, year=2025))
    september = worries(world, pupils(world, world.school, 9, 6), at(9, year=2025))
    held(march, days=3)
    held(september, days=10)
    insights_refresh()
    client.force_login(world.slt)
    tables = csv_tables(client, LAST_YEAR)
    assert tables[DAYS][("Sum", "0–3 dager")] == "7"
    assert tables[DAYS][("Sum", "8–14 dager")] == "6"
    assert figures(client, LAST_YEAR)[MEDIAN] == "0–3 dager"


def test_the_median_is_not_shown_when_a_bucket_is_hidden(client, world):
    cases = worries(world, pupils(world, world.school, 9, 9), at(5, year=2025))
    held(cases[:4], days=2)
    held(cases[4:], days=9)
    insights_refresh()
    client.force_login(world.slt)
    assert figures(client, LAST_YEAR)[MEDIAN] == "Vises ikke"


def test_the_share_of_follow_ups_done_is_worked_out_from_the_table_beside_it(client, world):
    intoxicated(world, 12, done=7, when=at(10, year=2025))
    incidents_of(world, "drug_sale", 6, done=6, when=at(10, year=2025))
    insights_refresh()
    client.force_login(world.slt)
    tables = csv_tables(client, LAST_YEAR)
    assert tables[FOLLOW_UPS][("Sum", "Fulgt opp")] == "7"
    assert tables[FOLLOW_UPS][("Sum", "Ikke fulgt opp")] == "5"
    assert tables[FOLLOW_UPS][("Sum", "Sum")] == "12"
    # Drug sales are incidents too, but have no next-day follow-up.
    assert tables[INCIDENTS][("oktober 2025", "Sum")] == "18"
    assert figures(client, LAST_YEAR)[SHARE] == f"{round(100 * 7 / 12)} %"


def test_the_share_is_hidden_when_the_not_done_count_is_small(client, world):
    intoxicated(world, 12, done=10, when=at(10, year=2025))
    insights_refresh()
    client.force_login(world.slt)
    # 10 of 12 done: 2 not done is a small count, so no share is shown.
    assert figures(client, LAST_YEAR)[SHARE] == "Vises ikke"
    assert csv_tables(client, LAST_YEAR)[FOLLOW_UPS][("Sum", "Ikke fulgt opp")] == "<5"


def test_a_school_filter_shows_that_school_and_a_municipality_filter_its_schools(client, world):
    dataset(world)
    client.force_login(world.slt)
    school = csv_tables(client, f"{PERIOD}&skole={world.school.pk}")
    assert {row for row, _column in school[LEVELS]} == {"Lunner ungdomsskole", "Sum"}
    lunner = csv_tables(client, f"{PERIOD}&skole=kommune-{world.lunner.pk}")
    assert {row for row, _column in lunner[LEVELS]} == {
        "Harestua skole",
        "Lunner ungdomsskole",
        "Sum",
    }


def test_a_small_block_is_withheld_whole(client, world):
    # The only worries of 2025 in the region: three. Nothing of that year is shown.
    worries(world, pupils(world, world.school, 9, 3), at(4, year=2025))
    insights_refresh()
    client.force_login(world.slt)
    response = client.get(CSV_URL + LAST_YEAR)
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert [WORRIES, "", "", "Vises ikke"] in rows
    assert [LEVELS, "", "", "Vises ikke"] in rows


def test_the_publication_holds_no_number_that_may_not_be_shown(world):
    dataset(world)
    hidden = PublishedCell.objects.exclude(state="shown")
    assert hidden.exists() and not hidden.filter(shown__isnull=False).exists()
    assert not PublishedCell.objects.filter(shown__gte=1, shown__lte=4).exists()


def test_the_page_reads_the_publication_as_it_was_worked_out(world):
    from varde.insights import publication, selectors

    dataset(world)
    worked_out = publication.build(
        worries=selectors.recount_worries(),
        conversations=selectors.recount_conversation_days(),
        incidents=selectors.recount_incidents(),
        geography=selectors.geography(),
    )
    nodes = {row.node for row in publication.rows(worked_out)}
    read = selectors.published(nodes=nodes, rows=(), years=(2025, 2026))
    assert read.cells == {
        (r.family, r.node, r.year, r.month, r.label): (r.shown, r.state)
        for r in publication.rows(worked_out)
    }
    assert read.withheld == frozenset(w for w in worked_out.withheld if w[1] in nodes)


def test_a_refresh_with_nothing_new_publishes_nothing_and_a_new_school_republishes(world):
    from varde.insights.models import TallyRefresh
    from varde.people.models import School

    dataset(world)
    before = TallyRefresh.objects.get(pk=1).published_for
    quiet = insights_refresh()
    assert quiet.written == 0 and quiet.published == 0
    assert TallyRefresh.objects.get(pk=1).published_for == before
    # No tally changes, but the map does: the publication is worked out for the new map.
    School.objects.create(municipality=world.gran, name="Ny skole", external_id="NY")
    insights_refresh()
    assert TallyRefresh.objects.get(pk=1).published_for not in ("", before)


# ---------------------------------------------------------------- nothing personal, ever


def test_no_name_and_no_free_text_in_the_page_or_the_csv(client, world):
    dataset(world)
    client.force_login(world.slt)
    texts = [
        client.get(URL + PERIOD).content.decode(),
        client.get(CSV_URL + PERIOD).content.decode("utf-8-sig"),
    ]
    forbidden = [
        world.pupil.first_name,
        world.gran_pupil.first_name,
        "Elevnavn",
        "Genererte",
        "Virket ruset",
        "Lukt av hasj",
        "Generert fritekst",
        "første gang",
        world.teacher.full_name,
        world.outsider.full_name,
    ]
    for text in texts:
        for word in forbidden:
            assert word not in text


def test_the_csv_holds_exactly_the_numbers_shown_on_the_page(client, world):
    dataset(world)
    client.force_login(world.slt)
    page = client.get(URL + PERIOD).content.decode()
    response = client.get(CSV_URL + PERIOD)
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    csv_cells = [r[3] for r in rows[1:] if len(r) == 4 and r[1]]
    page_cells = [
        cell.replace("&lt;", "<") for cell in re.findall(r"<td>([^<]*(?:&lt;5)?)</td>", page)
    ]
    assert csv_cells == page_cells and len(csv_cells) > 20
    assert AuditEntry.objects.filter(object_type="insights", action="export").count() == 1


def test_no_csv_cell_starts_like_a_formula(client, world):
    world.school.name = '=HYPERLINK("http://x.test","klikk")'
    world.school.save()
    world.other_school.name = "-Harestua"
    world.other_school.save()
    dataset(world)
    client.force_login(world.admin)
    body = client.get(CSV_URL + PERIOD).content.decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(body), delimiter=";") for cell in row]
    assert '\'=HYPERLINK("http://x.test","klikk")' in cells and "'-Harestua" in cells
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]


def test_bad_filter_input_gets_a_message_and_last_year_and_this_one(client, world):
    client.force_login(world.slt)
    response = client.get(f"{URL}?fra=2026-13&til=igår")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Velg et år fra listen, for eksempel 2026." in page
    assert "Kalenderårene 2025–2026." in page
    page = client.get(f"{URL}?fra=2026&til=2025").content.decode()
    assert "Fra-året kan ikke komme etter til-året." in page
    page = client.get(f"{URL}?fra=2022&til=2026").content.decode()
    assert "Velg en periode på høyst tre år." in page


def test_a_link_from_when_the_filter_took_months_reads_as_whole_years(client, world):
    client.force_login(world.slt)
    page = client.get(f"{URL}?fra=2026-03&til=2026-05").content.decode()
    assert "Kalenderåret 2026." in page and "Filteret ble ikke brukt" not in page


# ---------------------------------------------------------------- queries


def test_the_page_makes_the_same_number_of_queries_for_little_and_much_data(
    client, world, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world.slt)
    with CaptureQueriesContext(connection) as small:
        assert client.get(URL + PERIOD).status_code == 200
    for month in range(1, 13):
        cases = worries(world, pupils(world, world.school, 1 + month % 12, 20), at(month))
        held(cases[:10], days=month)
        reached(world, cases[:5], 1 + month % 3)
        intoxicated(world, 5, done=3, when=at(month))
    assert Case.objects.count() > 240
    insights_refresh()
    with django_assert_num_queries(len(small.captured_queries)):
        assert client.get(URL + PERIOD).status_code == 200
    assert timezone.now() == TODAY


def test_a_school_name_with_markup_is_shown_as_text_in_the_chart_and_the_table(client, world):
    world.school.name = 'Skole <b onclick="x()">«Lunner» & co</b> med et langt navn'
    world.school.save()
    dataset(world)
    client.force_login(world.principal)
    page = client.get(URL + PERIOD).content.decode()
    assert "<b " not in page and "</b>" not in page
    escaped = "Skole &lt;b onclick=&quot;x()&quot;&gt;«Lunner» &amp; co&lt;/b&gt; med et langt navn"
    assert f'<th scope="row">{escaped}</th>' in page
    # The chart cuts long labels to 18 characters and escapes what is left.
    assert '<text class="insight-chart__label" x="0" y="20">Skole &lt;b onclick=…</text>' in page


def test_a_principal_of_two_schools_gets_both_from_their_roles_without_a_query(
    world, django_assert_num_queries
):
    from tests.world import grant
    from varde.insights.access import insight_schools_for_user, insight_scope
    from varde.people.models import School, User
    from varde.people.roles import Role

    grant(world.principal, Role.DEPUTY, school=world.other_school)
    principal = User.objects.get(pk=world.principal.pk)
    principal.assignments  # noqa: B018 - read with every request, before the view
    with django_assert_num_queries(0):
        schools = insight_schools_for_user(principal)
        scope = insight_scope(principal)
        selection, _schools = scope.selection("")
    assert schools == list(
        School.objects.filter(pk__in=[world.school.pk, world.other_school.pk]).order_by(
            "municipality__name", "name"
        )
    )
    assert all(s.municipality.name == "Lunner kommune" for s in schools)
    # Two schools of a municipality that has no other... but the principal leads two
    # schools, not the municipality: "all" is the two schools, one row each.
    assert [node.key for node in selection.parts] == [f"s{s.pk}" for s in schools]


def figure_on_page(client, title: str, query: str = PERIOD) -> str:
    """The value shown under a key figure's heading on the trend page, or its explanation."""
    html = client.get(URL + query).content.decode()
    found = re.search(
        re.escape(title) + r"</h2>\s*(?:<p class=\"insight-figure__value\">([^<]*)</p>)?", html
    )
    assert found, title
    return found.group(1) or ""


def test_the_page_keeps_its_tables_until_the_tallies_are_refreshed(client, world):
    client.force_login(world.slt)
    intoxicated(world, 10, done=5, when=at(10, year=2025))
    insights_refresh()
    assert figure_on_page(client, SHARE, LAST_YEAR) == "50 %"
    # Five more are followed up: until the worker counts again, the page shows what it counted.
    FollowUp.objects.filter(held_at__isnull=True).update(held_at=at(10, year=2025))
    assert figure_on_page(client, SHARE, LAST_YEAR) == "50 %"
    insights_refresh()
    assert figure_on_page(client, SHARE, LAST_YEAR) == "100 %"


def test_the_kept_tables_are_read_with_fewer_queries_and_the_same_html(
    client, world, django_assert_max_num_queries
):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world.slt)
    dataset(world)
    cache.clear()
    with CaptureQueriesContext(connection) as first:
        counted_page = client.get(URL + PERIOD).content
    with django_assert_max_num_queries(len(first.captured_queries) - 2):
        kept_page = client.get(URL + PERIOD).content
    figures_html = b'<section class="insight-figures"'
    assert figures_html in counted_page
    assert (
        kept_page[kept_page.index(figures_html) :]
        == counted_page[counted_page.index(figures_html) :]
    )


def test_the_tables_are_kept_apart_for_each_language(client, world):
    client.force_login(world.slt)
    dataset(world)
    bokmal = client.get(URL + PERIOD).content.decode()
    client.cookies["django_language"] = "en"
    english = client.get(URL + PERIOD).content.decode()
    assert "Undringer per måned og trinn" in bokmal
    assert "Undringer per måned og trinn" not in english
