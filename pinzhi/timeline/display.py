"""How an event's changed fields read in a record's history (X-2, issue 8 item 6): labels,
never codes; names, never database ids; the field's name in the reader's words, never the
key; 是/否, never True; local times, never stored UTC ISO strings.

A `before`/`after` key is looked up, in this order, in the event's declaration (`Changes`
of its code in the app's `events.py`), among the fields of the model the declaration names
or else of the subject's model, and among the keys apps registered with
`privacy.register_key_labels`. The personal data of the values is masked by `privacy`,
which calls this module.
"""

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from pinzhi.timeline.events import Changed, declared

YES = _("Yes")
NO = _("No")
DELETED_RECORD = _("(deleted)")
# A value stored as an ISO time with its offset (what `canonical` makes of a datetime).
ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:?\d{2}|Z)$")
TIME_FORMAT = "Y-m-d H:i"

# Labels and choices of keys that are fields of no model, registered by apps (the keys of
# one event are better declared on its code): key -> label, key -> {code: label}.
KEY_LABELS: dict[str, Any] = {}
KEY_CHOICES: dict[str, dict[str, Any]] = {}

# Records named in a render: (model label, pk) -> name; pass one dict per page.
References = dict[tuple[str, Any], str]


def _model(event: Any) -> type[models.Model] | None:
    """The model whose fields the event's keys are: the declared one, else the subject's."""
    code = declared(event.action)
    if code is not None and code.changes.model:
        try:
            return apps.get_model(code.changes.model)
        except LookupError:
            return None
    return ContentType.objects.get_for_id(event.content_type_id).model_class()


def _declared_key(event: Any, key: str) -> Changed | None:
    code = declared(event.action)
    return code.changes.keys.get(key) if code is not None else None


def model_field(event: Any, key: str) -> Any:
    model = _model(event)
    if model is None:
        return None
    try:
        return model._meta.get_field(key)
    except FieldDoesNotExist:
        return None


def key_label(event: Any, key: str) -> str:
    """The changed key as the reader names it: the declared label, the field's verbose name,
    a registered label; the key itself only when nobody named it."""
    changed = _declared_key(event, key)
    if changed is not None:
        return str(capfirst(changed.label))
    field = model_field(event, key)
    verbose_name = getattr(field, "verbose_name", None)
    if verbose_name is not None and verbose_name != key.replace("_", " "):
        return str(capfirst(verbose_name))
    if key in KEY_LABELS:
        return str(capfirst(KEY_LABELS[key]))
    if field is not None and field.related_model is not None:
        # A relation named by no one (Post.unit) reads as what it points at (单位).
        return str(capfirst(field.related_model._meta.verbose_name))
    return str(capfirst(verbose_name)) if verbose_name is not None else key


def local_time(value: str) -> str | None:
    """A stored ISO time in the current (the company's) time zone, or None if it is none."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if timezone.is_naive(moment):
        return None
    return date_format(timezone.localtime(moment), TIME_FORMAT)


def record_name(
    model: type[models.Model] | str,
    pk: Any,
    *,
    references: References | None = None,
    name: Callable[[Any], str] = str,
) -> str:
    """The name of the record `pk` of `model` as `name` gives it (the privacy module passes
    the timeline's subject label: a person not known to be staff masked, ORG-3); read once
    per page when `references` is given."""
    if isinstance(model, str):
        model = apps.get_model(model)
    key = (model._meta.label_lower, pk)
    if references is not None and key in references:
        return references[key]
    record = model._default_manager.filter(pk=pk).first()
    shown = name(record) if record is not None else str(DELETED_RECORD)
    if references is not None:
        references[key] = shown
    return shown


def _reference_model(event: Any, key: str, field: Any) -> Any:
    changed = _declared_key(event, key)
    if changed is not None:
        return changed.model or None
    if field is not None and (field.many_to_one or field.one_to_one):
        return field.related_model
    return None


def value_shown(
    event: Any,
    key: str,
    value: Any,
    *,
    references: References | None = None,
    name: Callable[[Any], str] = str,
) -> Any:
    """A stored value as the reader reads it: None for nothing (shown as a dash), 是/否 for a
    flag, a choice's label for its code, a record's name for its id, a local time for a
    stored time, the items of a list one after another; anything else as it is."""
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, bool):
        return str(YES if value else NO)
    changed = _declared_key(event, key)
    field = None if changed is not None else model_field(event, key)
    if isinstance(value, str | int):
        label: Any = None
        choices: dict[Any, Any] = {}
        if changed is not None:
            label = changed.choice_label(value)
        elif field is not None and getattr(field, "choices", None):
            choices = dict(field.flatchoices)
        elif key in KEY_CHOICES:
            choices = KEY_CHOICES[key]
        label = choices.get(value, label)
        if label is not None:
            return str(label)
    reference = _reference_model(event, key, field)
    if reference is not None and isinstance(value, int):
        return record_name(reference, value, references=references, name=name)
    if isinstance(value, str) and ISO_TIME.match(value):
        return local_time(value) or value
    if isinstance(value, list):
        return "、".join(
            "–".join(str(part) for part in item) if isinstance(item, list) else str(item)
            for item in value
        )
    return value


def event_about(event: Any) -> str:
    """What the event is about, as its code declares (`Changes.about`): the label of that
    key of its data ("首次联系投诉人" for a deadline's events on a complaint); "" when it
    declares none or the value has no label (never a code)."""
    code = declared(event.action)
    if code is None or not code.changes.about:
        return ""
    key = code.changes.about
    value = (event.data or {}).get(key) if isinstance(event.data, dict) else None
    changed = code.changes.keys.get(key)
    if value in (None, "") or changed is None or not isinstance(value, str | int):
        return ""
    label = changed.choice_label(value)
    return "" if label is None else str(label)
