"""The public directory: a prospective patient finds a clinic that serves the state they live in."""

import pytest
from django.urls import reverse

from tests.factories import make_clinic

pytestmark = pytest.mark.django_db


def test_lists_only_clinics_accepting_new_patients(client):
    make_clinic(name="Cascade Ketamine Care", states=("OR",))
    make_clinic(name="Closed Door Clinic", states=("OR",), accepting_patients=False)

    response = client.get(reverse("clinics:directory"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Cascade Ketamine Care" in html
    assert "Closed Door Clinic" not in html
    assert 'href="tel:988"' in html  # the crisis line stays visible


def test_filter_by_state_shows_clinics_serving_that_state_by_name(client):
    make_clinic(name="Portland Only", states=("OR",))
    make_clinic(name="Seattle Only", states=("WA",))
    make_clinic(name="Both Sides", states=("OR", "WA"))

    response = client.get(reverse("clinics:directory"), {"state": "WA"})

    html = response.content.decode()
    assert "Clinics serving Washington" in html
    assert "Seattle Only" in html
    assert "Both Sides" in html
    assert "Portland Only" not in html
    assert "Oregon, Washington" in html  # states served, as names
    assert '<option value="WA" selected>' in html  # the choice is kept


def test_no_clinic_in_the_state_gives_a_kind_message(client):
    make_clinic(name="Portland Only", states=("OR",))

    response = client.get(reverse("clinics:directory"), {"state": "TX"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "No clinic on this site serves Texas yet." in html
    assert "check back" in html
    assert "doctor" in html
    assert "Portland Only" not in html
    assert 'href="tel:988"' in html


def test_an_unknown_state_value_gets_a_clear_message_not_an_error(client):
    make_clinic(name="Portland Only", states=("OR",))

    response = client.get(reverse("clinics:directory"), {"state": "ZZ"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "We do not recognize that state. Please choose your state from the list." in html
    assert "data-error-summary" in html
    assert "Portland Only" in html  # the unfiltered list is still useful


def test_directory_query_count_does_not_grow_with_clinics(client, django_assert_max_num_queries):
    for n in range(12):
        make_clinic(name=f"Clinic number {n}", states=("OR", "WA"))

    with django_assert_max_num_queries(3):
        response = client.get(reverse("clinics:directory"), {"state": "OR"})

    assert response.content.decode().count("Clinic number") >= 12


def test_clinic_page_shows_details_and_start_your_intake_link_with_its_slug(client):
    clinic = make_clinic(
        name="Cascade Ketamine Care",
        states=("OR", "WA"),
        address_line="12 River Road",
        phone="503-555-0142",
        description="Calm rooms, evening appointments.",
    )

    response = client.get(reverse("clinics:detail", kwargs={"slug": clinic.slug}))

    assert response.status_code == 200
    html = response.content.decode()
    for text in ("Cascade Ketamine Care", "12 River Road", "503-555-0142", "Oregon, Washington", "Calm rooms"):
        assert text in html
    assert "Accepting new patients" in html
    start = f'href="{reverse("account:signup")}?clinic={clinic.slug}"'
    assert start in html
    assert "Start your intake" in html


def test_a_clinic_not_accepting_patients_offers_no_intake(client):
    clinic = make_clinic(name="Full Up Clinic", accepting_patients=False)

    html = client.get(reverse("clinics:detail", kwargs={"slug": clinic.slug})).content.decode()

    assert "Not accepting new patients right now" in html
    assert "Start your intake" not in html


def test_unknown_clinic_is_404(client):
    assert client.get(reverse("clinics:detail", kwargs={"slug": "no-such-clinic"})).status_code == 404
