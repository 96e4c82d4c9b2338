"""Template tags of the scheduling pages, and the checklist panel other pages use.

{% load scheduling %}
{% checklist_panel entry %}          one query (needs `request` in the context)
{% calendar_item item before after %} one appointment of the week view, no query
{% slot_buttons day chosen %}         one day's free times as radio buttons, no query
"""

from typing import Any

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from ..appointments import CalendarItem, clock
from ..availability import SlotDay
from ..checklist import checklist_of, checklist_rows
from ..models import PreEvaluationChecklist

register = template.Library()


@register.simple_tag
def slot_buttons(day: SlotDay, chosen: str) -> SafeString:
    """A day's free times as radio buttons named "slot". A tag, not template markup: four weeks of free times are
    several hundred buttons, and drawing each through the template engine cost ~60 ms a page."""
    buttons = []
    # The page's language decides the clock: "2:30 PM" in English, "14:30" in Spanish (its "g:i A" is "G:i").
    twelve_hour = "A" in gettext("g:i A")
    for slot, local in day.slots:
        value = slot.value
        ident = value.lower().replace(":", "")  # what slugify makes of "2026-12-04T16:00Z"
        label = clock(local, meridiem=True) if twelve_hour else f"{local.hour}:{local.minute:02d}"
        buttons.append((ident, value, " checked" if value == chosen else "", ident, label))
    return format_html_join(
        "",
        '<input type="radio" class="btn-check" name="slot" id="slot-{}" value="{}" autocomplete="off"{}>'
        '<label class="btn btn-outline-primary slot-button" for="slot-{}">{}</label>',
        buttons,
    )


@register.simple_tag
def calendar_item(item: CalendarItem, link_before: str, link_after: str) -> SafeString:
    """One appointment in the week view. A tag, not template markup: a busy week draws a hundred or more, and
    the template engine's per-variable cost made the calendar grow with the week (benchmarks/README.md)."""
    return format_html(
        # Spaces between the parts: a screen reader reads the link's text as one name.
        '<a class="calendar-item kind-{} status-{}" href="{}{}{}">'
        '<span class="calendar-time">{}</span> <span class="calendar-what">{}</span> '
        '<span class="calendar-who">{}</span> <span class="calendar-with small">with {}</span></a>',
        item.kind,
        item.status,
        link_before,
        item.pk,
        link_after,
        item.when,
        item.what,
        item.patient,
        item.clinician,
    )


@register.inclusion_tag("scheduling/_checklist_panel.html", takes_context=True)
def checklist_panel(context: template.Context, entry: Any) -> dict[str, Any]:
    """The pre-evaluation checklist of the entry's patient at its clinic, with tick / untick buttons."""
    request = context.get("request")
    checklist = checklist_of(clinic_id=entry.clinic_id, patient_id=entry.patient_id)
    rows = checklist_rows(checklist)
    return {
        "entry": entry,
        "rows": rows,
        "done": sum(1 for r in rows if r.at),
        "total": len(rows),
        "next": request.get_full_path() if request is not None else "",
        "time_zone": entry.clinic.time_zone,
        "clinic_slug": entry.clinic.slug,
    }


@register.simple_tag
def checklist_progress(entry: Any) -> str:
    """ "2 of 4" for an entry annotated by scheduling.checklist.with_checklist_progress (no query)."""
    items = PreEvaluationChecklist.ITEMS
    done = sum(1 for item in items if getattr(entry, f"checklist_{item}", False))
    return f"{done} of {len(items)}"


@register.filter
def duration_words(value: Any) -> str:
    """A timedelta in words, to the two largest units: "2 days 3 hours", "45 minutes"."""
    if value is None:
        return ""
    minutes = int(value.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [(days, "day"), (hours, "hour"), (minutes, "minute")]
    words = [f"{n} {unit}{'' if n == 1 else 's'}" for n, unit in parts if n]
    return " ".join(words[:2]) or "under a minute"
