"""crispy-forms' bootstrap5 field drawn in Python: the same HTML as its templates, without ~10 nested templates.

`templates/bootstrap5/field.html` and `templates/bootstrap5/layout/radioselect_inline.html` override the pack's
two field templates with one tag each. The tag draws the vertical layout every form of this project uses (text,
number, date, select, textarea, checkbox, radio and checkbox lists; labels, help text, errors) and hands anything
else (horizontal forms, label or field classes, table cells, file inputs) to the pack's own template, unchanged.
A wizard step drew its fields in ~60 % of its rendering time through those templates.

`FIELDS_DRAWN_IN_PYTHON = False` in the settings draws every field with the pack's templates (the tests compare
the two, field by field: tests/core/test_crispy_fields.py).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import crispy_bootstrap5
from crispy_forms.templatetags.crispy_forms_filters import optgroups
from django import forms, template
from django.conf import settings
from django.template import engines
from django.templatetags.l10n import unlocalize
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from core.form_renderer import drawn_in_python
from core.templatetags.select_options import _attrs

register = template.Library()

_PACK = Path(crispy_bootstrap5.__file__).parent / "templates"
_ASTERISK = '<span class="asteriskField">*</span>'


@cache
def _original(name: str):
    """The pack's own template, compiled once (its includes resolve by name, as before)."""
    engine = engines["django"].engine
    return engine.from_string((_PACK / name).read_text())


def _esc(value) -> str:
    # What {{ value }} prints: localised text, escaped unless already safe.
    if value is None:
        return "None"
    return conditional_escape(value if isinstance(value, str) else str(value))


def _crispy_field(field, css: str) -> str:
    """As `{% crispy_field field 'class' css %}`: the widget's class gets its kind and `css`, then Django draws it."""
    widget = field.field.widget
    widgets = getattr(widget, "widgets", [getattr(widget, "widget", widget)])
    converters = getattr(settings, "CRISPY_CLASS_CONVERTERS", {})
    for each in widgets:
        class_name = each.__class__.__name__.lower()
        class_name = converters.get(class_name, class_name)
        css_class = each.attrs.get("class", "")
        if css_class:
            if css_class.find(class_name) == -1:
                css_class += f" {class_name}"
        else:
            css_class = class_name
        for part in css.split():
            if part not in css_class.split():
                css_class += " " + part
        each.attrs["class"] = css_class
    return str(field)


def _help_text(field, inline) -> str:
    if not field.help_text:
        return ""
    if inline:
        return f'<span id="{_esc(field.auto_id)}_helptext" class="form-text">{field.help_text}</span>'
    id_attr = f'id="{_esc(field.auto_id)}_helptext" ' if field.auto_id else ""
    return f'<div {id_attr}class="form-text">{field.help_text}</div>'


def _errors(field, context, tag: str) -> str:
    # bootstrap5/layout/field_errors.html (span) and field_errors_block.html (p)
    if not (context.get("form_show_errors") and field.errors):
        return ""
    return _error_list(field, tag)


def _error_list(field, tag: str) -> str:
    auto_id = _esc(field.auto_id)
    items = "".join(
        f'\n<{tag} id="error_{n}_{auto_id}"><strong>{_esc(error)}</strong></{tag}>'
        for n, error in enumerate(field.errors, start=1)
    )
    return f'\n<div id="{_esc(field.errors.field_id)}_error" class="invalid-feedback">{items}\n</div>'


def _help_text_and_errors(field, context) -> str:
    help_inline = context.get("help_text_inline")
    error_inline = context.get("error_text_inline")
    out = []
    if help_inline and not error_inline:
        out.append(_help_text(field, help_inline))
    out.append(_errors(field, context, "span" if error_inline else "p"))
    if not help_inline:
        out.append(_help_text(field, help_inline))
    return "\n".join(out)


def _choices(field, context) -> str:
    """bootstrap5/layout/radio_checkbox_select.html, with no field class (the caller checked)."""
    flat_attrs = context.get("flat_attrs")
    inline = bool(context.get("inline_class"))
    invalid = " is-invalid" if field.errors else ""
    name = _esc(field.html_name)
    out = [f"<div {f' {flat_attrs}' if flat_attrs else ''}>"]
    groups = optgroups(field)
    for group_number, (group, options, _index) in enumerate(groups, start=1):
        if group:
            out.append(f"<strong>{_esc(group)}</strong>")
        for option_number, option in enumerate(options, start=1):
            out.append(
                f'<div class="form-check{" form-check-inline" if inline else ""}">\n'
                f'<input type="{_esc(option["type"])}" class="form-check-input{invalid}" name="{name}"'
                f' value="{_esc(unlocalize(option["value"]))}" {_attrs(option["attrs"])}>\n'
                f'<label for="{_esc(option["attrs"].get("id", ""))}" class="form-check-label">\n'
                f"{_esc(unlocalize(option['label']))}\n</label>"
            )
            if field.errors and option_number == len(options) and not inline and group_number == len(groups):
                out.append(_errors(field, context, "p"))
            out.append("</div>")
    out.append("</div>")
    if field.errors and inline:
        out.append(_error_list(field, "p"))
    out.append(_help_text(field, context.get("help_text_inline")))
    return "\n".join(out)


