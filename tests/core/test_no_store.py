"""Pages a signed-in person sees are never kept by a browser or a proxy; public pages may be."""

import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_signed_in_page_is_no_store_and_an_anonymous_one_is_not(client):
    anonymous = client.get(reverse("clinics:directory"))
    assert "no-store" not in anonymous.get("Cache-Control", "")

    client.force_login(UserFactory())
    signed_in = client.get(reverse("clinics:directory"))
    assert "no-store" in signed_in["Cache-Control"] and "private" in signed_in["Cache-Control"]


def test_signing_out_is_no_store_too(client):
    client.force_login(UserFactory())

    response = client.post(reverse("account:logout"))

    assert "no-store" in response["Cache-Control"]


def test_the_translation_catalogue_marked_public_stays_cacheable_when_signed_in(client):
    client.force_login(UserFactory())

    response = client.get("/jsi18n/es.js")

    assert "max-age=3600" in response["Cache-Control"] and "no-store" not in response["Cache-Control"]
