"""Event codes, declared once per app (issue 7, item 5).

Each app that records timeline events declares them in its own `events.py` as an
enumeration derived from `EventCode`:

    class ComplaintVerified(TypedDict):
        category: Annotated[str, "the complaint's category code"]
        ...

    class ComplaintEvent(EventCode):
        VERIFIED = (
            "complaint.verified",
            _("Complaint verified"),
            "When the department head finds the complaint founded (CMP-9).",
            ComplaintVerified,
        )

A member *is* its stored string (`ComplaintEvent.VERIFIED == "complaint.verified"`), so the
codes in the database, and the hashes over them, never change. Each member carries its
label (shown in the log), when it is recorded, and its payload: a TypedDict whose keys are
the keys of `Event.data`, each annotated with what it means. `event_record` checks the
payload of every declared code: a missing or an unknown key raises, in tests and in
production alike (every call site is covered by the suite), so that a consumer such as
the points ledger can rely on the documented keys. `@free_form` marks the few payloads
whose keys depend on the data (an import's per-sheet counts); they are documented, not
checked. `before`/`after` (the changed fields) are never checked: they follow the model.

`docs/events.md` is generated from these declarations (`pinzhi events-reference`), and a
test fails when it is out of date.

A member may also say how its `before`/`after` keys read in the history (issue 8 item 6),
with `Changes`: the model whose fields they are when that is not the subject's (a
deadline's events sit on its complaint's history), and the label, choices or referenced
model of keys that are fields of no model:

    ROUTED = (
        "complaint.routed", _("Contact letter sent"), "…", Routed,
        Changes(keys={"head": Changed(_("Department head"))}),
    )
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Any, NotRequired, TypedDict, get_args, get_origin, get_type_hints

from django.apps import apps
from django.utils.translation import gettext_lazy as _

PAYLOAD_MISSING = "Event “%(code)s”: the payload lacks %(keys)s."
PAYLOAD_UNKNOWN = "Event “%(code)s”: the payload has undeclared keys %(keys)s."


@dataclass(frozen=True)
class Changed:
    """How one `before`/`after` key that is a field of no model reads in the history:
    its label, and the labels of its stored codes (a mapping — a model's `choices` will do —
    or a function of the code), or the model whose record's id it holds
    ("orgs.Person"), shown by that record's name."""

    label: Any
    choices: Any = ()
    model: str = ""

    def choice_label(self, value: Any) -> Any:
        """The label of a stored code, or None when it has none."""
        if callable(self.choices):
            label: Any = self.choices(value)
            return None if label in (None, "", value) else label
        return dict(self.choices).get(value) if self.choices else None


@dataclass(frozen=True)
class Changes:
    """How an event's `before`/`after` keys read (issue 8 item 6): `model` ("app.Model")
    when they are that model's fields rather than the subject's; `keys` for the keys that
    are fields of no model; `about`, a key of its `data` that says what the event is about
    (which of a case's time limits), shown beside its label through `keys[about]`."""

    model: str = ""
    keys: Mapping[str, Changed] = field(default_factory=dict)
    about: str = ""


class NoPayload(TypedDict):
    """No `data`: what changed is in `before`/`after`."""


_FREE_FORM: set[type] = set()


def free_form(payload: type) -> type:
    """Mark a payload whose keys depend on the data (documented in its docstring, not
    checked)."""
    _FREE_FORM.add(payload)
    return payload


class EventCode(StrEnum):
    """The base of every app's enumeration of event codes. A member's value is the stored
    code; `label` is shown in the log, `when` says when it is recorded, `payload` declares
    the keys of its `data`, `changes` how its `before`/`after` keys read."""

    label: Any
    when: str
    payload: type
    changes: Changes

    def __new__(
        cls,
        value: str,
        label: Any = "",
        when: str = "",
        payload: type = NoPayload,
        changes: Changes | None = None,
    ):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        member.when = " ".join(when.split())
        member.payload = payload
        member.changes = changes or Changes()
        return member

    @property
    def checked(self) -> bool:
        return self.payload not in _FREE_FORM

    def payload_keys(self) -> tuple[frozenset[str], frozenset[str]]:
        """(required keys, optional keys) of the payload."""
        return (
            frozenset(self.payload.__required_keys__),  # type: ignore[attr-defined]
            frozenset(self.payload.__optional_keys__),  # type: ignore[attr-defined]
        )

    def payload_fields(self) -> list[tuple[str, str, bool, str]]:
        """(key, type, required, meaning) of each payload key, for the reference."""
        hints = get_type_hints(self.payload, include_extras=True)
        required, _optional = self.payload_keys()
        fields = []
        for key, hint in hints.items():
            meaning = ""
            while get_origin(hint) in (Annotated, NotRequired):
                args = get_args(hint)
                if get_origin(hint) is Annotated:
                    meaning = meaning or next((a for a in args[1:] if isinstance(a, str)), "")
                hint = args[0]
            type_name = getattr(hint, "__name__", None) or str(hint).replace("typing.", "")
            fields.append((key, type_name, key in required, meaning))
        return fields

    def check_payload(self, data: Any) -> None:
        """Raise ValueError when `data` lacks a declared key or has an undeclared one."""
        if not self.checked:
            return
        keys = set(data) if isinstance(data, dict) else set()
        required, optional = self.payload_keys()
        missing = sorted(required - keys)
        if missing:
            raise ValueError(PAYLOAD_MISSING % {"code": self.value, "keys": ", ".join(missing)})
        unknown = sorted(keys - required - optional)
        if unknown:
            raise ValueError(PAYLOAD_UNKNOWN % {"code": self.value, "keys": ", ".join(unknown)})


