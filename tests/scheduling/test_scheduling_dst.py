"""Weeks with a daylight-saving change in Los Angeles: local hours stay local, no slot doubled or lost."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from scheduling.appointments import appointment_book
from scheduling.availability import free_slots, group_by_day
from scheduling.models import Appointment, AvailabilityException, WorklistEntry
from tests.factories.scheduling import LA, on_worklist, scheduling_clinic

pytestmark = pytest.mark.django_db

SPRING = date(2027, 3, 14)  # second Sunday of March 2027: 2:00 PST -> 3:00 PDT
AUTUMN = date(2026, 11, 1)  # first Sunday of November 2026: 2:00 PDT -> 1:00 PST


def _slots(clinic, clinician, first_day: date, days: int, *, kind="consultation", minutes=15):
    now = datetime.combine(first_day - timedelta(days=10), time(12), tzinfo=LA)
    return free_slots(
        clinic=clinic,
        clinician_ids=[clinician.pk],
        kind=kind,
        duration=timedelta(minutes=minutes),
        now=now,
        first_day=first_day,
        days=days,
    )


@pytest.mark.parametrize(
    ("first_day", "change"),
    [(SPRING - timedelta(days=3), SPRING), (AUTUMN - timedelta(days=3), AUTUMN)],
    ids=["march-2027", "november-2026"],
)
def test_a_9_to_17_window_is_9_to_17_local_on_every_day_of_the_week_with_the_change(first_day, change):
    clinic, _, psychiatrist, _ = scheduling_clinic()

    slots = _slots(clinic, psychiatrist, first_day, days=7)
    days = group_by_day(slots, LA)

    assert [d.day for d in days] == [first_day + timedelta(days=i) for i in range(7)]
    for day in days:
        local_times = [local.time() for _, local in day.slots]
        assert local_times == [time(9 + q // 4, 15 * (q % 4)) for q in range(32)], day.day  # none lost, none doubled
    assert len({s.starts_at for s in slots}) == len(slots) == 7 * 32
    # 9:00 local is 17:00 UTC in standard time and 16:00 UTC in daylight time.
    nine = {d.day: d.slots[0][0].starts_at for d in days}
    spring = change == SPRING
    before, after = change - timedelta(days=1), change + timedelta(days=1)
    assert nine[before] == datetime.combine(before, time(17 if spring else 16), tzinfo=UTC)
    assert nine[change] == datetime.combine(change, time(16 if spring else 17), tzinfo=UTC)
    assert nine[after] == datetime.combine(after, time(16 if spring else 17), tzinfo=UTC)


def test_a_night_window_across_the_spring_change_loses_exactly_the_skipped_hour():
    clinic, _, psychiatrist, _ = scheduling_clinic()
    AvailabilityException.objects.create(clinic=clinic, clinician=psychiatrist, date=SPRING, kind="day_off")
    AvailabilityException.objects.create(
        clinic=clinic, clinician=psychiatrist, date=SPRING, kind="extra_hours", start_time=time(1), end_time=time(4)
    )

    slots = _slots(clinic, psychiatrist, SPRING, days=1)

    local = [s.starts_at.astimezone(LA).strftime("%H:%M %Z") for s in slots]
    assert local == [f"01:{m:02d} PST" for m in (0, 15, 30, 45)] + [f"03:{m:02d} PDT" for m in (0, 15, 30, 45)]


def test_a_night_window_across_the_autumn_change_gets_the_repeated_hour_once_each():
    clinic, _, psychiatrist, _ = scheduling_clinic()
    AvailabilityException.objects.create(clinic=clinic, clinician=psychiatrist, date=AUTUMN, kind="day_off")
    AvailabilityException.objects.create(
        clinic=clinic,
        clinician=psychiatrist,
        date=AUTUMN,
        kind="extra_hours",
        start_time=time(0, 30),
        end_time=time(2, 30),
    )

    slots = _slots(clinic, psychiatrist, AUTUMN, days=1)

    # 00:30 PDT to 02:30 PST is three real hours: twelve quarter-hour slots, all different instants.
    assert len(slots) == len({s.starts_at for s in slots}) == 12
    assert slots[-1].ends_at - slots[0].starts_at == timedelta(hours=3)
    local = [s.starts_at.astimezone(LA).strftime("%H:%M %Z") for s in slots]
    assert local[:6] == ["00:30 PDT", "00:45 PDT", "01:00 PDT", "01:15 PDT", "01:30 PDT", "01:45 PDT"]
    assert local[6:] == ["01:00 PST", "01:15 PST", "01:30 PST", "01:45 PST", "02:00 PST", "02:15 PST"]


@pytest.mark.parametrize(
    ("day", "utc_hour"),
    [(date(2027, 3, 12), 17), (date(2027, 3, 15), 16), (date(2026, 10, 30), 16), (date(2026, 11, 2), 17)],
)
def test_booking_9_am_local_either_side_of_a_change_stores_the_right_utc_instant(day, utc_hour):
    clinic, coordinator, psychiatrist, _ = scheduling_clinic()
    entry = on_worklist(clinic, source=WorklistEntry.Source.ELIGIBLE)

    appointment = appointment_book(
        clinic=clinic,
        kind=Appointment.Kind.EVALUATION,
        clinician=psychiatrist,
        patient=entry.patient,
        starts_at=datetime.combine(day, time(9), tzinfo=LA),
        duration=timedelta(minutes=90),
        booked_by=coordinator,
        entry=entry,
        now=datetime.combine(day - timedelta(days=7), time(9), tzinfo=LA),
    )

    appointment.refresh_from_db()
    assert appointment.starts_at == datetime.combine(day, time(utc_hour), tzinfo=UTC)
    assert appointment.ends_at - appointment.starts_at == timedelta(minutes=90)
    assert appointment.starts_at.astimezone(LA).time() == time(9)
