"""The clinic dashboard: the funnel of a period, median times, the chart, the per-day figures kept fresh in the
background, and the audited CSV export."""

import csv
import io
from datetime import date, datetime, time, timedelta

import pytest
from django.db import connection
from django.db.models import F
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import dateformat, timezone

from core.models import AuditEvent
from dashboard.funnel import funnel, funnel_days_refresh
from dashboard.models import FunnelDay
from dashboard.tasks import dashboard_refresh
from intake.models import IntakeDraft, IntakeSubmission
from scheduling.appointments import appointment_book, appointment_mark
from scheduling.models import Appointment, WorklistEntry
from screening.models import Outcome, Priority, ReviewCase
from tests.factories import UserFactory, login_staff
from tests.factories.scheduling import LA, on_worklist, scheduling_clinic
from tests.factories.submissions import submit

pytestmark = pytest.mark.django_db

OCTOBER = (date(2026, 10, 1), date(2026, 10, 31))


def at(day: int, hour: int = 10, minute: int = 0, month: int = 10) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=LA)


def _appointment(october, entry, *, kind, starts, booked_on, attended=False):
    clinician = october["psychiatrist"] if kind == "evaluation" else october["coordinator"]
    appointment = appointment_book(
        clinic=october["clinic"],
        kind=kind,
        clinician=clinician,
        patient=entry.patient,
        starts_at=starts,
        duration=timedelta(minutes=60 if kind == "evaluation" else 15),
        booked_by=october["coordinator"],
        entry=entry,
        now=booked_on,
    )
    if attended:
        appointment_mark(appointment=appointment, outcome="attended", by=clinician, now=starts + timedelta(hours=1))
    return appointment


@pytest.fixture
def october():
    clinic, coordinator, psychiatrist, admin = scheduling_clinic()
    world = {"clinic": clinic, "coordinator": coordinator, "psychiatrist": psychiatrist, "admin": admin}
    # October, in the clinic's time zone: five intakes sent, one begun and left, one sent on Halloween night.
    eligible = on_worklist(clinic, source=WorklistEntry.Source.ELIGIBLE, at=at(5))
    _appointment(world, eligible, kind="consultation", starts=at(6, 9), booked_on=at(5, 12))
    _appointment(world, eligible, kind="evaluation", starts=at(8, 10), booked_on=at(6, 10), attended=True)
    on_worklist(clinic, source=WorklistEntry.Source.ELIGIBLE, at=at(7))
    cleared = on_worklist(clinic, source=WorklistEntry.Source.CLEARED, at=at(10), decided_by=psychiatrist)
    _appointment(world, cleared, kind="evaluation", starts=at(20, 14), booked_on=at(12))
    routine, result = submit(UserFactory(), clinic, outcome=Outcome.NEEDS_REVIEW, priority=Priority.ROUTINE, at=at(15))
    ReviewCase.objects.create(
        clinic=clinic, submission=routine, result=result, priority="routine", due_at=at(17), created_at=at(15)
    )
    submit(UserFactory(), clinic, outcome=Outcome.INELIGIBLE, at=at(31, 23, 30))  # Nov 1 in UTC: still October here
    IntakeDraft.objects.create(patient=UserFactory(), clinic=clinic, created_at=at(20))
    # Outside the period: September, and the first minutes of November.
    submit(UserFactory(), clinic, outcome=Outcome.ELIGIBLE, at=at(30, 12, month=9))
    submit(UserFactory(), clinic, outcome=Outcome.ELIGIBLE, at=at(1, 0, 30, month=11))
    return world


def test_the_funnel_counts_what_happened_to_the_periods_intakes(october):
    result = funnel(october["clinic"], *OCTOBER)

    assert {s.key: s.count for s in result.steps} == {
        "started": 6,
        "submitted": 5,
        "eligible": 2,
        "needs_review": 2,
        "urgent": 0,
        "routine": 2,
        "ineligible": 1,
        "cleared": 1,
        "consultation": 1,
        "evaluation": 2,
        "evaluated": 1,
    }
    assert result.median_to_decision == timedelta(hours=5) and result.decisions == 1
    assert result.median_to_evaluation == timedelta(days=3) and result.evaluations == 1


