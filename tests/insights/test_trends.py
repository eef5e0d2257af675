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
from varde.insights.report import trend_report
from varde.insights.selectors import Period, follow_ups_done
from varde.insights.services import insights_refresh
from varde.people.models import Pupil

from .conftest import TODAY

OSLO = ZoneInfo("Europe/Oslo")
URL = "/ansatt/innsikt/"
CSV_URL = "/ansatt/innsikt/eksport.csv"
PERIOD = "?fra=2026-01&til=2026-12"


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


def report_for(world, schools):
    insights_refresh()
    return trend_report(
        schools=schools,
        period=Period(first_month=dt.date(2026, 1, 1), last_month=dt.date(2026, 12, 1)),
    )


def cells(table) -> dict[tuple[str, str], str]:
    """What the page shows in each cell."""
    return {
        (label, column): entry.label
        for label, entries in table.rows
        for column, entry in zip(table.columns, entries, strict=True)
    }


def counted(table) -> dict[tuple[str, str], int]:
    """The true count behind each cell, before suppression (never shown as such)."""
    return {
        (label, column): entry.value
        for label, entries in table.rows
        for column, entry in zip(table.columns, entries, strict=True)
    }


# ---------------------------------------------------------------- who sees it


def test_the_slt_coordinator_sees_the_trends_of_both_municipalities_and_it_is_audited(
    client, world
):
    client.force_login(world.slt)
    response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Gran ungdomsskole" in page and "Harestua skole" in page
    entry = AuditEntry.objects.filter(object_type="insights").latest("seq")
    assert entry.actor == world.slt and entry.action == "read" and entry.pupil_id is None


def test_a_principal_sees_only_their_own_school(client, world):
    client.force_login(world.principal)
    page = client.get(URL).content.decode()
    assert "Lunner ungdomsskole" in page
    assert "Harestua skole" not in page and "Gran ungdomsskole" not in page
    assert client.get(f"{URL}?skole={world.other_school.pk}").status_code == 404


def test_the_municipal_administrator_sees_their_municipality_only(client, world):
    client.force_login(world.admin)
    page = client.get(URL).content.decode()
    assert "Harestua skole" in page and "Gran ungdomsskole" not in page
    assert client.get(f"{URL}?skole={world.gran_school.pk}").status_code == 404


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


# ---------------------------------------------------------------- the figures


def test_worries_are_counted_by_month_and_the_grade_band_the_pupil_was_in(world):
    dataset(world)
    table = report_for(world, [world.school, world.other_school]).tables[0]
    count, shown = counted(table), cells(table)
    # March: the 7 ninth-graders were in grade 8 then, the 2 second-graders in grade 1.
    assert count[("mars 2026", "8.–10. trinn")] == 7
    assert count[("mars 2026", "1.–4. trinn")] == 2
    # September, after the new school year: 6 in grade 9, 1 in Harestua's grade 6.
    assert count[("september 2026", "8.–10. trinn")] == 6
    assert count[("september 2026", "5.–7. trinn")] == 1
    # December: Petter's worry (grade 9). The year: 9 + 7 + 1 = 17.
    assert count[("desember 2026", "8.–10. trinn")] == 1
    assert count[("Sum", "Sum")] == 17 and shown[("Sum", "Sum")] == "17"
    # The 2 shows as "<5"; March's total is 9, so the 7 beside it is hidden too.
    assert shown[("mars 2026", "1.–4. trinn")] == "<5"
    assert shown[("mars 2026", "Sum")] == "9"
    assert shown[("mars 2026", "8.–10. trinn")] == ":"
    assert shown[("april 2026", "Sum")] == "0"


def test_levels_reached_count_the_highest_level_of_each_worry(world):
    dataset(world)
    table = report_for(world, [world.school]).tables[1]
    count, shown = counted(table), cells(table)
    # 16 worries at Lunner ungdomsskole this year (15 generated and Petter's):
    # 4 reached level 2, 1 level 3, 11 stayed at level 0.
    assert count[("Lunner ungdomsskole", "Nivå 0")] == 11
    assert count[("Lunner ungdomsskole", "Nivå 2")] == 4
    assert count[("Lunner ungdomsskole", "Nivå 3")] == 1
    assert count[("Sum", "Sum")] == 16
    assert shown[("Lunner ungdomsskole", "Nivå 2")] == "<5"
    assert shown[("Lunner ungdomsskole", "Nivå 3")] == "<5"
    assert shown[("Sum", "Sum")] == "16"


def test_days_to_conversation_show_the_median_when_there_are_five_or_more(world):
    dataset(world)
    figures = {f.key: f for f in report_for(world, [world.school]).figures}
    # 7 conversations after 3 days, 6 after 10: the median of 13 is 3.
    assert figures["dager"].value == "3"
    assert "13" in figures["dager"].basis


def test_the_median_is_hidden_when_fewer_than_five_conversations_were_held(world):
    cases = worries(world, pupils(world, world.school, 9, 4), at(5))
    held(cases, days=2)
    figures = {f.key: f for f in report_for(world, [world.school]).figures}
    assert figures["dager"].value is None


def test_the_share_of_follow_ups_done_is_shown_when_no_count_is_small(world):
    intoxicated(world, 12, done=7, when=at(10))
    figures = {f.key: f for f in report_for(world, [world.school]).figures}
    # 13 intoxicated this year (12 and the world's Petter, followed up): 8 of 13.
    assert figures["oppfolging"].value == f"{round(100 * 8 / 13)} %"


