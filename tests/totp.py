"""The TOTP step counter for tests that type a code the way a user would."""

from __future__ import annotations

import time

PERIOD = 30
# Time left in the step below which a test waits for the next one: a code read at
# second 29 and submitted at second 31 is refused (allauth's tolerance is 0 steps). Every
# caller sends its code within a second of reading it (a form post, or a fill and a click in
# Chromium); three seconds leave room for a slow machine, and a test waits 1.5 s on average
# in one call out of ten (five seconds made it 2.5 s in one call out of six).
MARGIN = 3.0


def totp_counter() -> int:
    """The current step, after waiting out the end of a step that is about to expire."""
    left = PERIOD - time.time() % PERIOD
    if left < MARGIN:
        time.sleep(left + 0.05)
    return int(time.time()) // PERIOD
