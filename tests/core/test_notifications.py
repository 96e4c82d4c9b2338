"""What notifications say (e-mail and inbox), and the inbox a signed-in person reads them in."""

from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils import timezone

from core.models import Notification
from core.notifications import Message, email_link, in_app_text, inbox_link, kind_for, kinds, notification_kind
from core.outbox import email_preview
from tests.factories import UserFactory, login_staff
from tests.factories.notifications import KINDS, notification

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("kind", "who", "about"), KINDS, ids=[k for k, _, _ in KINDS])
def test_every_kind_e_mails_the_clinic_name_and_a_sign_in_link_and_nothing_about_the_patient(
    mail_world, settings, kind, who, about
):
    row = notification(mail_world, kind, who, about)

    message = email_preview(row)

    text = f"{message.subject}\n{message.body}"
    if kind_for(kind).audience == "patient":  # a lock screen shows the subject: it names nothing
        assert message.subject == "A new message from your clinic"
    else:
        assert mail_world.clinic.name in message.subject
    assert settings.SITE_URL in message.body
    for secret in mail_world.secrets():
        assert secret not in text, f"{kind} e-mail mentions {secret!r}"
    assert message.attachments == []
    assert in_app_text(row)  # and a line for the inbox
    assert mail_world.clinic.name in in_app_text(row)
    for secret in mail_world.secrets():
        assert secret not in in_app_text(row)


def test_patients_are_told_only_that_there_is_a_message(mail_world):
    for kind in ("case.info_requested", "case.decided"):
        message = email_preview(notification(mail_world, kind, "patient", "case"))

        assert message.subject == "A new message from your clinic"
        assert f"You have a new message from {mail_world.clinic.name} — sign in to read it" in message.body


def test_staff_hear_of_an_urgent_case_by_clinic_only(mail_world):
    message = email_preview(notification(mail_world, "case.urgent", "psychiatrist", "case"))

    assert message.subject == f"New urgent case at {mail_world.clinic.name}"
    assert f"within {mail_world.clinic.urgent_ack_minutes} minutes" in message.body


def test_links_lead_to_the_page_about_the_notification(mail_world):
    cleared = notification(mail_world, "case.cleared", "coordinator", "entry")
    urgent = notification(mail_world, "case.urgent", "psychiatrist", "case")
    received = notification(mail_world, "submission.received", "patient", "submission")

    assert inbox_link(cleared) == reverse(
        "scheduling:worklist_entry", kwargs={"clinic_slug": mail_world.clinic.slug, "entry_id": mail_world.entry.pk}
    )
    assert inbox_link(received) == reverse("patients:submission", kwargs={"submission_id": mail_world.submission.pk})
    assert mail_world.clinic.slug in inbox_link(urgent)
    assert email_link(cleared).endswith(inbox_link(cleared))


def test_a_kind_name_is_registered_once():
    assert "case.urgent" in kinds()
    with pytest.raises(ImproperlyConfigured):
        notification_kind("case.urgent", audience="staff", in_app="x")(lambda n: Message("s", "b"))


def test_an_unknown_kind_still_gets_an_inbox_line(mail_world):
    row = notification(mail_world, "nobody.knows", "patient", "case")

    assert kind_for("nobody.knows") is None
    assert in_app_text(row) == f"You have a new notification from {mail_world.clinic.name}."
    assert inbox_link(row) == ""
    assert email_preview(row) is None


# --- the inbox ------------------------------------------------------------------------------------


def test_the_inbox_lists_only_your_notifications_newest_first(client, mail_world):
    older = notification(mail_world, "submission.received", "patient", "submission")
    Notification.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(hours=1))
    newer = notification(mail_world, "case.decided", "patient", "case")
    notification(mail_world, "case.urgent", "psychiatrist", "case")  # someone else's
    client.force_login(mail_world.patient)

    response = client.get(reverse("notifications:inbox"))

    html = response.content.decode()
    assert response.status_code == 200
    assert html.index(f'data-notification="{newer.pk}"') < html.index(f'data-notification="{older.pk}"')
    assert "New urgent case" not in html
    assert f"You have a new message from {mail_world.clinic.name}." in html


