"""The organisation app's timeline events (issue 7, item 5). Most carry only the changed
fields in `before`/`after` (the model's own fields), so their payload is empty."""

from typing import Annotated, TypedDict

from django.utils.translation import gettext_lazy as _

from pinzhi.timeline.events import EventCode, free_form


class PersonCreated(TypedDict):
    password_set: Annotated[bool, "whether a password was set (never: people set their own)"]


class PasswordSet(TypedDict):
    by: Annotated[str, "who set it: system (the demo loader or a command)"]


class ResetIssued(TypedDict):
    expires_at: Annotated[str, "when the one-time sign-in code expires (ISO time)"]


class ResetUsed(TypedDict):
    issued_at: Annotated[str, "when the sign-in code used was issued (ISO time)"]
    address: Annotated[str, "the IP address it was used from (empty if unknown)"]


@free_form
class OrgImported(TypedDict):
    """One key per sheet imported (units, posts, people …), each {create, update,
    unchanged}: the counts of rows created, updated and left as they were."""


class OrgEvent(EventCode):
    UNIT_CREATED = ("unit.created", _("Unit created"), "When a unit is added (ORG-1).")
    UNIT_UPDATED = ("unit.updated", _("Unit changed"), "When a unit is changed (ORG-1).")
    POST_CREATED = ("post.created", _("Post created"), "When a post is added (ORG-1).")
    POST_UPDATED = ("post.updated", _("Post changed"), "When a post is changed (ORG-1).")
    PERSON_CREATED = (
        "person.created",
        _("Person added"),
        "When a person is added (ORG-1).",
        PersonCreated,
    )
    PERSON_UPDATED = ("person.updated", _("Person changed"), "When a person is changed.")
    PASSWORD_SET = (
        "person.password_set",
        _("Password set"),
        "When the system (never a page) sets people's password; the reason says why.",
        PasswordSet,
    )
    PASSWORD_CHANGED = (
        "person.password_changed",
        _("Own password changed"),
        "When a person changes their own password.",
    )
    PASSWORD_RESET_ISSUED = (
        "person.password_reset_issued",
        _("Sign-in code issued"),
        "When an administrator issues a one-time sign-in code to a person (issue 6).",
        ResetIssued,
    )
    PASSWORD_RESET_USED = (
        "person.password_reset_used",
        _("Password set with a sign-in code"),
        "When a person sets their password with a one-time sign-in code.",
        ResetUsed,
    )
    ROLE_ASSIGNED = (
        "role.assigned",
        _("Role assigned"),
        "When a person is given a role or its scope changes (ORG-2).",
    )
    ROLE_REVOKED = ("role.revoked", _("Role revoked"), "When a role is taken away (ORG-2).")
    COMPANY_CREATED = ("company.created", _("Company added"), "When a company is registered.")
    COMPANY_UPDATED = (
        "company.updated",
        _("Company changed"),
        "When a company's data or registration data change (ORG-4).",
    )
    ORG_IMPORTED = (
        "org.imported",
        _("Organisation imported"),
        "When an organisation spreadsheet is applied, on the company; the reason is the "
        "file's name.",
        OrgImported,
    )