def _plain(context) -> bool:
    """The vertical layout the Python drawing covers; anything else is drawn by the pack's template."""
    field = context.get("field")
    form_class = context.get("form_class")
    return (
        drawn_in_python()
        and isinstance(field, forms.BoundField)
        and not context.get("label_class")
        and not context.get("field_class")
        and not context.get("tag")
        and not (isinstance(form_class, str) and "form-horizontal" in form_class)
        and not isinstance(field.field.widget, forms.FileInput)
    )


def _described(described) -> str:
    return f' aria-describedby="{_esc(described)}"' if described else ""


def _label(field, fieldset: bool) -> str:
    tag = "legend" if fieldset else "label"
    required = field.field.required
    for_attr = f'for="{_esc(field.id_for_label)}"' if field.id_for_label else ""
    return (
        f'<{tag}\n{for_attr} class="form-label{" requiredField" if required else ""}{" fs-6" if fieldset else ""}">\n'
        f"{_esc(field.label)}{_ASTERISK if required else ''}\n</{tag}>"
    )


@register.simple_tag(takes_context=True)
def crispy_field_html(context) -> str:
    """bootstrap5/field.html."""
    if not _plain(context):
        return _original("bootstrap5/field.html").render(context)
    field = context["field"]
    if field.is_hidden:
        return str(field)
    widget = field.field.widget
    show_labels = context.get("form_show_labels")
    checkbox = isinstance(widget, forms.CheckboxInput)
    choices = isinstance(widget, (forms.CheckboxSelectMultiple, forms.RadioSelect))
    fieldset = field.use_fieldset
    wrapper_class = context.get("wrapper_class")
    css_classes = field.css_classes()

    out = []
    if checkbox:
        out.append('<div class="mb-3">')
    out.append(
        f'<div id="div_{_esc(field.auto_id)}" class="{"form-check" if checkbox and show_labels else "mb-3"}'
        f'{" " + _esc(wrapper_class) if wrapper_class else ""}{" " + _esc(css_classes) if css_classes else ""}">'
    )
    if field.label and not checkbox and show_labels:
        if fieldset:
            described = field.aria_describedby
            out.append(f"<fieldset{_described(described)}>")
        out.append(_label(field, fieldset))
    if choices:
        out.append(_choices(field, context))
    elif checkbox and show_labels:
        out.append(_crispy_field(field, "form-check-input is-invalid" if field.errors else "form-check-input"))
        required = field.field.required
        out.append(
            f'<label for="{_esc(field.id_for_label)}" class="form-check-label{" requiredField" if required else ""}">\n'
            f"{_esc(field.label)}{_ASTERISK if required else ''}\n</label>"
        )
        out.append(_help_text_and_errors(field, context))
    else:
        if isinstance(widget, forms.Select):
            css = "form-select"
        elif checkbox:
            css = "form-check-input"
        else:
            css = "form-control"
        out.append(_crispy_field(field, f"{css} is-invalid" if field.errors else css))
        out.append(_help_text_and_errors(field, context))
    if fieldset and field.label and show_labels:
        out.append("</fieldset>")
    out.append("</div>")
    if checkbox:
        out.append("</div>")
    return mark_safe("\n".join(out))  # noqa: S308 - every value escaped above, help text safe as in the pack


@register.simple_tag(takes_context=True)
def crispy_inline_radios_html(context) -> str:
    """bootstrap5/layout/radioselect_inline.html."""
    if not _plain(context):
        return _original("bootstrap5/layout/radioselect_inline.html").render(context)
    field = context["field"]
    if field.is_hidden:
        return str(field)
    wrapper_class = context.get("wrapper_class")
    css_classes = field.css_classes()
    required = field.field.required
    out = [
        f'<div id="div_{_esc(field.auto_id)}" class="mb-3'
        f'{" " + _esc(wrapper_class) if wrapper_class else ""}{" " + _esc(css_classes) if css_classes else ""}">'
    ]
    if field.label:
        described = field.aria_describedby
        out.append(
            f"<fieldset{_described(described)}>\n"
            f'<legend for="{_esc(field.id_for_label)}"'
            f' class=" fs-6 form-label{" requiredField" if required else ""}">\n'
            f"{_esc(field.label)}{_ASTERISK if required else ''}\n</legend>"
        )
    out.append(_choices(field, context))
    if field.label:
        out.append("</fieldset>")
    out.append("</div>")
    return mark_safe("\n".join(out))  # noqa: S308 - every value escaped above
