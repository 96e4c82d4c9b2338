"""Clinic admins browse their own clinic's audit log: filters, pages, and a fixed number of queries."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clinics.models import Role
from core.audit import audit_record, audit_verify
from core.models import AuditEvent
from tests.factories import audit_event_at, login_staff, make_clinic, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinic():
    return make_clinic(name="Cascade Ketamine Care", time_zone="America/Los_Angeles")


@pytest.fixture
def admin_user(clinic, client):
    user = make_staff(clinic, Role.CLINIC_ADMIN, full_name="Ada Admin", email="ada@example.org")
    login_staff(client, user)
    return user


def _url(clinic) -> str:
    return reverse("clinics:audit_log", kwargs={"clinic_slug": clinic.slug})


def _rows(html: str) -> int:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in html else ""
    return body.count("<tr>")


def test_admin_sees_only_their_own_clinics_events_newest_first(client, clinic, admin_user):
    other = make_clinic(name="Other Clinic")
    audit_record(action="policy.change", clinic=clinic, actor=admin_user, detail={"version": 2})
    audit_record(action="membership.deactivate", clinic=clinic, actor=admin_user)
    audit_record(action="secret.other_clinic_action", clinic=other, actor=admin_user)

    response = client.get(_url(clinic))

    assert response.status_code == 200
    html = response.content.decode()
    assert "secret.other_clinic_action" not in html
    table = html.split("<tbody>", 1)[1]  # the filter above lists every action
    assert table.index("membership.deactivate") < table.index("policy.change")
    assert "Staff member deactivated" in table and "Screening policy changed" in table
    assert "Ada Admin" in html


def test_member_ids_in_details_are_shown_as_who_they_are(client, clinic, admin_user):
    colleague = make_staff(clinic, Role.COORDINATOR, full_name="Cole Coordinator", email="cole@example.org")
    audit_record(action="membership.deactivate", clinic=clinic, actor=admin_user, detail={"user_id": str(colleague.pk)})

    html = client.get(_url(clinic)).content.decode()

    assert "Cole Coordinator (cole@example.org)" in html


def test_filters_by_action_actor_and_dates(client, clinic, admin_user):
    colleague = make_staff(clinic, Role.CLINIC_ADMIN, email="bea@example.org")
    tz = clinic.zone
    # Late evening in the clinic's time zone is already the next day in UTC: dates follow the clinic.
    audit_event_at(
        created_at=datetime(2026, 3, 1, 23, 30, tzinfo=tz), action="policy.change", clinic=clinic, actor=admin_user
    )
    audit_event_at(
        created_at=datetime(2026, 3, 5, 9, 0, tzinfo=tz), action="invitation.create", clinic=clinic, actor=colleague
    )
    audit_event_at(
        created_at=datetime(2026, 3, 9, 9, 0, tzinfo=tz), action="policy.change", clinic=clinic, actor=colleague
    )

    by_action = client.get(_url(clinic), {"action": "policy.change"}).content.decode()
    assert _rows(by_action) == 2
    assert "invitation.create</code>" not in by_action

    by_actor = client.get(_url(clinic), {"actor": "BEA@"}).content.decode()
    assert _rows(by_actor) == 2
    assert "ada@example.org</span>" not in by_actor

    by_dates = client.get(_url(clinic), {"date_from": "2026-03-01", "date_to": "2026-03-05"}).content.decode()
    assert _rows(by_dates) == 2
    assert "Mar 9, 2026" not in by_dates
    assert "Mar 1, 2026" in by_dates

    combined = client.get(_url(clinic), {"action": "policy.change", "actor": "bea", "date_to": "2026-03-08"})
    assert "No events match these filters." in combined.content.decode()
    assert audit_verify() is None  # the helper chained its events like the real writer


def test_bad_filters_are_explained_and_kept(client, clinic, admin_user):
    html = client.get(
        _url(clinic), {"action": "no.such.action", "date_from": "2026-02-30", "date_to": "2026-01-01"}
    ).content.decode()

    assert "data-error-summary" in html
    assert "Select a valid choice." in html
    assert "Enter a date like 2026-03-31." in html
    assert 'value="2026-02-30"' in html


def test_pages_follow_an_id_cursor(client, clinic, admin_user):
    for n in range(60):
        audit_record(action="policy.change", clinic=clinic, actor=admin_user, detail={"version": n})

    first = client.get(_url(clinic))
    html = first.content.decode()
    assert _rows(html) == 50
    assert "Older events" in html
    cursor = first.context["next_before"]

    second = client.get(_url(clinic), {"before": cursor}).content.decode()
    assert _rows(second) == 10
    assert "Older events" not in second
    assert "Newest events" in second
    assert "version:</span> 0<" in second  # the oldest event is on the last page

    assert client.get(_url(clinic), {"before": "garbage"}).status_code == 200


def _audit_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_number_of_queries_does_not_grow_with_events(client, clinic, admin_user, django_assert_max_num_queries):
    colleague = make_staff(clinic, Role.COORDINATOR)

    def add(n: int) -> None:
        for i in range(n):
            audit_record(action=f"kind.{i % 7}", clinic=clinic, actor=admin_user, detail={"user_id": str(colleague.pk)})

    add(5)
    with_five = _audit_queries(client, _url(clinic))
    add(45)
    with_fifty = _audit_queries(client, _url(clinic))

    assert with_fifty == with_five
    with django_assert_max_num_queries(with_five):
        client.get(_url(clinic), {"action": "kind.3", "date_from": "2020-01-01"})


@pytest.mark.parametrize("role", [Role.PSYCHIATRIST, Role.COORDINATOR])
def test_only_clinic_admins_see_the_audit_log(client, clinic, role):
    user = make_staff(clinic, role)
    login_staff(client, user)

    assert client.get(_url(clinic)).status_code == 404


def test_an_admin_of_another_clinic_gets_404(client, clinic):
    other = make_clinic(name="Other Clinic")
    login_staff(client, make_staff(other, Role.CLINIC_ADMIN))

    assert client.get(_url(clinic)).status_code == 404


def test_the_log_page_offers_no_way_to_change_anything(client, clinic, admin_user):
    audit_record(action="policy.change", clinic=clinic, actor=admin_user)

    html = client.get(_url(clinic)).content.decode()
    before = AuditEvent.objects.count()

    # Only the site-wide sign-out form and the patient search post (the search keeps names out of URLs).
    assert html.count('method="post" action="/staff/') == 1
    assert 'name="patient_search"' in html
    assert client.post(_url(clinic), {"patient_search": "x"}).status_code == 200
    assert AuditEvent.objects.count() == before


def test_late_evening_events_count_for_the_clinics_own_date(client, clinic, admin_user):
    tz = clinic.zone
    late = datetime(2026, 3, 1, 23, 30, tzinfo=tz)
    audit_event_at(created_at=late, action="policy.change", clinic=clinic, actor=admin_user)
    assert (late.astimezone(ZoneInfo("UTC")).date() - late.date()) == timedelta(days=1)

    html = client.get(_url(clinic), {"date_from": "2026-03-01", "date_to": "2026-03-01"}).content.decode()

    assert _rows(html) == 1


def test_admin_sees_the_last_verification_and_checkpoint(client, clinic, admin_user):
    from django.core.management import call_command

    html = client.get(_url(clinic)).content.decode()
    assert "Not checked yet" in html and "No signed checkpoint yet" in html

    audit_record(action="policy.change", clinic=clinic, actor=admin_user)
    call_command("audit_checkpoint")
    call_command("verify_audit")
    html = client.get(_url(clinic)).content.decode()

    assert "Intact" in html and "1 event verified against the signed checkpoint" in html
    assert "Last signed checkpoint" in html and "1 event, up to event" in html


def test_a_page_cursor_beyond_any_event_is_just_an_empty_page(client, clinic, admin_user):
    response = client.get(_url(clinic), {"before": "9" * 30})

    assert response.status_code == 200
