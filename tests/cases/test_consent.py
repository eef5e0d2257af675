from __future__ import annotations

import datetime as dt
from itertools import count

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from varde.audit.models import AuditEntry
from varde.cases.consent import (
    SharingRefused,
    consent_record,
    consent_withdraw,
    participant_invite,
    referral_make,
)
from varde.cases.consent_rules import add_months, consent_check
from varde.cases.models import Case, CaseEvent, CaseParticipant, Consent, Referral
from varde.cases.services import case_open
from varde.people.models import Pupil

SERIAL = count(100)
CANARY = "KANARI-samtykke-4b1d"


def born_aged(age: int) -> dt.date:
    """A birth date that makes the pupil `age` today, well away from the birthday."""
    today = timezone.localdate()
    day = today - dt.timedelta(days=100)
    return day.replace(year=day.year - age, day=min(day.day, 28))


def case_about_pupil_aged(world, age: int) -> Case:
    pupil = Pupil.objects.create(
        municipality=world.lunner,
        school=world.school,
        external_id=f"A{next(SERIAL)}",
        first_name="Alder",
        last_name=f"{age} år",
        birth_date=born_aged(age),
        grade=min(max(age - 5, 1), 13),
    )
    case = case_open(
        actor=world.teacher,
        pupil=pupil,
        observed="Sovnet i timen.",
        observed_on=timezone.localdate(),
        seriousness=2,
    )
    assert pupil.age_on(timezone.localdate()) == age
    return case


def consent_from(world, case, service, *giver: str, start=None, until=None) -> list[Consent]:
    start = start or timezone.localdate()
    return [
        consent_record(
            actor=world.teacher,
            case=case,
            service=service,
            giver=who,
            giver_name="Mor Foresatt" if who == Consent.Giver.GUARDIAN else "",
            scope=f"{CANARY}: bekymringen og samtalen med eleven",
            valid_from=start,
            valid_until=until or start + dt.timedelta(days=90),
        )
        for who in giver
    ]


def report_to_police(actor, case, *, reason: str = "Fare for liv.") -> Referral:
    """The duty to avert (Straffeloven § 196): no consent is asked for."""
    return referral_make(
        actor=actor, case=case, service="politiet", reason=reason, legal_basis="duty_to_avert"
    )


def staff(world, persona) -> Client:
    client = Client()
    client.force_login(getattr(world, persona))
    return client


PUPIL = Consent.Giver.PUPIL
GUARDIAN = Consent.Giver.GUARDIAN

# With only the pupil's own consent: may the case be shared? From the plan: the school
# health service, BUP and the mental health service let the pupil decide alone from 16;
# PPT wants the guardians until 18; the mental health service takes pupils from 16 only.
PUPIL_ALONE = {
    ("skolehelsetjenesten", 13): False,
    ("skolehelsetjenesten", 15): False,
    ("skolehelsetjenesten", 16): True,
    ("skolehelsetjenesten", 17): True,
    ("ppt", 13): False,
    ("ppt", 15): False,
    ("ppt", 16): False,
    ("ppt", 17): False,
    ("bup", 13): False,
    ("bup", 15): False,
    ("bup", 16): True,
    ("bup", 17): True,
    ("psykisk_helse_rus", 13): False,
    ("psykisk_helse_rus", 15): False,
    ("psykisk_helse_rus", 16): True,
    ("psykisk_helse_rus", 17): True,
}


# From the plan: the mental health service takes pupils from 16 (age_min), BUP up to and
# including 17 (age_max). A consent to a service that will not take the pupil is refused.
TOO_YOUNG_OR_OLD = {("psykisk_helse_rus", 13), ("psykisk_helse_rus", 15), ("bup", 18)}


@pytest.mark.parametrize(("service", "age"), list(PUPIL_ALONE))
def test_the_pupils_own_consent_is_enough_only_from_the_plans_age(world, service, age):
    case = case_about_pupil_aged(world, age)
    if (service, age) in TOO_YOUNG_OR_OLD:
        with pytest.raises(SharingRefused, match="tar imot"):
            consent_from(world, case, service, PUPIL)
    else:
        consent_from(world, case, service, PUPIL)
    check = consent_check(case=case, service=service)
    assert check.ok is PUPIL_ALONE[(service, age)], check.missing
    if not check.ok and not check.age_problem:
        assert check.missing == [
            f"Samtykke fra en foresatt til {check.service_name} mangler "
            f"(under {18 if service == 'ppt' else 16} år må foresatte også samtykke)."
        ]


