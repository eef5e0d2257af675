"""Every form Varde answers, as a browser reaches it: who fills it in, where it posts, the page
that shows it, and the Django form classes behind it.

`tests/proofs/test_bad_input.py` fuzzes each form and checks the list against the matrix's
POST rows (a form missing here fails the suite); `tests/proofs/test_idor.py` takes its valid
POSTs from the same pages. Valid data is read from the form as it is rendered
(`tests/proofs/htmlforms.py`), so a field added to a form is filled and fuzzed without
anyone touching this file.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from allauth.account import forms as account_forms
from allauth.mfa.adapter import get_adapter as mfa_adapter
from allauth.mfa.base import forms as mfa_forms
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes import forms as recovery_forms
from allauth.mfa.totp import forms as totp_forms
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.totp import totp_counter
from tests.world import PASSWORD
from varde.cases import advice_views, consent_views
from varde.cases import forms as case_forms
from varde.incidents import forms as incident_forms
from varde.insights import forms as insights_forms
from varde.people import forms as people_forms
from varde.plan import editor as plan_editor
from varde.plan import forms as plan_forms
from varde.questions import forms as question_forms
from varde.yearplan import forms as yearplan_forms

NEW_PASSWORD = "ny-hest-batteri-stift-42"


@dataclass(frozen=True)
class FormSpec:
    key: str  # the URL's key in tests/authz/matrix.yaml
    name: str
    persona: str  # who fills it in (a key of World.personas())
    path: Callable[[Any], str]
    classes: tuple[type, ...] = ()
    # The page that shows the form, when it is not the form's own address.
    source: Callable[[Any], str] | None = None
    # Values that choose the form among several on a page, and are sent as they are.
    pick: tuple[tuple[str, str], ...] = ()
    # Makes the records the form needs, once, before anything is sent.
    setup: Callable[[Any], None] | None = None
    # Puts a browser in the state the form needs (a fresh reauthentication, a login halfway),
    # for every browser the test uses; before every request when `each` is set.
    prepare: Callable[[Any, Client], None] | None = None
    each: bool = False
    # Values the page cannot give (a password, a TOTP code): called with the world and the
    # source page's HTML just before each valid POST.
    extra: Callable[[Any, str], dict[str, object]] | None = None
    method: str = "POST"
    # The address of the form on the page, when the data goes elsewhere too (the trend
    # filter's fields, sent to the CSV export).
    action: Callable[[Any], str] | None = None
    # A file the form takes, made fresh for each request.
    upload: Callable[[Any], dict[str, object]] | None = None

    def source_path(self, world: Any) -> str:
        return (self.source or self.path)(world)


def hotp(secret: str, counter: int) -> str:
    """RFC 4226 with SHA-1 and six digits, as authenticator apps compute it."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    mac = hmac.new(key, counter.to_bytes(8, "big"), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    return f"{(int.from_bytes(mac[offset : offset + 4], 'big') & 0x7FFFFFFF) % 1_000_000:06d}"


def totp_code(user: Any) -> str:
    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    return hotp(mfa_adapter().decrypt(authenticator.data["secret"]), totp_counter())


def _reauthenticated(world: Any, client: Client) -> None:
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302, response.status_code


def _pending_login(world: Any, client: Client) -> None:
    """Half a login: the password given, the TOTP code still to come."""
    client.logout()
    client.post(reverse("account_login"), {"login": world.teacher.email, "password": PASSWORD})


def _planned(world: Any) -> None:
    from varde.cases.services import conversation_plan

    conversation_plan(
        actor=world.teacher,
        case=world.case,
        planned_for=timezone.now() + dt.timedelta(days=1),
        attendees="Tina og Petter",
    )


def _asked(world: Any) -> None:
    from varde.cases.advice import advice_ask

    world.fuzz_question = advice_ask(
        actor=world.teacher, case=world.case, adviser=world.kjentmann, question="Hva gjør jeg?"
    )


def _level_three(world: Any) -> None:
    """Tina's case at level 3 of Lunnermodellen, where a coordinator is named."""
    from varde.cases.models import Case

    Case.objects.filter(pk=world.case.pk).update(level=3, level_since=timezone.now())


