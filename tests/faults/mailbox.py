"""An e-mail backend for the fault tests' Celery workers: slow on purpose, and it keeps a durable record.

Each message is held for FAULTS_MAIL_DELAY seconds (a slow mail server: a SIGKILL lands mid-send), then its
Message-ID is appended to FAULTS_MAIL_LOG and flushed to disk: a line there means "delivered", exactly once.
"""

import json
import os
import time

from django.core.mail.backends.base import BaseEmailBackend


class RecordingBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        delay = float(os.environ.get("FAULTS_MAIL_DELAY", "0"))
        path = os.environ["FAULTS_MAIL_LOG"]
        sent = 0
        for message in email_messages:
            if delay:
                time.sleep(delay)
            line = json.dumps({"message_id": message.extra_headers.get("Message-ID", ""), "to": message.to})
            with open(path, "a", encoding="utf-8") as log:
                log.write(line + "\n")
                log.flush()
                os.fsync(log.fileno())
            sent += 1
        return sent


def delivered(path) -> list[str]:
    """The Message-IDs recorded so far, one per delivery (a duplicate delivery appears twice)."""
    try:
        with open(path, encoding="utf-8") as log:
            return [json.loads(line)["message_id"] for line in log if line.strip()]
    except FileNotFoundError:
        return []
