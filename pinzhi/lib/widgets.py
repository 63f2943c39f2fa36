"""Form widgets that render long option lists cheaply (issue 9 item 3).

Django renders every `<option>` of a select through its own template: with the unit tree of
a large company (hundreds of units, twice in a filter bar) that was most of a list page's
time. `QuickSelect` writes the same HTML in Python."""

from typing import Any

from django import forms
from django.utils.html import conditional_escape, format_html_join
from django.utils.safestring import SafeString, mark_safe


def _attrs(attrs: dict[str, Any]) -> str:
    """`django/forms/widgets/attrs.html`: False leaves an attribute out, True writes its
    name alone."""
    return "".join(
        f" {name}" if value is True else f' {name}="{conditional_escape(str(value))}"'
        for name, value in attrs.items()
        if value is not False
    )


class QuickSelect(forms.Select):
    """A single-choice select whose HTML is the same as Django's `Select` renders through
    its templates, written without a template per option. Groups of options (and a
    widget for several choices) go through Django's own rendering."""

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: Any = None,
    ) -> SafeString:
        choices = list(self.choices)
        if self.allow_multiple_selected or any(
            isinstance(label, (list, tuple)) for _value, label in choices
        ):
            return super().render(name, value, attrs, renderer)
        # Widget.get_context: the name, the formatted value and the select's own attributes
        # (not ChoiceWidget's, which builds a context for each option).
        widget = forms.Widget.get_context(self, name, value, attrs)["widget"]
        selected = widget["value"]
        found = False
        options = []
        for option_value, label in choices:
            text = "" if option_value is None else str(option_value)
            chosen = not found and text in selected
            found |= chosen
            options.append((text, " selected" if chosen else "", label))
        body = format_html_join(
            "",
            '\n  <option value="{}"{}>{}</option>\n',
            ((v, mark_safe(s), lab) for v, s, lab in options),
        )
        return mark_safe(
            f'<select name="{conditional_escape(name)}"{_attrs(widget["attrs"])}>{body}\n</select>'
        )