def test_medians_take_the_middle_value(october):
    clinic = october["clinic"]
    for hours in (1, 9):
        on_worklist(clinic, source=WorklistEntry.Source.CLEARED, at=at(2))
        ReviewCase.objects.filter(submission__submitted_at=at(2), decided_at=at(2, 15)).update(
            decided_at=at(2) + timedelta(hours=hours)
        )
    result = funnel(clinic, *OCTOBER)
    assert result.decisions == 3
    assert result.median_to_decision == timedelta(hours=5)  # 1, 5 and 9 hours


def test_the_dashboard_draws_the_chart_and_the_table(client, october):
    login_staff(client, october["admin"])
    path = reverse("dashboard:dashboard", kwargs={"clinic_slug": october["clinic"].slug})

    html = client.get(path, {"start": "2026-10-01", "end": "2026-10-31"}).content.decode()

    assert 'role="img"' in html and '<title id="funnel-title">Funnel, 1 Oct 2026 to 31 Oct 2026</title>' in html
    assert "Intakes started 6; Submitted 5; Eligible at screening 2" in html  # the description for screen readers
    evaluated = '<tr data-step="evaluated"><th scope="row" class="fw-normal">Evaluated</th><td class="text-end">1</td>'
    assert evaluated + '<td class="text-end">20%</td></tr>' in html  # one of the five submitted
    assert 'data-median="decision">5 hours' in html and 'data-median="evaluation">3 days' in html
    assert "style=" not in html.split("<svg", 1)[1].split("</svg>", 1)[0]  # no inline styles under the CSP
    assert "export.csv?start=2026-10-01&amp;end=2026-10-31" in html


def test_a_bad_period_is_explained_and_the_last_30_days_shown(client, october):
    login_staff(client, october["admin"])
    path = reverse("dashboard:dashboard", kwargs={"clinic_slug": october["clinic"].slug})

    backwards = client.get(path, {"start": "2026-10-31", "end": "2026-10-01"}).content.decode()
    assert "The end date must be on or after the start date." in backwards
    assert "Showing the last 30 days instead." in backwards
    assert 'value="2026-10-31"' in backwards  # what was typed stays
    too_long = client.get(path, {"start": "2024-01-01", "end": "2026-10-01"}).content.decode()
    assert "Choose a period of at most 366 days." in too_long
    nonsense = client.get(path, {"start": "yesterday"}).content.decode()
    assert "Enter a date like 2026-11-01." in nonsense


def test_the_dashboard_is_for_clinic_admins_only(client, october):
    path = reverse("dashboard:dashboard", kwargs={"clinic_slug": october["clinic"].slug})
    for role in ("coordinator", "psychiatrist"):
        login_staff(client, october[role])
        assert client.get(path).status_code == 404


def submitted_on_page(html: str) -> int:
    row = html.split('<tr data-step="submitted">', 1)[1].split("</tr>", 1)[0]
    return int(row.split('<td class="text-end">', 1)[1].split("</td>", 1)[0])


def test_with_fresh_days_the_page_costs_the_same_few_queries_for_few_or_many_intakes(client, october):
    login_staff(client, october["admin"])
    path = reverse("dashboard:dashboard", kwargs={"clinic_slug": october["clinic"].slug})
    params = {"start": "2026-10-01", "end": "2026-10-31"}
    client.get(path, params)  # the first load computes October's days

    with CaptureQueriesContext(connection) as few:
        client.get(path, params)
    for day in range(1, 29):
        on_worklist(october["clinic"], source=WorklistEntry.Source.ELIGIBLE, at=at(day, 8))
    assert submitted_on_page(client.get(path, params).content.decode()) == 5  # still fresh: read, not recounted
    funnel_days_refresh(october["clinic"], *OCTOBER)  # what the beat does
    with CaptureQueriesContext(connection) as many:
        response = client.get(path, params)

    assert response.status_code == 200
    assert len(many) == len(few) <= 12
    assert '<td class="text-end">33</td>' in response.content.decode()  # 5 + 28 submitted


