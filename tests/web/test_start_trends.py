"""The start page leads those who may read anonymous trends to them, and nobody else."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("persona", "shown"),
    [("slt", True), ("principal", True), ("admin", True), ("teacher", False), ("nurse", False)],
)
def test_the_trends_link_is_shown_to_those_who_may_read_them(client, world, persona, shown):
    client.force_login(getattr(world, persona))
    page = client.get("/ansatt/").content.decode()
    assert ("/ansatt/innsikt/" in page) is shown
