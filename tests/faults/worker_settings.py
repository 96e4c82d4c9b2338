"""Settings for the fault tests' Celery workers: the project's settings, with the recording mail backend."""

from config.settings import *  # noqa: F403

EMAIL_BACKEND = "tests.faults.mailbox.RecordingBackend"
