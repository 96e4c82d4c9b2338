"""Spanish pages write dates and times the Spanish way (24-hour clock, "27 de marzo de 1985"), name the clinic's
time zone properly, show the clinic's own Spanish description, and say "Envía un mensaje de texto al 988"."""

from datetime import date

import pytest
from django import forms
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from intake.forms import display_value
from scheduling.models import WorklistEntry
from tests.factories import make_clinic
from tests.factories.scheduling import on_worklist, scheduling_clinic

from .conftest import walk

pytestmark = pytest.mark.django_db


def spanish_client() -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    return client


def test_the_birth_date_is_written_in_spanish_on_the_review_and_sent_pages(client, spanish_clinic):
    submission = walk(client, spanish_clinic, "es", "eligible")

    sent = client.get(reverse("patients:submission", kwargs={"submission_id": submission.pk})).content.decode()

    assert "27 de marzo de 1985" in sent
    assert "March" not in sent
    english_client = Client()
    english = walk(english_client, spanish_clinic, "en", "eligible")
    page = english_client.get(reverse("patients:submission", kwargs={"submission_id": english.pk})).content.decode()
    assert "27 March 1985" in page
    # The review page before sending draws its rows the same way.
    with translation.override("es"):
        assert display_value(forms.DateField(), date(1988, 2, 2)) == "2 de febrero de 1988"


def test_an_urgent_result_names_the_pacific_zone_in_spanish_and_a_24_hour_time(client, spanish_clinic):
    submission = walk(client, spanish_clinic, "es", "urgent")

    page = client.get(reverse("patients:submission", kwargs={"submission_id": submission.pk})).content.decode()

    assert "(hora del Pacífico)" in page
    assert "hora de Pacific" not in page
    assert " AM " not in page and " PM " not in page


def test_free_times_are_on_the_24_hour_clock_for_a_spanish_reader():
    place, *_ = scheduling_clinic()
    entry = on_worklist(place, source=WorklistEntry.Source.ELIGIBLE)
    entry.patient.language = "es"
    entry.patient.save(update_fields=["language"])
    client = spanish_client()
    client.force_login(entry.patient)

    page = client.get(reverse("patients:patient_book", kwargs={"clinic_slug": place.slug})).content.decode()

    assert ">14:00</label>" in page
    assert "2:00 PM" not in page


def test_the_clinic_page_shows_the_spanish_description_and_falls_back_to_english():
    described = make_clinic(
        name="Clínica Cedro", description="A calm clinic.", description_es="Una clínica tranquila.", states=("OR",)
    )
    english_only = make_clinic(name="Harbor", description="Near the harbor.", states=("OR",))

    def detail(client, which) -> str:
        return client.get(reverse("clinics:detail", kwargs={"slug": which.slug})).content.decode()

    assert "Una clínica tranquila." in detail(spanish_client(), described)
    assert "A calm clinic." not in detail(spanish_client(), described)
    assert "A calm clinic." in detail(Client(), described)
    assert "Near the harbor." in detail(spanish_client(), english_only)


def test_spanish_names_the_988_text_line_and_the_virgin_islands_properly():
    client = spanish_client()

    crisis = client.get(reverse("crisis")).content.decode()
    directory = client.get(reverse("clinics:directory")).content.decode()

    assert "Envía un mensaje de texto al 988" in crisis and "Texto al 988" not in crisis
    assert "Islas Vírgenes" in directory and "Islas Virgenes" not in directory
