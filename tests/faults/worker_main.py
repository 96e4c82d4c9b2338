"""Start a Celery worker for the fault tests, with the outbox lease shortened by FAULTS_OUTBOX_LEASE_SECONDS.

A sender killed while holding a lease gives the row back when the lease ends (5 minutes in production);
a test cannot wait that long, so its workers take a lease of a few seconds. Nothing else changes.
"""

import os
import sys
from datetime import timedelta

import django


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.faults.worker_settings")
    django.setup()
    lease = os.environ.get("FAULTS_OUTBOX_LEASE_SECONDS")
    if lease:
        import core.outbox

        core.outbox.LEASE = timedelta(seconds=float(lease))
    delay = os.environ.get("FAULTS_EXPORT_PART_DELAY")
    if delay:  # a slow storage: each $export part takes this long, so a kill lands mid-job
        import time

        import screening.bulk_data

        write = screening.bulk_data._write_part

        def slow_write(*args, **kwargs):
            time.sleep(float(delay))
            return write(*args, **kwargs)

        screening.bulk_data._write_part = slow_write
    from config.celery_app import app

    app.worker_main(["worker", *sys.argv[1:]])


if __name__ == "__main__":
    main()