def _enumerations() -> list[type[EventCode]]:
    found: list[type[EventCode]] = []
    pending = list(EventCode.__subclasses__())
    while pending:
        cls = pending.pop(0)
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


def load_all() -> list[type[EventCode]]:
    """Import every installed app's `events` module and return the enumerations, in app
    order."""
    for config in apps.get_app_configs():
        try:
            importlib.import_module(f"{config.name}.events")
        except ModuleNotFoundError as error:
            if error.name != f"{config.name}.events":
                raise
    return _enumerations()


def declared(code: str) -> EventCode | None:
    """The declared member for a code (a member or its string), or None."""
    if isinstance(code, EventCode):
        return code
    for cls in _enumerations():
        member = cls._value2member_map_.get(code)
        if member is not None:
            return member  # type: ignore[return-value]
    return None


def register_labels(enumeration: type[EventCode]) -> None:
    """Give each code of `enumeration` its label in the log (called from AppConfig.ready)."""
    from pinzhi.timeline.actions import register_action

    for member in enumeration:
        if member.label:
            register_action(member.value, member.label)


def _app_of(cls: type[EventCode]) -> str:
    config = apps.get_containing_app_config(cls.__module__)
    return config.label if config else cls.__module__


def reference_markdown() -> str:
    """docs/events.md: every declared event code, its app, when it is recorded and its
    payload. Generated; `pinzhi events-reference` rewrites the file."""
    lines = [
        "# Timeline events",
        "",
        "<!-- Generated from the apps' `events.py` by `pinzhi events-reference`;",
        "     do not edit by hand (a test fails when this file is out of date). -->",
        "",
        "Every event on the timeline has one of these codes (`Event.action`). Each app",
        "declares its codes in `pinzhi/<app>/events.py`; the payload is `Event.data`, checked",
        "by `event_record` against the declaration (a missing or undeclared key raises).",
        "`before`/`after` hold the changed fields of the subject and are not listed here.",
        "Consumers read events after a cursor with `pinzhi.timeline.consumers.events_consume`.",
        "",
    ]
    for cls in load_all():
        lines += [f"## {_app_of(cls)}: `{cls.__module__}.{cls.__name__}`", ""]
        for member in cls:
            lines.append(f"### `{member.value}` — {cls.__name__}.{member.name}")
            lines.append("")
            if member.when:
                lines += [member.when, ""]
            if not member.checked:
                doc = " ".join((member.payload.__doc__ or "").split())
                lines += [f"Payload: free-form, not checked. {doc}".rstrip(), ""]
                continue
            fields = member.payload_fields()
            doc = " ".join((member.payload.__doc__ or "").split())
            if fields and doc and not doc.startswith(member.payload.__name__ + "("):
                lines += [doc, ""]
            if not fields:
                lines += ["Payload: none.", ""]
                continue
            lines += ["| key | type | required | meaning |", "| --- | --- | --- | --- |"]
            for key, type_name, required, meaning in fields:
                type_name = type_name.replace("|", "\\|")
                lines.append(
                    f"| `{key}` | {type_name} | {'yes' if required else 'no'} | {meaning} |"
                )
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


# --- the timeline's own events ----------------------------------------------------------


class AttachmentAdded(TypedDict):
    attachment_id: Annotated[int, "the Attachment's id"]
    name: Annotated[str, "the file's sanitised original name"]
    size: Annotated[int, "its size in bytes"]
    sha256: Annotated[str, "the SHA-256 of its content (hex)"]
    mime_type: Annotated[str, "the MIME type its extension was checked against"]


class TimelineEvent(EventCode):
    ATTACHMENT_ADDED = (
        "attachment.added",
        _("Attachment added"),
        """When a file is attached to a record (X-1); the event is on the record, in the
        record's company's log.""",
        AttachmentAdded,
    )