def test_opening_a_notification_marks_it_read_and_goes_to_its_page(client, mail_world):
    row = notification(mail_world, "submission.received", "patient", "submission")
    client.force_login(mail_world.patient)

    response = client.post(reverse("notifications:read", kwargs={"notification_id": row.pk}), {"open": "1"})

    assert response.status_code == 302
    assert response.url == reverse("patients:submission", kwargs={"submission_id": mail_world.submission.pk})
    row.refresh_from_db()
    assert row.read_at is not None


def test_someone_elses_notification_cannot_be_marked_read(client, mail_world):
    row = notification(mail_world, "case.urgent", "psychiatrist", "case")
    client.force_login(mail_world.patient)

    response = client.post(reverse("notifications:read", kwargs={"notification_id": row.pk}))

    assert response.status_code == 404
    row.refresh_from_db()
    assert row.read_at is None


def test_the_nav_badge_counts_unread_and_mark_all_read_clears_it(client, mail_world):
    for key in range(3):
        notification(mail_world, "case.decided", "patient", "case", key=key)
    client.force_login(mail_world.patient)

    html = client.get(reverse("notifications:inbox")).content.decode()
    assert 'data-unread-count>3<span class="visually-hidden"> unread</span>' in html

    response = client.post(reverse("notifications:read_all"), follow=True)

    html = response.content.decode()
    assert "data-unread-count" not in html
    assert "All notifications are marked as read." in html
    assert not Notification.objects.filter(recipient=mail_world.patient, read_at__isnull=True).exists()


def test_the_badge_says_99_plus_beyond_99(client, mail_world):
    Notification.objects.bulk_create(
        Notification(kind="case.decided", recipient=mail_world.patient, clinic=mail_world.clinic, dedupe_key=f"k{i}")
        for i in range(120)
    )
    client.force_login(mail_world.patient)

    html = client.get(reverse("home")).content.decode()

    assert 'data-unread-count>99+<span class="visually-hidden"> unread</span>' in html


def test_staff_finish_signing_in_before_their_inbox(client, mail_world):
    client.force_login(mail_world.psychiatrist)  # password only, no second factor yet

    response = client.get(reverse("notifications:inbox"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account:two_factor"))
    login_staff(client, mail_world.psychiatrist)
    assert client.get(reverse("notifications:inbox")).status_code == 200


@pytest.mark.parametrize("rows", [3, 200])
def test_the_inbox_runs_a_fixed_number_of_queries(client, mail_world, django_assert_max_num_queries, rows):
    user = UserFactory()
    Notification.objects.bulk_create(
        Notification(kind="case.decided", recipient=user, clinic=mail_world.clinic, dedupe_key=f"q{i}")
        for i in range(rows)
    )
    client.force_login(user)
    client.get(reverse("notifications:inbox"))  # warm the session

    # session, user, staff check, the page, the badge, the session's save (savepoint, update, release)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("notifications:inbox"))
    assert response.status_code == 200


def test_the_inbox_pages_with_a_cursor(client, mail_world):
    user = UserFactory()
    base = timezone.now()
    Notification.objects.bulk_create(
        Notification(
            kind="case.decided",
            recipient=user,
            clinic=mail_world.clinic,
            dedupe_key=f"p{i}",
            created_at=base - timedelta(minutes=i),
        )
        for i in range(45)
    )
    client.force_login(user)

    first = client.get(reverse("notifications:inbox"))
    cursor = first.context["next_before"]
    second = client.get(reverse("notifications:inbox"), {"before": cursor})
    garbage = client.get(reverse("notifications:inbox"), {"before": "not-a-cursor"})

    seen_first = {row.notification.pk for row in first.context["rows"]}
    seen_second = {row.notification.pk for row in second.context["rows"]}
    assert len(seen_first) == 30
    assert len(seen_second) == 15
    assert not seen_first & seen_second
    assert second.context["next_before"] is None
    assert garbage.status_code == 200
