"""Links name the address the app is really served on: pages read the request in development, e-mails
(rendered by Celery without a request) use SITE_URL, which `make run` sets to the port it serves."""

import os
import subprocess
from pathlib import Path

import pytest
from django.test import RequestFactory
from django.urls import reverse

from core.site import public_url
from tests.factories import login_staff
from tests.intake.submissions import staffed_clinic

ROOT = Path(__file__).resolve().parent.parent.parent


def test_in_development_a_page_link_follows_the_port_the_request_came_in_on(settings):
    settings.SITE_URL = "http://127.0.0.1:8000"
    request = RequestFactory().get("/", HTTP_HOST="127.0.0.1:8001")

    assert public_url("/fhir/R4", request) == "http://127.0.0.1:8001/fhir/R4"
    assert public_url("/fhir/R4") == "http://127.0.0.1:8000/fhir/R4"  # no request: an e-mail


def test_in_production_links_always_use_site_url_whatever_host_was_asked(settings):
    settings.PRODUCTION = True
    settings.SITE_URL = "https://clinic.example.org/"
    request = RequestFactory().get("/", HTTP_HOST="127.0.0.1:8001")

    assert public_url("/fhir/R4", request) == "https://clinic.example.org/fhir/R4"


@pytest.mark.django_db
def test_the_ehr_tab_shows_the_fhir_address_the_admin_reached_it_on(client, settings):
    settings.SITE_URL = "http://127.0.0.1:8000"
    clinic = staffed_clinic()
    login_staff(client, clinic.admin)

    html = client.get(reverse("screening:ehr", kwargs={"clinic_slug": clinic.slug}), HTTP_HOST="127.0.0.1:8001")

    assert "http://127.0.0.1:8001/fhir/R4" in html.content.decode()
    assert "127.0.0.1:8000" not in html.content.decode()


def test_make_run_serves_and_links_on_the_same_port():
    env = {k: v for k, v in os.environ.items() if k != "SITE_URL"}
    dry = subprocess.run(
        ["make", "-n", "run", "PORT=8123"], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout

    serve = next(line for line in dry.splitlines() if "runserver" in line)
    assert "runserver 127.0.0.1:8123" in serve
    assert "SITE_URL=${SITE_URL:-http://127.0.0.1:8123}" in serve
