"""The scheduling pages: booking from the worklist, an appointment, rescheduling, the calendar, availability,
the checklist, and the patient's own booking; each with clear messages and a fixed number of queries."""

from datetime import time, timedelta

import pytest
from django.db import connection
from django.template import Context, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clinics.models import Role
from core.models import AuditEvent
from scheduling.availability import slot_value
from scheduling.checklist import checklist_tick
from scheduling.models import (
    Appointment,
    AvailabilityException,
    AvailabilityWindow,
    PreEvaluationChecklist,
    WorklistEntry,
)
from tests.factories import login_staff, make_clinic, make_staff
from tests.factories.scheduling import LA, book, next_local, on_worklist, scheduling_clinic

pytestmark = pytest.mark.django_db


def url(name: str, world, **kwargs) -> str:
    return reverse(f"scheduling:{name}", kwargs={"clinic_slug": world["clinic"].slug, **kwargs})


def count_queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return len(queries)


# --- booking from the worklist -----------------------------------------------------------------------------


def test_the_booking_page_lists_free_times_by_local_day_and_is_audited(client, world):
    entry = on_worklist(world["clinic"])
    login_staff(client, world["coordinator"])

    first = client.get(url("book", world, entry_id=entry.pk))
    assert first.status_code == 200
    assert entry.patient.get_full_name() in first.content.decode()
    assert "Show free times" in first.content.decode()
    assert AuditEvent.objects.filter(action="booking.view", object_id=str(entry.pk)).count() == 1

    response = client.get(
        url("book", world, entry_id=entry.pk), {"type": "evaluation_90", "clinician": world["psychiatrist"].pk}
    )
    html = response.content.decode()
    assert "Psychiatric evaluation, 90 minutes with Dr. Priya Raman" in html
    tomorrow = next_local(1, time(9))
    assert f'value="{slot_value(tomorrow)}"' in html  # 9:00 tomorrow, as a UTC value
    assert f'value="{slot_value(tomorrow + timedelta(hours=7))}"' not in html  # 16:00 + 90 min ends after 17:00
    assert tomorrow.strftime("%A %-d %B") in html


def test_booking_a_slot_takes_the_coordinator_to_the_appointment(client, world):
    entry = on_worklist(world["clinic"])
    login_staff(client, world["coordinator"])
    starts = next_local(2, time(10))

    response = client.post(
        url("book", world, entry_id=entry.pk),
        {"type": "evaluation_60", "clinician": world["psychiatrist"].pk, "slot": slot_value(starts)},
    )

    appointment = Appointment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("appointment", world, appointment_id=appointment.pk)
    assert appointment.starts_at == starts and appointment.booked_by == world["coordinator"]
    page = client.get(response["Location"]).content.decode()
    assert "Booked. The patient has been sent an e-mail with a calendar file." in page
    assert starts.strftime("%A %-d %B %Y") in page


