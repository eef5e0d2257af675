"""axe-core (WCAG 2.0/2.1 A and AA) on every page, at 1280×800 and at 320×640.

At 320 px no page may scroll sideways, and no page may trip the Content Security
Policy (which forbids inline script and style).
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.browser.support import check_page, login
from varde.cases.models import CaseRemoval

pytestmark = pytest.mark.browser

PUBLIC_PAGES = [
    "/k/lunner/",
    "/k/lunner/plan/",
    "/k/lunner/plan/versjoner/",
    "/k/lunner/plan/versjon/1/",
    "/k/lunner/hvem-gjor-hva/",
    "/k/lunner/ressurser/",
    "/k/lunner/tjenester/",
    "/k/lunner/tjenester/barnevern/",
    "/k/lunner/ring/",
    "/k/lunner/ring/worried/",
    "/konto/login/",
    "/tilgjengelighet/",
]

# Staff pages, each as a persona who is allowed to see it.
STAFF_PAGES = {
    "teacher": [
        "/ansatt/",
        "/ansatt/elever/",
        "/ansatt/elever/{pupil}/",
        "/ansatt/elever/{pupil}/undring/",
        "/ansatt/saker/",
        "/ansatt/saker/{case}/",
        "/ansatt/saker/{case}/samtale/",
        "/ansatt/saker/{case}/foresatte/",
        "/ansatt/saker/{case}/beslutning/",
        "/ansatt/saker/{case}/tiltak/",
        "/ansatt/saker/{case}/tiltak/{measure}/",
        "/ansatt/saker/{case}/overfor/",
        "/ansatt/saker/{case}/rad/",
        "/ansatt/saker/{case}/kronologi/",
        "/ansatt/saker/{case}/samtykke/",
        "/ansatt/saker/{case}/henvisning/?tjeneste=bup",
        "/ansatt/saker/{case}/henvisning/?tjeneste=politiet",
        "/ansatt/elever/?undring=1",
        "/k/lunner/ring/worried/",
    ],
    "principal": [
        "/ansatt/",
        "/ansatt/elever/{pupil}/innsyn/",
        "/ansatt/saker/{case}/koordinator/",
        "/ansatt/saker/slettet/",
    ],
    "teacher2": ["/ansatt/overforinger/{handover}/", "/ansatt/saker/", "/ansatt/varsler/"],
    "admin": [
        "/ansatt/",
        "/ansatt/plan/",
        "/ansatt/plan/rediger/",
        "/ansatt/plan/endre/",
        "/ansatt/plan/endre/tjenester/",
        "/ansatt/plan/endre/tjenester/barnevern/",
        "/ansatt/plan/endre/tekst/om_planen/",
        "/ansatt/plan/endre/ring/worried/",
        "/ansatt/plan/endre/lunnermodellen/1/",
        "/ansatt/plan/endre/rutiner/intoxicated/",
        "/ansatt/plan/endre/samtykke/handling-1/",
        "/ansatt/plan/endre/samtykke/om-delen/",
        "/ansatt/plan/endre/arshjul/utsett_parent_meeting/",
        "/ansatt/import/",
        "/ansatt/brukere/",
        "/ansatt/brukere/rolle/",
    ],
}


def _report(problems: list[str], console) -> None:
    csp = console.csp_violations()
    if csp:
        problems.append("CSP violations in the console:\n  " + "\n  ".join(csp))
    if problems:
        print("\n\n".join(problems))
    assert not problems, "\n\n".join(problems)


def test_public_pages(live_server, world, page, console):
    problems: list[str] = []
    for path in PUBLIC_PAGES:
        problems += check_page(page, live_server.url + path)
    _report(problems, console)


@pytest.mark.parametrize("persona", list(STAFF_PAGES))
def test_staff_pages(live_server, world, page, console, persona):
    user = getattr(world, persona)
    problems: list[str] = []
    # A row in the register of deleted cases, so its table is checked too.
    CaseRemoval.objects.create(
        case_id_removed=987_654,
        municipality=world.lunner,
        school=world.school,
        opened_at=dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC),
        archived_at=dt.datetime(2026, 2, 5, 9, 0, tzinfo=dt.UTC),
        archive_sha256="a" * 64,
        purge_after=dt.date(2026, 3, 7),
        retention_days=30,
        removed_at=dt.datetime(2026, 3, 7, 0, 5, tzinfo=dt.UTC),
    )

    def check_code_step(page):
        # The TOTP step of the login is a page of its own; check it once.
        if persona == "teacher":
            problems.extend(check_page(page, page.url, label="TOTP step"))

    login(page, live_server, user, on_code_page=check_code_step)
    for path in STAFF_PAGES[persona]:
        path = path.format(
            pupil=world.pupil.pk,
            case=world.case.pk,
            measure=world.measure.pk,
            handover=world.handover.pk,
        )
        problems += check_page(page, live_server.url + path, label=persona)
    _report(problems, console)


def test_mfa_setup_page(live_server, world, page, console):
    """A new member of staff without TOTP is sent to set it up, via a password check."""
    from tests.world import PASSWORD, grant, make_user
    from varde.people.roles import Role

    newcomer = make_user("nina@lunner.test", "Nina Nyansatt", mfa=False)
    grant(newcomer, Role.TEACHER, school=world.school)
    login(page, live_server, newcomer)
    problems: list[str] = []
    page.goto(live_server.url + "/ansatt/")
    if "/konto/reauthenticate/" in page.url:
        # allauth wants the password again before an authenticator is added.
        problems += check_page(page, page.url, label="reauthenticate")
        page.get_by_label("Passord").fill(PASSWORD)
        with page.expect_navigation():
            page.locator("main form").get_by_role("button").first.click()
    assert "/konto/2fa/totp/activate/" in page.url, page.url
    problems += check_page(page, page.url, label="MFA setup")
    _report(problems, console)