def _consented(world: Any) -> None:
    from varde.cases.consent import consent_record

    world.fuzz_consent = consent_record(
        actor=world.teacher,
        case=world.case,
        service="skolehelsetjenesten",
        giver="pupil",
        giver_name="Petter Elev",
        scope="Bekymringen.",
        valid_from=timezone.localdate(),
        valid_until=timezone.localdate() + dt.timedelta(days=300),
    )


def _closed(world: Any) -> None:
    from varde.cases.models import Case, CaseEvent

    now = timezone.now()
    Case.objects.filter(pk=world.case.pk).update(status=Case.Status.CLOSED, closed_at=now)
    CaseEvent.objects.create(case=world.case, at=now, actor=world.teacher, kind="closed")


def _approved_concern(world: Any) -> None:
    """Tina's report of concern, approved by Rita, waiting to be recorded as sent."""
    from varde.cases.concern import concern_approve, concern_write

    report = concern_write(
        actor=world.teacher,
        case=world.case,
        legal_basis="child_welfare_duty",
        urgent=False,
        seen="Petter sier at det ikke er mat hjemme.",
        done="",
        guardians_informed="",
    )
    world.fuzz_concern = concern_approve(
        actor=world.principal, report=report, version=report.version
    )


def _pupil_questions(world: Any) -> None:
    """Two anonymous questions to Lunner ungdomsskole: one to answer, one to hide."""
    from varde.questions.services import question_ask

    if hasattr(world, "fuzz_question"):
        return
    world.fuzz_question, world.fuzz_code = question_ask(
        school=world.school, to_role="", topic="alkohol", urgent=False, question="Spørsmål 1?"
    )
    world.fuzz_question_hidden, _code = question_ask(
        school=world.school, to_role="", topic="alkohol", urgent=False, question="Spørsmål 2?"
    )


def _bare_incident(world: Any) -> None:
    """An incident Tina started without naming the pupil, with no adult and no case yet."""
    from varde.incidents.services import incident_start

    world.fuzz_incident = incident_start(
        actor=world.teacher, school=world.school, kind="intoxicated", client_token=uuid.uuid4()
    )


def _incident_about_petter(world: Any) -> None:
    """An incident about Petter that no case holds yet."""
    from varde.incidents.services import incident_start

    world.fuzz_incident = incident_start(
        actor=world.teacher,
        school=world.school,
        kind="intoxicated",
        pupil=world.pupil,
        client_token=uuid.uuid4(),
    )


def _sale(world: Any) -> None:
    """A suspected drug sale the principal has started, the police not yet called."""
    from varde.incidents.services import incident_start

    world.fuzz_incident = incident_start(
        actor=world.principal, school=world.school, kind="drug_sale", client_token=uuid.uuid4()
    )


def _rolled(world: Any) -> None:
    from varde.yearplan.models import YearEvent
    from varde.yearplan.selectors import school_year_of
    from varde.yearplan.services import yearplan_roll

    year = school_year_of(timezone.localdate())
    yearplan_roll(actor=world.principal, school=world.school, school_year=year)
    world.fuzz_event = YearEvent.objects.filter(school=world.school).order_by("pk").first()


def _feed(world: Any) -> None:
    from varde.yearplan.services import calendar_feed_create

    world.fuzz_feed, _token = calendar_feed_create(actor=world.teacher)


def _draft(world: Any) -> None:
    from varde.plan.selectors import plan_current
    from varde.plan.services import plan_draft_save, plan_dump_yaml

    current = plan_current(municipality=world.lunner)
    plan_draft_save(
        municipality=world.lunner, text=plan_dump_yaml(current.content), actor=world.admin
    )


def _case(tail: str) -> Callable[[Any], str]:
    return lambda w: f"/ansatt/saker/{w.case.pk}/{tail}"


def _incident(tail: str) -> Callable[[Any], str]:
    return lambda w: f"/ansatt/hendelser/{w.fuzz_incident.pk}/{tail}"


def _import_file(world: Any) -> dict[str, object]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    rows = "type;id;fornavn;etternavn;fodselsdato;skole;trinn;kontaktlaerer_id;epost;roller\n"
    rows += f"elev;E9001;Ola;Nordmann;01.02.2012;{world.school.external_id};8;;;\n"
    return {"file": SimpleUploadedFile("elever.csv", rows.encode(), content_type="text/csv")}


