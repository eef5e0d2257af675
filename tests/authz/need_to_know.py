"""Who may see and do what, written down from the plan's need-to-know and docs/quality.md.

This module is the independent oracle of the IDOR sweep and of the existence-leak test. It
never calls Varde's own access functions: how a person stands to a record ("owner", "invited",
"leadership" of its school, "staff" at another school, nothing at all in another municipality)
is read from the rows themselves (role assignments, owners, participants, handovers, ...), and
what each relation allows comes from the tables below, written from the rules in prose:

- Pupils, and their guardians, are seen by the staff of the pupil's school and by the
  administrator of the pupil's municipality; the SLT coordinator sees no pupils. Who has
  looked at a pupil's records is for the school's leadership and the administrator.
- A case is seen by its owner, the people invited into it and the leadership (principal,
  deputy) of its school: not other staff, not the administrator. Everything in a case
  (conversation, guardians, measures, consents, referrals, advice asked, chronology) goes
  with it. Anyone in the case may record in it; the owner, the named coordinator and the
  leadership make its decisions (decide, hand over, invite, refer, name the coordinator); the
  owner and the leadership make and download the archive package.
- A handover waiting for an answer is answered by the colleague it is offered to; a question
  for advice is read and answered by the Kjentmann or school nurse it was put to, which gives
  them no access to the case.
- An incident, and its follow-up, is seen and worked on by whoever reported it, the adult the
  pupil chose for the follow-up, and the leadership of its school.
- A school's year plan is read by its staff, the administrator of its municipality and the SLT
  coordinator of its region, and changed by its leadership, the administrator and the SLT
  coordinator. The list of the school's Kjentmann and nurses is kept by its leadership and
  the administrator. A calendar feed is stopped only by the person it belongs to; its secret
  address is the credential, read without a login.
- An administrator of one municipality cannot read or change anything of another: they
  deactivate a person, or remove a role, only when every role that person or role gives is in
  municipalities they administer (an SLT coordinator's region spans several).
- Nobody gets anything while logged out or deactivated.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse

from varde.cases.models import (
    AdviceRequest,
    Case,
    CaseParticipant,
    ConcernReport,
    Consent,
    Handover,
    Measure,
)
from varde.incidents.models import FollowUp, Incident
from varde.people.models import Guardian, Municipality, Pupil, RoleAssignment, School, User
from varde.questions.models import PupilQuestion
from varde.yearplan.models import CalendarFeed, YearEvent

LEADERSHIP = {"principal", "deputy"}
SCHOOL_ROLES = {
    "teacher",
    "contact_teacher",
    "principal",
    "deputy",
    "kjentmann",
    "school_nurse",
    "los",
    "ppt_contact",
}
# The roles asked for advice, and the roles whose competence the school's list keeps.
ADVISERS = {"kjentmann", "school_nurse"}
COMPETENCE = {"kjentmann", "school_nurse", "los", "ppt_contact"}

# family -> action -> the relations that allow it. "see" is the action that decides whether a
# refused person learns the record exists: without it, every answer must be 404.
IN_THE_CASE = {"owner", "invited", "leadership"}
SPEC: dict[str, dict[str, set[str]]] = {
    # A pupil's guardians go with the pupil.
    "guardian": {"see": {"staff", "admin"}},
    "pupil": {
        "see": {"staff", "admin"},
        "access_log": {"leadership", "admin"},
        "open_worry": {"staff", "admin"},
    },
    "case": {
        "see": IN_THE_CASE,
        "record": IN_THE_CASE,
        "steer": {"owner", "coordinator", "leadership"},
    },
    "archive": {"see": IN_THE_CASE, "archive": {"owner", "leadership"}},
    "measure": {"see": IN_THE_CASE, "record": IN_THE_CASE},
    "consent": {"see": IN_THE_CASE, "record": IN_THE_CASE},
    "concern": {"see": IN_THE_CASE, "record": IN_THE_CASE},
    # A record reached through a case it does not belong to: there is nothing to reach.
    "elsewhere": {"see": set(), "record": set()},
    "handover": {"see": {"receiver"}, "answer": {"receiver"}},
    "advice": {"see": {"adviser"}, "answer": {"adviser"}},
    # A pupil's anonymous question: the school's Kjentmann and nurse (the one the pupil chose,
    # if any), while it is not hidden.
    "pupil_question": {"see": {"adviser"}, "answer": {"adviser"}},
    "incident": {"see": {"reporter", "chosen_adult", "leadership"}},
    "follow_up": {"see": {"reporter", "chosen_adult", "leadership"}},
    "school": {"see": {"staff", "admin", "slt"}},
    "event": {"see": {"staff", "admin", "slt"}, "edit": {"leadership", "admin", "slt"}},
    "competence": {"see": {"leadership", "admin"}},
    "feed": {"see": {"feed_owner"}},
    "staff": {"see": {"admin_of_all"}},
    "role": {"see": {"admin_of_all"}},
}


# Families with no address of their own: shown only inside pages of another family (a
# guardian on the pupil's, the case's and the incident's pages), so no route takes them.
SHOWN_WITHIN = {"guardian": "pupil"}


@dataclass(frozen=True)
class Target:
    """One record the sweep tries: its family, the row, and how to name it in a report."""

    family: str
    obj: Any
    label: str
    # For a record reached through another (a measure through a case), that other record.
    through: Any = field(default=None, compare=False)


def _roles(user: User) -> list[RoleAssignment]:
    return list(RoleAssignment.objects.filter(user=user).select_related("school", "slt_region"))


def _school_relations(user: User, school_id: int, municipality_id: int) -> set[str]:
    found = set()
    region = Municipality.objects.filter(pk=municipality_id).values_list("slt_region", flat=True)
    for role in _roles(user):
        if role.school_id == school_id and role.role in SCHOOL_ROLES:
            found.add("staff")
            if role.role in LEADERSHIP:
                found.add("leadership")
        if role.role == "municipal_admin" and role.municipality_id == municipality_id:
            found.add("admin")
        if role.role == "slt_coordinator" and role.slt_region_id in set(region):
            found.add("slt")
    return found


def _case_relations(user: User, case: Case) -> set[str]:
    found = _school_relations(user, case.school_id, case.municipality_id)
    if case.owner_id == user.pk:
        found.add("owner")
    if case.coordinator_id == user.pk:
        found.add("coordinator")
    if CaseParticipant.objects.filter(case=case, user=user).exists():
        found.add("invited")
    return found


def _incident_relations(user: User, incident: Incident) -> set[str]:
    found = _school_relations(user, incident.school_id, incident.municipality_id)
    if incident.reported_by_id == user.pk:
        found.add("reporter")
    if FollowUp.objects.filter(incident=incident, adult=user).exists():
        found.add("chosen_adult")
    return found


def _municipalities_of_role(role: RoleAssignment) -> set[int]:
    """Every municipality a role gives something in: its school's, its own, or its region's."""
    if role.school_id:
        return {School.objects.get(pk=role.school_id).municipality_id}
    if role.municipality_id:
        return {role.municipality_id}
    region = Municipality.objects.filter(slt_region=role.slt_region_id)
    return set(region.values_list("pk", flat=True))


def _administered(user: User) -> set[int]:
    return {r.municipality_id for r in _roles(user) if r.role == "municipal_admin"}


def relations(user: User | None, target: Target) -> set[str]:
    """How `user` stands to the record, read from the rows; empty for nobody at all."""
    if user is None:
        return set()
    user = User.objects.get(pk=user.pk)
    if not user.is_active:
        return set()
    obj = target.obj
    if target.family == "pupil":
        return _school_relations(user, obj.school_id, obj.municipality_id)
    if target.family == "guardian":
        return _school_relations(user, obj.pupil.school_id, obj.pupil.municipality_id)
    if target.family in ("case", "archive"):
        return _case_relations(user, obj)
    if target.family in ("measure", "consent", "concern"):
        return _case_relations(user, obj.case)
    if target.family == "elsewhere":
        return _case_relations(user, target.through)
    if target.family == "handover":
        waiting = obj.state == Handover.State.WAITING
        return {"receiver"} if waiting and obj.to_user_id == user.pk else set()
    if target.family == "advice":
        holds = RoleAssignment.objects.filter(
            user=user, school_id=obj.case.school_id, role__in=ADVISERS
        ).exists()
        return {"adviser"} if obj.adviser_id == user.pk and holds else set()
    if target.family == "pupil_question":
        if obj.hidden_at is not None:
            return set()
        roles = [obj.to_role] if obj.to_role else sorted(ADVISERS)
        holds = RoleAssignment.objects.filter(
            user=user, school_id=obj.school_id, role__in=roles
        ).exists()
        return {"adviser"} if holds else set()
    if target.family == "incident":
        return _incident_relations(user, obj)
    if target.family == "follow_up":
        return _incident_relations(user, obj.incident)
    if target.family == "school":
        return _school_relations(user, obj.pk, obj.municipality_id)
    if target.family == "event":
        return _school_relations(user, obj.school_id, obj.school.municipality_id)
    if target.family == "competence":
        if obj.role not in COMPETENCE or not obj.user.is_active:
            return set()
        return _school_relations(user, obj.school_id, obj.school.municipality_id)
    if target.family == "feed":
        return {"feed_owner"} if obj.owner_id == user.pk and obj.revoked_at is None else set()
    if target.family == "staff":
        theirs: set[int] = set()
        for role in RoleAssignment.objects.filter(user=obj):
            theirs |= _municipalities_of_role(role)
        mine = _administered(user)
        return {"admin_of_all"} if obj.pk != user.pk and theirs and theirs <= mine else set()
    if target.family == "role":
        mine = _administered(user)
        theirs = _municipalities_of_role(obj)
        return {"admin_of_all"} if obj.user_id != user.pk and theirs <= mine else set()
    raise KeyError(target.family)


def may(user: User | None, target: Target, action: str) -> bool:
    return bool(relations(user, target) & SPEC[target.family][action])


def targets() -> list[Target]:
    """Every record of every family in the database now, each a target of the sweep."""
    found: list[Target] = []
    for pupil in Pupil.objects.order_by("pk"):
        found.append(Target("pupil", pupil, f"pupil {pupil.first_name} ({pupil.school})"))
    for case in Case.objects.select_related("pupil", "owner").order_by("pk"):
        label = f"case {case.pk}: {case.owner}'s worry about {case.pupil.first_name}"
        found.append(Target("case", case, label))
        found.append(Target("archive", case, f"archive of {label}"))
    measures = list(Measure.objects.select_related("case").order_by("pk"))
    consents = list(Consent.objects.select_related("case").order_by("pk"))
    concerns = list(ConcernReport.objects.select_related("case").order_by("pk"))
    cases = list(Case.objects.order_by("pk"))
    for measure in measures:
        found.append(Target("measure", measure, f"measure {measure.pk} of case {measure.case_id}"))
    for consent in consents:
        found.append(Target("consent", consent, f"consent {consent.pk} of case {consent.case_id}"))
    for concern in concerns:
        found.append(Target("concern", concern, f"report {concern.pk} of case {concern.case_id}"))
    # Each measure, consent and report through every case it does not belong to.
    for record in [*measures, *consents, *concerns]:
        for case in cases:
            if case.pk != record.case_id:
                kind = type(record).__name__.lower()
                label = f"{kind} {record.pk} of case {record.case_id} through case {case.pk}"
                found.append(Target("elsewhere", record, label, through=case))
    for handover in Handover.objects.order_by("pk"):
        found.append(Target("handover", handover, f"handover {handover.pk} to {handover.to_user}"))
    for guardian in Guardian.objects.select_related("pupil").order_by("pk"):
        found.append(Target("guardian", guardian, f"guardian {guardian.pk} of {guardian.pupil}"))
    for question in AdviceRequest.objects.select_related("case").order_by("pk"):
        found.append(Target("advice", question, f"advice {question.pk} to {question.adviser}"))
    for question in PupilQuestion.objects.order_by("pk"):
        found.append(
            Target("pupil_question", question, f"pupil question {question.pk} to {question.school}")
        )
    for incident in Incident.objects.order_by("pk"):
        found.append(Target("incident", incident, f"incident {incident.pk} at {incident.school}"))
    for follow_up in FollowUp.objects.select_related("incident").order_by("pk"):
        found.append(Target("follow_up", follow_up, f"follow-up {follow_up.pk}"))
    for school in School.objects.order_by("pk"):
        found.append(Target("school", school, f"year plan of {school}"))
    for event in YearEvent.objects.select_related("school").order_by("pk"):
        found.append(Target("event", event, f"meeting {event.pk} at {event.school}"))
    for role in RoleAssignment.objects.select_related("user", "school").order_by("pk"):
        found.append(Target("role", role, f"role {role.role} of {role.user}"))
        if role.school_id and role.role in COMPETENCE:
            found.append(Target("competence", role, f"competence of {role.user} ({role.role})"))
    for feed in CalendarFeed.objects.order_by("pk"):
        found.append(Target("feed", feed, f"calendar feed {feed.pk} of {feed.owner}"))
    for user in User.objects.filter(role_assignments__isnull=False).distinct().order_by("pk"):
        found.append(Target("staff", user, f"staff {user}"))
    return found


@dataclass(frozen=True)
class Route:
    """A URL that takes a record of one family: the action a GET and a POST need (None when
    the URL takes no such request), and how the record fills the URL."""

    key: str
    family: str
    get: str | None
    post: str | None
    kwargs: Callable[[Target], dict[str, object]]
    query: str = ""
    # Which targets of the family the URL takes, when not all of them.
    takes: Callable[[Target], bool] = field(default=lambda target: True, compare=False)

    def path(self, target: Target) -> str:
        return reverse(self.key, kwargs=self.kwargs(target)) + self.query


def _pk(target: Target) -> dict[str, object]:
    return {"pk": target.obj.pk}


def _pupil_pk(target: Target) -> dict[str, object]:
    return {"pupil_pk": target.obj.pk}


def _in_case(name: str) -> Callable[[Target], dict[str, object]]:
    return lambda target: {"pk": target.obj.case_id, name: target.obj.pk}


def _through(name: str) -> Callable[[Target], dict[str, object]]:
    return lambda target: {"pk": target.through.pk, name: target.obj.pk}


def _is(kind: type) -> Callable[[Target], bool]:
    return lambda target: isinstance(target.obj, kind)


def _incident_action(name: str, **extra: object) -> Route:
    return Route(name, "incident", None, "see", lambda t: {"pk": t.obj.pk, **extra})


ROUTES: list[Route] = [
    Route("people:pupil", "pupil", "see", None, _pk),
    Route("people:pupil_access", "pupil", "access_log", None, _pk),
    Route("cases:worry_open", "pupil", "open_worry", "open_worry", _pupil_pk),
    Route("cases:case", "case", "see", None, _pk),
    Route("cases:conversation", "case", "see", "record", _pk),
    Route("cases:handover", "case", "see", "steer", _pk),
    Route("cases:parents", "case", "see", "record", _pk),
    Route("cases:decide", "case", "see", "steer", _pk),
    Route("cases:measures", "case", "see", "record", _pk),
    Route("cases:coordinator", "case", "see", "steer", _pk),
    Route("cases:consents", "case", "see", "record", _pk),
    Route("cases:participants", "case", "see", "steer", _pk),
    Route("cases:referral", "case", "see", "steer", _pk, query="?tjeneste=barnevern"),
    Route("cases:advice_ask", "case", "see", "record", _pk),
    Route("cases:chronology", "case", "see", None, _pk),
    Route("cases:archive", "archive", "archive", "archive", _pk),
    Route(
        "cases:archive_download",
        "archive",
        "archive",
        None,
        _pk,
        takes=lambda t: t.obj.archived_at is not None,
    ),
    Route("cases:measure_evaluation", "measure", "see", "record", _in_case("measure_pk")),
    Route(
        "cases:measure_evaluation",
        "elsewhere",
        "see",
        "record",
        _through("measure_pk"),
        takes=_is(Measure),
    ),
    Route("cases:consent_withdraw", "consent", None, "record", _in_case("consent_pk")),
    Route(
        "cases:consent_withdraw",
        "elsewhere",
        None,
        "record",
        _through("consent_pk"),
        takes=_is(Consent),
    ),
    Route("cases:concern_new", "case", "see", "record", _pk),
    Route("cases:concern", "concern", "see", "record", _in_case("report_pk")),
    Route(
        "cases:concern",
        "elsewhere",
        "see",
        "record",
        _through("report_pk"),
        takes=_is(ConcernReport),
    ),
    Route("cases:concern_document", "concern", "see", None, _in_case("report_pk")),
    Route(
        "cases:concern_document",
        "elsewhere",
        "see",
        None,
        _through("report_pk"),
        takes=_is(ConcernReport),
    ),
    Route("cases:handover_reply", "handover", "see", "answer", _pk),
    Route("cases:advice_question", "advice", "see", "answer", _pk),
    Route("questions:question", "pupil_question", "see", "answer", _pk),
    Route("questions:hide", "pupil_question", None, "answer", _pk),
    Route("incidents:incident", "incident", "see", None, _pk),
    _incident_action("incidents:step", key="talk"),
    _incident_action("incidents:police"),
    _incident_action("incidents:avert"),
    _incident_action("incidents:pupil"),
    _incident_action("incidents:adult"),
    _incident_action("incidents:attach"),
    Route("incidents:follow_up", "follow_up", "see", "see", _pk),
    Route("yearplan:school", "school", "see", None, _pk),
    Route("yearplan:event", "event", "see", "edit", _pk),
    Route("yearplan:competence_edit", "competence", "see", "see", _pk),
    Route("yearplan:feed_revoke", "feed", None, "see", _pk),
    Route("people:staff_active", "staff", None, "see", _pk),
    Route("people:role_revoke", "role", None, "see", _pk),
]

# URLs with a parameter that names no record of a family above, and why.
NOT_RECORDS = {
    "plan:front": "a municipality's public pages, by slug",
    "plan:plan": "public",
    "plan:versions": "public",
    "plan:compare": "public: two published versions",
    "questions:ask": "a municipality's public page for pupils' questions, by slug",
    "questions:answer": "a municipality's public page for reading an answer, by slug",
    "web:parents": "public",
    "web:pupils": "public",
    "web:school_meetings": "a school's public meetings, public",
    "web:school_calendar": "a school's public meetings as a calendar, public",
    "plan:plan_version": "a published plan version, public (drafts: test_no_existence_leaks)",
    "plan:duties": "public",
    "plan:resources": "public",
    "plan:directory": "public",
    "plan:service": "public (draft services: test_no_existence_leaks)",
    "plan:call_now": "public",
    "plan:call_now_situation": "public (draft situations: test_no_existence_leaks)",
    "plan:editor_part": "a part of the plan of the municipality the user's plan role is in",
    "plan:editor_new": "a part of the plan of the municipality the user's plan role is in",
    "plan:editor_item": "an item of the plan of the municipality the user's plan role is in",
    "plan:editor_delete": "an item of the plan of the municipality the user's plan role is in",
    "yearplan:feed": "the secret address is the credential: read without a login",
    "account_confirm_email": "allauth: a confirmation key, not a record",
    "account_reset_password_from_key": "allauth: a reset key, not a record",
    "openid_connect_login": "a login provider's name",
    "openid_connect_callback": "a login provider's name",
}
