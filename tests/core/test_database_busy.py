"""A SQLite write lock held past the busy timeout is a "try again" page (503), never a 500."""

import pytest
from django.db import OperationalError
from django.test import override_settings
from django.urls import path

from config import urls as project_urls


def locked_view(request):
    raise OperationalError("database is locked")


def broken_view(request):
    raise OperationalError("no such table: nowhere")


urlpatterns = [path("locked/", locked_view), path("broken/", broken_view), *project_urls.urlpatterns]


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_a_lock_error_is_a_polite_refusal(client):
    response = client.get("/locked/")

    assert response.status_code == 503
    assert response["Retry-After"] == "2"
    assert "Someone else was saving at the same moment" in response.content.decode()


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_other_database_errors_are_not_hidden(client):
    client.raise_request_exception = True
    with pytest.raises(OperationalError):
        client.get("/broken/")


def test_the_embedded_default_waits_for_the_write_lock_and_reads_beside_a_writer():
    import config.settings as project

    if not project.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        pytest.skip("the suite runs on PostgreSQL here; the settings below are SQLite's")
    options = project.DATABASES["default"]["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE" and options["timeout"] >= 5
    assert "journal_mode=WAL" in options["init_command"]
