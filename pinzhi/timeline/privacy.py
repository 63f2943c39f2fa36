"""Customer personal data on the timeline (ORG-3).

An event can never be changed once recorded, so nothing that identifies a customer may be
stored where every reader of the log sees it:

- the subject label (`Event.subject_repr`) comes from the subject's `timeline_label`
  (a property or a method) when the model defines one, else `str(subject)`; a person who is
  not known to be staff is stored under a masked name;
- an actor who is a customer is stored under a masked name;
- the changed values (`before`/`after`) are stored as they are (the record's history needs
  them) but masked when shown, key by key, unless the viewer may see that subject's personal
  data. Apps say who may, per model:

      register_personal_data_rule("complaints.complaint", lambda user, subject: ...)

  `subject` is the record, or the event itself when the record no longer exists. Without a
  rule only the quality department (and superusers) see the personal data of a subject;
- free text (the reason, and any other before/after text) is shown through
  `pinzhi.lib.privacy.mask_text` to a viewer who may not see the personal data: phone,
  ID-card numbers and e-mail addresses inside it are masked, and the names and addresses
  the app says its record holds (the `known=` of the rule) wherever they occur.
"""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from pinzhi.core.roles import Role, is_customer
from pinzhi.lib.privacy import CUSTOMER_ROLE, customer_field, mask_name, mask_text
from pinzhi.timeline import display

# Keys of before/after that hold personal data, and how each is masked.
PERSONAL_KEYS = {
    "name": "name",
    "full_name": "name",
    "customer_name": "name",
    "phone": "phone",
    "customer_phone": "phone",
    "email": "email",
    "customer_email": "email",
    "address": "address",
    "customer_address": "address",
}
# Who sees personal data of a subject whose model registered no rule.
DEFAULT_ROLES = frozenset({Role.QUALITY_DEPARTMENT})
# Labels of keys that are not fields of the subject's model, and of their stored values
# (e.g. a deadline's "state" on its complaint's timeline): apps register theirs.
KEY_LABELS = display.KEY_LABELS
KEY_CHOICES = display.KEY_CHOICES
KEY_LABELS.update(
    {
        "role": _("role"),
        "calendar": _("calendar"),
        "scope": _("scope"),
        "value": _("value"),
        "effective_from": _("effective from"),
    }
)

PersonalDataRule = Callable[[Any, Any], bool]
# The names and addresses a record holds, to be masked wherever they occur in free text.
KnownPersonalData = Callable[[Any], tuple[list[str], list[str]]]
_rules: dict[str, PersonalDataRule] = {}
_known: dict[str, KnownPersonalData] = {}


def register_key_labels(key: str, label: Any, choices: Any = ()) -> None:
    """Name a before/after key that is not a field of the subject's model, and the labels of
    its stored values (a model's `choices` will do), so that the timeline never shows a code
    (X-2)."""
    KEY_LABELS[key] = label
    if choices:
        KEY_CHOICES[key] = dict(choices)


def register_personal_data_rule(
    model_label: str, rule: PersonalDataRule, *, known: KnownPersonalData | None = None
) -> None:
    """Let an app decide who may see the personal data in its records' events:
    `rule(user, subject_or_event) -> bool` (ORG-3); `known(subject_or_event)` gives the
    (names, addresses) its record holds, masked wherever they occur in the free text."""
    _rules[model_label.lower()] = rule
    if known is not None:
        _known[model_label.lower()] = known


def _is_person(obj: Any) -> bool:
    return isinstance(obj, get_user_model())


def is_known_staff(person: Any) -> bool:
    """Not a customer (pinzhi.core.roles.is_customer) and either an administrator or
    holding some role other than customer. A person with no role yet is not known to be
    staff: a customer's account starts that way, and the event cannot be changed later."""
    if getattr(person, "is_superuser", False):
        return True
    if is_customer(person):
        return False
    if getattr(person, "is_staff", False):
        return True
    return bool(set(getattr(person, "role_codes", None) or ()) - {CUSTOMER_ROLE})


