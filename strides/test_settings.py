"""Settings for the test suite: the real settings in test mode (DATABASE_URL still chooses the engine)."""

import os

os.environ["STRIDES_MODE"] = "test"

from strides.settings import *  # noqa: F403
