"""The TOTP step counter for tests that type a code the way a user would."""

from __future__ import annotations

import time

PERIOD = 30
# Time left in the step below which a test waits for the next one: a code read at
# second 29 and submitted at second 31 is refused (allauth's tolerance is 0 steps).
MARGIN = 5.0


def totp_counter() -> int:
    """The current step, after waiting out the end of a step that is about to expire."""
    left = PERIOD - time.time() % PERIOD
    if left < MARGIN:
        time.sleep(left + 0.05)
    return int(time.time()) // PERIOD
