"""Quality goals and SLAs (STD-3), public service commitments (STD-4)."""

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from pinzhi.lib.clock import now
from pinzhi.orgs.models import Company, Person, Post, Unit
from pinzhi.standards.events import StandardEvent
from pinzhi.standards.models import (
    GOAL_PERCENTS,
    CommitmentState,
    GoalMetric,
    GoalPeriod,
    QualityGoal,
    ServiceCommitment,
    ServiceLevelAgreement,
)
from pinzhi.standards.services.common import (
    ACTION_EDITED,
    ACTION_PUBLISHED,
    ACTION_WITHDRAWN,
    MSG_COMMITMENT_EMPTY,
    MSG_COMMITMENT_POST,
    MSG_COMMITMENT_STATE,
    MSG_EFFECTIVE_TAKEN,
    MSG_GOAL_UNCHANGED,
    MSG_PERCENT,
    MSG_POST_OTHER_COMPANY,
    MSG_REQUIRED,
    MSG_SLA_DATES,
    MSG_SLA_EMPTY,
    MSG_SLA_NUMBER_TAKEN,
    MSG_TARGET_NEGATIVE,
    MSG_TARGET_RANGE,
    MSG_UNIT_OTHER_COMPANY,
    StandardError,
    _required,
)
from pinzhi.timeline.services import event_record

# --- quality goals (STD-3) -----------------------------------------------------------------


@transaction.atomic
def goal_set(
    *,
    unit: Unit,
    metric: str,
    period: str,
    target: Decimal,
    effective_from: date,
    reason: str = "",
    actor: Person | None,
) -> QualityGoal:
    """STD-3 (002 第三章): set or adjust a unit's quality goal. An adjustment never changes
    the goal in force: it is a new version with its effective date, and the earlier
    versions stay (a period is judged against the version in force then)."""
    if metric not in GoalMetric.values:
        raise StandardError(MSG_REQUIRED, field="metric", status=422, name=_("The goal"))
    if period not in GoalPeriod.values:
        raise StandardError(MSG_REQUIRED, field="period", status=422, name=_("The period"))
    if target is None:
        raise StandardError(MSG_REQUIRED, field="target", status=422, name=_("The target"))
    target = Decimal(target)
    if target < 0:
        raise StandardError(MSG_TARGET_NEGATIVE, field="target", status=422)
    if metric in GOAL_PERCENTS and target > 100:
        raise StandardError(MSG_TARGET_RANGE, field="target", status=422)
    if effective_from is None:
        raise StandardError(
            MSG_REQUIRED, field="effective_from", status=422, name=_("The effective date")
        )
    versions = QualityGoal.objects.select_for_update().filter(
        unit=unit, metric=metric, period=period
    )
    if versions.filter(effective_from=effective_from).exists():
        raise StandardError(
            MSG_EFFECTIVE_TAKEN, field="effective_from", status=422, date=effective_from
        )
    in_force = versions.filter(effective_from__lt=effective_from).order_by("-effective_from")
    before = in_force.first()
    if before is not None and before.target == target:
        raise StandardError(MSG_GOAL_UNCHANGED, field="target", status=422)
    last = versions.order_by("-version").first()
    goal = QualityGoal.objects.create(
        company_id=unit.company_id,
        unit=unit,
        metric=metric,
        period=period,
        target=target,
        version=(last.version if last else 0) + 1,
        effective_from=effective_from,
        reason=(reason or "").strip(),
        set_by=actor,
        set_at=now(),
    )
    event_record(
        subject=unit,
        action=StandardEvent.GOAL_SET,
        actor=actor,
        reason=goal.reason,
        data={
            "unit_id": unit.pk,
            "metric": metric,
            "period": period,
            "target": str(target),
            "version": goal.version,
            "effective_from": effective_from.isoformat(),
        },
    )
    return goal


# --- SLAs (STD-3, 003 4.3(1)) --------------------------------------------------------------

SLA_LEVELS = (
    "response_minutes",
    "resolution_hours",
    "availability_percent",
    "satisfaction_percent",
    "callback_hours",
)


def _sla_check(fields: dict[str, Any]) -> None:
    _required(
        customer=fields.get("customer", ""), contract_number=fields.get("contract_number", "")
    )
    if all(fields.get(name) in (None, "") for name in SLA_LEVELS):
        raise StandardError(MSG_SLA_EMPTY, field="response_minutes", status=422)
    for name in ("availability_percent", "satisfaction_percent"):
        value = fields.get(name)
        if value is not None and not (0 <= Decimal(value) <= 100):
            raise StandardError(MSG_PERCENT, field=name, status=422)
    for name in ("response_minutes", "resolution_hours", "callback_hours"):
        value = fields.get(name)
        if value is not None and int(value) < 0:
            raise StandardError(MSG_TARGET_NEGATIVE, field=name, status=422)
    start, end = fields.get("valid_from"), fields.get("valid_until")
    if start is None:
        raise StandardError(MSG_REQUIRED, field="valid_from", status=422, name=_("The start"))
    if end is not None and end < start:
        raise StandardError(MSG_SLA_DATES, field="valid_until", status=422)
    unit = fields.get("unit")
    company = fields["company"]
    if unit is not None and unit.company_id != company.pk:
        raise StandardError(MSG_UNIT_OTHER_COMPANY, field="unit", status=422)


