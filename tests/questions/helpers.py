"""A pupil with a browser of their own, asking through the real form."""

from __future__ import annotations

import datetime as dt
import html
import re

import time_machine
from django.test import Client
from django.utils import timezone

ASK = "/k/lunner/elev/sporsmal/"
ANSWER = "/k/lunner/elev/svar/"
INBOX = "/ansatt/rad/"
REMOTE_ADDR = "203.0.113.77"
USER_AGENT = "Kanarifugl-nettleser/9.9 (elevens-mobil-7731)"
QUESTION = "Er det farlig å prøve hasj én gang? Vennene mine gjør det på fester."


def pupil() -> Client:
    """A pupil's browser: every request comes from REMOTE_ADDR with USER_AGENT."""
    return Client(REMOTE_ADDR=REMOTE_ADDR, HTTP_USER_AGENT=USER_AGENT)


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def token_of(page: str) -> str:
    return html.unescape(re.search(r'name="token" value="([^"]+)"', page).group(1))


def ask(
    client: Client,
    world,
    *,
    question: str = QUESTION,
    topic: str = "cannabis",
    to_role: str = "any",
    urgent: bool = False,
    school=None,
    wait: float = 5,
):
    """Open the form, take `wait` seconds to write, and send it."""
    token = token_of(client.get(ASK).content.decode())
    data = {
        "school": (school or world.school).pk,
        "to_role": to_role,
        "topic": topic,
        "question": question,
        "token": token,
    }
    if urgent:
        data["urgent"] = "1"
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=wait), tick=False):
        return client.post(ASK, data)


def code_of(page: str) -> str:
    return re.search(r'class="pickup-code"><code>([^<]+)</code>', page).group(1)
