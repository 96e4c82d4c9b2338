"""`{% error_title_prefix %}`: "Error: " at the start of the <title> when a form on the page has errors.

Screen readers read the title when a page loads, so a person who sent a form with a mistake hears that at once
instead of the same title as before. It looks at every form and formset in the template context, so every
form page gets it from base.html without any view doing anything.
"""

from django import template
from django.forms import BaseForm
from django.forms.formsets import BaseFormSet
from django.utils.translation import gettext as _

register = template.Library()


def _has_errors(value: object) -> bool:
    # type(), not isinstance(): isinstance() would evaluate every lazy value of the context (the unread
    # badge's count, the CSRF token) on every page, used or not. A form is never put in the context lazily.
    kind = type(value)
    if issubclass(kind, BaseForm):
        return value.is_bound and bool(value.errors)
    if issubclass(kind, BaseFormSet):
        return value.is_bound and value.total_error_count() > 0
    return False


@register.simple_tag(takes_context=True)
def error_title_prefix(context: template.Context) -> str:
    if any(_has_errors(value) for value in context.flatten().values()):
        # Translators: the start of a page's title when the form on it has mistakes, e.g. "Error: Sign in".
        return _("Error: ")
    return ""
