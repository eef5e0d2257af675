"""Django's file e-mail backend, slow to answer like an SMTP server.

Each message is written to the file (and the file closed, so it is on disk), then the
backend waits before it returns, as a mail server does before it says OK. A worker killed
during that pause has delivered the message but not yet recorded that it did: the one
window an outbox has to get right.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence

from django.core.mail.backends.filebased import EmailBackend
from django.core.mail.message import EmailMessage


class PausingFileBackend(EmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        count = super().send_messages(email_messages)
        time.sleep(float(os.environ.get("VARDE_TEST_MAIL_PAUSE", "0.5")))
        return count
