"""Celery application; configuration comes from Django settings (CELERY_ namespace)."""

import os
from typing import Any

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def close_old_connections(task: Any = None, **kwargs: Any) -> None:
    """Between tasks, treat the database connection as Django does between requests: keep it for
    CONN_MAX_AGE, drop it when broken or after an error (CONN_HEALTH_CHECKS). Celery's own handling
    closes it around every task (CELERY_DB_REUSE_MAX turns that off): a new backend for each e-mail."""
    if task is not None and getattr(task.request, "is_eager", False):
        return  # inside the caller's request or transaction: its connection is not ours to close
    from django.db import close_old_connections as django_close_old_connections

    django_close_old_connections()
