"""Account e-mails (confirm your address, someone tried to sign up, password reset, staff invitation) go through
the outbox: written in the request's transaction, sent after commit or by the beat, never in the inbox, and
not sent at all once they are moot."""

import re

import pytest
from django.db import transaction
from django.test import Client, TestCase
from django.urls import reverse

from clinics.models import Invitation, Role
from clinics.services import invitation_create, invitation_revoke
from core.models import Notification
from core.notifications import inbox_page, unread_count
from core.tasks import outbox_resend_due
from tests.factories import UserFactory, login_staff, make_clinic, make_staff

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "amber kettle winter 58"


def sign_up(client, email: str):
    return client.post(
        reverse("account:signup"), {"email": email, "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD}
    )


def link_path(body: str) -> str:
    return re.search(r"https?://[^/\s]+(/account/\S+)", body).group(1)


def test_a_sign_up_writes_its_e_mail_to_the_outbox_and_the_beat_sends_it_when_the_first_try_was_lost(
    client, mailoutbox
):
    with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:  # the broker never got the task
        sign_up(client, "river@example.org")

    assert callbacks  # the send was asked for after commit
    row = Notification.objects.get(kind="account.verify_email")
    assert row.recipient.email == "river@example.org"
    assert row.sent_at is None
    assert mailoutbox == []

    assert outbox_resend_due() == 1
    assert [m.to for m in mailoutbox] == [["river@example.org"]]
    assert "river" not in mailoutbox[0].body.replace("river@example.org", "")
    assert "your e-mail is confirmed" in client.get(link_path(mailoutbox[0].body)).content.decode()
    assert outbox_resend_due() == 0


def test_account_e_mails_are_not_listed_in_the_inbox_nor_counted_in_the_badge(client, mailoutbox):
    with TestCase.captureOnCommitCallbacks(execute=True):
        sign_up(client, "sage@example.org")
    user = Notification.objects.get(kind="account.verify_email").recipient

    assert len(mailoutbox) == 1
    assert inbox_page(user).rows == []
    assert unread_count(user) == 0
    page = client.get(reverse("notifications:inbox"))
    assert page.status_code == 200
    assert "Confirm your e-mail address" not in page.content.decode()


def test_an_address_confirmed_before_the_e_mail_left_is_not_sent_a_link(client, mailoutbox):
    with TestCase.captureOnCommitCallbacks(execute=False):
        sign_up(client, "wren@example.org")
    row = Notification.objects.get(kind="account.verify_email")
    row.recipient.email_verified = True
    row.recipient.save(update_fields=["email_verified"])

    assert outbox_resend_due() == 0

    assert mailoutbox == []
    row.refresh_from_db()
    assert row.sent_at is not None  # settled: the beat does not try again
    assert row.last_error == "skipped: nothing to send"


def test_each_send_it_again_sends_one_more_e_mail(client, mailoutbox):
    user = UserFactory(email_verified=False)
    client.force_login(user)
    for _ in range(2):
        with TestCase.captureOnCommitCallbacks(execute=True):
            client.post(reverse("account:verify_email_resend"))

    assert [m.to for m in mailoutbox] == [[user.email], [user.email]]
    assert Notification.objects.filter(kind="account.verify_email", recipient=user).count() == 2


def test_a_sign_up_with_a_taken_address_tells_its_owner_through_the_outbox(client, mailoutbox):
    owner = UserFactory(email="taken@example.org", full_name="Tess Owner")
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = sign_up(client, "Taken@Example.org")

    assert response.status_code == 302
    assert Notification.objects.filter(kind="account.sign_up_existing", recipient=owner).count() == 1
    assert [m.to for m in mailoutbox] == [["taken@example.org"]]
    assert "Tess" not in mailoutbox[0].body


def test_a_password_reset_is_queued_for_the_account_and_nothing_for_an_unknown_address(client, mailoutbox):
    user = UserFactory(email="ash@example.org")
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(reverse("account:password_reset"), {"email": "nobody@example.org"})
    assert not Notification.objects.exists()
    assert mailoutbox == []

    with TestCase.captureOnCommitCallbacks(execute=False):
        response = client.post(reverse("account:password_reset"), {"email": "ASH@example.org"})
    assert response.url == reverse("account:password_reset_done")
    row = Notification.objects.get(kind="account.password_reset")
    assert row.recipient == user
    assert mailoutbox == []  # not sent inside the request

    assert outbox_resend_due() == 1
    form = Client().get(link_path(mailoutbox[0].body), follow=True)
    assert "New password" in form.content.decode()


def test_an_invitation_goes_to_the_invited_address_and_a_revoked_one_is_not_sent(mailoutbox):
    clinic = make_clinic(name="Alder Ketamine Clinic")
    admin = make_staff(clinic, Role.CLINIC_ADMIN)
    with TestCase.captureOnCommitCallbacks(execute=False):
        kept = invitation_create(clinic=clinic, email="kept@example.org", role=Role.COORDINATOR, invited_by=admin)
        revoked = invitation_create(clinic=clinic, email="gone@example.org", role=Role.COORDINATOR, invited_by=admin)
    invitation_revoke(invitation=revoked, actor=admin)
    rows = Notification.objects.filter(kind="clinic.invitation")
    assert rows.count() == 2
    assert all(row.recipient_id is None for row in rows)  # the address is read from the invitation when sent

    assert outbox_resend_due() == 1

    assert [m.to for m in mailoutbox] == [["kept@example.org"]]
    assert "Alder Ketamine Clinic" in mailoutbox[0].subject
    page = Client().get(link_path(mailoutbox[0].body))
    assert page.status_code == 200 and "Join Alder Ketamine Clinic" in page.content.decode()
    assert Invitation.objects.get(pk=kept.pk).accepted_at is None
    assert not Notification.objects.filter(sent_at__isnull=True).exists()


def test_an_invitation_rolled_back_with_its_transaction_leaves_no_e_mail_behind(mailoutbox):
    clinic = make_clinic()
    admin = make_staff(clinic, Role.CLINIC_ADMIN)
    with pytest.raises(RuntimeError), transaction.atomic():
        invitation_create(clinic=clinic, email="maybe@example.org", role=Role.COORDINATOR, invited_by=admin)
        raise RuntimeError("the caller failed after inviting")

    assert not Invitation.objects.exists()
    assert not Notification.objects.exists()
    assert outbox_resend_due() == 0
    assert mailoutbox == []


def test_the_members_page_invites_through_the_outbox(client, mailoutbox):
    clinic = make_clinic(name="Birch Ketamine Clinic")
    admin = make_staff(clinic, Role.CLINIC_ADMIN)
    login_staff(client, admin)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            reverse("clinics:members", kwargs={"clinic_slug": clinic.slug}),
            {"email": "New.Nurse@Example.org", "role": Role.COORDINATOR},
        )

    assert response.status_code == 302
    assert [m.to for m in mailoutbox] == [["new.nurse@example.org"]]
    assert inbox_page(admin).rows == []
