"""Settings for a worker process started by a test: Varde's own, with mail written to files.

The data directory (database, keys, secret) comes from VARDE_DATA_DIR as usual.
"""

from __future__ import annotations

import os

from varde.settings import *  # noqa: F403

EMAIL_BACKEND = "tests.incidents.slow_mail.PausingFileBackend"
EMAIL_FILE_PATH = os.environ["VARDE_TEST_MAIL_DIR"]
# A killed worker's claim is taken over after a second rather than ten minutes.
VARDE_OUTBOX_CLAIM_SECONDS = 1