def test_a_stale_day_is_recomputed_on_the_next_load_and_a_fresh_one_is_not(client, october):
    login_staff(client, october["admin"])
    path = reverse("dashboard:dashboard", kwargs={"clinic_slug": october["clinic"].slug})
    params = {"start": "2026-10-01", "end": "2026-10-31"}
    client.get(path, params)
    on_worklist(october["clinic"], source=WorklistEntry.Source.ELIGIBLE, at=at(12))

    assert submitted_on_page(client.get(path, params).content.decode()) == 5
    # October is over a month ago: its days are recomputed once they are a day old.
    FunnelDay.objects.update(computed_at=F("computed_at") - timedelta(hours=23))
    assert submitted_on_page(client.get(path, params).content.decode()) == 5
    FunnelDay.objects.update(computed_at=F("computed_at") - timedelta(hours=2))
    assert submitted_on_page(client.get(path, params).content.decode()) == 6


def test_the_last_30_days_are_recomputed_after_5_minutes(october, django_assert_num_queries):
    clinic = october["clinic"]
    now = datetime(2026, 11, 2, 9, tzinfo=LA)  # October 3 onwards is within the last 30 days
    funnel(clinic, *OCTOBER, now=now)
    on_worklist(clinic, source=WorklistEntry.Source.ELIGIBLE, at=at(12))

    with django_assert_num_queries(1):  # fresh: one read
        result = funnel(clinic, *OCTOBER, now=now + timedelta(minutes=4))
    assert result.steps[1].count == 5 and result.computed_at == now
    with django_assert_num_queries(4):  # the read, then the stale days' cohort, drafts started and the upsert
        result = funnel(clinic, *OCTOBER, now=now + timedelta(minutes=6))
    assert result.steps[1].count == 6
    assert FunnelDay.objects.get(clinic=clinic, day=date(2026, 10, 12)).computed_at == now + timedelta(minutes=6)
    assert FunnelDay.objects.get(clinic=clinic, day=date(2026, 10, 1)).computed_at == now  # older: kept a day


def test_the_beat_keeps_the_last_year_fresh_and_is_safe_to_run_twice(october, monkeypatch, django_assert_num_queries):
    clinic = october["clinic"]
    clock = [datetime(2027, 3, 1, 9, tzinfo=LA)]
    monkeypatch.setattr(timezone, "now", lambda: clock[0])
    last_30_days = (date(2027, 1, 31), date(2027, 3, 1))

    dashboard_refresh()
    dashboard_refresh()

    assert FunnelDay.objects.filter(clinic=clinic).count() == 366
    assert not FunnelDay.objects.filter(clinic=clinic, day__lt=date(2026, 3, 1)).exists()
    with django_assert_num_queries(1):  # October was computed by the beat: the page only reads
        assert funnel(clinic, *OCTOBER).steps[1].count == 5
    # Today's intakes reach the page with the next run, without the page recounting anything.
    on_worklist(clinic, source=WorklistEntry.Source.ELIGIBLE, at=clock[0] - timedelta(minutes=1))
    assert funnel(clinic, *last_30_days).steps[1].count == 0
    clock[0] += timedelta(minutes=5)  # the next run
    dashboard_refresh()
    with django_assert_num_queries(1):
        assert funnel(clinic, *last_30_days).steps[1].count == 1


def test_medians_across_several_days_are_the_median_of_every_duration(october):
    clinic = october["clinic"]
    november = (date(2026, 11, 2), date(2026, 11, 30))
    for day, hours in ((2, 1), (2, 20), (3, 3), (4, 4), (4, 6), (5, 8)):
        entry = on_worklist(clinic, source=WorklistEntry.Source.CLEARED, at=at(day, month=11))
        ReviewCase.objects.filter(submission=entry.submission).update(
            decided_at=at(day, month=11) + timedelta(hours=hours)
        )

    result = funnel(clinic, *november)

    # 1, 3, 4, 6, 8 and 20 hours: between 4 and 6 (the median of each day's medians would be 6 h 30 min).
    assert result.decisions == 6 and result.median_to_decision == timedelta(hours=5)
    assert FunnelDay.objects.filter(clinic=clinic, day__range=november).count() == 29