def _secret_on_page(world: Any, html: str) -> dict[str, object]:
    """The code for the authenticator secret the activation page shows."""
    found = re.search(r'id="authenticator_secret"[^>]*value="([A-Z2-7]+)"', html) or re.search(
        r'value="([A-Z2-7]{16,})"[^>]*id="authenticator_secret"', html
    )
    assert found, "the activation page shows no secret"
    return {"code": hotp(found.group(1), totp_counter())}


def _reset_key_path(world: Any) -> str:
    from allauth.account.forms import default_token_generator
    from allauth.account.utils import user_pk_to_url_str

    key = default_token_generator.make_token(world.slt)
    return reverse(
        "account_reset_password_from_key",
        kwargs={"uidb36": user_pk_to_url_str(world.slt), "key": key},
    )


def _reset_key_prepare(world: Any, client: Client) -> None:
    # allauth keeps the key in the browser's session and sends it on to an address without it.
    response = client.get(_reset_key_path(world))
    world.fuzz_reset_path = response.get("Location") or _reset_key_path(world)


def _handover_declined(world: Any) -> None:
    """Tor has declined Tina's first offer, so she may offer the case again."""
    from varde.cases.models import Handover

    Handover.objects.filter(pk=world.handover.pk).update(state=Handover.State.DECLINED)


def _logged_in_again(world: Any, client: Client) -> None:
    client.force_login(world.teacher)


