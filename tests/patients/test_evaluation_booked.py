"""A patient whose evaluation is booked is not offered the free phone call, and is not told a coordinator will
call to arrange what is already arranged."""

import re
from datetime import time

import pytest
from django.urls import reverse

from screening.models import ReviewCase
from screening.views import clear_message
from tests.factories.scheduling import book, next_local, on_worklist

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_with_an_evaluation_booked_the_dashboard_offers_no_phone_call(client, world):
    entry = on_worklist(world["clinic"])
    client.force_login(entry.patient)
    assert "Book a free phone call with Cedar Ketamine Clinic" in _text(client.get(reverse("patients:dashboard")))

    book(world, entry, next_local(3, time(11)))

    dashboard = _text(client.get(reverse("patients:dashboard")))
    assert "Book a free phone call" not in dashboard
    assert "Evaluation scheduled" in dashboard
    assert "will call you" not in dashboard


def test_the_booking_page_says_the_evaluation_is_booked_and_offers_no_times(client, world):
    entry = on_worklist(world["clinic"])
    book(world, entry, next_local(3, time(11)))
    client.force_login(entry.patient)

    response = client.get(reverse("patients:patient_book", kwargs={"clinic_slug": world["clinic"].slug}))

    page = _text(response)
    assert "Your evaluation with a psychiatrist is already booked for" in page
    assert "no phone call is needed first" in page and "See your evaluation" in page
    assert 'name="slot"' not in response.content.decode()


def test_the_cleared_message_does_not_promise_a_call_when_the_evaluation_is_booked(world):
    entry = on_worklist(world["clinic"])
    case = ReviewCase.objects.select_related("clinic", "submission").get(submission=entry.submission)
    assert "A care coordinator will call you soon" in clear_message(case)

    book(world, entry, next_local(3, time(11)))

    message = clear_message(case)
    assert "already booked" in message and "will call you" not in message
