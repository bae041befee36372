"""One form field in the Bootstrap markup of the site's forms, rendered in Python.

The booking details step is the page a runner waits on between choosing a time and booking
it; ``crispy_forms``' ``as_crispy_field`` spent about a third of its time in templates
(a field's own plus the label, help and error includes it pulls in). ``booking_field``
gives the same markup, class names and ids as ``as_crispy_field`` with the bootstrap5 pack
(so the error summary's links, the styles and the scripts apply unchanged) for the plain
controls that step uses: text-like inputs, a select and a checkbox. The control itself is
still Django's widget, so ``required``, ``aria-invalid`` and ``aria-describedby`` (its hint,
then its error) come from ``BoundField`` as before.
"""

from django import forms, template
from django.forms.boundfield import BoundField
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

register = template.Library()

# Widget class -> what crispy names it in the control's class ("textinput form-control").
_INPUT_NAMES = {
    forms.TextInput: "textinput",
    forms.EmailInput: "emailinput",
    forms.NumberInput: "numberinput",
    forms.DateInput: "dateinput",
}


@register.filter
def booking_field(field: BoundField) -> SafeString:
    """Return `field` as a labelled control with its errors and hint."""
    widget = field.field.widget
    if isinstance(widget, forms.CheckboxInput):
        return _checkbox(field)
    if isinstance(widget, forms.Select) and not widget.allow_multiple_selected:
        control = "select form-select"
    elif type(widget) in _INPUT_NAMES:
        control = f"{_INPUT_NAMES[type(widget)]} form-control"
    else:
        raise TypeError(f"booking_field cannot render a {type(widget).__name__}")
    return format_html(
        '<div id="div_{}" class="mb-3">{}{}{}{}</div>',
        field.auto_id,
        _label(field, "form-label"),
        _control(field, control),
        _errors(field),
        _hint(field),
    )


def _checkbox(field: BoundField) -> SafeString:
    return format_html(
        '<div class="mb-3"><div id="div_{}" class="form-check">{}{}{}{}</div></div>',
        field.auto_id,
        _control(field, "checkboxinput form-check-input"),
        _label(field, "form-check-label"),
        _errors(field),
        _hint(field),
    )


def _control(field: BoundField, names: str) -> SafeString:
    own = field.field.widget.attrs.get("class", "")
    names = " ".join(filter(None, [own, names, "is-invalid" if field.errors else ""]))
    return field.as_widget(attrs={"class": names})


def _label(field: BoundField, names: str) -> SafeString:
    required = field.field.required
    return format_html(
        '<label for="{}" class="{}{}">{}{}</label>',
        field.id_for_label,
        names,
        " requiredField" if required else "",
        field.label,
        SafeString('<span class="asteriskField">*</span>') if required else "",
    )


def _errors(field: BoundField) -> SafeString:
    if not field.errors:
        return SafeString()
    lines = format_html_join(
        "",
        '<p id="error_{}_{}"><strong>{}</strong></p>',
        ((n, field.auto_id, error) for n, error in enumerate(field.errors, start=1)),
    )
    return format_html('<div id="{}_error" class="invalid-feedback">{}</div>', field.auto_id, lines)


def _hint(field: BoundField) -> SafeString:
    if not field.help_text:
        return SafeString()
    return format_html(
        '<div id="{}_helptext" class="form-text">{}</div>', field.auto_id, field.help_text
    )
