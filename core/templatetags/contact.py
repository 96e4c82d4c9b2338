"""Phone numbers in the national format, and the staff's call link with the patient's preferences."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from core.phone import phone_display

register = template.Library()


@register.filter
def phone(e164: str) -> str:
    return phone_display(e164 or "")


@register.simple_tag
def call_link(person) -> str:
    """A tel: link to the person's phone, with "No voicemail" when they asked for none; a dash without a phone."""
    if not getattr(person, "phone", ""):
        return format_html('<span class="text-body-secondary">{}</span>', _("No phone given"))
    link = format_html('<a class="text-nowrap" href="tel:{}">{}</a>', person.phone, phone_display(person.phone))
    if person.voicemail_ok:
        return link
    return format_html('{} <span class="badge text-bg-warning" data-no-voicemail>{}</span>', link, _("No voicemail"))
