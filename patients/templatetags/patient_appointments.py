"""The patient's appointments on their home page.

{% load patient_appointments %}
{% patient_appointments user %}      two queries
"""

from typing import Any

from django import template
from django.utils import timezone

from scheduling.appointments import patient_upcoming
from scheduling.worklist import patient_bookable_entries

register = template.Library()


@register.inclusion_tag("patients/_appointments.html")
def patient_appointments(user: Any) -> dict[str, Any]:
    """The patient's upcoming appointments, and a link to book the free phone call where nothing is booked yet."""
    now = timezone.now()
    upcoming = patient_upcoming(user, now=now)
    # A booked call or evaluation at a clinic: no "Book a free phone call" with it.
    called = {a.clinic_id for a in upcoming}
    entries, seen = [], set()
    for entry in patient_bookable_entries(user):
        if entry.clinic_id not in called and entry.clinic_id not in seen:
            seen.add(entry.clinic_id)
            entries.append(entry)
    return {"upcoming": upcoming, "bookable": entries}