FORMS: list[FormSpec] = [
    # ------------------------------------------------------------- plan administration
    FormSpec(
        "plan:edit",
        "plan editor",
        "municipal_admin",
        lambda w: "/ansatt/plan/rediger/",
        (plan_forms.PlanEditForm,),
    ),
    FormSpec(
        "plan:publish",
        "plan publish",
        "municipal_admin",
        lambda w: "/ansatt/plan/publiser/",
        (plan_forms.PublishForm,),
        source=lambda w: "/ansatt/plan/",
        setup=_draft,
    ),
    FormSpec(
        "plan:approval_setting",
        "plan second approval",
        "municipal_admin",
        lambda w: "/ansatt/plan/godkjenning/",
        source=lambda w: "/ansatt/plan/",
    ),
    FormSpec(
        "plan:discard",
        "plan discard",
        "municipal_admin",
        lambda w: "/ansatt/plan/forkast/",
        source=lambda w: "/ansatt/plan/",
        setup=_draft,
    ),
    # The plan editor made of forms: an item of each shape, a new item and a removal. The
    # rows' boxes are all ticked by the valid data, so each row is removed; items are chosen
    # that the plan can lose their rows from.
    FormSpec(
        "plan:editor_item",
        "plan editor: title and summary",
        "municipal_admin",
        lambda w: "/ansatt/plan/endre/tekst/om-delen/",
        (plan_editor.TextSettingsForm,),
    ),
    FormSpec(
        "plan:editor_item",
        "plan editor: section and text blocks",
        "municipal_admin",
        lambda w: "/ansatt/plan/endre/tekst/innledning/",
        (plan_editor.SectionForm,),
    ),
    FormSpec(
        "plan:editor_item",
        "plan editor: service and contacts",
        "municipal_admin",
        lambda w: "/ansatt/plan/endre/tjenester/skolehelsetjenesten/",
        (plan_editor.ServiceForm,),
    ),
    FormSpec(
        "plan:editor_item",
        "plan editor: who to call",
        "municipal_admin",
        lambda w: "/ansatt/plan/endre/ring/worried/",
        (plan_editor.SituationForm,),
    ),
    FormSpec(
        "plan:editor_item",
        "plan editor: routine and steps",
        "municipal_admin",
        lambda w: "/ansatt/plan/endre/rutiner/worry/",
        (plan_editor.RoutineForm,),
    ),
    FormSpec(
        "plan:editor_item",
        "plan editor: consent",
        "municipal_admin",
        lambda w: "/ansatt/plan/endre/samtykke/om-delen/",
        (plan_editor.ConsentSettingsForm,),
    ),
    FormSpec(
        "plan:editor_item",
        "plan editor: year plan meeting",
        "municipal_admin",
        lambda w: "/ansatt/plan/endre/arshjul/utsett_parent_meeting/",
        (plan_editor.EventForm,),
    ),
    FormSpec(
        "plan:editor_new",
        "plan editor: new situation",
        "municipal_admin",
        lambda w: "/ansatt/plan/endre/ring/ny/",
        (plan_editor.SituationForm,),
        # Left empty, the key is made from the title.
        extra=lambda w, html: {"key": ""},
    ),
    FormSpec(
        "plan:editor_delete",
        "plan editor: remove",
        "municipal_admin",
        lambda w: "/ansatt/plan/endre/tjenester/ppt/slett/",
        source=lambda w: "/ansatt/plan/endre/tjenester/ppt/",
    ),
    # ------------------------------------------------------------- people
    FormSpec(
        "people:import",
        "import",
        "municipal_admin",
        lambda w: "/ansatt/import/",
        (people_forms.ImportForm,),
        upload=_import_file,
    ),
    FormSpec(
        "people:staff_active",
        "staff active",
        "municipal_admin",
        lambda w: f"/ansatt/brukere/{w.teacher2.pk}/aktiv/",
        source=lambda w: "/ansatt/brukere/",
    ),
    FormSpec(
        "people:role_grant",
        "role grant",
        "municipal_admin",
        lambda w: "/ansatt/brukere/rolle/",
        (people_forms.RoleGrantForm,),
    ),
    FormSpec(
        "people:role_revoke",
        "role revoke",
        "municipal_admin",
        lambda w: f"/ansatt/brukere/rolle/{w.teacher2.role_assignments.first().pk}/fjern/",
        source=lambda w: "/ansatt/brukere/",
    ),
    FormSpec(
        "people:pupils",
        "pupil search",
        "teacher_owner",
        lambda w: "/ansatt/elever/",
        (people_forms.PupilFilterForm,),
        method="GET",
    ),
    FormSpec(
        "insights:trends",
        "trend filter",
        "principal",
        lambda w: "/ansatt/innsikt/",
        (insights_forms.TrendFilterForm,),
        method="GET",
    ),
    FormSpec(
        "insights:export",
        "trend export",
        "slt_coordinator",
        lambda w: "/ansatt/innsikt/eksport.csv",
        (insights_forms.TrendFilterForm,),
        source=lambda w: "/ansatt/innsikt/",
        action=lambda w: "/ansatt/innsikt/",
        method="GET",
    ),
    # ------------------------------------------------------------- cases
    FormSpec(
        "cases:worry_open",
        "worry",
        "teacher_owner",
        lambda w: f"/ansatt/elever/{w.pupil.pk}/undring/",
        (case_forms.WorryForm,),
    ),
    FormSpec(
        "cases:conversation",
        "conversation plan",
        "teacher_owner",
        _case("samtale/"),
        (case_forms.ConversationPlanForm,),
        pick=(("step", "plan"),),
    ),
    FormSpec(
        "cases:conversation",
        "conversation record",
        "teacher_owner",
        _case("samtale/"),
        (case_forms.ConversationRecordForm,),
        pick=(("step", "record"),),
        setup=_planned,
    ),
    FormSpec(
        "cases:handover",
        "handover",
        "teacher_owner",
        _case("overfor/"),
        (case_forms.HandoverForm,),
        setup=_handover_declined,
    ),
    FormSpec(
        "cases:handover_reply",
        "handover reply",
        "teacher_same_school",
        lambda w: f"/ansatt/overforinger/{w.handover.pk}/",
        pick=(("answer", "accept"),),
    ),
    FormSpec(
        "cases:parents",
        "parents decision",
        "teacher_owner",
        _case("foresatte/"),
        (case_forms.ParentDecisionForm,),
        pick=(("step", "decide"),),
    ),
    FormSpec(
        "cases:parents",
        "parents contact",
        "teacher_owner",
        _case("foresatte/"),
        (case_forms.ParentContactForm,),
        pick=(("step", "contact"),),
    ),
    FormSpec(
        "cases:decide",
        "decision",
        "teacher_owner",
        _case("beslutning/"),
        (case_forms.DecisionForm,),
        # A decision the case can take again and again: closing needs its measures evaluated.
        pick=(("key", "level_1"),),
    ),
    FormSpec(
        "cases:measures",
        "new measure",
        "teacher_owner",
        _case("tiltak/"),
        (case_forms.MeasureForm,),
    ),
    FormSpec(
        "cases:measure_evaluation",
        "measure evaluation",
        "teacher_owner",
        lambda w: f"/ansatt/saker/{w.case.pk}/tiltak/{w.measure.pk}/",
        (case_forms.MeasureEvaluationForm,),
    ),
    FormSpec(
        "cases:coordinator",
        "coordinator",
        "principal",
        _case("koordinator/"),
        (case_forms.CoordinatorForm,),
        setup=_level_three,
    ),
    FormSpec(
        "cases:consents",
        "consent",
        "teacher_owner",
        _case("samtykke/"),
        (consent_views.ConsentForm,),
    ),
    FormSpec(
        "cases:consent_withdraw",
        "consent withdraw",
        "teacher_owner",
        lambda w: f"/ansatt/saker/{w.case.pk}/samtykke/{w.fuzz_consent.pk}/trekk/",
        source=_case("samtykke/"),
        setup=_consented,
    ),
    FormSpec(
        "cases:participants",
        "invite",
        "teacher_owner",
        _case("deltakere/"),
        (consent_views.InviteForm,),
        # Tor, a teacher: no outside service, so no consent is needed to invite him.
        extra=lambda w, html: {"user": w.teacher2.pk},
    ),
    FormSpec(
        "cases:referral",
        "referral",
        "teacher_owner",
        lambda w: f"/ansatt/saker/{w.case.pk}/henvisning/?tjeneste=barnevern",
        (consent_views.ReferralForm,),
    ),
    FormSpec("cases:archive", "archive", "principal", _case("arkiv/"), setup=_closed),
    FormSpec(
        "questions:ask",
        "pupil's anonymous question",
        "anonymous",
        lambda w: "/k/lunner/elev/sporsmal/",
        (question_forms.AskForm,),
        # The page's token is seconds old; a pupil who wrote for a while sends an older one.
        extra=lambda w, html: {"token": question_forms.form_token(issued=time.time() - 10)},
    ),
    FormSpec(
        "questions:answer",
        "pupil's pickup code",
        "anonymous",
        lambda w: "/k/lunner/elev/svar/",
        (question_forms.CodeForm,),
        setup=_pupil_questions,
        extra=lambda w, html: {"code": w.fuzz_code},
    ),
    FormSpec(
        "questions:question",
        "answer to a pupil's question",
        "school_nurse",
        lambda w: f"/ansatt/elevsporsmal/{w.fuzz_question.pk}/",
        (question_forms.AnswerForm,),
        setup=_pupil_questions,
    ),
    FormSpec(
        "questions:hide",
        "hiding a pupil's question as abuse",
        "school_nurse",
        lambda w: f"/ansatt/elevsporsmal/{w.fuzz_question_hidden.pk}/skjul/",
        (question_forms.HideForm,),
        source=lambda w: f"/ansatt/elevsporsmal/{w.fuzz_question_hidden.pk}/",
        setup=_pupil_questions,
    ),
    FormSpec(
        "cases:concern_new",
        "report of concern",
        "teacher_owner",
        _case("bekymringsmelding/"),
        (case_forms.ConcernForm,),
    ),
    FormSpec(
        "cases:concern",
        "report of concern sent",
        "teacher_owner",
        lambda w: f"/ansatt/saker/{w.case.pk}/bekymringsmelding/{w.fuzz_concern.pk}/",
        (case_forms.ConcernSentForm,),
        pick=(("step", "sent"),),
        setup=_approved_concern,
    ),
    FormSpec(
        "cases:advice_ask",
        "advice question",
        "teacher_owner",
        _case("rad/"),
        (advice_views.AdviceAskForm,),
    ),
    FormSpec(
        "cases:advice_question",
        "advice answer",
        "kjentmann",
        lambda w: f"/ansatt/rad/{w.fuzz_question.pk}/",
        (advice_views.AdviceAnswerForm,),
        setup=_asked,
    ),
    # ------------------------------------------------------------- incidents
    FormSpec(
        "incidents:new_intoxicated",
        "intoxicated pupil",
        "teacher_owner",
        lambda w: "/ansatt/hendelser/ny/ruset/",
        (incident_forms.StartForm, incident_forms.PoliceCallForm),
    ),
    FormSpec(
        "incidents:new_sale",
        "drug sale",
        "principal",
        lambda w: "/ansatt/hendelser/ny/salg/",
        (incident_forms.StartForm, incident_forms.PoliceCallForm),
    ),
    FormSpec(
        "incidents:step",
        "incident step",
        "teacher_owner",
        _incident("steg/talk/"),
        (incident_forms.StepForm,),
        source=_incident(""),
        setup=_bare_incident,
        # No time given: now. (Any fixed time of day is later than now on some runs.)
        pick=(("talk-happened", ""),),
    ),
    FormSpec(
        "incidents:police",
        "police called",
        "principal",
        _incident("politi/"),
        (incident_forms.PoliceCallForm,),
        source=_incident(""),
        setup=_sale,
    ),
    FormSpec(
        "incidents:avert",
        "duty to avert",
        "teacher_owner",
        _incident("avverging/"),
        (incident_forms.AvertForm,),
        source=_incident(""),
        setup=_bare_incident,
    ),
    FormSpec(
        "incidents:pupil",
        "incident pupil",
        "teacher_owner",
        _incident("elev/"),
        source=lambda w: f"/ansatt/hendelser/{w.fuzz_incident.pk}/?q=Petter",
        setup=_bare_incident,
    ),
    FormSpec(
        "incidents:adult",
        "follow-up adult",
        "teacher_owner",
        _incident("oppfolging/"),
        (incident_forms.AdultForm,),
        source=_incident(""),
        setup=_bare_incident,
    ),
    FormSpec(
        "incidents:attach",
        "incident to case",
        "teacher_owner",
        _incident("sak/"),
        source=_incident(""),
        setup=_incident_about_petter,
    ),
    FormSpec(
        "incidents:follow_up",
        "follow-up talk",
        "teacher_same_school",
        lambda w: f"/ansatt/oppfolging/{w.follow_up.pk}/",
        (incident_forms.FollowUpForm,),
    ),
    # ------------------------------------------------------------- year plan
    FormSpec(
        "yearplan:roll",
        "year plan roll",
        "slt_coordinator",
        lambda w: "/ansatt/arshjul/rull-ut/",
        (yearplan_forms.RollForm,),
        source=lambda w: "/ansatt/arshjul/",
    ),
    FormSpec(
        "yearplan:event",
        "year plan meeting",
        "principal",
        lambda w: f"/ansatt/arshjul/mote/{w.fuzz_event.pk}/",
        (yearplan_forms.EventForm,),
        setup=_rolled,
    ),
    FormSpec(
        "yearplan:feed_new",
        "calendar feed",
        "teacher_owner",
        lambda w: "/ansatt/arshjul/kalender/ny/",
        (yearplan_forms.FeedForm,),
        source=lambda w: "/ansatt/arshjul/kalender/",
    ),
    FormSpec(
        "yearplan:feed_revoke",
        "calendar feed stop",
        "teacher_owner",
        lambda w: f"/ansatt/arshjul/kalender/{w.fuzz_feed.pk}/stopp/",
        source=lambda w: "/ansatt/arshjul/kalender/",
        setup=_feed,
    ),
    FormSpec(
        "yearplan:competence_edit",
        "competence",
        "principal",
        lambda w: f"/ansatt/kompetanse/{w.kjentmann.role_assignments.get(role='kjentmann').pk}/",
        (yearplan_forms.CompetenceForm,),
    ),
    FormSpec(
        "yearplan:routines_read",
        "routines read",
        "teacher_owner",
        lambda w: "/ansatt/rutiner-lest/",
        source=lambda w: "/ansatt/",
    ),
    # ------------------------------------------------------------- Django and allauth
    FormSpec(
        "set_language",
        "language",
        "anonymous",
        lambda w: "/i18n/setlang/",
        source=lambda w: "/k/lunner/",
        pick=(("language", "en"),),
    ),
    FormSpec(
        "account_login",
        "login",
        "anonymous",
        lambda w: reverse("account_login"),
        (account_forms.LoginForm,),
        extra=lambda w, html: {"login": w.slt.email, "password": PASSWORD},
    ),
    FormSpec(
        "account_logout",
        "logout",
        "teacher_owner",
        lambda w: reverse("account_logout"),
        prepare=_logged_in_again,
        each=True,
    ),
    FormSpec(
        "account_reauthenticate",
        "reauthenticate",
        "slt_coordinator",
        lambda w: reverse("account_reauthenticate"),
        (account_forms.ReauthenticateForm,),
        extra=lambda w, html: {"password": PASSWORD},
    ),
    FormSpec(
        "account_email",
        "add e-mail",
        "teacher_owner",
        lambda w: reverse("account_email"),
        (account_forms.AddEmailForm,),
        pick=(("action_add", ""),),
    ),
    FormSpec(
        "account_change_password",
        "change password",
        "slt_coordinator",
        lambda w: reverse("account_change_password"),
        (account_forms.ChangePasswordForm,),
        extra=lambda w, html: {
            "oldpassword": PASSWORD,
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    ),
    FormSpec(
        "account_reset_password",
        "password reset",
        "anonymous",
        lambda w: reverse("account_reset_password"),
        (account_forms.ResetPasswordForm,),
        extra=lambda w, html: {"email": w.slt.email},
    ),
    FormSpec(
        "account_reset_password_from_key",
        "new password from key",
        "anonymous",
        lambda w: w.fuzz_reset_path,
        (account_forms.ResetPasswordKeyForm,),
        prepare=_reset_key_prepare,
        extra=lambda w, html: {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    ),
    FormSpec(
        "mfa_authenticate",
        "TOTP at login",
        "anonymous",
        lambda w: reverse("mfa_authenticate"),
        (mfa_forms.AuthenticateForm,),
        prepare=_pending_login,
        each=True,
        extra=lambda w, html: {"code": totp_code(w.teacher)},
    ),
    FormSpec(
        "mfa_reauthenticate",
        "TOTP reauthenticate",
        "teacher_owner",
        lambda w: reverse("mfa_reauthenticate"),
        (mfa_forms.ReauthenticateForm,),
        extra=lambda w, html: {"code": totp_code(w.teacher)},
    ),
    FormSpec(
        "mfa_activate_totp",
        "TOTP activate",
        "slt_coordinator",
        lambda w: reverse("mfa_activate_totp"),
        (totp_forms.ActivateTOTPForm,),
        prepare=_reauthenticated,
        extra=_secret_on_page,
    ),
    FormSpec(
        "mfa_deactivate_totp",
        "TOTP deactivate",
        "teacher_owner",
        lambda w: reverse("mfa_deactivate_totp"),
        (totp_forms.DeactivateTOTPForm,),
        prepare=_reauthenticated,
    ),
    FormSpec(
        "mfa_generate_recovery_codes",
        "recovery codes",
        "teacher_owner",
        lambda w: reverse("mfa_generate_recovery_codes"),
        (recovery_forms.GenerateRecoveryCodesForm,),
        prepare=_reauthenticated,
    ),
]

# Addresses whose POST row in the matrix is answered without a form to fill in, and why. A
# form that is neither here nor in FORMS fails tests/proofs/test_bad_input.py.
NOT_FORMS = {
    "socialaccount_connections": "no third-party login is configured in the tests, so no one "
    "has a connected account to disconnect and the page shows no form",
    "account_signup": "sign-up is closed: the page has no form, and a POST creates nobody "
    "(tests/authz/test_matrix.py::test_signup_is_closed_and_creates_no_account)",
    "account_request_reauthentication_code": "login by e-mail code is off: only a redirect",
    "account_confirm_reauthentication_code": "login by e-mail code is off: only a redirect",
    "account_confirm_login_code": "login by e-mail code is off: only a redirect",
    "account_set_password": "every account has a password: only a redirect to change it",
    "konto/social/login/cancelled/": "allauth's old address: a permanent redirect",
    "konto/social/login/error/": "allauth's old address: a permanent redirect",
    "konto/social/signup/": "allauth's old address: a permanent redirect",
    "konto/social/connections/": "allauth's old address: a permanent redirect",
}