@pytest.mark.parametrize("age", [13, 15, 16, 17])
@pytest.mark.parametrize("service", ["skolehelsetjenesten", "ppt", "bup", "psykisk_helse_rus"])
def test_with_no_consent_the_check_says_whose_consent_is_missing(world, service, age):
    case = case_about_pupil_aged(world, age)
    check = consent_check(case=case, service=service)
    assert not check.ok
    text = " ".join(check.consents_missing)
    assert "Samtykke fra eleven" in text
    guardians_needed = age < (18 if service == "ppt" else 16)
    assert ("Samtykke fra en foresatt" in text) is guardians_needed


@pytest.mark.parametrize("age", [13, 15])
def test_the_mental_health_service_is_refused_under_16_with_the_reason(world, age):
    case = case_about_pupil_aged(world, age)
    reason = f"Psykisk helse og rustjeneste (fra 16 år) tar imot fra 16 år. Eleven er {age}."
    check = consent_check(case=case, service="psykisk_helse_rus")
    assert not check.ok and not check.law_may_override
    assert check.missing[0] == reason


@pytest.mark.parametrize("age", [13, 15])
@pytest.mark.parametrize("giver", [PUPIL, GUARDIAN])
def test_a_consent_to_the_mental_health_service_under_16_is_refused_with_the_plans_reason(
    world, age, giver
):
    case = case_about_pupil_aged(world, age)
    with pytest.raises(SharingRefused) as refused:
        consent_from(world, case, "psykisk_helse_rus", giver)
    assert refused.value.reasons == [
        f"Psykisk helse og rustjeneste (fra 16 år) tar imot fra 16 år. Eleven er {age}."
    ]
    assert refused.value.field == "service"
    assert not Consent.objects.exists()
    assert not case.events.filter(kind=CaseEvent.Kind.CONSENT_GIVEN).exists()


@pytest.mark.parametrize("age", [16, 17])
def test_a_pupil_of_16_or_more_still_consents_to_the_mental_health_service(world, age):
    case = case_about_pupil_aged(world, age)
    (consent,) = consent_from(world, case, "psykisk_helse_rus", PUPIL)
    assert Consent.objects.get() == consent
    assert consent_check(case=case, service="psykisk_helse_rus").ok


def test_the_age_limit_is_counted_on_the_day_the_consent_starts(world):
    """Born 100 days and 15 years ago: the pupil turns 16 in about 265 days."""
    case = case_about_pupil_aged(world, 15)
    born = case.pupil.birth_date
    sixteen = born.replace(year=born.year + 16)
    with pytest.raises(SharingRefused, match="Eleven er 15"):
        consent_from(world, case, "psykisk_helse_rus", PUPIL, start=sixteen - dt.timedelta(days=1))
    (consent,) = consent_from(world, case, "psykisk_helse_rus", PUPIL, start=sixteen)
    assert consent.valid_from == sixteen


@pytest.mark.parametrize("age", [13, 15, 16, 17])
def test_bup_needs_a_referral_and_a_statement_besides_consent(world, age):
    case = case_about_pupil_aged(world, age)
    consent_from(world, case, "bup", PUPIL, GUARDIAN)
    unconfirmed = consent_check(case=case, service="bup", confirmed=[])
    assert unconfirmed.missing == [
        "Ikke bekreftet: Fastlege, psykolog eller barnevernsleder er bedt om å henvise.",
        "Ikke bekreftet: Tverrfaglig uttalelse fra de kommunale tjenestene er skrevet.",
    ]
    assert consent_check(case=case, service="bup", confirmed=["referral", "statement"]).ok