def subject_label(subject: models.Model) -> str:
    """The label stored with an event (ORG-3): `timeline_label` if the model has one; a
    person's name, masked unless they are known to be staff; else str(subject)."""
    label = getattr(subject, "timeline_label", None)
    if label is not None:
        label = label() if callable(label) else label
    elif _is_person(subject):
        name = subject.get_full_name()  # type: ignore[attr-defined]
        label = name if is_known_staff(subject) else mask_name(name)
    else:
        label = subject
    return str(label)[:200]


def actor_label(actor: Any) -> str:
    """The actor's name as stored: masked unless the actor is known to be staff (ORG-3)."""
    name = actor.get_full_name() or actor.get_username()
    return (name if is_known_staff(actor) else mask_name(name))[:150]


def _person_rule(user: Any, subject: Any) -> bool:
    # Staff data is shown as it is; a customer's (or a person not known to be staff) only to
    # themselves.
    if not _is_person(subject):
        return False
    return is_known_staff(subject) or getattr(user, "pk", None) == subject.pk


def _model_label(content_type_id: int) -> str:
    content_type = ContentType.objects.get_for_id(content_type_id)
    return f"{content_type.app_label}.{content_type.model}"


def personal_data_visible(user: Any, event: Any, subject: Any = None) -> bool:
    """Whether `user` may see the personal data in `event`'s before/after (ORG-3).
    `subject`, when given, saves reading the record again."""
    if user is None:
        user = AnonymousUser()
    if getattr(user, "is_superuser", False):
        return True
    rule = _rules.get(_model_label(event.content_type_id))
    if rule is None:
        return bool(user.is_authenticated and user.has_role(*DEFAULT_ROLES))
    if subject is None:
        subject = event.subject
    return bool(rule(user, subject if subject is not None else event))


def known_personal_data(event: Any, subject: Any = None) -> tuple[list[str], list[str]]:
    """The (names, addresses) the event's record holds, as its app registered them."""
    known = _known.get(_model_label(event.content_type_id))
    if known is None:
        return [], []
    if subject is None:
        subject = event.subject
    return known(subject if subject is not None else event)


def shown_value(
    key: str,
    value: Any,
    *,
    may_see: bool,
    event: Any = None,
    known: tuple[list[str], list[str]] = ([], []),
    references: display.References | None = None,
) -> Any:
    """A changed value as this viewer reads it: labelled (`display.value_shown`, when the
    event is given), and personal data masked unless `may_see` (ORG-3)."""
    if value is None:
        return value
    if may_see or key not in PERSONAL_KEYS:
        shown = (
            value
            if event is None
            else display.value_shown(
                event,
                key,
                value,
                references=references,
                name=str if may_see else subject_label,
            )
        )
        if not may_see and isinstance(shown, str):
            return mask_text(shown, names=known[0], addresses=known[1])
        return shown
    return customer_field(value, kind=PERSONAL_KEYS[key], may_see=False)


def changes_shown(
    event: Any,
    *,
    may_see: bool,
    subject: Any = None,
    references: display.References | None = None,
) -> list[tuple[str, Any, Any]]:
    """(field label, before, after) of each changed key as the reader reads it — labels,
    names, local times, never codes or ids (X-2, issue 8 item 6) — personal data masked
    unless `may_see`, inside free text too (ORG-3). `references`: one dict per page, so
    that each record named is read once."""
    changes = event.changes
    known = ([], []) if may_see or not changes else known_personal_data(event, subject)
    references = {} if references is None else references
    return [
        (
            display.key_label(event, key),
            shown_value(key, old, may_see=may_see, event=event, known=known, references=references),
            shown_value(key, new, may_see=may_see, event=event, known=known, references=references),
        )
        for key, old, new in changes
    ]


def reason_shown(event: Any, *, may_see: bool, subject: Any = None) -> str:
    """ORG-3: the event's reason as this viewer reads it: personal data inside it masked
    unless `may_see`."""
    if may_see or not event.reason:
        return event.reason
    names, addresses = known_personal_data(event, subject)
    return mask_text(event.reason, names=names, addresses=addresses)


# People (the user model): staff data is shown, a customer's only to themselves.
register_personal_data_rule(settings.AUTH_USER_MODEL, _person_rule)
