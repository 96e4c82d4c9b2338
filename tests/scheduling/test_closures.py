"""Clinic closures (holidays) and days off: no free time is offered on them, and an appointment booked before
the closure was entered is flagged on the coordinators' worklist so it can be moved."""

from datetime import time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent
from scheduling.appointments import appointment_book
from scheduling.availability import free_slots
from scheduling.models import Appointment, AvailabilityException, ClinicClosure
from tests.factories import login_staff
from tests.factories.scheduling import LA, next_local, on_worklist

pytestmark = pytest.mark.django_db


def url(name: str, world, **kwargs) -> str:
    return reverse(f"scheduling:{name}", kwargs={"clinic_slug": world["clinic"].slug, **kwargs})


def local_days_offered(world, clinician) -> set:
    slots = free_slots(
        clinic=world["clinic"],
        clinician_ids=[clinician.pk],
        kind=Appointment.Kind.EVALUATION,
        duration=timedelta(minutes=60),
        now=timezone.now(),
    )
    zone = world["clinic"].zone
    return {s.starts_at.astimezone(zone).date() for s in slots}


def book(world, entry, starts_at):
    return appointment_book(
        clinic=world["clinic"],
        kind=Appointment.Kind.EVALUATION,
        clinician=world["psychiatrist"],
        patient=entry.patient,
        starts_at=starts_at,
        duration=timedelta(minutes=60),
        booked_by=world["coordinator"],
        entry=entry,
    )


def test_an_admin_closes_the_clinic_on_a_holiday_and_nobody_is_offered_time_that_day(client, world):
    holiday = next_local(6, time(0)).date()
    assert holiday in local_days_offered(world, world["psychiatrist"])
    login_staff(client, world["admin"])

    response = client.post(url("closures", world), {"date": holiday.isoformat(), "name": "Christmas Day"}, follow=True)

    page = response.content.decode()
    assert "Closure added." in page and "Christmas Day" in page
    for clinician in (world["psychiatrist"], world["coordinator"]):
        offered = local_days_offered(world, clinician)
        assert holiday not in offered
        assert holiday + timedelta(days=1) in offered
    assert AuditEvent.objects.filter(action="closure.add", actor=world["admin"]).exists()


def test_a_closed_day_cannot_be_booked_even_by_a_crafted_post(world):
    day = next_local(4, time(0)).date()
    ClinicClosure.objects.create(clinic=world["clinic"], date=day)
    entry = on_worklist(world["clinic"])
    with pytest.raises(ValidationError, match="outside"):
        book(world, entry, next_local(4, time(10)))


def test_a_bad_or_repeated_date_is_explained_next_to_the_field(client, world):
    login_staff(client, world["admin"])
    past = client.post(url("closures", world), {"date": (next_local(-3, time(0)).date()).isoformat()})
    assert "Choose today or a later date." in past.content.decode()
    garbage = client.post(url("closures", world), {"date": "soon", "name": "Party"})
    assert "Enter a date like" in garbage.content.decode() and 'value="Party"' in garbage.content.decode()
    day = next_local(8, time(0)).date().isoformat()
    client.post(url("closures", world), {"date": day})
    again = client.post(url("closures", world), {"date": day})
    assert "The clinic is already closed on this date." in again.content.decode()
    assert ClinicClosure.objects.count() == 1


def test_removing_a_closure_makes_the_day_bookable_again(client, world):
    day = next_local(5, time(0)).date()
    closure = ClinicClosure.objects.create(clinic=world["clinic"], date=day)
    assert day not in local_days_offered(world, world["psychiatrist"])
    login_staff(client, world["admin"])

    response = client.post(url("closure_remove", world, closure_id=closure.pk))

    assert response.status_code == 302
    assert day in local_days_offered(world, world["psychiatrist"])


def test_only_clinic_admins_manage_closures_but_every_clinician_sees_them(client, world):
    ClinicClosure.objects.create(clinic=world["clinic"], date=next_local(9, time(0)).date(), name="Clinic retreat")
    login_staff(client, world["coordinator"])
    assert client.get(url("closures", world)).status_code == 404
    availability = client.get(url("availability", world)).content.decode()
    assert "The clinic is closed" in availability and "Clinic retreat" in availability


def test_an_appointment_on_a_new_closure_or_day_off_is_flagged_on_the_worklist(client, world):
    entry = on_worklist(world["clinic"])
    other = on_worklist(world["clinic"])
    on_holiday = book(world, entry, next_local(3, time(10)))
    on_day_off = book(world, other, next_local(5, time(11)))
    untouched = book(world, other, next_local(7, time(11)))
    login_staff(client, world["coordinator"])
    assert "closed day" not in client.get(url("worklist", world)).content.decode()

    ClinicClosure.objects.create(clinic=world["clinic"], date=next_local(3, time(0)).date(), name="Holiday")
    AvailabilityException.objects.create(
        clinic=world["clinic"], clinician=world["psychiatrist"], date=next_local(5, time(0)).date(), kind="day_off"
    )
    page = client.get(url("worklist", world)).content.decode()

    assert "2 appointments on a closed day: please move them" in page
    assert "Clinic closed" in page and "Clinician&#x27;s day off" in page
    assert str(on_holiday.pk) in page and str(on_day_off.pk) in page and str(untouched.pk) not in page
    assert next_local(3, time(10)).astimezone(LA).strftime("%-d %b") in page