def test_a_slot_booked_a_moment_ago_is_refused_with_a_clear_message_and_the_choice_kept(client, world):
    first, second = on_worklist(world["clinic"]), on_worklist(world["clinic"])
    starts = next_local(2, time(10))
    book(world, first, starts)
    login_staff(client, world["coordinator"])

    response = client.post(
        url("book", world, entry_id=second.pk),
        {"type": "evaluation_60", "clinician": world["psychiatrist"].pk, "slot": slot_value(starts)},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "The appointment was not booked" in html
    assert "That time was just booked by someone else. Please choose another slot." in html
    assert 'value="evaluation_60"  id="id_type_1" required checked' in html
    assert f'<option value="{world["psychiatrist"].pk}" selected>' in html
    assert f'value="{slot_value(starts)}"' not in html  # the taken time is no longer offered
    assert Appointment.objects.count() == 1


def test_an_evaluation_with_a_coordinator_is_refused_at_the_field(client, world):
    entry = on_worklist(world["clinic"])
    login_staff(client, world["coordinator"])

    response = client.get(
        url("book", world, entry_id=entry.pk), {"type": "evaluation_60", "clinician": world["coordinator"].pk}
    )

    html = response.content.decode()
    assert "Only a psychiatrist can hold a psychiatric evaluation. Choose a psychiatrist." in html
    assert "Free times in the next" not in html


def test_the_booking_page_makes_the_same_number_of_queries_with_few_or_many_appointments(client, world):
    entry = on_worklist(world["clinic"])
    login_staff(client, world["coordinator"])
    path = url("book", world, entry_id=entry.pk) + f"?type=consultation&clinician={world['coordinator'].pk}"
    book(
        world,
        on_worklist(world["clinic"]),
        next_local(1, time(9)),
        kind="consultation",
        clinician=world["coordinator"],
        minutes=15,
    )
    few = count_queries(client, path)
    for day in range(2, 12):
        other = on_worklist(world["clinic"])
        for hour in (9, 11, 13):
            book(
                world,
                other,
                next_local(day, time(hour)),
                kind="consultation",
                clinician=world["coordinator"],
                minutes=15,
            )
    assert count_queries(client, path) == few
    assert few <= 25


def test_only_coordinators_and_admins_book_and_another_clinics_entry_is_not_found(client, world):
    entry = on_worklist(world["clinic"])
    other_clinic = make_clinic()
    elsewhere = on_worklist(other_clinic)
    login_staff(client, world["psychiatrist"])
    assert client.get(url("book", world, entry_id=entry.pk)).status_code == 404
    login_staff(client, world["admin"])
    assert client.get(url("book", world, entry_id=entry.pk)).status_code == 200
    assert client.get(url("book", world, entry_id=elsewhere.pk)).status_code == 404


# --- one appointment: cancel, mark, reschedule --------------------------------------------------------------


def test_the_appointment_page_shows_the_history_and_cancelling_needs_a_reason(client, world):
    appointment = book(world, on_worklist(world["clinic"]), next_local(2, time(10)))
    login_staff(client, world["coordinator"])

    page = client.get(url("appointment", world, appointment_id=appointment.pk))
    assert page.status_code == 200
    assert AuditEvent.objects.filter(action="appointment.view", object_id=str(appointment.pk)).exists()
    assert "Before the evaluation and treatment" in page.content.decode()  # the checklist panel

    refused = client.post(url("appointment_cancel", world, appointment_id=appointment.pk), {"reason": ""})
    assert refused.status_code == 200
    assert "Please give a reason for cancelling." in refused.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == "booked"

    done = client.post(
        url("appointment_cancel", world, appointment_id=appointment.pk), {"reason": "Patient moved away"}
    )
    assert done.status_code == 302
    html = client.get(done["Location"]).content.decode()
    assert "Cancelled. The patient has been sent an e-mail." in html
    assert "Patient moved away" in html
    assert "Reschedule" not in html


def test_attendance_is_marked_once_the_appointment_has_started(client, world):
    entry = on_worklist(world["clinic"])
    past = next_local(-1, time(10))
    appointment = book(world, entry, past, now=past - timedelta(days=3))
    upcoming = book(world, on_worklist(world["clinic"]), next_local(2, time(10)))
    login_staff(client, world["psychiatrist"])

    early = client.post(url("appointment_mark", world, appointment_id=upcoming.pk), {"outcome": "attended"})
    assert "You can mark this once the appointment has started." in early.content.decode()

    response = client.post(url("appointment_mark", world, appointment_id=appointment.pk), {"outcome": "attended"})
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == "attended"
    checklist = PreEvaluationChecklist.objects.get(patient=entry.patient)
    assert checklist.evaluation_done_by == world["psychiatrist"]


def test_rescheduling_needs_a_reason_and_keeps_the_chosen_time(client, world):
    appointment = book(world, on_worklist(world["clinic"]), next_local(2, time(10)))
    login_staff(client, world["coordinator"])
    path = url("appointment_reschedule", world, appointment_id=appointment.pk)
    new_time = next_local(3, time(14))

    page = client.get(path).content.decode()
    assert f'value="{slot_value(new_time)}"' in page
    # Its own time and the half hour after still show: the appointment being moved does not block itself.
    assert f'value="{slot_value(appointment.starts_at + timedelta(minutes=30))}"' in page

    refused = client.post(path, {"clinician": world["psychiatrist"].pk, "slot": slot_value(new_time), "reason": ""})
    html = refused.content.decode()
    assert "Please give a reason for moving the appointment." in html
    assert f'value="{slot_value(new_time)}" autocomplete="off" checked' in html

    moved = client.post(
        path, {"clinician": world["psychiatrist"].pk, "slot": slot_value(new_time), "reason": "Patient's request"}
    )
    new = Appointment.objects.get(rescheduled_from=appointment)
    assert moved["Location"] == url("appointment", world, appointment_id=new.pk)
    html = client.get(moved["Location"]).content.decode()
    assert "Moved. The patient has been sent an e-mail with the new time." in html
    assert "Moved to another time" in html and "Patient&#x27;s request" in html


# --- the calendar -------------------------------------------------------------------------------------------


def test_the_calendar_shows_the_week_in_the_clinics_time_and_filters_by_clinician(client, world):
    monday = timezone.now().astimezone(LA).date() + timedelta(days=7)
    monday -= timedelta(days=monday.weekday())
    entry = on_worklist(world["clinic"])
    from datetime import datetime

    evaluation = book(world, entry, datetime.combine(monday, time(9), tzinfo=LA))
    call = book(
        world,
        on_worklist(world["clinic"]),
        datetime.combine(monday + timedelta(days=2), time(15), tzinfo=LA),
        kind="consultation",
        minutes=15,
        clinician=world["coordinator"],
    )
    login_staff(client, world["psychiatrist"])

    html = client.get(url("calendar", world), {"week": monday.isoformat()}).content.decode()
    assert "9:00\u201310:00 AM" in html and "3:00\u20133:15 PM" in html
    assert evaluation.patient.get_full_name() in html and call.patient.get_full_name() in html
    assert AuditEvent.objects.filter(action="calendar.view").exists()

    only = client.get(url("calendar", world), {"week": monday.isoformat(), "clinician": world["coordinator"].pk})
    assert evaluation.patient.get_full_name() not in only.content.decode()


def test_the_calendar_makes_the_same_number_of_queries_with_few_or_many_appointments(client, world):
    login_staff(client, world["coordinator"])
    path = url("calendar", world)
    book(world, on_worklist(world["clinic"]), next_local(1, time(9)))
    few = count_queries(client, path)
    for day in range(0, 7):
        for hour in (9, 11, 13, 15):
            book(
                world,
                on_worklist(world["clinic"]),
                next_local(day, time(hour)),
                kind="consultation",
                minutes=15,
                clinician=world["coordinator"],
                now=timezone.now() - timedelta(days=1),
            )
    assert count_queries(client, path) == few
    assert few <= 20


# --- availability -------------------------------------------------------------------------------------------


def test_a_clinician_adds_weekly_hours_and_a_bad_time_keeps_what_was_typed(client, world):
    coordinator = world["coordinator"]
    AvailabilityWindow.objects.filter(clinician=coordinator).delete()
    login_staff(client, coordinator)

    refused = client.post(
        url("availability", world),
        {"form": "window", "window-weekday": "1", "window-start_time": "14:00", "window-end_time": "13:00"},
    )
    html = refused.content.decode()
    assert "The hours were not added" in html and "The end must be after the start." in html
    assert 'value="14:00"' in html and 'value="13:00"' in html

    odd = client.post(
        url("availability", world),
        {"form": "window", "window-weekday": "1", "window-start_time": "09:10", "window-end_time": "12:00"},
    )
    assert "Use quarter hours, for example 9:00 or 9:15." in odd.content.decode()

    added = client.post(
        url("availability", world),
        {"form": "window", "window-weekday": "1", "window-start_time": "09:00", "window-end_time": "12:30"},
    )
    assert added.status_code == 302
    assert "Tuesday, 9:00 AM to 12:30 PM" in client.get(added["Location"]).content.decode()


def test_days_off_and_extra_hours(client, world):
    login_staff(client, world["psychiatrist"])
    day = next_local(5, time(0)).date()

    missing = client.post(
        url("availability", world),
        {"form": "exception", "exception-date": day.isoformat(), "exception-kind": "extra_hours"},
    )
    assert "Enter when the extra hours start." in missing.content.decode()
    past = client.post(
        url("availability", world),
        {"form": "exception", "exception-date": (day - timedelta(days=30)).isoformat(), "exception-kind": "day_off"},
    )
    assert "Choose today or a later date." in past.content.decode()

    client.post(
        url("availability", world),
        {"form": "exception", "exception-date": day.isoformat(), "exception-kind": "day_off"},
    )
    again = client.post(
        url("availability", world),
        {"form": "exception", "exception-date": day.isoformat(), "exception-kind": "day_off"},
    )
    assert "This date is already a day off." in again.content.decode()
    exception = AvailabilityException.objects.get(clinician=world["psychiatrist"])

    removed = client.post(url("availability_exception_remove", world, exception_id=exception.pk))
    assert removed.status_code == 302 and not AvailabilityException.objects.exists()


def test_admins_edit_anyones_hours_but_clinicians_only_their_own(client, world):
    window = AvailabilityWindow.objects.filter(clinician=world["psychiatrist"]).first()
    login_staff(client, world["coordinator"])
    assert client.post(url("availability_window_remove", world, window_id=window.pk)).status_code == 404
    page = client.get(url("availability", world), {"clinician": world["psychiatrist"].pk}).content.decode()
    assert "When you can be booked" in page  # a coordinator's page is always their own

    login_staff(client, world["admin"])
    page = client.get(url("availability", world), {"clinician": world["psychiatrist"].pk}).content.decode()
    assert "When <strong>Dr. Priya Raman</strong> can be booked" in page
    response = client.post(url("availability_window_remove", world, window_id=window.pk))
    assert response.status_code == 302
    assert response["Location"].endswith(f"?clinician={world['psychiatrist'].pk}")
    assert not AvailabilityWindow.objects.filter(pk=window.pk).exists()

    hours = {"form": "window", "window-weekday": "6", "window-start_time": "18:00", "window-end_time": "19:00"}
    nobody = client.post(url("availability", world), {**hours, "clinician": world["admin"].pk})
    assert nobody.status_code == 404  # an admin has no hours, and nobody else gets them by mistake
    added = client.post(url("availability", world), {**hours, "clinician": world["psychiatrist"].pk})
    assert added.status_code == 302
    assert AvailabilityWindow.objects.filter(clinician=world["psychiatrist"], weekday=6, start_time=time(18)).exists()


# --- the checklist ------------------------------------------------------------------------------------------


def test_ticking_the_checklist_returns_to_the_page_it_was_ticked_on(client, world):
    entry = on_worklist(world["clinic"])
    login_staff(client, world["coordinator"])
    back = url("calendar", world)

    response = client.post(
        url("checklist_tick", world, entry_id=entry.pk), {"item": "ride_arranged", "done": "1", "next": back}
    )
    assert response["Location"] == back + "#checklist"
    checklist = PreEvaluationChecklist.objects.get(patient=entry.patient)
    assert checklist.ride_arranged_by == world["coordinator"]

    elsewhere = client.post(
        url("checklist_tick", world, entry_id=entry.pk),
        {"item": "ride_arranged", "done": "0", "next": "https://evil.example/"},
    )
    assert elsewhere["Location"] == back + "#checklist"
    bad = client.post(url("checklist_tick", world, entry_id=entry.pk), {"item": "nothing", "done": "1", "next": back})
    assert bad.status_code == 302


def test_the_checklist_panel_shows_who_ticked_what_in_one_query(world):
    entry = WorklistEntry.objects.select_related("clinic").get(pk=on_worklist(world["clinic"]).pk)
    checklist_tick(
        clinic=world["clinic"], patient=entry.patient, item="labs_received", done=True, by=world["coordinator"]
    )
    request = RequestFactory().get("/staff/somewhere/")
    template = Template("{% load scheduling %}{% checklist_panel entry %}")

    with CaptureQueriesContext(connection) as queries:
        html = template.render(Context({"entry": entry, "request": request}))

    assert len(queries) == 1
    assert "1 of 4 done" in html
    assert "Done · Sam Ortiz" in html
    assert 'name="next" value="/staff/somewhere/"' in html


def test_worklist_rows_can_carry_the_checklist_progress_without_more_queries(world):
    from scheduling.checklist import with_checklist_progress

    entry = on_worklist(world["clinic"])
    checklist_tick(clinic=world["clinic"], patient=entry.patient, item="consent_signed", done=True, by=world["admin"])
    on_worklist(world["clinic"])
    with CaptureQueriesContext(connection) as queries:
        rows = list(
            with_checklist_progress(WorklistEntry.objects.filter(clinic=world["clinic"]).order_by("created_at"))
        )
        html = Template("{% load scheduling %}{% for e in rows %}[{% checklist_progress e %}]{% endfor %}").render(
            Context({"rows": rows})
        )
    assert len(queries) == 1
    assert html == "[1 of 4][0 of 4]"


# --- the patient's own booking ------------------------------------------------------------------------------


def test_an_eligible_patient_books_the_free_call_and_sees_it(client, world):
    entry = on_worklist(world["clinic"], source=WorklistEntry.Source.ELIGIBLE)
    client.force_login(entry.patient)
    path = reverse("patients:patient_book", kwargs={"clinic_slug": world["clinic"].slug})
    starts = next_local(2, time(11, 15))

    page = client.get(path).content.decode()
    assert "Book a free phone call" in page and f'value="{slot_value(starts)}"' in page

    response = client.post(path, {"slot": slot_value(starts)})
    appointment = Appointment.objects.get(patient=entry.patient)
    assert response["Location"] == reverse("patients:patient_appointment", kwargs={"appointment_id": appointment.pk})
    html = client.get(response["Location"]).content.decode()
    assert "Your call is booked." in html and starts.strftime("%A %-d %B %Y") in html
    assert "11:15 AM to 11:30 AM P" in html
    entry.refresh_from_db()
    assert entry.status == WorklistEntry.Status.SCHEDULED

    again = client.get(path).content.decode()
    assert "You already have a call booked" in again

    ics = client.get(reverse("patients:patient_appointment_ics", kwargs={"appointment_id": appointment.pk}))
    assert ics["Content-Type"].startswith("text/calendar") and b"UID:" + str(appointment.pk).encode() in ics.content


def test_a_patient_not_on_the_worklist_cannot_book_and_nobody_sees_anothers_appointment(client, world):
    entry = on_worklist(world["clinic"], source=WorklistEntry.Source.ELIGIBLE)
    appointment = book(
        world, entry, next_local(2, time(10)), kind="consultation", minutes=15, clinician=world["coordinator"]
    )
    stranger = on_worklist(make_clinic()).patient
    client.force_login(stranger)

    assert client.get(reverse("patients:patient_book", kwargs={"clinic_slug": world["clinic"].slug})).status_code == 404
    assert (
        client.get(reverse("patients:patient_appointment", kwargs={"appointment_id": appointment.pk})).status_code
        == 404
    )
    WorklistEntry.objects.filter(pk=entry.pk).update(status=WorklistEntry.Status.CLOSED)
    client.force_login(entry.patient)
    assert client.get(reverse("patients:patient_book", kwargs={"clinic_slug": world["clinic"].slug})).status_code == 404


def test_a_patient_is_told_when_the_time_was_taken_meanwhile(client, world):
    entry = on_worklist(world["clinic"], source=WorklistEntry.Source.ELIGIBLE)
    starts = next_local(2, time(10))
    for clinician in (world["coordinator"], world["psychiatrist"]):
        book(world, on_worklist(world["clinic"]), starts, kind="consultation", minutes=15, clinician=clinician)
    client.force_login(entry.patient)

    response = client.post(
        reverse("patients:patient_book", kwargs={"clinic_slug": world["clinic"].slug}), {"slot": slot_value(starts)}
    )

    assert "That time was just booked by someone else. Please choose another slot." in response.content.decode()


def test_the_patient_dashboard_tag_lists_appointments_and_offers_the_call_in_two_queries(world):
    entry = on_worklist(world["clinic"], source=WorklistEntry.Source.ELIGIBLE)
    book(world, entry, next_local(2, time(10)), minutes=90)
    other_clinic, _, _, _ = scheduling_clinic(name="Lakeside Ketamine Center")
    on_worklist(other_clinic, patient=entry.patient, source=WorklistEntry.Source.ELIGIBLE)
    template = Template("{% load patient_appointments %}{% patient_appointments user %}")

    with CaptureQueriesContext(connection) as queries:
        html = template.render(Context({"user": entry.patient}))

    assert len(queries) == 2
    assert "Psychiatric evaluation with Cedar Ketamine Clinic" in html
    assert next_local(2, time(10)).strftime("%A %-d %B %Y") + " at 10:00 AM" in html
    assert "Book a free phone call with Lakeside Ketamine Center" in html
    # The evaluation is booked at Cedar: no phone call is offered there any more.
    assert "Book a free phone call with Cedar Ketamine Clinic" not in html


def test_staff_of_another_clinic_see_nothing_here(client, world):
    appointment = book(world, on_worklist(world["clinic"]), next_local(2, time(10)))
    other = make_clinic()
    stranger = make_staff(other, Role.CLINIC_ADMIN)
    login_staff(client, stranger)
    assert client.get(url("appointment", world, appointment_id=appointment.pk)).status_code == 404
    other_url = reverse("scheduling:appointment", kwargs={"clinic_slug": other.slug, "appointment_id": appointment.pk})
    assert client.get(other_url).status_code == 404
