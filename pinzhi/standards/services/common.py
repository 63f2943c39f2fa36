"""What the standards services share: the refusal, the messages, input checks."""

from pathlib import Path
from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pinzhi.lib.errors import DomainError
from pinzhi.orgs.models import Company, Person
from pinzhi.standards.models import (
    Dimension,
    Standard,
    StandardVersion,
)
from pinzhi.timeline.services import event_record

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DEFAULT_PACK = "property"
REVIEW_KIND = "standard.review"
REVIEW_RULE = "standards.review_period"
ESCALATION_RULE = "standards.review_escalation"

MSG_NO_CATALOGUE = _("There is no catalogue of standards for the pack “%(pack)s”.")
MSG_CODE_TAKEN = _("The code %(taken)s is already used in your catalogue.")
MSG_CODE_INVALID = _("A code is letters, digits and “-”, at most 40 characters (e.g. CLN-05).")
MSG_REQUIRED = _("%(name)s is required.")
MSG_DIMENSION = _(
    "Choose one of the five dimensions: attitude, efficiency, skill, environment, result."
)
MSG_CATEGORY = _("Choose the kind of service.")
MSG_ITEM_OTHER_COMPANY = _("This service item belongs to another company.")
MSG_OPEN_VERSION = _(
    "Version %(number)s of %(standard)s is still being worked on (%(state)s); finish or withdraw "
    "it before drafting another."
)
MSG_WITHDRAWN_STANDARD = _("A withdrawn standard cannot be changed; draft a new standard.")
MSG_ONLY_DRAFT_EDITED = _(
    "Only a draft is edited; this version is “%(state)s”. Draft a new version to change it."
)
MSG_COMMENT_TEXT = _("Write the comment.")
MSG_COMMENT_WHO = _("Say whose comment it is: the department, or the name of the user who gave it.")
MSG_REASON = _("Say why.")
MSG_UNIT_OTHER_COMPANY = _("This unit belongs to another company.")
MSG_TARGET_RANGE = _("A percentage target lies between 0 and 100.")
MSG_TARGET_NEGATIVE = _("A target cannot be negative.")
MSG_EFFECTIVE_TAKEN = _(
    "This goal already has a version effective from %(date)s; choose another date."
)
MSG_GOAL_UNCHANGED = _("The target is the same as the version in force from that date.")
MSG_SLA_DATES = _("The end of the agreement cannot be before its start.")
MSG_SLA_NUMBER_TAKEN = _("The contract number %(number)s is already recorded.")
MSG_SLA_EMPTY = _("Enter at least one agreed service level (response, resolution, …).")
MSG_PERCENT = _("A percentage lies between 0 and 100.")
MSG_COMMITMENT_EMPTY = _("Write at least one commitment, one per line.")
MSG_COMMITMENT_STATE = _("This commitment is “%(state)s”; it cannot be %(action)s now.")
MSG_COMMITMENT_POST = _("Name the post (e.g. 门卫, 开票室).")
MSG_POST_OTHER_COMPANY = _("This post belongs to another company.")
ACTION_PUBLISHED = pgettext_lazy("commitment", "published")
ACTION_WITHDRAWN = _("withdrawn")
ACTION_EDITED = _("edited")

FIELD_NAMES = {
    "code": _("The code"),
    "title": _("The title"),
    "requirement": _("The requirement"),
    "name": _("The name"),
    "customer": _("The customer"),
    "contract_number": _("The contract number"),
}


class StandardError(DomainError):
    """A refusal of the standards app: 409 a step the state does not allow, 422 bad input."""

    code = "standard_refused"
    status = 409


def _required(**values: str) -> None:
    for field, value in values.items():
        if not (value or "").strip():
            raise StandardError(
                MSG_REQUIRED, field=field, status=422, name=FIELD_NAMES.get(field, field)
            )


def _pack_of(company: Company) -> str:
    return company.policy_pack or DEFAULT_PACK


def _check_code(code: str) -> str:
    code = (code or "").strip().upper()
    if not code:
        raise StandardError(MSG_REQUIRED, field="code", status=422, name=FIELD_NAMES["code"])
    if len(code) > 40 or not code.replace("-", "").replace("_", "").isalnum() or not code.isascii():
        raise StandardError(MSG_CODE_INVALID, field="code", status=422)
    return code


def _check_dimension(dimension: str) -> None:
    if dimension not in Dimension.values:
        raise StandardError(MSG_DIMENSION, field="dimension", status=422)


def _event(
    standard: Standard,
    action: str,
    *,
    actor: Person | None,
    version: StandardVersion,
    reason: str = "",
    **extra: Any,
) -> None:
    event_record(
        subject=standard,
        action=action,
        actor=actor,
        reason=reason,
        data={"code": standard.code, "version": version.number, **extra},
    )


def _locked(version: StandardVersion) -> StandardVersion:
    return StandardVersion.objects.select_for_update().select_related("standard").get(pk=version.pk)


def _refresh(target: StandardVersion, source: StandardVersion) -> StandardVersion:
    for field in StandardVersion._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    return target