def test_the_page_says_how_recent_the_figures_are_in_clinic_time(client, october):
    login_staff(client, october["admin"])
    path = reverse("dashboard:dashboard", kwargs={"clinic_slug": october["clinic"].slug})
    params = {"start": "2026-10-01", "end": "2026-10-31"}
    client.get(path, params)
    oldest = timezone.now() - timedelta(hours=3)
    FunnelDay.objects.filter(day=date(2026, 10, 9)).update(computed_at=oldest)

    html = client.get(path, params).content.decode()

    expected = dateformat.format(oldest.astimezone(LA), "g:i A")
    assert f"{expected} (clinic time), updated every few minutes" in html
    assert html.count("Figures as of") == 1


def test_a_day_with_no_intakes_is_stored_as_zeros_and_not_recounted(october, django_assert_num_queries):
    clinic = october["clinic"]
    quiet = (date(2026, 10, 2), date(2026, 10, 2))

    assert {s.count for s in funnel(clinic, *quiet).steps} == {0}

    row = FunnelDay.objects.get(clinic=clinic, day=quiet[0])
    assert set(row.counts.values()) == {0} and row.to_decision == [] and row.to_evaluation == []
    with django_assert_num_queries(1):
        result = funnel(clinic, *quiet)
    assert result.median_to_decision is None and result.decisions == 0


def test_the_csv_export_is_audited_streamed_and_has_no_free_text(client, october):
    login_staff(client, october["admin"])
    path = reverse("dashboard:export_csv", kwargs={"clinic_slug": october["clinic"].slug})

    response = client.get(path, {"start": "2026-10-01", "end": "2026-10-31"})

    assert isinstance(response, StreamingHttpResponse)
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="{october["clinic"].slug}-submissions-2026-10-01-to-2026-10-31.csv"'
    )
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == [
        "submission_id",
        "submitted_at",
        "version",
        "outcome",
        "priority",
        "ruleset",
        "policy_version",
        "case_status",
        "decision_at",
        "evaluation_at",
        "evaluation_status",
    ]
    assert len(rows) == 6
    by_outcome = {r[3]: r for r in rows[1:]}
    assert rows[1][1] == "2026-10-05T10:00:00-07:00"  # oldest first, in the clinic's time
    assert rows[-1][1] == "2026-10-31T23:30:00-07:00"
    assert by_outcome["ineligible"][6] == "1" and by_outcome["ineligible"][5] == "test"
    cleared = next(r for r in rows[1:] if r[7] == "cleared")
    assert cleared[8] == "2026-10-10T15:00:00-07:00" and cleared[9] == "2026-10-20T14:00:00-07:00"
    assert cleared[10] == "booked"
    attended = next(r for r in rows[1:] if r[10] == "attended")
    assert attended[9] == "2026-10-08T10:00:00-07:00"

    assert {len(r) for r in rows} == {11}
    text = "\n".join(",".join(r) for r in rows)
    for submission in IntakeSubmission.objects.filter(clinic=october["clinic"]).select_related("patient"):
        assert submission.patient.email not in text and submission.signed_name not in text
    event = AuditEvent.objects.get(action="export.csv")
    assert event.actor == october["admin"] and event.clinic == october["clinic"]
    assert event.detail["from"] == "2026-10-01" and event.detail["to"] == "2026-10-31"


def test_an_export_for_a_bad_period_is_refused_and_not_audited(client, october):
    login_staff(client, october["admin"])
    path = reverse("dashboard:export_csv", kwargs={"clinic_slug": october["clinic"].slug})

    response = client.get(path, {"start": "2026-10-31", "end": "2026-10-01"})

    assert response.status_code == 400
    assert "The end date must be on or after the start date." in response.content.decode()
    assert not AuditEvent.objects.filter(action="export.csv").exists()


def test_appointments_of_the_cohort_count_once_each_however_often_rescheduled(october):
    entry = WorklistEntry.objects.get(source="cleared")
    appointment = Appointment.objects.get(entry=entry)
    from scheduling.appointments import appointment_reschedule

    appointment_reschedule(
        appointment=appointment, starts_at=at(21, 14), by=october["coordinator"], reason="Clash", now=at(13)
    )
    steps = {s.key: s.count for s in funnel(october["clinic"], *OCTOBER).steps}
    assert steps["evaluation"] == 2
    assert time(14) == appointment.starts_at.astimezone(LA).time()
