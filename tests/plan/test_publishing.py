"""Publishing a draft: a change note is asked for, a second person approves changed numbers,
hours and consent rules where the municipality wants it, the plan owner role, and the YAML file
exported and loaded again gives the same plan."""

from __future__ import annotations

import hashlib
import json

import yaml

from tests.world import grant, make_user
from varde.audit.models import AuditEntry
from varde.people.roles import Role
from varde.plan.models import PlanVersion
from varde.plan.selectors import plan_current
from varde.plan.services import plan_dump_yaml

PUBLISH = "/ansatt/plan/publiser/"
EDIT = "/ansatt/plan/rediger/"


def save_draft(client, world, old: str, new: str) -> None:
    text = plan_dump_yaml(plan_current(municipality=world.lunner).content)
    assert old in text
    response = client.post(EDIT, {"text": text.replace(old, new, 1), "change_note": ""})
    assert response.status_code == 302, response.content.decode()[:2000]


def save_changed(client, world, change) -> None:
    content = plan_current(municipality=world.lunner).content
    change(content)
    response = client.post(EDIT, {"text": plan_dump_yaml(content), "change_note": ""})
    assert response.status_code == 302, response.content.decode()[:2000]


def contact(content, service: str, key: str) -> dict:
    found = next(s for s in content["services"] if s["key"] == service)
    return next(c for c in found["contacts"] if c["key"] == key)


def published_numbers(world) -> list[int]:
    return sorted(
        PlanVersion.objects.filter(municipality=world.lunner, status="published").values_list(
            "number", flat=True
        )
    )


def test_publishing_asks_for_a_change_note_and_shows_it_in_the_version_list(client, world):
    client.force_login(world.admin)
    save_draft(client, world, "Rusforebyggende arbeid", "Rusforebyggende arbeid i skolen")
    page = client.post(PUBLISH, {"change_note": "   "}, follow=True).content.decode()
    assert "Skriv kort hva som er endret" in page
    assert published_numbers(world) == [1]
    assert PlanVersion.objects.filter(municipality=world.lunner, status="draft").exists()

    client.post(PUBLISH, {"change_note": "Ny tittel"})
    assert published_numbers(world) == [1, 2]
    versions = client.get("/k/lunner/plan/versjoner/").content.decode()
    assert "Ny tittel" in versions


def test_a_draft_equal_to_the_published_plan_is_not_published_again(client, world):
    client.force_login(world.admin)
    text = plan_dump_yaml(plan_current(municipality=world.lunner).content)
    client.post(EDIT, {"text": text, "change_note": ""})
    page = client.post(PUBLISH, {"change_note": "Ingenting"}, follow=True).content.decode()
    assert "ingenting å publisere" in page
    assert published_numbers(world) == [1]


def second_admin(world):
    other = make_user("ola@lunner.test", "Ola Planeier")
    grant(other, Role.PLAN_OWNER, municipality=world.lunner)
    return other


def test_a_changed_phone_number_waits_for_a_second_person_when_the_municipality_wants_it(
    client, world
):
    client.force_login(world.admin)
    response = client.post("/ansatt/plan/godkjenning/", {"required": "on"})
    assert response.status_code == 302
    world.lunner.refresh_from_db()
    assert world.lunner.plan_second_approval

    save_draft(client, world, "906 42 577", "906 42 500")
    page = client.post(PUBLISH, {"change_note": "Nytt nummer"}, follow=True).content.decode()
    assert "En annen" in page and "906 42 500" in page
    assert published_numbers(world) == [1]
    # The one who asked cannot approve their own request.
    client.post(PUBLISH, {"change_note": "Nytt nummer"})
    assert published_numbers(world) == [1]

    owner = second_admin(world)
    client.force_login(owner)
    page = client.get("/ansatt/plan/").content.decode()
    assert "Godkjenn og publiser" in page
    client.post(PUBLISH, {"change_note": "Nytt nummer, godkjent"})
    assert published_numbers(world) == [1, 2]
    version = PlanVersion.objects.get(municipality=world.lunner, number=2)
    assert version.approval_requested_by == world.admin
    assert version.approved_by == owner and version.published_by == owner


