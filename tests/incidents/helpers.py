"""Starting incidents as the personas would, through the pages."""

from __future__ import annotations

import uuid

from varde.incidents.models import Incident


def start_intoxicated(client, world, user=None, *, pupil=True) -> Incident:
    client.force_login(user or world.teacher)
    data = {"token": str(uuid.uuid4())}
    if pupil:
        data["pupil"] = world.pupil.pk
    response = client.post("/ansatt/hendelser/ny/ruset/", data)
    assert response.status_code == 302, response.content.decode()[:500]
    return Incident.objects.latest("pk")


def start_sale(client, world, user=None, **extra) -> Incident:
    client.force_login(user or world.principal)
    data = {"token": str(uuid.uuid4()), **extra}
    response = client.post("/ansatt/hendelser/ny/salg/", data)
    assert response.status_code == 302, response.content.decode()[:500]
    return Incident.objects.latest("pk")
