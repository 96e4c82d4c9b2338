"""The language switch: a cookie for everyone, remembered on the account of a signed-in user."""

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_visitor_switches_to_spanish_and_the_page_says_so(client):
    response = client.post("/language/", {"language": "es", "next": "/clinics/"})
    assert response.status_code == 302 and response["Location"] == "/clinics/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    page = client.get("/")
    assert '<html lang="es">' in page.content.decode()
    assert page["Content-Language"] == "es"


def test_the_choice_is_saved_on_the_account_and_follows_the_user_to_another_device(client):
    user = UserFactory()
    client.force_login(user)
    client.post("/language/", {"language": "es", "next": "/"})
    user.refresh_from_db()
    assert user.language == "es"
    other_device = client.__class__()
    other_device.force_login(user)
    assert '<html lang="es">' in other_device.get("/").content.decode()


def test_an_unknown_language_or_an_outside_next_changes_nothing(client):
    response = client.post("/language/", {"language": "xx", "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert '<html lang="en">' in client.get("/").content.decode()


def test_every_page_offers_the_switch(client):
    html = client.get("/clinics/").content.decode()
    assert 'action="/language/"' in html and 'value="es"' in html and "Español" in html


def test_the_javascript_catalogue_is_a_script_file(client):
    response = client.get("/jsi18n/es.js")
    assert response.status_code == 200 and "javascript" in response["Content-Type"]
    assert "max-age" in response["Cache-Control"]  # cached like a static file, not fetched on every page
    assert 'src="/jsi18n/en.js"' in client.get("/").content.decode()
    assert client.get("/jsi18n/xx.js").status_code == 404


def test_a_visitor_who_reads_in_spanish_signs_up_and_keeps_spanish_with_the_e_mail_in_spanish(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    client.post("/language/", {"language": "es", "next": "/"})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/account/sign-up/",
            {
                "email": "lucia@example.org",
                "password1": "amber kettle winter 58",
                "password2": "amber kettle winter 58",
            },
        )

    assert response.status_code == 302
    assert get_user_model().objects.get(email="lucia@example.org").language == "es"
    assert '<html lang="es">' in client.get(response.url).content.decode()
    (message,) = mailoutbox
    assert message.subject == "Confirme su dirección de correo electrónico"
    assert "Confirme la dirección de correo electrónico de su cuenta" in message.body
