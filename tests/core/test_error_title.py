"""A page whose form has errors says so in its <title>: screen readers read the title when the page loads."""

import re
from datetime import time

import pytest
from django.urls import reverse

from tests.factories import login_staff
from tests.factories.scheduling import next_local, scheduling_clinic

pytestmark = pytest.mark.django_db


def title(response) -> str:
    return re.search(r"<title>(.*?)</title>", response.content.decode(), re.S).group(1).strip()


def test_sign_in_with_a_mistake_starts_the_title_with_error(client):
    url = reverse("account:login")
    assert not title(client.get(url)).startswith("Error")

    response = client.post(url, {"username": "nobody@example.org", "password": ""})

    assert response.status_code == 200
    assert title(response).startswith("Error: ")


def test_the_prefix_is_spanish_on_spanish_pages(client):
    client.cookies["django_language"] = "es"
    response = client.post(reverse("account:login"), {"username": "", "password": ""}, HTTP_ACCEPT_LANGUAGE="es")

    assert title(response).startswith("Error: ")
    assert 'lang="es"' in response.content.decode()


def test_a_staff_form_with_errors_and_the_same_page_after_success(client):
    clinic, _, _, admin = scheduling_clinic()
    login_staff(client, admin)
    url = reverse("scheduling:closures", kwargs={"clinic_slug": clinic.slug})

    failed = client.post(url, {"date": "not a date"})
    done = client.post(url, {"date": next_local(4, time(0)).date().isoformat()}, follow=True)

    assert title(failed) == f"Error: Closures — {clinic.name}"
    assert title(done) == f"Closures — {clinic.name}"