def test_a_draft_changed_after_the_request_needs_a_new_request(client, world):
    world.lunner.plan_second_approval = True
    world.lunner.save()
    client.force_login(world.admin)
    save_draft(client, world, "906 42 577", "906 42 500")
    client.post(PUBLISH, {"change_note": "Nytt nummer"})
    draft = PlanVersion.objects.get(municipality=world.lunner, status="draft")
    assert draft.awaits_approval

    owner = second_admin(world)
    client.force_login(owner)
    save_draft(client, world, "906 42 577", "906 42 511")
    draft.refresh_from_db()
    assert not draft.awaits_approval
    # The owner's publish is now a new request of their own, not an approval.
    client.post(PUBLISH, {"change_note": "Annet nummer"})
    assert published_numbers(world) == [1]
    draft.refresh_from_db()
    assert draft.approval_requested_by == owner


def test_changes_that_are_not_numbers_hours_or_consent_need_no_second_person(client, world):
    world.lunner.plan_second_approval = True
    world.lunner.save()
    client.force_login(world.admin)
    save_draft(client, world, "Rusforebyggende arbeid", "Rusforebyggende arbeid i skolen")
    client.post(PUBLISH, {"change_note": "Ny tittel"})
    assert published_numbers(world) == [1, 2]


def test_saturday_hours_and_consent_rules_are_guarded_too(client, world):
    world.lunner.plan_second_approval = True
    world.lunner.save()
    client.force_login(world.admin)
    save_changed(client, world, lambda c: c["casework"]["consent"].update(pupil_from_age=13))
    page = client.post(PUBLISH, {"change_note": "Samtykke fra 13 år"}, follow=True)
    assert "En annen" in page.content.decode()
    assert published_numbers(world) == [1]
    client.post("/ansatt/plan/forkast/")

    def saturday(content):
        contact(content, "barnevern", "office")["hours"]["weekly"]["sat"] = ["10:00-14:00"]

    save_changed(client, world, saturday)
    client.post(PUBLISH, {"change_note": "Åpent lørdag"})
    assert published_numbers(world) == [1]


def test_only_the_municipal_administrator_turns_the_second_person_on_or_off(client, world):
    owner = second_admin(world)
    client.force_login(owner)
    assert client.post("/ansatt/plan/godkjenning/", {"required": "on"}).status_code == 404
    world.lunner.refresh_from_db()
    assert not world.lunner.plan_second_approval
    client.force_login(world.admin)
    client.post("/ansatt/plan/godkjenning/", {"required": "on"})
    client.post("/ansatt/plan/godkjenning/", {})
    reasons = list(
        AuditEntry.objects.filter(object_type="municipality").values_list("reason", flat=True)
    )
    assert reasons == [
        "Godkjenning av en person til slått på",
        "Godkjenning av en person til slått av",
    ]


def test_the_plan_owner_edits_the_plan_and_sees_no_pupils(client, world):
    owner = second_admin(world)
    assert owner.requires_mfa()
    client.force_login(owner)
    assert client.get("/ansatt/plan/").status_code == 200
    assert client.get(EDIT).status_code == 200
    assert client.get(f"/ansatt/elever/{world.pupil.pk}/").status_code == 404


def test_the_exported_yaml_loaded_again_gives_the_same_version_hash(client, world):
    client.force_login(world.admin)
    response = client.get("/ansatt/plan/eksport/")
    assert response.status_code == 200
    assert 'filename="lunner-1.yaml"' in response["Content-Disposition"]
    text = response.content.decode()
    client.post(EDIT, {"text": text, "change_note": ""})
    draft = PlanVersion.objects.get(municipality=world.lunner, status="draft")
    published = plan_current(municipality=world.lunner)
    # The hash worked out here, not by the app: SHA-256 of the canonical JSON of the content.
    independent = hashlib.sha256(
        json.dumps(yaml.safe_load(text), sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()
    assert draft.content_hash == published.content_hash == independent
    assert draft.content == published.content