def test_bup_refuses_a_pupil_of_18(world):
    case = case_about_pupil_aged(world, 18)
    reason = (
        "Barne- og ungdomspsykiatrisk poliklinikk (BUP) tar imot til og med 17 år. Eleven er 18."
    )
    with pytest.raises(SharingRefused) as refused:
        consent_from(world, case, "bup", PUPIL)
    assert refused.value.reasons == [reason]
    assert not Consent.objects.exists()
    assert consent_check(case=case, service="bup").age_problem == reason


def test_withdrawn_consent_no_longer_counts(world):
    case = case_about_pupil_aged(world, 16)
    (consent,) = consent_from(world, case, "skolehelsetjenesten", PUPIL)
    assert consent_check(case=case, service="skolehelsetjenesten").ok
    consent_withdraw(actor=world.teacher, consent=consent)
    assert not consent_check(case=case, service="skolehelsetjenesten").ok
    with pytest.raises(SharingRefused):
        consent_withdraw(actor=world.teacher, consent=consent)


def test_expired_consent_no_longer_counts(world):
    case = case_about_pupil_aged(world, 17)
    today = timezone.localdate()
    consent_from(
        world,
        case,
        "skolehelsetjenesten",
        PUPIL,
        start=today - dt.timedelta(days=60),
        until=today - dt.timedelta(days=1),
    )
    assert not consent_check(case=case, service="skolehelsetjenesten").ok
    assert consent_check(
        case=case, service="skolehelsetjenesten", on=today - dt.timedelta(days=2)
    ).ok


def test_consent_lasts_at_most_the_plans_months(world):
    case = case_about_pupil_aged(world, 16)
    start = timezone.localdate()
    with pytest.raises(SharingRefused, match="høyst 12 måneder"):
        consent_from(world, case, "ppt", PUPIL, until=add_months(start, 12) + dt.timedelta(days=1))
    consent_from(world, case, "ppt", PUPIL, until=add_months(start, 12))
    assert add_months(dt.date(2027, 1, 31), 1) == dt.date(2027, 2, 28)


def test_a_pupil_under_12_does_not_consent_alone(world):
    case = case_about_pupil_aged(world, 11)
    with pytest.raises(SharingRefused, match="fra 12 år"):
        consent_from(world, case, "skolehelsetjenesten", PUPIL)
    consent_from(world, case, "skolehelsetjenesten", GUARDIAN)
    assert consent_check(case=case, service="skolehelsetjenesten").ok


# ---------------------------------------------------------------- inviting into a case


def test_the_nurse_is_not_invited_without_consent_and_is_told_what_is_missing(client, world):
    client.force_login(world.teacher)
    response = client.post(f"/ansatt/saker/{world.case.pk}/deltakere/", {"user": world.nurse.pk})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Ingen er invitert" in page and "Samtykke fra eleven til Skolehelsetjenesten" in page
    assert not CaseParticipant.objects.filter(case=world.case, user=world.nurse).exists()
    assert staff(world, "nurse").get(f"/ansatt/saker/{world.case.pk}/").status_code == 404


def test_with_consent_the_nurse_is_invited_and_sees_the_case_from_then_on(client, world):
    age = world.pupil.age_on(timezone.localdate())
    givers = (PUPIL, GUARDIAN) if age < 16 else (PUPIL,)
    consent_from(world, world.case, "skolehelsetjenesten", *givers)
    client.force_login(world.teacher)
    response = client.post(
        f"/ansatt/saker/{world.case.pk}/deltakere/",
        {"user": world.nurse.pk, "case": world.gran_case.pk, "invited_by": world.outsider.pk},
    )
    assert response.status_code == 302
    participant = CaseParticipant.objects.get(case=world.case, user=world.nurse)
    assert participant.invited_by == world.teacher and participant.service == "skolehelsetjenesten"
    assert not participant.legal_basis
    assert staff(world, "nurse").get(f"/ansatt/saker/{world.case.pk}/").status_code == 200
    assert world.case.events.filter(kind=CaseEvent.Kind.INVITED).count() == 1


def test_a_kjentmann_needs_no_consent(world):
    participant = participant_invite(actor=world.principal, case=world.case, user=world.kjentmann)
    assert participant.service == "" and participant.invited_by == world.principal


