"""Password reset by e-mail: no personal data in the message, no account enumeration, sessions end."""

import re

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.test import Client, TestCase
from django.urls import reverse

from core.models import AuditEvent
from tests.factories import PASSWORD, UserFactory

NEW_PASSWORD = "quiet meadow copper 77"


def request_reset(client, email: str):
    # The e-mail leaves through the outbox once the request's transaction commits.
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(reverse("account:password_reset"), {"email": email})


def reset_path(message) -> str:
    return re.search(r"https?://[^/\s]+(/account/password-reset/\S+/\S+/)", message.body).group(1)


@pytest.mark.django_db
def test_the_reset_e_mail_has_a_link_and_no_personal_data(client, mailoutbox):
    user = UserFactory(email="rivera@example.org", full_name="Alex Rivera")

    response = request_reset(client, "Rivera@Example.org")

    assert response.status_code == 302
    assert response.url == reverse("account:password_reset_done")
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["rivera@example.org"]
    assert "Reset your password" in message.subject
    for private in ("rivera", "Rivera", "Alex"):
        assert private not in message.body
        assert private not in message.subject
    assert reset_path(message)
    event = AuditEvent.objects.get(action="auth.password_reset_requested")
    assert event.detail == {"user_id": str(user.pk)}


@pytest.mark.django_db
def test_an_unknown_address_gets_the_same_answer_and_no_e_mail(client, mailoutbox):
    response = request_reset(client, "nobody@example.org")

    assert response.status_code == 302
    assert response.url == reverse("account:password_reset_done")
    assert mailoutbox == []
    assert AuditEvent.objects.get(action="auth.password_reset_requested").detail == {}


@pytest.mark.django_db
def test_the_link_sets_a_new_password_ends_every_session_and_is_audited(client, mailoutbox):
    user = UserFactory()
    elsewhere = Client()
    elsewhere.force_login(user)
    assert elsewhere.get(reverse("account:security")).status_code == 200
    request_reset(client, user.email)

    form_page = client.get(reset_path(mailoutbox[0]), follow=True)
    assert "Choose a new password" in form_page.content.decode()
    response = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )

    assert response.status_code == 302
    assert response.url == reverse("account:password_reset_complete")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert elsewhere.get(reverse("account:security")).status_code == 302  # the other session ended
    assert AuditEvent.objects.filter(action="auth.password_reset_completed", actor=user).exists()
    done = client.get(response.url).content.decode()
    assert "Your password has been changed" in done


@pytest.mark.django_db
def test_a_used_or_forged_link_says_so(client, mailoutbox):
    user = UserFactory()
    request_reset(client, user.email)
    path = reset_path(mailoutbox[0])
    page = client.get(path, follow=True)
    client.post(page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    used = Client().get(path, follow=True).content.decode()
    forged = Client().get(path[:-5] + "abcd/", follow=True).content.decode()

    assert "This reset link cannot be used" in used
    assert "This reset link cannot be used" in forged


@pytest.mark.django_db
def test_resetting_the_password_lifts_the_sign_in_lockout(client, mailoutbox):
    user = UserFactory()
    for i in range(5):
        client.post(reverse("account:login"), {"username": user.email, "password": f"wrong {i}"})
    assert AccessAttempt.objects.exists()
    request_reset(client, user.email)
    page = client.get(reset_path(mailoutbox[0]), follow=True)
    client.post(page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    response = client.post(reverse("account:login"), {"username": user.email, "password": NEW_PASSWORD})

    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(user.pk)


@pytest.mark.django_db
def test_a_mismatched_new_password_is_explained(client, mailoutbox):
    user = UserFactory()
    request_reset(client, user.email)
    page = client.get(reset_path(mailoutbox[0]), follow=True)

    response = client.post(page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": "other"})

    html = response.content.decode()
    assert "The two passwords are not the same" in html
    assert "data-error-summary" in html
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
