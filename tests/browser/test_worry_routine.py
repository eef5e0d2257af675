"""The whole worry routine in Chromium, as the teacher, the Kjentmann and the principal do it.

The teacher starts from the start page and follows the case page's "next step" button from
the first worry to a closed case; the Kjentmann answers an anonymous question; the principal
makes the archival package and reads the chronology. axe runs on every page on the way, at
1280 and 320 px.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.browser.support import check_page, login
from varde.cases.models import AdviceRequest, Case

pytestmark = pytest.mark.browser


class Walk:
    """One person's browser, collecting axe problems from every page visited."""

    def __init__(self, browser, live_server, user, label: str) -> None:
        self.page = browser.new_page(locale="nb-NO", timezone_id="Europe/Oslo")
        self.messages: list[str] = []
        self.page.on("console", lambda msg: self.messages.append(msg.text))
        self.live_server = live_server
        self.label = label
        self.problems: list[str] = []
        self.pages = 0
        login(self.page, live_server, user)

    def check(self) -> None:
        url = self.page.url
        self.problems += check_page(self.page, url, label=self.label)
        self.pages += 1

    def click(self, name: str, *, role: str = "link", exact: bool = True) -> None:
        with self.page.expect_navigation():
            self.page.get_by_role(role, name=name, exact=exact).first.click()

    def submit(self, name: str) -> None:
        self.click(name, role="button")

    def next_step(self, expected_title: str) -> None:
        """On the case page, the next step is named first and its button leads to it."""
        section = self.page.locator("section[aria-labelledby=next-h]")
        assert expected_title in section.inner_text(), section.inner_text()
        self.click("Gjør dette nå")

    def close(self) -> None:
        self.page.context.close()