def test_only_the_owner_or_leadership_invites(world):
    participant_invite(actor=world.teacher, case=world.case, user=world.kjentmann)
    with pytest.raises(SharingRefused, match="Bare eieren"):
        participant_invite(actor=world.kjentmann, case=world.case, user=world.teacher2)


def test_staff_from_another_school_or_inactive_cannot_be_invited(world):
    for user in (world.outsider, world.deactivated, world.admin):
        with pytest.raises(SharingRefused, match="aktive ansatte ved elevens skole"):
            participant_invite(actor=world.teacher, case=world.case, user=user)


def test_a_legal_basis_the_plan_does_not_give_for_the_service_does_not_let_the_nurse_in(world):
    with pytest.raises(SharingRefused) as refused:
        participant_invite(
            actor=world.teacher,
            case=world.case,
            user=world.nurse,
            legal_basis="child_welfare_duty",
            legal_reason="Vil ha helsesykepleier med.",
        )
    assert "gjelder ikke for Skolehelsetjenesten" in " ".join(refused.value.reasons)
    assert not CaseParticipant.objects.filter(user=world.nurse).exists()


# ---------------------------------------------------------------- referrals


def test_a_referral_without_consent_is_refused_with_what_is_missing(client, world):
    client.force_login(world.teacher)
    response = client.post(
        f"/ansatt/saker/{world.case.pk}/henvisning/?tjeneste=barnevern",
        {"reason": "Bekymring for omsorgen."},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Henvisningen er ikke lagret" in page and "Samtykke fra en foresatt til" in page
    assert not Referral.objects.exists()


def test_on_the_duty_to_inform_child_welfare_the_referral_goes_and_leadership_sees_why(
    client, world
):
    client.force_login(world.teacher)
    response = client.post(
        f"/ansatt/saker/{world.case.pk}/henvisning/?tjeneste=barnevern",
        {"legal_basis": "child_welfare_duty", "reason": "Eleven forteller om vold hjemme."},
    )
    assert response.status_code == 302
    referral = Referral.objects.get(case=world.case)
    assert referral.legal_basis == "child_welfare_duty" and referral.made_by == world.teacher
    kinds = list(world.case.events.values_list("kind", flat=True))
    assert CaseEvent.Kind.REFERRAL in kinds and CaseEvent.Kind.SHARED_BY_LAW in kinds
    page = staff(world, "principal").get(f"/ansatt/saker/{world.case.pk}/").content.decode()
    assert "Delt uten samtykke, etter lov" in page
    assert "Barnevernsloven § 13-2" in page and "Eleven forteller om vold hjemme." in page


def test_the_duty_to_avert_lets_the_school_report_to_the_police_without_consent(world):
    referral = report_to_police(world.principal, world.case, reason="Skal kjøre ruset i kveld.")
    assert referral.legal_basis == "duty_to_avert"


def test_a_legal_basis_needs_a_written_reason(world):
    with pytest.raises(SharingRefused, match="Skriv hva henvisningen gjelder"):
        referral_make(
            actor=world.teacher,
            case=world.case,
            service="barnevern",
            reason="  ",
            legal_basis="child_welfare_duty",
        )
    assert not Referral.objects.exists()


def test_no_legal_basis_lifts_the_age_limit_or_bups_requirements(world):
    case = case_about_pupil_aged(world, 17)
    consent_from(world, case, "bup", PUPIL)
    with pytest.raises(SharingRefused, match="Tverrfaglig uttalelse"):
        referral_make(
            actor=world.teacher, case=case, service="bup", reason="Angst.", confirmed=["referral"]
        )
    referral = referral_make(
        actor=world.teacher,
        case=case,
        service="bup",
        reason="Angst.",
        confirmed=["referral", "statement", "made-up"],
    )
    assert referral.requirements_met == ["referral", "statement"] and not referral.legal_basis
    young = case_about_pupil_aged(world, 15)
    with pytest.raises(SharingRefused, match="fra 16 år"):
        referral_make(actor=world.teacher, case=young, service="psykisk_helse_rus", reason="x")


def test_a_teacher_who_is_only_a_participant_cannot_refer(world):
    participant_invite(actor=world.teacher, case=world.case, user=world.kjentmann)
    with pytest.raises(SharingRefused, match="Bare eieren"):
        report_to_police(world.kjentmann, world.case)


# ---------------------------------------------------------------- the consent pages


def test_the_owner_records_a_consent_on_the_page_and_it_is_audited_and_encrypted(client, world):
    client.force_login(world.teacher)
    url = f"/ansatt/saker/{world.case.pk}/samtykke/"
    today = timezone.localdate()
    response = client.post(
        url,
        {
            "service": "ppt",
            "giver": "guardian",
            "giver_name": "Far Foresatt",
            "scope": f"{CANARY}: bekymringen",
            "valid_from": today.strftime("%d.%m.%Y"),
            "valid_until": (today + dt.timedelta(days=30)).strftime("%d.%m.%Y"),
            "recorded_by": world.outsider.pk,
            "case": world.gran_case.pk,
        },
    )
    assert response.status_code == 302
    consent = Consent.objects.get()
    assert consent.case == world.case and consent.recorded_by == world.teacher
    assert consent.giver_name == "Far Foresatt"
    page = client.get(url).content.decode()
    assert "Far Foresatt" in page and "Gyldig" in page
    assert AuditEntry.objects.filter(
        object_type="case",
        object_id=str(world.case.pk),
        action="update",
        reason="Samtykke registrert",
    ).exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT scope FROM cases_consent")
        (stored,) = cursor.fetchone()
    assert CANARY not in stored


def test_bad_consent_input_gets_a_message_and_saves_nothing(client, world):
    client.force_login(world.teacher)
    response = client.post(
        f"/ansatt/saker/{world.case.pk}/samtykke/",
        {
            "service": "ukjent",
            "giver": "guardian",
            "giver_name": "",
            "scope": "",
            "valid_from": "31.02.2026",
            "valid_until": "x",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Samtykket er ikke lagret" in page and "Skriv navnet på den foresatte" in page
    assert not Consent.objects.exists()


def test_a_consent_too_long_is_refused_on_the_page_with_the_last_day(client, world):
    client.force_login(world.teacher)
    today = timezone.localdate()
    response = client.post(
        f"/ansatt/saker/{world.case.pk}/samtykke/",
        {
            "service": "ppt",
            "giver": "pupil",
            "scope": "Alt",
            "valid_from": today.strftime("%d.%m.%Y"),
            "valid_until": (today + dt.timedelta(days=800)).strftime("%d.%m.%Y"),
        },
    )
    assert "høyst 12 måneder" in response.content.decode()
    assert not Consent.objects.exists()


def consent_form(service: str, giver: str, **fields: str) -> dict[str, str]:
    today = timezone.localdate()
    return {
        "service": service,
        "giver": giver,
        "scope": "Bekymringen.",
        "valid_from": today.strftime("%d.%m.%Y"),
        "valid_until": (today + dt.timedelta(days=30)).strftime("%d.%m.%Y"),
        **fields,
    }


def test_a_consent_for_a_service_the_pupil_is_too_young_for_is_refused_on_the_page(client, world):
    case = case_about_pupil_aged(world, 15)
    client.force_login(world.teacher)
    response = client.post(
        f"/ansatt/saker/{case.pk}/samtykke/",
        consent_form("psykisk_helse_rus", "guardian", giver_name="Mor Foresatt"),
    )
    page = response.content.decode()
    assert response.status_code == 200
    reason = "Psykisk helse og rustjeneste (fra 16 år) tar imot fra 16 år. Eleven er 15."
    assert "Samtykket er ikke lagret" in page
    # Next to the service field, and linked to it from the summary above the form.
    next_to_field = f'data-color="danger" id="id_service-error">{reason}</p>'
    assert next_to_field in page
    assert f'href="#id_service">Til hvilken tjeneste?: {reason}</a>' in page
    assert not Consent.objects.exists()


def test_a_pupil_of_16_consents_to_the_mental_health_service_on_the_page(client, world):
    case = case_about_pupil_aged(world, 16)
    client.force_login(world.teacher)
    response = client.post(
        f"/ansatt/saker/{case.pk}/samtykke/", consent_form("psykisk_helse_rus", "pupil")
    )
    assert response.status_code == 302
    assert Consent.objects.get().service == "psykisk_helse_rus"


def test_a_guardians_name_with_a_direction_control_is_refused_on_the_page(client, world):
    client.force_login(world.teacher)
    response = client.post(
        f"/ansatt/saker/{world.case.pk}/samtykke/",
        consent_form("ppt", "guardian", giver_name="Mor \u202eesattaroF"),
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "usynlig tegn som snur skriveretningen (U+202E)" in page
    assert 'id="id_giver_name-error"' in page
    assert not Consent.objects.exists()


def test_the_service_refuses_a_guardians_name_with_a_direction_control_too(world):
    with pytest.raises(SharingRefused, match=r"U\+2067") as refused:
        consent_record(
            actor=world.teacher,
            case=world.case,
            service="ppt",
            giver=GUARDIAN,
            giver_name="\u2067Mor Foresatt",
            scope="Bekymringen.",
            valid_from=timezone.localdate(),
            valid_until=timezone.localdate() + dt.timedelta(days=30),
        )
    assert refused.value.field == "giver_name"
    assert not Consent.objects.exists()


def test_consent_is_withdrawn_on_the_page(client, world):
    (consent,) = consent_from(world, world.case, "ppt", GUARDIAN)
    client.force_login(world.teacher)
    response = client.post(f"/ansatt/saker/{world.case.pk}/samtykke/{consent.pk}/trekk/")
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None
    page = client.get(f"/ansatt/saker/{world.case.pk}/samtykke/").content.decode()
    assert "Trukket tilbake" in page
    assert world.case.events.filter(kind=CaseEvent.Kind.CONSENT_WITHDRAWN).count() == 1


def test_a_consent_of_another_case_cannot_be_withdrawn_through_this_one(client, world):
    other = case_about_pupil_aged(world, 16)
    (consent,) = consent_from(world, other, "ppt", PUPIL)
    client.force_login(world.teacher)
    response = client.post(f"/ansatt/saker/{world.case.pk}/samtykke/{consent.pk}/trekk/")
    assert response.status_code == 404
    consent.refresh_from_db()
    assert consent.withdrawn_at is None


def test_the_case_page_shows_participants_and_valid_consents(client, world):
    consent_from(world, world.case, "ppt", GUARDIAN, PUPIL)
    participant_invite(actor=world.teacher, case=world.case, user=world.kjentmann)
    client.force_login(world.teacher)
    page = client.get(f"/ansatt/saker/{world.case.pk}/").content.decode()
    assert "Deling og samtykke" in page and "Kari Kjentmann" in page
    assert "Pedagogisk psykologisk tjeneste (PPT): Mor Foresatt" in page
    assert "Delt uten samtykke" not in page


def test_the_referral_page_lists_services_then_shows_what_one_needs(client, world):
    client.force_login(world.teacher)
    listing = client.get(f"/ansatt/saker/{world.case.pk}/henvisning/").content.decode()
    assert "?tjeneste=bup" in listing and "Mangler samtykke" in listing
    form = client.get(f"/ansatt/saker/{world.case.pk}/henvisning/?tjeneste=bup").content.decode()
    assert (
        "Tverrfaglig uttalelse" in form
        and "Samtykke fra eleven til Barne- og ungdomspsykiatrisk poliklinikk (BUP)" in form
    )


def test_the_school_asks_for_a_bup_referral_and_every_line_names_its_source(client, world):
    """The plan: BUP takes referrals from a GP, a psychologist or the child welfare leader. The
    school's form says it asks for one, and the referral line names the consent rule's source."""
    client.force_login(world.teacher)
    form = client.get(f"/ansatt/saker/{world.case.pk}/henvisning/?tjeneste=bup").content.decode()
    assert form.count("Be om henvisning til BUP") == 2  # the page and its form
    assert "Registrer at dere har bedt om henvisning" in form
    assert "Registrer henvisningen" not in form and ">Henvis<" not in form
    line = form[form.index("Henvisning fra fastlege, psykolog eller barnevernsleder") :]
    line = line[: line.index("</li>")]
    assert "kilde:" in line and "Barne- og ungdomspsykiatrisk poliklinikk (BUP)" in line


PAGES = [
    ("get", "/ansatt/saker/{case}/samtykke/"),
    ("post", "/ansatt/saker/{case}/samtykke/"),
    ("post", "/ansatt/saker/{case}/samtykke/{consent}/trekk/"),
    ("get", "/ansatt/saker/{case}/deltakere/"),
    ("post", "/ansatt/saker/{case}/deltakere/"),
    ("get", "/ansatt/saker/{case}/henvisning/"),
    ("get", "/ansatt/saker/{case}/henvisning/?tjeneste=barnevern"),
    ("post", "/ansatt/saker/{case}/henvisning/?tjeneste=politiet"),
]


@pytest.mark.parametrize("persona", ["outsider", "teacher2", "nurse", "kjentmann", "admin", "slt"])
def test_staff_without_a_need_to_know_get_404_on_every_sharing_url(world, persona):
    (consent,) = consent_from(world, world.case, "ppt", GUARDIAN)
    client = staff(world, persona)
    for method, path in PAGES:
        url = path.format(case=world.case.pk, consent=consent.pk)
        data = {"legal_basis": "duty_to_avert", "reason": "x", "user": world.teacher2.pk}
        response = getattr(client, method)(url, data) if method == "post" else client.get(url)
        assert response.status_code == 404, (persona, method, url)
    consent.refresh_from_db()
    assert consent.withdrawn_at is None
    assert not Referral.objects.exists() and not CaseParticipant.objects.exists()


def test_the_outsider_gets_404_for_a_case_that_does_not_exist_too(world):
    client = staff(world, "outsider")
    for method, path in PAGES:
        url = path.format(case=999999, consent=1)
        assert getattr(client, method)(url).status_code == 404, (method, url)


def test_an_invited_nurse_may_record_that_the_pupil_withdraws(client, world):
    consents = consent_from(world, world.case, "skolehelsetjenesten", PUPIL, GUARDIAN)
    participant_invite(actor=world.teacher, case=world.case, user=world.nurse)
    nurse = staff(world, "nurse")
    response = nurse.post(f"/ansatt/saker/{world.case.pk}/samtykke/{consents[0].pk}/trekk/")
    assert response.status_code == 302
    consents[0].refresh_from_db()
    assert consents[0].withdrawn_at is not None


def test_a_participant_who_does_not_steer_the_case_is_told_who_invites(world):
    participant_invite(actor=world.teacher, case=world.case, user=world.kjentmann)
    kjentmann = staff(world, "kjentmann")
    response = kjentmann.post(
        f"/ansatt/saker/{world.case.pk}/deltakere/", {"user": world.teacher2.pk}
    )
    assert response.status_code == 200
    assert "Bare eieren eller skolens ledelse" in response.content.decode()
    assert not CaseParticipant.objects.filter(user=world.teacher2).exists()


def test_a_closed_case_is_not_referred(world):
    Case.objects.filter(pk=world.case.pk).update(status=Case.Status.CLOSED)
    world.case.refresh_from_db()
    with pytest.raises(SharingRefused, match="avsluttet"):
        report_to_police(world.teacher, world.case)


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_invite_page_and_the_case_page_cost_the_same_queries_whatever_the_numbers(world):
    from tests.world import grant, make_user

    client = staff(world, "teacher")
    invite = f"/ansatt/saker/{world.case.pk}/deltakere/"
    case_page = f"/ansatt/saker/{world.case.pk}/"

    def invite_colleague(n: int) -> None:
        colleague = make_user(f"kollega{n}@lunner.test", f"Kollega {n}", mfa=False)
        grant(colleague, "teacher", school=world.school)
        participant_invite(actor=world.teacher, case=world.case, user=colleague)
        consent_from(world, world.case, "ppt", PUPIL, GUARDIAN)

    # From one participant and one consent (an empty list costs the case page no query) to five.
    invite_colleague(0)
    before = queries_for(client, invite), queries_for(client, case_page)
    for n in range(1, 5):
        invite_colleague(n)
    for n in range(4):
        grant(make_user(f"ny{n}@lunner.test", f"Ny {n}", mfa=False), "los", school=world.school)
    assert (queries_for(client, invite), queries_for(client, case_page)) == before
