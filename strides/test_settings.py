"""Settings for the test suite: the real settings in test mode (DATABASE_URL still chooses the engine)."""

import os

os.environ["STRIDES_MODE"] = "test"

from strides.settings import *  # noqa: F403

# The browser journeys' live server writes from its own thread. Django's default SQLite test
# database (in memory, shared cache) answers "database table is locked" at once to a read that
# meets a write, where a WAL file waits (busy_timeout); the e2e step of scripts/test.sh asks
# for a file.
_default = DATABASES["default"]  # noqa: F405
if _default["ENGINE"] == "django.db.backends.sqlite3" and os.environ.get("STRIDES_TEST_DATABASE_FILE"):
    _default["TEST"] = {"NAME": os.environ["STRIDES_TEST_DATABASE_FILE"]}