def test_a_teacher_walks_a_worry_from_first_form_to_an_archived_case(live_server, world, browser):
    tina = Walk(browser, live_server, world.teacher, "teacher")
    page = tina.page

    # From the start page to the pupil and the worry form.
    tina.check()
    tina.click("Elever – registrer en undring")
    tina.check()
    tina.click(f"{world.pupil.last_name}, {world.pupil.first_name}")
    tina.check()
    tina.click("Jeg er bekymret – registrer en undring")
    tina.check()
    page.get_by_label("Hva har du sett eller hørt?").fill(
        "Sovnet i timen tre ganger denne uken, lukt av cannabis i jakka 26.11."
    )
    page.get_by_label("Når så du det sist?").fill(timezone.localdate().strftime("%d.%m.%Y"))
    page.get_by_label("3 – bekymret").check()
    tina.submit("Registrer undringen")
    case = Case.objects.filter(pupil=world.pupil).latest("pk")
    assert case.owner == world.teacher
    tina.check()

    # The wondering conversation: plan it, then record it with the pupil's own words.
    tina.next_step("Gjennomfør en undringssamtale med eleven")
    tina.check()
    when = timezone.localtime() + dt.timedelta(days=1)
    page.get_by_label("Når?").fill(when.strftime("%d.%m.%Y 10:15"))
    page.get_by_label("Hvem deltar?").fill("Tina og Petter")
    tina.submit("Lagre planen")
    tina.next_step("Gjennomfør en undringssamtale med eleven")
    page.get_by_label("Hva ble sagt?").fill("Jeg fortalte hva jeg har sett.")
    page.get_by_label("Elevens syn – med elevens egne ord").fill(
        "«Det var bare én gang, på en fest. Jeg vil ikke at pappa skal få vite det.»"
    )
    page.get_by_label("Hvordan er elevens syn vektlagt ut fra alder og modenhet?").fill(
        "Eleven er 15 og reflektert; ønsket om å fortelle selv vektlegges."
    )
    tina.submit("Lagre samtalen")
    tina.check()

    # The parents, in consultation with the pupil.
    tina.next_step("Vurder foreldreinvolvering")
    tina.check()
    page.get_by_label("Eleven forteller det selv først").check()
    page.get_by_label("Hva ønsker eleven?").fill("Vil fortelle mamma selv i helgen.")
    page.get_by_label("Begrunnelse").fill("Eleven får fortelle selv; vi følger opp mandag.")
    tina.submit("Lagre vurderingen")
    tina.click("Tilbake til saken")

    # An anonymous question to the Kjentmann.
    tina.click("Spør Kjentmann eller helsesykepleier om råd")
    tina.check()
    page.get_by_label("Kari Kjentmann (Kjentmann)").check()
    page.get_by_label("Spørsmålet ditt").fill("Bør jeg kontakte far selv om eleven ikke vil?")
    tina.submit("Send spørsmålet")
    question = AdviceRequest.objects.get(case=case)
    assert question.anonymous

    kari = Walk(browser, live_server, world.kjentmann, "kjentmann")
    kari.check()
    kari.click("Spørsmål om råd")
    kari.check()
    kari.page.goto(f"{live_server.url}/ansatt/rad/{question.pk}/")
    kari.check()
    assert world.pupil.first_name not in kari.page.content()
    kari.page.get_by_label("Svaret ditt").fill(
        "Vent til eleven har fått fortelle selv, men sett en dato."
    )
    kari.submit("Send svaret")
    assert world.pupil.first_name not in kari.page.content()
    kari.close()

    # Back on the case: the answer is there; the level decision is next.
    page.goto(f"{live_server.url}/ansatt/saker/{case.pk}/")
    assert "Vent til eleven har fått fortelle selv" in page.content()
    tina.next_step("Avklar videre oppfølging")
    tina.check()
    page.get_by_label("Videre på nivå 1 – skolen setter inn tiltak").check()
    page.get_by_label("Begrunnelse").fill("Bekymringen er bekreftet; eleven vil ha hjelp.")
    tina.submit("Lagre beslutningen")

    # Level 1: a measure with goal, responsible person and evaluation date.
    tina.next_step("Sett i gang tiltak")
    tina.check()
    page.get_by_label("Tiltak", exact=True).fill("Fast samtale med kontaktlærer hver mandag.")
    page.get_by_label("Mål", exact=True).fill(
        "Eleven har en voksen å snakke med og sover ikke i timene."
    )
    page.get_by_label("Hvem er ansvarlig?").select_option(label="Tina Lærer")
    page.get_by_label("Evalueres").fill(
        (timezone.localdate() + dt.timedelta(days=28)).strftime("%d.%m.%Y")
    )
    tina.submit("Lagre tiltaket")
    tina.click("Evaluer Fast samtale", exact=False)
    tina.check()
    page.get_by_label("Hvordan virket tiltaket?").fill("Eleven møter opp og er våken.")
    tina.submit("Lagre evalueringen")
    tina.click("Tilbake til saken")

    # The measures worked: close the case.
    tina.click("Beslutning")
    page.get_by_label("Avslutt saken").check()
    page.get_by_label("Begrunnelse").fill("Tiltakene har virket, og eleven og mor er enige.")
    tina.submit("Lagre beslutningen")
    case.refresh_from_db()
    assert case.status == "closed"
    assert "Arkiver i Sikker sak" in page.locator("section[aria-labelledby=next-h]").inner_text()
    tina.check()
    tina.close()

    # The principal makes the archival package and reads the chronology.
    rita = Walk(browser, live_server, world.principal, "principal")
    rita.page.goto(f"{live_server.url}/ansatt/saker/{case.pk}/")
    rita.next_step("Arkiver i Sikker sak")
    rita.check()
    rita.submit("Lag arkivpakke")
    case.refresh_from_db()
    assert case.archived_at is not None and len(case.archive_sha256) == 64
    rita.check()
    with rita.page.expect_download() as download:
        rita.page.get_by_role("link", name="Last ned").first.click()
    assert download.value.suggested_filename.endswith(".zip")
    rita.page.goto(f"{live_server.url}/ansatt/saker/{case.pk}/kronologi/")
    rita.check()
    chronology = rita.page.locator("main").inner_text()
    for line in (
        "Undring registrert",
        "Undringssamtale planlagt",
        "Undringssamtale gjennomført",
        "Foreldreinvolvering vurdert",
        "Råd spurt om",
        "Råd gitt",
        "Beslutning",
        "Tiltak avtalt",
        "Tiltak evaluert",
        "Saken er avsluttet",
        "Arkivert",
    ):
        assert line in chronology, f"{line!r} missing from the chronology"
    rita.close()

    problems = tina.problems + kari.problems + rita.problems
    checked = tina.pages + kari.pages + rita.pages
    print(f"\nworry routine: {checked} pages checked with axe, at 1280 and 320 px each")
    assert not problems, "\n\n".join(problems)
    csp = [m for m in tina.messages + rita.messages if "Content Security Policy" in m]
    assert not csp, csp
