"""Every free-text field of a worry case is encrypted at rest, whichever page wrote it."""

from __future__ import annotations

import datetime as dt

from django.apps import apps
from django.db import connection
from django.utils import timezone

from varde.cases.advice import advice_answer, advice_ask
from varde.cases.consent import consent_record, participant_invite, referral_make
from varde.cases.services import (
    case_decide,
    case_open,
    conversation_plan,
    conversation_record,
    handover_offer,
    measure_add,
    measure_evaluate,
    parents_contact_record,
    parents_decide,
)
from varde.lib.fields import EncryptedTextField

CANARY = "KANARI-7d41-alt"


def walk_a_case_with_the_canary_in_every_note(world):
    c = CANARY
    case = case_open(
        actor=world.teacher,
        pupil=world.pupil,
        observed=f"{c} observert",
        observed_on=timezone.localdate(),
        seriousness=3,
        earlier_worries=f"{c} tidligere",
        who_knows=f"{c} hvem",
        parents_thoughts=f"{c} foresatte",
    )
    conversation_plan(actor=world.teacher, case=case, planned_for=timezone.now(), attendees="Tina")
    conversation_record(
        actor=world.teacher,
        case=case,
        what_was_said=f"{c} sagt",
        pupil_view=f"{c} elevens ord",
        weighing=f"{c} vektlagt",
    )
    handover_offer(actor=world.teacher, case=case, to_user=world.principal, message=f"{c} melding")
    parents_decide(
        actor=world.teacher,
        case=case,
        choice="pupil_first",
        reason=f"{c} begrunnelse",
        obligations=[],
        maturity=f"{c} modenhet",
        pupil_wishes=f"{c} ønske",
    )
    parents_contact_record(
        actor=world.teacher,
        case=case,
        at=timezone.now(),
        with_whom="Mor",
        channel="telefon",
        summary=f"{c} kontakt",
    )
    consent_record(
        actor=world.teacher,
        case=case,
        service="skolehelsetjenesten",
        giver="pupil",
        giver_name="Petter Elev",
        scope=f"{c} omfang",
        valid_from=timezone.localdate(),
        valid_until=timezone.localdate() + dt.timedelta(days=30),
    )
    participant_invite(actor=world.teacher, case=case, user=world.kjentmann)
    referral_make(
        actor=world.teacher,
        case=case,
        service="barnevern",
        reason=f"{c} henvisning",
        legal_basis="child_welfare_duty",
    )
    question = advice_ask(
        actor=world.teacher, case=case, adviser=world.kjentmann, question=f"{c} spørsmål"
    )
    advice_answer(actor=world.kjentmann, question=question, answer=f"{c} svar")
    case.refresh_from_db()
    case_decide(
        actor=world.teacher,
        case=case,
        key="level_1",
        reason=f"{c} beslutning",
        version=case.version,
    )
    measure = measure_add(
        actor=world.teacher,
        case=case,
        description=f"{c} tiltak",
        goal=f"{c} mål",
        responsible="Tina",
        evaluate_on=timezone.localdate() + dt.timedelta(days=7),
    )
    measure_evaluate(actor=world.teacher, measure=measure, evaluation=f"{c} evaluering", version=1)
    return case


def encrypted_columns():
    for model in apps.get_app_config("cases").get_models():
        for field in model._meta.get_fields():
            if isinstance(field, EncryptedTextField):
                yield model, field


def test_no_free_text_of_a_case_stands_in_plain_text_in_the_database(world):
    walk_a_case_with_the_canary_in_every_note(world)
    readable = 0
    stored = 0
    with connection.cursor() as cursor:
        for model, field in encrypted_columns():
            # Through the ORM the canary reads back: the test would see it if it leaked.
            readable += sum(
                CANARY in (value or "")
                for value in model.objects.values_list(field.name, flat=True)
            )
            table = connection.ops.quote_name(model._meta.db_table)
            column = connection.ops.quote_name(field.column)
            cursor.execute(f"SELECT {column} FROM {table}")  # noqa: S608 - names from the models
            values = [row[0] or "" for row in cursor.fetchall()]
            stored += sum(1 for v in values if v)
            assert not any(CANARY in v for v in values), f"{model.__name__}.{field.name}"
    print(
        f"\nencryption: {readable} notes with the canary, {stored} sealed values, 0 in plain text"
    )
    # Every note written above reads back through the ORM.
    assert readable == 20
