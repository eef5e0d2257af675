"""Whatever is typed into the plan editor, the answer is a clear message, never a 500,
and the published plan is untouched."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from varde.plan.models import PlanVersion


@pytest.mark.proof("Every form fuzzed")
@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=st.text(min_size=1, max_size=2000), note=st.text(max_size=600))
def test_any_text_gives_a_message_and_never_breaks_the_published_plan(client, world, text, note):
    client.force_login(world.admin)
    published = PlanVersion.objects.get(municipality=world.lunner, status="published")
    before = published.content_hash
    response = client.post("/ansatt/plan/rediger/", {"text": text, "change_note": note})
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        page = response.content.decode()
        assert "ikke lagret" in page or "ds-validation-message" in page
    published.refresh_from_db()
    assert published.content_hash == before
    assert PlanVersion.objects.filter(status="published").count() == 1