@transaction.atomic
def sla_record(*, company: Company, actor: Person | None, **fields: Any) -> ServiceLevelAgreement:
    """STD-3 (003 4.3(1)): the service levels agreed with a customer in a service contract
    (SLA): response, resolution, availability, satisfaction, callback."""
    fields["customer"] = (fields.get("customer") or "").strip()
    fields["contract_number"] = (fields.get("contract_number") or "").strip()
    _sla_check({**fields, "company": company})
    if ServiceLevelAgreement.objects.filter(
        company=company, contract_number=fields["contract_number"]
    ).exists():
        raise StandardError(
            MSG_SLA_NUMBER_TAKEN,
            field="contract_number",
            status=422,
            number=fields["contract_number"],
        )
    sla = ServiceLevelAgreement.objects.create(
        company=company, created_by=actor, created_at=now(), **fields
    )
    event_record(
        subject=sla,
        action=StandardEvent.SLA_RECORDED,
        actor=actor,
        data={"contract_number": sla.contract_number},
    )
    return sla


@transaction.atomic
def sla_update(
    *, sla: ServiceLevelAgreement, actor: Person | None, **fields: Any
) -> ServiceLevelAgreement:
    """STD-3: a change of a contract's service levels, recorded with what changed."""
    locked = ServiceLevelAgreement.objects.select_for_update().get(pk=sla.pk)
    fields["customer"] = (fields.get("customer") or "").strip()
    fields["contract_number"] = (fields.get("contract_number") or "").strip()
    _sla_check({**fields, "company": locked.company})
    if (
        ServiceLevelAgreement.objects.filter(
            company_id=locked.company_id, contract_number=fields["contract_number"]
        )
        .exclude(pk=locked.pk)
        .exists()
    ):
        raise StandardError(
            MSG_SLA_NUMBER_TAKEN,
            field="contract_number",
            status=422,
            number=fields["contract_number"],
        )
    before = {name: str(getattr(locked, name)) for name in fields}
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.save()
    after = {name: str(getattr(locked, name)) for name in fields}
    changed = [name for name in fields if before[name] != after[name]]
    event_record(
        subject=locked,
        action=StandardEvent.SLA_RECORDED,
        actor=actor,
        before={name: before[name] for name in changed},
        after={name: after[name] for name in changed},
        data={"contract_number": locked.contract_number},
    )
    return locked


# --- public service commitments (STD-4) ----------------------------------------------------


def _commitment_check(company: Company, post: Post | None, post_name: str, text: str) -> str:
    if post is not None and post.unit.company_id != company.pk:
        raise StandardError(MSG_POST_OTHER_COMPANY, field="post", status=422)
    post_name = (post_name or "").strip() or (post.name if post is not None else "")
    if not post_name:
        raise StandardError(MSG_COMMITMENT_POST, field="post_name", status=422)
    if not any(line.strip() for line in (text or "").splitlines()):
        raise StandardError(MSG_COMMITMENT_EMPTY, field="text", status=422)
    return post_name


def _clean_lines(text: str) -> str:
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


@transaction.atomic
def commitment_write(
    *,
    company: Company,
    post_name: str = "",
    text: str,
    post: Post | None = None,
    actor: Person | None,
) -> ServiceCommitment:
    """STD-4: a post's service commitments (one per line), a draft until published."""
    post_name = _commitment_check(company, post, post_name, text)
    return ServiceCommitment.objects.create(
        company=company,
        post=post,
        post_name=post_name,
        text=_clean_lines(text),
        created_by=actor,
        created_at=now(),
    )


def _commitment_locked(commitment: ServiceCommitment) -> ServiceCommitment:
    return ServiceCommitment.objects.select_for_update().get(pk=commitment.pk)


@transaction.atomic
def commitment_edit(
    *,
    commitment: ServiceCommitment,
    post_name: str = "",
    text: str,
    post: Post | None = None,
    actor: Person | None,
) -> ServiceCommitment:
    """STD-4: a draft or withdrawn commitment is edited (a published one is withdrawn first,
    so the public page never shows words nobody published)."""
    locked = _commitment_locked(commitment)
    if locked.state == CommitmentState.PUBLISHED:
        raise StandardError(
            MSG_COMMITMENT_STATE, state=locked.get_state_display(), action=ACTION_EDITED
        )
    locked.post_name = _commitment_check(locked.company, post, post_name, text)
    locked.post = post
    locked.text = _clean_lines(text)
    locked.state = CommitmentState.DRAFT
    locked.save()
    return locked


@transaction.atomic
def commitment_publish(*, commitment: ServiceCommitment, actor: Person | None) -> ServiceCommitment:
    """STD-4 (004 第5篇 附1 服务承诺公示): the commitment appears on the public page, under
    the company's name."""
    locked = _commitment_locked(commitment)
    if locked.state != CommitmentState.DRAFT:
        raise StandardError(
            MSG_COMMITMENT_STATE, state=locked.get_state_display(), action=ACTION_PUBLISHED
        )
    locked.state = CommitmentState.PUBLISHED
    locked.published_by = actor
    locked.published_at = now()
    locked.withdrawn_at = None
    locked.save()
    event_record(
        subject=locked,
        action=StandardEvent.COMMITMENT_PUBLISHED,
        actor=actor,
        data={"post": locked.post_name},
    )
    return locked


@transaction.atomic
def commitment_withdraw(
    *, commitment: ServiceCommitment, actor: Person | None, reason: str = ""
) -> ServiceCommitment:
    """STD-4: the commitment is taken off the public page."""
    locked = _commitment_locked(commitment)
    if locked.state != CommitmentState.PUBLISHED:
        raise StandardError(
            MSG_COMMITMENT_STATE, state=locked.get_state_display(), action=ACTION_WITHDRAWN
        )
    locked.state = CommitmentState.WITHDRAWN
    locked.withdrawn_at = now()
    locked.save()
    event_record(
        subject=locked,
        action=StandardEvent.COMMITMENT_WITHDRAWN,
        actor=actor,
        reason=(reason or "").strip(),
        data={"post": locked.post_name},
    )
    return locked
