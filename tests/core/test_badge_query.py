"""The membership check and the unread badge, asked on every signed-in page, are one query on a GET."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clinics.models import Membership
from core import hooks
from core.models import Notification
from tests.factories import login_staff
from tests.factories.notifications import notify_world

pytestmark = pytest.mark.django_db


def _unread(user, clinic, n: int) -> None:
    Notification.objects.bulk_create(
        Notification(kind="case.decided", recipient=user, clinic=clinic, dedupe_key=f"b{i}") for i in range(n)
    )


def _page(client, url: str) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        html = client.get(url).content.decode()
    html = re.sub(r'name="csrf(-token|middlewaretoken)" (content|value)="[^"]+"', "", html)
    return html, len(queries)


def _without_the_expression(monkeypatch) -> None:
    """As if no app offered the membership check as an expression: the two queries of before."""
    monkeypatch.delitem(hooks._answers, "clinic_staff_exists")


@pytest.mark.parametrize("who", ["psychiatrist", "patient"])
def test_one_query_fewer_and_the_same_page(client, monkeypatch, who):
    world = notify_world()
    user = getattr(world, who)
    _unread(user, world.clinic, 3)
    if who == "patient":
        client.force_login(user)
    else:
        login_staff(client, user)
    url = reverse("notifications:inbox")
    client.get(url)  # the session's clocks started

    html, count = _page(client, url)
    _without_the_expression(monkeypatch)
    before_html, before_count = _page(client, url)

    assert html == before_html
    assert count == before_count - 1
    assert 'data-unread-count>3<span class="visually-hidden"> unread</span>' in html
    assert ('data-idle-seconds="900"' in html) == (who == "psychiatrist")  # staff: 15 minutes, patients 30


def test_a_former_staff_member_is_a_patient_again_and_the_badge_caps_at_99(client):
    world = notify_world()
    _unread(world.coordinator, world.clinic, 120)
    Membership.objects.filter(user=world.coordinator).update(is_active=False)
    client.force_login(world.coordinator)

    html = client.get(reverse("home")).content.decode()

    assert 'data-idle-seconds="1800"' in html
    assert reverse("clinics:staff_home") not in html
    assert 'data-unread-count>99+<span class="visually-hidden"> unread</span>' in html


def test_a_post_counts_the_badge_when_its_page_is_drawn(client):
    world = notify_world()
    _unread(world.patient, world.clinic, 2)
    client.force_login(world.patient)

    html = client.post(reverse("notifications:read_all"), follow=True).content.decode()

    assert "data-unread-count" not in html
