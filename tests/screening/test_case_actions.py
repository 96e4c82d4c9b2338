"""One rule for what can be done to a case now (screening.cases): for every status, role, holder and urgency the
case page offers exactly the actions `allowed_actions` allows, those are the buttons the page offered before the
rule had one home, and every refused action fails with one message, the same from the service and on the page.
The same for the urgent intake alert."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from clinics import access
from intake import steps
from intake.services import draft_get_or_start, draft_report_risk
from screening import cases
from screening.cases import Action
from screening.models import IntakeAlert, Priority, ReviewCase
from tests.factories import UserFactory, login_staff
from tests.intake.answers import raw_answers
from tests.intake.submissions import answers_for, case_of, send, staffed_clinic

pytestmark = pytest.mark.django_db

Status = ReviewCase.Status
URL_NAMES = {
    Action.CLAIM: "case_claim",
    Action.RELEASE: "case_release",
    Action.ACKNOWLEDGE: "case_acknowledge",
    Action.CLEAR: "case_clear",
    Action.DECLINE: "case_decline",
    Action.REQUEST_INFO: "case_request_info",
    Action.REASSIGN: "case_reassign",
    Action.REOPEN: "case_reopen",
}
HOLDERS = {
    Status.OPEN: ("nobody",),
    Status.CLOSED: ("nobody",),
    Status.CLAIMED: ("me", "other"),
    Status.AWAITING_PATIENT: ("me", "other"),
    Status.CLEARED: ("me", "other"),
    Status.DECLINED: ("me", "other"),
}
URGENCY = ("routine", "urgent", "urgent, acknowledged")


@dataclass(frozen=True)
class State:
    status: str
    holder: str  # "me" is the clinic's first psychiatrist, who looks at the page in the psychiatrist's rows
    urgency: str

    def __str__(self) -> str:
        return f"{self.status}, held by {self.holder}, {self.urgency}"


STATES = [State(s, h, u) for s, holders in HOLDERS.items() for h in holders for u in URGENCY]


@pytest.fixture
def clinic(db):
    return staffed_clinic()


@pytest.fixture
def case(clinic):
    return case_of(send(clinic, UserFactory(full_name="Alex Example"), "needs_review"))


def _put(case: ReviewCase, clinic: Any, state: State) -> ReviewCase:
    """The case as it would be after the steps that lead to `state` (set directly: each state in one query)."""
    now = timezone.now()
    holder = {"nobody": None, "me": clinic.psychiatrist, "other": clinic.psychiatrist2}[state.holder]
    decided = state.status in ReviewCase.DECIDED
    acknowledged = state.urgency == "urgent, acknowledged"
    ReviewCase.objects.filter(pk=case.pk).update(
        status=state.status,
        claimed_by=holder,
        claimed_at=now if holder else None,
        decided_by=holder if decided else None,
        decided_at=now if decided else None,
        priority=Priority.ROUTINE if state.urgency == "routine" else Priority.URGENT,
        acknowledged_by=clinic.psychiatrist2 if acknowledged else None,
        acknowledged_at=now if acknowledged else None,
    )
    return ReviewCase.objects.select_related("clinic", "claimed_by").get(pk=case.pk)


def _offered(client: Any, case: ReviewCase) -> set[Action]:
    """The actions the case page offers: a form posting to the action, or a link to its page."""
    page = client.get(reverse("screening:case", kwargs={"clinic_slug": case.clinic.slug, "case_id": case.pk}))
    assert page.status_code == 200
    html = page.content.decode()
    return {
        action
        for action, name in URL_NAMES.items()
        if f'"{reverse(f"screening:{name}", kwargs={"clinic_slug": case.clinic.slug, "case_id": case.pk})}"' in html
    }


def _before(state: State, role: str) -> set[Action]:
    """The buttons the page drew before the rule had one home (its `can_*` flags), the behaviour to keep."""
    mine = state.holder == "me" and role == "psychiatrist"
    undecided = state.status in ReviewCase.UNDECIDED
    psychiatrist, admin = role == "psychiatrist", role == "admin"
    flags = {
        Action.CLAIM: psychiatrist and state.status == Status.OPEN,
        Action.RELEASE: state.status == Status.CLAIMED and (mine or admin),
        Action.ACKNOWLEDGE: psychiatrist and undecided and state.urgency == "urgent",
        **dict.fromkeys(
            cases.DECISIONS, psychiatrist and mine and state.status in (Status.CLAIMED, Status.AWAITING_PATIENT)
        ),
        Action.REASSIGN: admin and undecided,
        Action.REOPEN: admin and state.status in (*ReviewCase.DECIDED, Status.CLOSED),
    }
    return {action for action, allowed in flags.items() if allowed}


@pytest.mark.parametrize("role", ["psychiatrist", "admin"])
def test_the_case_page_offers_exactly_the_allowed_actions_for_every_status_holder_and_urgency(
    client, clinic, case, role
):
    user = getattr(clinic, role)
    membership = access.membership(user, clinic)
    login_staff(client, user)
    for state in STATES:
        current = _put(case, clinic, state)

        allowed = cases.allowed_actions(current, membership)

        assert _offered(client, current) == allowed, f"{role}, {state}"
        assert allowed == _before(state, role), f"{role}, {state}"


def _call(action: Action, case: ReviewCase, user: Any, clinic: Any) -> None:
    """The service behind the action, with valid input (only the case's state or the user's role can refuse)."""
    kwargs = {"case_id": case.pk, "user": user}
    if action == Action.CLAIM:
        cases.review_case_claim(**kwargs)
    elif action == Action.RELEASE:
        cases.review_case_release(**kwargs)
    elif action == Action.ACKNOWLEDGE:
        cases.review_case_acknowledge(**kwargs)
    elif action == Action.CLEAR:
        cases.review_case_clear(**kwargs, note="", patient_message="Good news.")
    elif action == Action.DECLINE:
        cases.review_case_decline(**kwargs, note="Active mania", patient_message="We are sorry.")
    elif action == Action.REQUEST_INFO:
        cases.review_case_request_info(**kwargs, patient_message="Which dose?")
    elif action == Action.REASSIGN:
        cases.review_case_reassign(case_id=case.pk, to_user=_other_psychiatrist(case, clinic), by=user)
    else:
        cases.review_case_reopen(**kwargs, note="Decided on the wrong answers")


def _other_psychiatrist(case: ReviewCase, clinic: Any) -> Any:
    return clinic.psychiatrist2 if case.claimed_by_id == clinic.psychiatrist.pk else clinic.psychiatrist


def _page_message(client: Any, action: Action, case: ReviewCase, clinic: Any) -> str:
    """What the page says when the user tries the action: the decision pages refuse on opening, the rest on
    posting their form."""
    url = reverse(f"screening:{URL_NAMES[action]}", kwargs={"clinic_slug": clinic.slug, "case_id": case.pk})
    if action in cases.DECISIONS:
        response = client.get(url)
    elif action == Action.REASSIGN:
        response = client.post(url, {"psychiatrist": str(_other_psychiatrist(case, clinic).pk), "note": ""})
    elif action == Action.REOPEN:
        response = client.post(url, {"note": "Decided on the wrong answers"})
    else:
        response = client.post(url)
    assert response.status_code == 302
    return [str(m) for m in get_messages(response.wsgi_request)][-1]  # unread ones from earlier tries come first


def _unchanged(case: ReviewCase) -> tuple:
    fresh = ReviewCase.objects.get(pk=case.pk)
    return (fresh.status, fresh.claimed_by_id, fresh.decided_by_id, fresh.acknowledged_at, fresh.decisions.count())


@pytest.mark.parametrize("role", ["psychiatrist", "admin"])
def test_every_refused_action_fails_with_the_one_message_the_page_shows(client, clinic, case, role):
    user = getattr(clinic, role)
    membership = access.membership(user, clinic)
    login_staff(client, user)
    refused = 0
    for state in STATES:
        current = _put(case, clinic, state)
        before = _unchanged(current)
        for action in Action:
            if action in cases.allowed_actions(current, membership):
                continue
            message = cases.refusal(current, membership, action)
            if membership.role not in cases.ROLES[action]:
                assert message == cases.NOT_YOUR_ROLE
                with pytest.raises(PermissionDenied, match=cases.NOT_YOUR_ROLE):
                    _call(action, current, user, clinic)
                continue
            twice_is_once = (action == Action.CLAIM and state.status == Status.CLAIMED and state.holder == "me") or (
                action == Action.ACKNOWLEDGE and state.urgency == "urgent, acknowledged"
            )
            if twice_is_once:  # a double click or a stale page: already done, nothing changes
                _call(action, current, user, clinic)
            else:
                with pytest.raises(cases.CaseActionError) as error:
                    _call(action, current, user, clinic)
                assert str(error.value) == message, f"{role}, {state}: {action}"
                assert _page_message(client, action, current, clinic) == message, f"{role}, {state}: {action}"
                refused += 1
            assert _unchanged(current) == before, f"{role}, {state}: {action}"
    assert refused > 20  # the loop really tried


def test_a_coordinator_may_take_no_action_and_the_services_say_so(clinic, case):
    membership = access.membership(clinic.coordinator, clinic)
    assert cases.allowed_actions(case, membership) == frozenset()
    for action in Action:
        with pytest.raises(PermissionDenied, match=cases.NOT_YOUR_ROLE):
            _call(action, case, clinic.coordinator, clinic)


def test_the_claimer_is_named_when_a_claim_comes_too_late(clinic, case):
    cases.review_case_claim(case_id=case.pk, user=clinic.psychiatrist)
    current = ReviewCase.objects.select_related("claimed_by").get(pk=case.pk)
    membership = access.membership(clinic.psychiatrist2, clinic)

    with pytest.raises(cases.CaseAlreadyClaimed) as error:
        cases.review_case_claim(case_id=case.pk, user=clinic.psychiatrist2)

    assert str(error.value) == cases.refusal(current, membership, Action.CLAIM)
    assert str(error.value) == "Dr. Priya Raman has already claimed this case."


# --- the urgent intake alert -------------------------------------------------------------------------------------


def _alert(clinic: Any) -> IntakeAlert:
    draft = draft_get_or_start(patient=UserFactory(full_name="Robin Castillo"), clinic=clinic)
    answered = steps.ANSWER_STEPS[: steps.ANSWER_STEPS.index("safety") + 1]
    draft.answers = {k: v for k, v in raw_answers(answers_for("urgent")).items() if k in answered}
    draft.save(update_fields=["answers"])
    draft_report_risk(draft=draft)
    return IntakeAlert.objects.select_related("clinic").get(draft=draft)


@pytest.mark.parametrize("role", ["psychiatrist", "admin"])
def test_the_alert_page_offers_acknowledging_exactly_when_allowed_and_a_refusal_has_one_message(client, clinic, role):
    user = getattr(clinic, role)
    membership = access.membership(user, clinic)
    login_staff(client, user)
    alert = _alert(clinic)
    ack_url = reverse("screening:intake_alert_acknowledge", kwargs={"clinic_slug": clinic.slug, "alert_id": alert.pk})
    page_url = reverse("screening:intake_alert", kwargs={"clinic_slug": clinic.slug, "alert_id": alert.pk})
    for acknowledged in (False, True):
        IntakeAlert.objects.filter(pk=alert.pk).update(
            acknowledged_by=clinic.psychiatrist2 if acknowledged else None,
            acknowledged_at=timezone.now() if acknowledged else None,
        )
        alert.refresh_from_db()
        allowed = cases.alert_allowed_actions(alert, membership)

        offered = f'action="{ack_url}"' in client.get(page_url).content.decode()

        assert offered == (Action.ACKNOWLEDGE in allowed), (role, acknowledged)
        assert allowed == ({Action.ACKNOWLEDGE} if role == "psychiatrist" and not acknowledged else set())
    if role == "admin":
        with pytest.raises(PermissionDenied, match=cases.NOT_YOUR_ROLE):
            cases.intake_alert_acknowledge(alert_id=alert.pk, user=user)
        return
    # Once the intake is sent the alert is its case's: acknowledging the alert is refused, in one message.
    IntakeAlert.objects.filter(pk=alert.pk).update(acknowledged_by=None, acknowledged_at=None)
    linked = case_of(send(clinic, alert.patient, "needs_review"))
    IntakeAlert.objects.filter(pk=alert.pk).update(case=linked, linked_at=timezone.now())
    alert.refresh_from_db()
    message = cases.alert_refusal(alert, membership)
    assert message == cases.ALERT_SENT
    with pytest.raises(cases.CaseActionError) as error:
        cases.intake_alert_acknowledge(alert_id=alert.pk, user=user)
    assert str(error.value) == message
    response = client.post(ack_url)
    assert [str(m) for m in get_messages(response.wsgi_request)] == [message]
