"""The outbox: rows written with the event, sent after commit, at most once, retried with backoff when
sending fails, resent by the beat; routine cases as a digest; escalation of late and unacknowledged cases."""

import logging
import smtplib
from datetime import timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.utils import timezone

from clinics.models import Membership, Role
from config.celery_app import app
from core import notifications, outbox
from core.models import Notification
from core.notifications import Message, notification_kind
from core.outbox import backoff, outbox_add, outbox_add_many, outbox_breaker_reset, outbox_deliver, outbox_enqueue
from core.tasks import outbox_resend_due, outbox_send, outbox_send_many
from screening.escalation import cases_escalate_due
from screening.models import Priority, ReviewCase
from tests.factories import make_staff
from tests.factories.notifications import PATIENT_EMAIL, notification
from tests.factories.submissions import review_case, submission_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _breaker_closed():
    outbox_breaker_reset()
    yield
    outbox_breaker_reset()


class FailingBackend(BaseEmailBackend):
    """A mail server that refuses the message (and names the address, as real ones do)."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPRecipientsRefused({PATIENT_EMAIL: (550, b"no such user")})


def _sent_to(address: str) -> int:
    return sum(address in message.to for message in mail.outbox)


# --- sending ------------------------------------------------------------------------------------


def test_running_the_send_twice_sends_one_e_mail(mail_world):
    row = notification(mail_world, "submission.received", "patient", "submission")

    assert outbox_send(str(row.pk)) == "sent"
    assert outbox_send(str(row.pk)) == "busy"
    assert outbox_resend_due() == 0

    assert len(mail.outbox) == 1
    row.refresh_from_db()
    assert row.sent_at is not None
    assert row.attempts == 1
    assert row.locked_until is None
    assert mail.outbox[0].to == [PATIENT_EMAIL]
    assert mail.outbox[0].extra_headers["Message-ID"].startswith(f"<{row.pk}@")


def test_a_row_another_sender_holds_is_left_alone_until_its_lease_ends(mail_world):
    row = notification(mail_world, "case.urgent", "psychiatrist", "case")
    Notification.objects.filter(pk=row.pk).update(locked_until=timezone.now() + timedelta(minutes=4))

    assert outbox_deliver(row.pk) == "busy"
    assert outbox_resend_due() == 0
    assert mail.outbox == []

    # The other sender died holding it: when the lease ends the beat sends it.
    Notification.objects.filter(pk=row.pk).update(locked_until=timezone.now() - timedelta(seconds=1))
    assert outbox_resend_due() == 1
    assert len(mail.outbox) == 1


def test_a_sender_that_lost_its_lease_cannot_mark_the_row(mail_world):
    row = notification(mail_world, "case.urgent", "psychiatrist", "case")
    real_send = outbox._email

    def steal_then_send(*args, **kwargs):
        # While this sender talks to the mail server, its lease expires and another sender claims the row.
        Notification.objects.filter(pk=row.pk).update(lease=None, locked_until=timezone.now() + timedelta(minutes=5))
        return real_send(*args, **kwargs)

    with mock.patch.object(outbox, "_email", side_effect=steal_then_send):
        outbox_deliver(row.pk)

    row.refresh_from_db()
    assert row.sent_at is None  # the current holder decides, not the one that lost the lease


def test_a_refused_e_mail_backs_off_and_is_sent_later(mail_world, settings, caplog):
    row = notification(mail_world, "case.decided", "patient", "case")
    settings.EMAIL_BACKEND = "tests.core.test_outbox.FailingBackend"

    with caplog.at_level(logging.WARNING, logger="core.outbox"):
        assert outbox_deliver(row.pk) == "failed"
    row.refresh_from_db()
    first_retry = row.next_attempt_at - timezone.now()
    assert row.sent_at is None
    assert row.attempts == 1
    assert row.last_error == "SMTPRecipientsRefused"
    assert timedelta(seconds=50) < first_retry <= timedelta(minutes=1)
    assert outbox_resend_due() == 0  # not due yet

    Notification.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert outbox_resend_due() == 0
    row.refresh_from_db()
    assert row.attempts == 2
    assert timedelta(minutes=1, seconds=50) < row.next_attempt_at - timezone.now() <= timedelta(minutes=2)

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    Notification.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert outbox_resend_due() == 1
    row.refresh_from_db()
    assert row.sent_at is not None
    assert row.last_error == ""
    assert len(mail.outbox) == 1
    logged = caplog.text
    assert str(row.pk) in logged
    assert PATIENT_EMAIL not in logged  # the server's refusal named the address; the log does not


def test_backoff_doubles_up_to_six_hours():
    assert [backoff(n) for n in (1, 2, 3, 4)] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert backoff(30) == timedelta(hours=6)


def test_an_unknown_kind_does_not_crash_the_sender_and_is_retried(mail_world, caplog):
    row = notification(mail_world, "appointment.teleported", "patient", "case")
    known = notification(mail_world, "case.urgent", "psychiatrist", "case")

    with caplog.at_level(logging.ERROR, logger="core.outbox"):
        assert outbox_resend_due() == 1  # the known one still goes out

    row.refresh_from_db()
    assert row.sent_at is None
    assert row.attempts == 1
    assert row.last_error == "unknown kind"
    assert row.next_attempt_at > timezone.now()
    assert "appointment.teleported" in caplog.text
    assert str(row.pk) in caplog.text
    assert PATIENT_EMAIL not in caplog.text
    assert Notification.objects.get(pk=known.pk).sent_at is not None


def test_a_staff_member_who_left_the_clinic_is_not_e_mailed(mail_world):
    row = notification(mail_world, "case.urgent", "psychiatrist", "case")
    Membership.objects.filter(user=mail_world.psychiatrist).update(is_active=False)

    assert outbox_deliver(row.pk) == "skipped"

    row.refresh_from_db()
    assert mail.outbox == []
    assert row.sent_at is not None  # settled: never retried
    assert row.last_error.startswith("skipped:")


def test_in_app_rows_are_delivered_by_being_written_and_never_e_mailed(mail_world):
    with transaction.atomic():
        row = outbox_add(kind="case.urgent", recipient=mail_world.psychiatrist, obj=mail_world.case, channel="in_app")

    assert row.sent_at is not None
    assert outbox_deliver(row.pk) == "busy"
    assert outbox_resend_due() == 0
    assert mail.outbox == []


def test_attachments_go_out_with_the_e_mail(mail_world):
    @notification_kind("test.with_calendar", audience="patient", in_app="An appointment at {clinic}.")
    def with_calendar(n):
        return Message("Your appointment", "Sign in.", [("appointment.ics", b"BEGIN:VCALENDAR", "text/calendar")])

    try:
        row = notification(mail_world, "test.with_calendar", "patient", "case")
        assert outbox_deliver(row.pk) == "sent"
    finally:
        notifications._registry.pop("test.with_calendar")

    (attachment,) = mail.outbox[0].attachments
    assert (attachment.filename, attachment.mimetype) == ("appointment.ics", "text/calendar")
    assert attachment.content == "BEGIN:VCALENDAR"


# --- after commit -------------------------------------------------------------------------------


def test_outbox_add_sends_after_commit_and_only_then(mail_world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        row = outbox_add(
            kind="case.urgent", recipient=mail_world.psychiatrist, obj=mail_world.case, clinic=mail_world.clinic
        )
        assert mail.outbox == []  # nothing leaves before the event is committed

    assert len(callbacks) == 1
    assert _sent_to(mail_world.psychiatrist.email) == 1
    row.refresh_from_db()
    assert row.sent_at is not None


def test_a_rolled_back_event_leaves_no_row_and_sends_nothing(mail_world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        outbox_add(kind="case.urgent", recipient=mail_world.psychiatrist, obj=mail_world.case, clinic=mail_world.clinic)
        raise RuntimeError("the event failed")

    assert not Notification.objects.filter(kind="case.urgent").exists()
    assert mail.outbox == []


def test_the_same_event_queues_one_row(mail_world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        first = outbox_add(
            kind="case.urgent", recipient=mail_world.psychiatrist, obj=mail_world.case, clinic=mail_world.clinic
        )
        second = outbox_add(
            kind="case.urgent", recipient=mail_world.psychiatrist, obj=mail_world.case, clinic=mail_world.clinic
        )

    assert first.pk == second.pk
    assert len(callbacks) == 1
    assert len(mail.outbox) == 1


def test_one_event_for_several_people_is_one_task_and_one_e_mail_each(mail_world, django_capture_on_commit_callbacks):
    """A new urgent case alerts every psychiatrist: one row each, all sent by one task after commit; the same
    event queued again (a retry) adds no row and sends nothing more."""
    second = make_staff(mail_world.clinic, Role.PSYCHIATRIST, full_name="Sam Okafor")
    people = [mail_world.psychiatrist, second, mail_world.psychiatrist]  # a recipient listed twice gets one message
    with (
        mock.patch.object(outbox_send_many, "delay", wraps=outbox_send_many.delay) as many,
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        transaction.atomic(),
    ):
        rows = outbox_add_many(kind="case.urgent", recipients=people, obj=mail_world.case, clinic=mail_world.clinic)
        assert mail.outbox == []

    assert len(rows) == 2 and {r.recipient_id for r in rows} == {mail_world.psychiatrist.pk, second.pk}
    assert len(callbacks) == 1 and many.call_count == 1
    assert sorted(many.call_args.args[0]) == sorted(str(r.pk) for r in rows)
    assert _sent_to(mail_world.psychiatrist.email) == 1 and _sent_to(second.email) == 1

    with django_capture_on_commit_callbacks(execute=True) as again, transaction.atomic():
        repeated = outbox_add_many(kind="case.urgent", recipients=people, obj=mail_world.case, clinic=mail_world.clinic)
    assert [r.pk for r in repeated] == [r.pk for r in rows]
    assert again == []
    assert Notification.objects.filter(kind="case.urgent").count() == 2
    assert len(mail.outbox) == 2


def test_the_batch_task_sends_each_row_once_even_when_run_twice(mail_world):
    rows = outbox_add_many(
        kind="case.urgent",
        recipients=[mail_world.psychiatrist, mail_world.admin],
        obj=mail_world.case,
        clinic=mail_world.clinic,
    )
    ids = [str(r.pk) for r in rows]

    assert outbox_send_many(ids) == 2
    assert outbox_send_many(ids) == 0  # a redelivered task finds them sent
    assert sorted(m.to[0] for m in mail.outbox) == sorted([mail_world.psychiatrist.email, mail_world.admin.email])


def test_an_e_mail_the_same_for_everyone_is_rendered_once_per_language(mail_world, monkeypatch):
    """An urgent case alerts every psychiatrist: the batch renders the alert once per language, and each person
    still gets their own e-mail, the same as one rendered for them alone."""
    import dataclasses

    kind = notifications.kind_for("case.urgent")
    rendered = []

    def counting(notification):
        rendered.append(notification.recipient_id)
        return kind.email(notification)

    monkeypatch.setitem(notifications._registry, "case.urgent", dataclasses.replace(kind, email=counting))
    second = make_staff(mail_world.clinic, Role.PSYCHIATRIST, full_name="Sam Okafor")
    third = make_staff(mail_world.clinic, Role.PSYCHIATRIST, full_name="Rosa Vidal")
    third.language = "es"
    third.save(update_fields=["language"])
    people = [mail_world.psychiatrist, second, third]
    rows = outbox_add_many(kind="case.urgent", recipients=people, obj=mail_world.case, clinic=mail_world.clinic)

    assert outbox_send_many([str(r.pk) for r in rows]) == 3
    assert len(rendered) == 2  # English once, Spanish once
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in people)
    english = [m for m in mail.outbox if m.to[0] != third.email]
    assert english[0].body == english[1].body and english[0].subject == english[1].subject
    assert len({m.extra_headers["Message-ID"] for m in mail.outbox}) == 3  # each its own message
    alone = outbox.email_preview(rows[0])
    assert alone.body == english[0].body


def test_a_broker_that_is_down_never_fails_the_caller_and_the_beat_sends_later(
    mail_world, django_capture_on_commit_callbacks, caplog
):
    from kombu.exceptions import OperationalError

    with (
        mock.patch.object(outbox_send, "delay", side_effect=OperationalError("Connection refused")) as delay,
        caplog.at_level(logging.WARNING, logger="core.outbox"),
    ):
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            first = outbox_add(kind="case.urgent", recipient=mail_world.psychiatrist, obj=mail_world.case)
            second = outbox_add(kind="case.urgent", recipient=mail_world.admin, obj=mail_world.case)
        assert delay.call_count == 1  # the breaker opened: the second row did not wait on the broker
        assert outbox_enqueue(str(second.pk)) is False

    assert Notification.objects.filter(pk__in=[first.pk, second.pk], sent_at__isnull=True).count() == 2
    assert "broker unavailable" in caplog.text
    assert outbox_resend_due() == 2
    assert len(mail.outbox) == 2


def test_any_other_enqueue_error_is_logged_not_raised(mail_world):
    with mock.patch.object(outbox_send, "delay", side_effect=ValueError("surprise")):
        assert outbox_enqueue("00000000-0000-0000-0000-000000000000") is False
    with mock.patch.object(outbox_send, "delay") as delay:
        assert outbox_enqueue("00000000-0000-0000-0000-000000000000") is True  # the breaker stayed closed
    assert delay.called


# --- the digest -----------------------------------------------------------------------------------


def test_routine_cases_reach_a_psychiatrist_as_one_digest(mail_world, django_capture_on_commit_callbacks):
    cases = [
        review_case(submission_for(mail_world.patient, mail_world.clinic, seed=s)[1], priority=Priority.ROUTINE)
        for s in (2, 3, 4)
    ]
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        rows = [
            outbox_add(kind="case.new", recipient=mail_world.psychiatrist, obj=c, clinic=mail_world.clinic)
            for c in cases
        ]

    assert callbacks == []  # not sent at once
    window = settings.NOTIFICATION_DIGEST_WINDOW
    assert all(abs(r.next_attempt_at - (timezone.now() + window)) < timedelta(minutes=1) for r in rows)
    assert outbox_resend_due() == 0

    Notification.objects.filter(pk=rows[0].pk).update(next_attempt_at=timezone.now())  # the window ends
    assert outbox_resend_due() == 1

    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == f"3 new cases to review at {mail_world.clinic.name}"
    assert Notification.objects.filter(kind="case.new", sent_at__isnull=False).count() == 3
    assert outbox_resend_due() == 0


def test_urgent_cases_are_not_held_for_a_digest(mail_world):
    with transaction.atomic():
        row = outbox_add(
            kind="case.urgent", recipient=mail_world.psychiatrist, obj=mail_world.case, clinic=mail_world.clinic
        )

    assert row.next_attempt_at <= timezone.now()


def test_a_digest_of_one_reads_like_a_single_message(mail_world):
    row = notification(mail_world, "case.new", "psychiatrist", "case")

    assert outbox_deliver(row.pk) == "sent"

    assert mail.outbox[0].subject == f"New case to review at {mail_world.clinic.name}"


# --- escalation ---------------------------------------------------------------------------------


def _kinds_to(user, kind):
    return Notification.objects.filter(recipient=user, kind=kind).count()


def test_an_overdue_case_alerts_the_clinic_admins_once(mail_world):
    ReviewCase.objects.filter(pk=mail_world.case.pk).update(
        due_at=timezone.now() - timedelta(minutes=1), acknowledged_at=timezone.now()
    )
    second_admin = make_staff(mail_world.clinic, Role.CLINIC_ADMIN)

    assert cases_escalate_due() == {"overdue": 1, "ack_escalated": 0, "intake_alerts": 0}
    assert cases_escalate_due() == {"overdue": 0, "ack_escalated": 0, "intake_alerts": 0}

    assert _kinds_to(mail_world.admin, "case.overdue") == 1
    assert _kinds_to(second_admin, "case.overdue") == 1
    assert _kinds_to(mail_world.psychiatrist, "case.overdue") == 0
    mail_world.case.refresh_from_db()
    assert mail_world.case.overdue_notified_at is not None


def test_a_case_that_is_decided_or_waiting_for_the_patient_is_not_overdue(mail_world):
    ReviewCase.objects.filter(pk=mail_world.case.pk).update(
        due_at=timezone.now() - timedelta(hours=1),
        status=ReviewCase.Status.AWAITING_PATIENT,
        acknowledged_at=timezone.now(),
    )

    assert cases_escalate_due()["overdue"] == 0


def test_an_unacknowledged_urgent_case_alerts_the_admins_once_after_the_clinics_minutes(mail_world):
    ReviewCase.objects.filter(pk=mail_world.case.pk).update(created_at=timezone.now() - timedelta(minutes=29))
    assert cases_escalate_due()["ack_escalated"] == 0

    ReviewCase.objects.filter(pk=mail_world.case.pk).update(created_at=timezone.now() - timedelta(minutes=31))
    assert cases_escalate_due()["ack_escalated"] == 1
    assert cases_escalate_due()["ack_escalated"] == 0

    assert _kinds_to(mail_world.admin, "case.ack_escalated") == 1
    mail_world.case.refresh_from_db()
    assert mail_world.case.ack_escalated_at is not None


def test_each_clinic_sets_its_own_acknowledgement_time(mail_world):
    mail_world.clinic.urgent_ack_minutes = 10
    mail_world.clinic.save(update_fields=["urgent_ack_minutes"])
    ReviewCase.objects.filter(pk=mail_world.case.pk).update(created_at=timezone.now() - timedelta(minutes=11))

    assert cases_escalate_due()["ack_escalated"] == 1


@pytest.mark.parametrize(
    "change",
    [
        {"acknowledged_at": "now"},
        {"status": ReviewCase.Status.CLAIMED},
        {"status": ReviewCase.Status.CLEARED},
        {"priority": Priority.ROUTINE},
    ],
    ids=["acknowledged", "claimed", "decided", "routine"],
)
def test_no_acknowledgement_alert_when_someone_has_the_case(mail_world, change):
    values = {k: timezone.now() if v == "now" else v for k, v in change.items()}
    if values.get("status") == ReviewCase.Status.CLAIMED:
        values["claimed_by"] = mail_world.psychiatrist
    if values.get("status") == ReviewCase.Status.CLEARED:
        values.update(decided_by=mail_world.psychiatrist, decided_at=timezone.now())
    ReviewCase.objects.filter(pk=mail_world.case.pk).update(created_at=timezone.now() - timedelta(hours=1), **values)

    assert cases_escalate_due()["ack_escalated"] == 0


def test_without_a_clinic_admin_the_psychiatrists_are_alerted(mail_world):
    Membership.objects.filter(user=mail_world.admin).update(is_active=False)
    ReviewCase.objects.filter(pk=mail_world.case.pk).update(created_at=timezone.now() - timedelta(hours=1))

    cases_escalate_due()

    assert _kinds_to(mail_world.psychiatrist, "case.ack_escalated") == 1


# --- configuration --------------------------------------------------------------------------------


def test_the_beat_resends_and_escalates_every_minute():
    schedule = settings.CELERY_BEAT_SCHEDULE
    tasks = {entry["task"]: entry["schedule"] for entry in schedule.values()}

    assert tasks["core.tasks.outbox_resend_due"] == 60.0
    assert tasks["screening.tasks.cases_escalate"] == 60.0
    app.loader.import_default_modules()
    expected = {"core.tasks.outbox_resend_due", "screening.tasks.cases_escalate", "core.tasks.outbox_send"}
    assert expected <= set(app.tasks)


def test_broker_settings_cannot_hang_a_request():
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS

    assert options["socket_connect_timeout"] <= 2
    assert options["socket_timeout"] <= 2
    assert settings.CELERY_TASK_PUBLISH_RETRY is False
    assert settings.CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS["retry_policy"]["max_retries"] <= 1
    # An acks_late task is redelivered only when its worker died, never while it still runs.
    assert options["visibility_timeout"] > settings.CELERY_TASK_TIME_LIMIT
    assert outbox_send.acks_late and outbox_resend_due.acks_late
    assert outbox_send.ignore_result  # delay() never touches the result backend
    assert outbox.LEASE.total_seconds() > settings.EMAIL_TIMEOUT + outbox_send.time_limit


def test_other_tasks_can_be_queued_after_commit_without_risking_the_request(django_capture_on_commit_callbacks):
    from kombu.exceptions import OperationalError

    from core.outbox import delay_on_commit_safely
    from screening.tasks import cases_escalate

    with mock.patch.object(cases_escalate, "delay", side_effect=OperationalError("refused")) as delay:
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            delay_on_commit_safely(cases_escalate)
        assert delay.call_count == 1  # raised, caught, logged
