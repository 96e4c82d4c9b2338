"""Django's form renderer with the common widgets drawn in Python: the same HTML, without the template engine.

An `<input>` drawn through Django's templates is `text.html` including `input.html` including `attrs.html`;
here it is one f-string. Every other template (and every template the project overrides, apart from
`select.html`, whose Python twin is below) goes through `TemplatesSetting` as before.
`FIELDS_DRAWN_IN_PYTHON = False` in the settings draws everything with the templates
(tests/core/test_crispy_fields.py compares the two).
"""

from __future__ import annotations

from django.conf import settings
from django.forms.renderers import TemplatesSetting
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeData

from core.templatetags.select_options import _attrs, select_options

# Django's widget templates that are only `{% include "django/forms/widgets/input.html" %}`.
INPUTS = frozenset(
    f"django/forms/widgets/{kind}.html"
    for kind in (
        "checkbox",
        "color",
        "date",
        "datetime",
        "email",
        "file",
        "hidden",
        "number",
        "password",
        "search",
        "tel",
        "text",
        "time",
        "url",
    )
)


def drawn_in_python() -> bool:
    return getattr(settings, "FIELDS_DRAWN_IN_PYTHON", True)


def _formatted(value) -> str:
    # {{ value|stringformat:'s' }}: escaped unless the value was marked safe.
    text = "%s" % value  # noqa: UP031 - the filter's own formatting
    return text if isinstance(value, SafeData) else escape(text)


def _input(widget: dict) -> str:
    value = "" if widget["value"] is None else f' value="{_formatted(widget["value"])}"'
    return (
        f'<input type="{conditional_escape(widget["type"])}" name="{conditional_escape(widget["name"])}"'
        f"{value}{_attrs(widget['attrs'])}>"
    )


def _textarea(widget: dict) -> str:
    value = conditional_escape(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>\n{value}</textarea>'


def _select(widget: dict) -> str:
    # templates/django/forms/widgets/select.html
    name = conditional_escape(widget["name"])
    return f'<select name="{name}"{_attrs(widget["attrs"])}>{select_options(widget)}\n</select>'


PYTHON = dict.fromkeys(INPUTS, _input) | {
    "django/forms/widgets/textarea.html": _textarea,
    "django/forms/widgets/select.html": _select,
}


class FormRenderer(TemplatesSetting):
    def render(self, template_name, context, request=None):
        draw = PYTHON.get(template_name)
        if draw is not None and drawn_in_python():
            return draw(context["widget"])
        return super().render(template_name, context, request=request)