def test_follow_ups_count_intoxication_incidents_only(world):
    intoxicated(world, 8, done=6, when=at(5))
    incidents_of(world, "drug_sale", 10, done=3, when=at(6))
    insights_refresh()
    # May to October holds the 8 intoxicated above, not the world's own in December.
    period = Period(first_month=dt.date(2026, 5, 1), last_month=dt.date(2026, 10, 1))
    assert follow_ups_done(school_ids=[world.school.pk], period=period) == (6, 8)


def test_the_share_leaves_out_follow_ups_of_other_kinds(world):
    intoxicated(world, 12, done=7, when=at(10))
    incidents_of(world, "drug_sale", 6, done=6, when=at(10))
    insights_refresh()
    # January to October: the 12 intoxicated above, not the world's own in December.
    period = Period(first_month=dt.date(2026, 1, 1), last_month=dt.date(2026, 10, 1))
    figures = {f.key: f for f in trend_report(schools=[world.school], period=period).figures}
    assert figures["oppfolging"].value == f"{round(100 * 7 / 12)} %"
    assert "12" in figures["oppfolging"].basis


def test_the_share_is_hidden_when_the_not_done_count_is_small(world):
    dataset(world)
    figures = {f.key: f for f in report_for(world, [world.school]).figures}
    # 10 of 13 done: 3 not done is a small count, so no share is shown.
    assert figures["oppfolging"].value is None


def test_acute_incidents_are_counted_by_month_and_kind(world):
    dataset(world)
    table = report_for(world, [world.school]).tables[2]
    count, shown = counted(table), cells(table)
    assert count[("oktober 2026", "Elev ruset på skolen")] == 12
    assert count[("desember 2026", "Elev ruset på skolen")] == 1
    assert shown[("Sum", "Elev ruset på skolen")] == "13"
    # Petter's one in December would be 13 - 12: October's 12 is hidden with it.
    assert shown[("desember 2026", "Elev ruset på skolen")] == "<5"
    assert shown[("oktober 2026", "Elev ruset på skolen")] == ":"


def test_a_school_filter_counts_that_school_only(client, world):
    dataset(world)
    client.force_login(world.slt)
    page = client.get(f"{URL}{PERIOD}&skole={world.other_school.pk}").content.decode()
    assert "Harestua skole" in page
    # Harestua has one worry this year: fewer than 5, so its tables are withheld.
    assert "Vises ikke" in page


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


def test_bad_filter_input_gets_a_message_and_the_last_twelve_months(client, world):
    client.force_login(world.slt)
    response = client.get(f"{URL}?fra=2026-13&til=igår")
    assert response.status_code == 200
    page = response.content.decode()
    assert "for eksempel 2026-01" in page
    assert "januar 2026 – desember 2026" in page
    page = client.get(f"{URL}?fra=2026-10&til=2026-02").content.decode()
    assert "Fra-måneden må komme før til-måneden." in page


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
    from varde.insights.access import insight_schools_for_user
    from varde.people.models import School, User
    from varde.people.roles import Role

    grant(world.principal, Role.DEPUTY, school=world.other_school)
    principal = User.objects.get(pk=world.principal.pk)
    principal.assignments  # noqa: B018 - read with every request, before the view
    with django_assert_num_queries(0):
        schools = insight_schools_for_user(principal)
    assert schools == list(
        School.objects.filter(pk__in=[world.school.pk, world.other_school.pk]).order_by(
            "municipality__name", "name"
        )
    )
    assert all(s.municipality.name == "Lunner kommune" for s in schools)


def figure_on_page(client, title: str) -> str:
    """The value shown under a key figure's heading on the trend page, or its explanation."""
    html = client.get(URL + PERIOD).content.decode()
    found = re.search(
        re.escape(title) + r"</h2>\s*(?:<p class=\"insight-figure__value\">([^<]*)</p>)?", html
    )
    assert found, title
    return found.group(1) or ""


def test_the_page_keeps_its_tables_until_the_tallies_are_refreshed(client, world):
    title = "Andel rushendelser der oppfølgingen neste dag er gjort"
    client.force_login(world.slt)
    intoxicated(world, 10, done=5, when=at(10))
    insights_refresh()
    assert figure_on_page(client, title) == "50 %"
    # Five more are followed up: until the worker counts again, the page shows what it counted.
    FollowUp.objects.filter(held_at__isnull=True).update(held_at=at(10))
    assert figure_on_page(client, title) == "50 %"
    insights_refresh()
    assert figure_on_page(client, title) == "100 %"


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
    with django_assert_max_num_queries(len(first.captured_queries) - 5):
        kept_page = client.get(URL + PERIOD).content
    figures = b'<section class="insight-figures"'
    assert figures in counted_page
    assert kept_page[kept_page.index(figures) :] == counted_page[counted_page.index(figures) :]


def test_the_tables_are_kept_apart_for_each_language(client, world):
    client.force_login(world.slt)
    dataset(world)
    bokmal = client.get(URL + PERIOD).content.decode()
    client.cookies["django_language"] = "en"
    english = client.get(URL + PERIOD).content.decode()
    assert "Undringer per måned og trinn" in bokmal
    assert "Undringer per måned og trinn" not in english
