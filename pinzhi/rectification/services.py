"""Writes of rectification (NCR-1 … NCR-4): raising nonconformities, the fix and its
verification, work orders, serious findings reported up, overdue rectifications, supervision
orders and corrective actions. Each service: keyword-only, atomic, checks its step in the
declared workflow (rectification/workflow.py), writes, records its timeline event, and
notifies on commit."""

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pinzhi.deadlines import services as deadlines
from pinzhi.deadlines.escalation import OWNER
from pinzhi.deadlines.models import Deadline
from pinzhi.deadlines.selectors import deadlines_for
from pinzhi.inspections.events import InspectionEvent
from pinzhi.inspections.models import Answer, Inspection, Severity
from pinzhi.lib.clock import now
from pinzhi.lib.errors import DomainError
from pinzhi.notify.services import notify
from pinzhi.orgs.models import Company, Person, Unit
from pinzhi.policy.selectors import rule_value, rule_value_or_none
from pinzhi.rectification.events import RectificationEvent as E
from pinzhi.rectification.models import (
    CommitteeReport,
    CorrectiveAction,
    FixReport,
    Nonconformity,
    Source,
    SupervisionOrder,
    SupervisionStage,
    Verification,
    WorkOrder,
)
from pinzhi.rectification.people import level_people, quality_people, unit_heads
from pinzhi.rectification.workflow import (
    CAPA,
    CAPA_WORKFLOW,
    FIX,
    LEVELS,
    MINOR_CLEANING_RULE,
    NONCONFORMITY_WORKFLOW,
    SEVERITY_RULES,
    STAGE,
    WORK_ORDER,
)
from pinzhi.timeline.consumers import events_consume
from pinzhi.timeline.models import Event
from pinzhi.timeline.selectors import events_for
from pinzhi.timeline.services import attachment_add, event_record


class RectificationError(DomainError):
    """A refusal of a rectification step."""

    code = "rectification_refused"
    status = 409


TEXT_REQUIRED = _("Say what was done: the fix needs a description.")
NOTE_REQUIRED = _("Record the result and the measures of the verification.")
NEW_DUE_REQUIRED = _("Set the new deadline for the rectification.")
DUE_IN_PAST = _("The deadline must be in the future.")
TITLE_REQUIRED = _("Describe the problem found.")
STAGES_REQUIRED = _("A supervision order needs at least one staged requirement.")
STAGE_DONE = _("This stage was already completed.")
STAGE_ORDER = _("Stage %(position)s must be completed first.")
ORDER_CLOSED = _("This supervision order is already completed.")
NOT_EFFECTIVE = _(
    "An action that did not prove effective cannot be closed: revise the action and check it again."
)
EFFECTIVENESS_REQUIRED = _("Record how the effectiveness was checked.")
ROOT_CAUSE_REQUIRED = _("Name the root cause.")
WORK_ORDER_DONE_ALREADY = _("This work order was already completed.")
DEADLINE_CANCELLED = _("a work order replaced the rectification deadline")

TITLE_RAISED = _("Nonconformity %(number)s at %(unit)s: rectify by %(due)s")
TITLE_WARNING = _("Warning notice: serious nonconformity %(number)s at %(unit)s")
TITLE_REPORTED_UP = _("Serious nonconformity %(number)s at %(unit)s reported to you")
TITLE_SUSPENSION = _("Suspension proposed for %(unit)s (nonconformity %(number)s)")
TITLE_FIX = _("Fix reported for %(number)s at %(unit)s: please verify")
TITLE_REOPENED = _("Fix of %(number)s rejected: rectify again by %(due)s")
TITLE_COMMITTEE = _(
    "Overdue rectification %(number)s at %(unit)s reported to the owners' committee"
)
TITLE_WORK_ORDER = _("Work order %(number)s at %(unit)s: complete by %(due)s")
TITLE_SUPERVISION = _("Supervision order %(number)s for %(unit)s")
TITLE_CAPA = _("Corrective action proposed: %(problem)s found in %(units)s units")
WARNING_TEXT = _(
    "Serious nonconformity found at %(unit)s: %(title)s. Rectify by %(due)s; the finding is "
    "reported up the line."
)
COMMITTEE_TEXT = _(
    "The rectification of “%(title)s” at %(unit)s was due on %(due)s and has not been done."
)


def _local(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _url(name: str, pk: int) -> str:
    from django.urls import reverse

    return reverse(name, args=[pk])


def _lock(nc: Nonconformity) -> Nonconformity:
    return Nonconformity.objects.select_for_update().get(pk=nc.pk)


def _number(model: Any, record: Any, prefix: str) -> None:
    """Give a just-inserted record its readable number (ZG-000123 …) from its id."""
    record.number = f"{prefix}-{record.pk:06d}"
    model.objects.filter(pk=record.pk).update(number=record.number)


def _tell(recipients: Iterable[Person], *, kind: str, title: Any, subject: Any, url: str) -> None:
    people = [p for p in recipients if p is not None]
    if people:
        transaction.on_commit(
            lambda: notify(recipients=people, kind=kind, title=str(title), url=url, subject=subject)
        )


def _ladder(company_id: int, pack: str, at: datetime) -> list[dict[str, Any]]:
    """NCR-3 (逐级上报): whoever owns the fix is told at the breach, then the unit's head, the
    quality department and leadership after the overruns the pack sets."""
    steps = [
        ("unit_head", "rectification.escalate_unit_head_after"),
        ("quality_department", "rectification.escalate_quality_after"),
        ("leadership", "rectification.escalate_leadership_after"),
    ]
    ladder: list[dict[str, Any]] = [{"level": OWNER, "after": 0}]
    for level, key in steps:
        value = rule_value(key, pack=pack, company=company_id, at=at)
        ladder.append({"level": level, "after": int(value.total_seconds())})
    return ladder


def _pack(company_id: int) -> str:
    return Company.objects.filter(pk=company_id).values_list("policy_pack", flat=True).first() or (
        "property"
    )


def deadline_rule(*, severity: str, is_cleaning: bool) -> str:
    """NCR-1: the rule whose duration is the deadline of a finding of `severity`; a minor
    cleaning fault is fixed within the hour (004 第3篇 4)."""
    if severity == Severity.MINOR and is_cleaning:
        return MINOR_CLEANING_RULE
    return SEVERITY_RULES[Severity(severity)]


def _open_fix_deadline(
    nc: Nonconformity,
    *,
    start: datetime,
    actor: Person | None,
    duration: timedelta | None = None,
    kind: str = FIX,
) -> Deadline:
    pack = _pack(nc.company_id)
    owner_role = "" if nc.responsible_id else "unit_quality_admin"
    common = dict(
        subject=nc,
        kind=kind,
        start=start,
        ladder=_ladder(nc.company_id, pack, start),
        owner=nc.responsible,
        owner_role=owner_role,
        unit=nc.unit,
        actor=actor,
    )
    if duration is None:
        return deadlines.deadline_open_for_rule(rule_key=nc.rule_key, pack=pack, **common)
    return deadlines.deadline_open(duration=duration, **common)


def _active_deadlines(nc: Nonconformity) -> list[Deadline]:
    return list(deadlines_for(nc).filter(state__in=[Deadline.State.OPEN, Deadline.State.BREACHED]))


def _problem_key(standard_id: int | None, template_code: str, item_code: str) -> str:
    if standard_id:
        return f"standard:{standard_id}"
    return f"item:{template_code}:{item_code}" if item_code else ""


def _raised(nc: Nonconformity, *, actor: Person | None) -> Nonconformity:
    """After the insert: number, deadline, event, notifications (and for a serious finding
    the warning notice and the first report up)."""
    _number(Nonconformity, nc, "ZG")
    deadline = _open_fix_deadline(nc, start=nc.raised_at, actor=actor)
    if deadline.due_at != nc.due_at:
        nc.due_at = deadline.due_at
        Nonconformity.objects.filter(pk=nc.pk).update(due_at=nc.due_at)
    event_record(
        subject=nc,
        action=E.RAISED,
        actor=actor,
        data={
            "number": nc.number,
            "unit_id": nc.unit_id,
            "severity": nc.severity,
            "source": nc.source,
            "answer_id": nc.answer_id,
            "supplier_id": nc.supplier_id,
            "due_at": nc.due_at.isoformat(),
            "rule_key": nc.rule_key,
        },
    )
    names = {"number": nc.number, "unit": nc.unit.name, "due": _local(nc.due_at)}
    url = _url("rectification:detail", nc.pk)
    _tell(
        level_people(nc, OWNER),
        kind="rectification.raised",
        title=TITLE_RAISED % names,
        subject=nc,
        url=url,
    )
    if nc.severity == Severity.SERIOUS:
        nc.warning_notice = str(WARNING_TEXT % {"unit": nc.unit.name, "title": nc.title, **names})
        Nonconformity.objects.filter(pk=nc.pk).update(warning_notice=nc.warning_notice)
        event_record(subject=nc, action=E.WARNING_ISSUED, actor=actor)
        _report_up(nc, actor=actor)
    _capa_check(nc)
    return nc


def nonconformity_raise(
    *,
    unit: Unit,
    title: str,
    severity: str,
    actor: Person | None,
    source: str = Source.OBSERVATION,
    description: str = "",
    is_cleaning: bool = False,
    responsible: Person | None = None,
    supplier: Company | None = None,
    complaint_ref: str = "",
    standard: Any = None,
    at: datetime | None = None,
) -> Nonconformity:
    """NCR-1: raise a nonconformity by hand (from an observation or a complaint); its
    severity decides its handling and its deadline from the pack."""
    if not title or not title.strip():
        raise RectificationError(TITLE_REQUIRED, field="title", status=422)
    NONCONFORMITY_WORKFLOW.check(None, "raise", actor, anyone=True)
    moment = at or now()
    rule_key = deadline_rule(severity=severity, is_cleaning=is_cleaning)
    with transaction.atomic():
        nc = Nonconformity.objects.create(
            company_id=unit.company_id,
            unit=unit,
            number=uuid.uuid4().hex[:30],
            source=source,
            title=title.strip()[:300],
            description=description,
            severity=severity,
            is_cleaning=is_cleaning,
            responsible=responsible,
            supplier=supplier,
            complaint_ref=complaint_ref,
            standard=standard,
            problem_key=_problem_key(getattr(standard, "pk", None), "", ""),
            due_at=moment,
            rule_key=rule_key,
            raised_by=actor,
            raised_at=moment,
        )
        return _raised(nc, actor=actor)


def _is_cleaning(answer: Answer) -> bool:
    standard = answer.item.standard
    if standard is not None and standard.code.upper().startswith("CLN"):
        return True
    return "清洁" in answer.inspection.template_version.template.name


def nonconformities_from_answers(*, answer_ids: Sequence[int]) -> list[Nonconformity]:
    """NCR-1/NCR-2: one nonconformity per failed answer, exactly once (the answer is unique
    on the nonconformity; an answer that already has one is skipped)."""
    answers = (
        Answer.objects.filter(pk__in=list(answer_ids), result=Answer.Result.FAIL)
        .filter(nonconformity__isnull=True)
        .select_related(
            "item__standard", "inspection__unit", "inspection__template_version__template"
        )
        .order_by("pk")
    )
    raised = []
    for answer in answers:
        inspection = answer.inspection
        severity = answer.severity or Severity.GENERAL
        cleaning = _is_cleaning(answer)
        moment = inspection.submitted_at or now()
        template = inspection.template_version.template
        try:
            with transaction.atomic():
                nc = Nonconformity.objects.create(
                    company_id=inspection.company_id,
                    unit=inspection.unit,
                    number=uuid.uuid4().hex[:30],
                    source=Source.INSPECTION,
                    inspection=inspection,
                    answer=answer,
                    item=answer.item,
                    item_code=answer.item.code,
                    problem_key=_problem_key(
                        answer.item.standard_id, template.code, answer.item.code
                    ),
                    standard=answer.item.standard,
                    supplier_id=inspection.supplier_id,
                    title=answer.item.text[:300],
                    description=answer.note,
                    severity=severity,
                    is_cleaning=cleaning,
                    responsible=answer.confirmed_by,
                    due_at=moment,
                    rule_key=deadline_rule(severity=severity, is_cleaning=cleaning),
                    raised_by=inspection.inspector,
                    raised_at=moment,
                )
                raised.append(_raised(nc, actor=inspection.inspector))
        except IntegrityError:
            continue  # raised meanwhile by another worker: exactly once
    return raised


def inspection_submitted_follow(inspection_id: int) -> list[Nonconformity]:
    """INS-5 / NCR-2: raise the nonconformities of one inspection right after its submission
    commits (registered with `register_on_submitted`), so the unit sees its findings at once;
    the consumer below reads the same event later and adds nothing (one per answer)."""
    ids: list[int] = []
    inspection = Inspection.objects.filter(pk=inspection_id).first()
    if inspection is None:
        return []
    for data in (
        events_for(inspection)
        .filter(action=InspectionEvent.SUBMITTED)
        .values_list("data", flat=True)
    ):
        ids.extend(int(pk) for pk in (data or {}).get("failed_answer_ids", []))
    return nonconformities_from_answers(answer_ids=ids) if ids else []


def _submitted_handle(events: list[Event]) -> None:
    ids: list[int] = []
    for event in events:
        ids.extend(int(pk) for pk in (event.data or {}).get("failed_answer_ids", []))
    if ids:
        nonconformities_from_answers(answer_ids=ids)


CONSUMER = "rectification"


def inspections_follow(*, batch: int = 100) -> int:
    """Raise the nonconformities of every newly submitted inspection (consumer
    "rectification" of `inspection.submitted`); returns the events handled."""
    total = 0
    while True:
        handled = events_consume(
            consumer=CONSUMER,
            kinds=[InspectionEvent.SUBMITTED],
            handler=_submitted_handle,
            batch=batch,
        )
        total += handled
        if handled < batch:
            return total


# --- the loop (NCR-2) -----------------------------------------------------------------------


@transaction.atomic
def nonconformity_report_fix(
    *,
    nonconformity: Nonconformity,
    actor: Person,
    text: str,
    photos: Sequence[Any] = (),
    client_key: uuid.UUID | None = None,
    at: datetime | None = None,
) -> FixReport:
    """NCR-2: the unit (or its supplier) reports its fix with evidence (text and photos);
    the rectification deadline is met. A resend with the same `client_key` returns the
    stored report."""
    if client_key is not None:
        existing = FixReport.objects.filter(client_key=client_key).first()
        if existing is not None and existing.nonconformity_id == nonconformity.pk:
            return existing
    if not text or not text.strip():
        raise RectificationError(TEXT_REQUIRED, field="text", status=422)
    nc = _lock(nonconformity)
    NONCONFORMITY_WORKFLOW.check(nc, "report_fix", actor)
    moment = at or now()
    report = FixReport.objects.create(
        nonconformity=nc,
        text=text.strip(),
        client_key=client_key,
        reported_by=actor,
        reported_at=moment,
    )
    ids = [
        attachment_add(subject=nc, uploaded_file=photo, uploaded_by=actor).pk for photo in photos
    ]
    if ids:
        report.attachment_ids = ids
        report.save(update_fields=["attachment_ids"])
    for deadline in _active_deadlines(nc):
        deadlines.deadline_meet(deadline=deadline, at=moment, actor=actor)
    nc.status = Nonconformity.Status.FIX_REPORTED
    nc.save(update_fields=["status"])
    work_order = WorkOrder.objects.filter(nonconformity=nc, status=WorkOrder.Status.OPEN).first()
    if work_order is not None:
        work_order.status, work_order.reply, work_order.done_at = (
            WorkOrder.Status.DONE,
            text,
            moment,
        )
        work_order.save(update_fields=["status", "reply", "done_at"])
        event_record(
            subject=work_order,
            action=E.WORK_ORDER_DONE,
            actor=actor,
            data={"number": work_order.number},
        )
    event_record(
        subject=nc,
        action=E.FIX_REPORTED,
        actor=actor,
        data={"fix_report_id": report.pk, "attachments": len(ids)},
    )
    _tell(
        level_people(nc, "verifier"),
        kind="rectification.fix_reported",
        title=TITLE_FIX % {"number": nc.number, "unit": nc.unit.name},
        subject=nc,
        url=_url("rectification:detail", nc.pk),
    )
    nonconformity.status = nc.status
    return report


def _verified(nc: Nonconformity, *, verification: Verification, actor: Person, late: bool) -> None:
    event_record(
        subject=nc,
        action=E.VERIFIED,
        actor=actor,
        data={
            "unit_id": nc.unit_id,
            "responsible_id": nc.responsible_id,
            "supplier_id": nc.supplier_id,
            "severity": nc.severity,
            "accepted": verification.accepted,
            "new_due_at": verification.new_due_at.isoformat() if verification.new_due_at else None,
            "late": late,
        },
    )


def _late(nc: Nonconformity) -> bool:
    report = nc.fix_reports.order_by("-reported_at", "-pk").first()
    return report is not None and report.reported_at > nc.due_at


@transaction.atomic
def nonconformity_accept(
    *, nonconformity: Nonconformity, actor: Person, note: str, at: datetime | None = None
) -> Verification:
    """NCR-2 (跟踪验证): the inspector accepts the fix and records the result and measures;
    the nonconformity closes."""
    if not note or not note.strip():
        raise RectificationError(NOTE_REQUIRED, field="note", status=422)
    nc = _lock(nonconformity)
    NONCONFORMITY_WORKFLOW.check(nc, "accept", actor)
    moment = at or now()
    verification = Verification.objects.create(
        nonconformity=nc, accepted=True, note=note.strip(), verified_by=actor, verified_at=moment
    )
    nc.status, nc.closed_at = Nonconformity.Status.CLOSED, moment
    nc.save(update_fields=["status", "closed_at"])
    _verified(nc, verification=verification, actor=actor, late=_late(nc))
    nonconformity.status, nonconformity.closed_at = nc.status, nc.closed_at
    return verification


@transaction.atomic
def nonconformity_reopen(
    *,
    nonconformity: Nonconformity,
    actor: Person,
    note: str,
    new_due_at: datetime | None,
    at: datetime | None = None,
) -> Verification:
    """NCR-2: the inspector rejects the fix, records why, and sets a new deadline; the
    nonconformity opens again with a new rectification deadline."""
    if not note or not note.strip():
        raise RectificationError(NOTE_REQUIRED, field="note", status=422)
    moment = at or now()
    if new_due_at is None:
        raise RectificationError(NEW_DUE_REQUIRED, field="new_due_at", status=422)
    if new_due_at <= moment:
        raise RectificationError(DUE_IN_PAST, field="new_due_at", status=422)
    nc = _lock(nonconformity)
    NONCONFORMITY_WORKFLOW.check(nc, "reopen", actor)
    late = _late(nc)
    verification = Verification.objects.create(
        nonconformity=nc,
        accepted=False,
        note=note.strip(),
        new_due_at=new_due_at,
        verified_by=actor,
        verified_at=moment,
    )
    nc.status = Nonconformity.Status.OPEN
    nc.due_at = new_due_at
    nc.reopened += 1
    nc.overdue_at = None
    nc.save(update_fields=["status", "due_at", "reopened", "overdue_at"])
    _open_fix_deadline(nc, start=moment, actor=actor, duration=new_due_at - moment)
    _verified(nc, verification=verification, actor=actor, late=late)
    _tell(
        level_people(nc, OWNER),
        kind="rectification.reopened",
        title=TITLE_REOPENED % {"number": nc.number, "due": _local(new_due_at)},
        subject=nc,
        url=_url("rectification:detail", nc.pk),
    )
    nonconformity.status, nonconformity.due_at = nc.status, nc.due_at
    nonconformity.reopened = nc.reopened
    return verification


@transaction.atomic
def work_order_issue(
    *,
    nonconformity: Nonconformity,
    actor: Person,
    job: str,
    due_at: datetime | None = None,
    at: datetime | None = None,
) -> WorkOrder:
    """NCR-2 (004 第3篇 5): a job too large for the hour becomes a work order (报事单) with
    its own due time (the pack's default unless given); it replaces the rectification
    deadline."""
    if not job or not job.strip():
        raise RectificationError(TEXT_REQUIRED, field="job", status=422)
    moment = at or now()
    nc = _lock(nonconformity)
    NONCONFORMITY_WORKFLOW.check(nc, "issue_work_order", actor)
    if due_at is None:
        value = rule_value(
            "rectification.work_order_due",
            pack=_pack(nc.company_id),
            company=nc.company_id,
            at=moment,
        )
        due_at = moment + value
    if due_at <= moment:
        raise RectificationError(DUE_IN_PAST, field="due_at", status=422)
    order = WorkOrder.objects.create(
        company_id=nc.company_id,
        unit=nc.unit,
        number=uuid.uuid4().hex[:30],
        nonconformity=nc,
        supplier_id=nc.supplier_id,
        job=job.strip(),
        due_at=due_at,
        issued_by=actor,
        issued_at=moment,
    )
    _number(WorkOrder, order, "BS")
    for deadline in _active_deadlines(nc):
        deadlines.deadline_cancel(
            deadline=deadline, reason=str(DEADLINE_CANCELLED), at=moment, actor=actor
        )
    nc.due_at = due_at
    nc.overdue_at = None
    nc.save(update_fields=["due_at", "overdue_at"])
    _open_fix_deadline(nc, start=moment, actor=actor, duration=due_at - moment, kind=WORK_ORDER)
    event_record(
        subject=nc,
        action=E.WORK_ORDER_ISSUED,
        actor=actor,
        data={"number": order.number, "due_at": due_at.isoformat()},
    )
    _tell(
        level_people(nc, OWNER),
        kind="rectification.work_order",
        title=TITLE_WORK_ORDER
        % {"number": order.number, "unit": nc.unit.name, "due": _local(due_at)},
        subject=nc,
        url=_url("rectification:detail", nc.pk),
    )
    nonconformity.due_at = nc.due_at
    return order


# --- serious findings (NCR-1) ----------------------------------------------------------------


def _report_up(nc: Nonconformity, *, actor: Person | None, note: str = "") -> int:
    level = nc.reported_level + 1
    people = level_people(nc, LEVELS[level])
    nc.reported_level = level
    Nonconformity.objects.filter(pk=nc.pk).update(reported_level=level)
    event_record(
        subject=nc,
        action=E.REPORTED_UP,
        actor=actor,
        data={"level": level, "recipient_ids": [p.pk for p in people]},
    )
    _tell(
        people,
        kind="rectification.reported_up",
        title=(TITLE_WARNING if level == 1 else TITLE_REPORTED_UP)
        % {"number": nc.number, "unit": nc.unit.name},
        subject=nc,
        url=_url("rectification:detail", nc.pk),
    )
    return level


@transaction.atomic
def nonconformity_report_up(*, nonconformity: Nonconformity, actor: Person, note: str = "") -> int:
    """NCR-1 (000 监督管理办法 五(三)): a serious finding is reported up level by level — the
    unit's head, the quality department, leadership — each level notified."""
    nc = _lock(nonconformity)
    NONCONFORMITY_WORKFLOW.check(nc, "report_up", actor)
    level = _report_up(nc, actor=actor, note=note)
    nonconformity.reported_level = level
    return level


@transaction.atomic
def nonconformity_propose_suspension(
    *, nonconformity: Nonconformity, actor: Person, note: str = ""
) -> Nonconformity:
    """NCR-1 (000 物业 6.1): for a serious violation the quality department may propose
    suspending the business; leadership is asked to decide."""
    nc = _lock(nonconformity)
    NONCONFORMITY_WORKFLOW.check(nc, "propose_suspension", actor)
    nc.suspension_proposed = True
    nc.save(update_fields=["suspension_proposed"])
    event_record(subject=nc, action=E.SUSPENSION_PROPOSED, actor=actor)
    _tell(
        level_people(nc, "leadership"),
        kind="rectification.suspension",
        title=TITLE_SUSPENSION % {"number": nc.number, "unit": nc.unit.name},
        subject=nc,
        url=_url("rectification:detail", nc.pk),
    )
    nonconformity.suspension_proposed = True
    return nc


# --- overdue rectifications (NCR-3) -----------------------------------------------------------


def overdue_sweep(*, at: datetime | None = None) -> int:
    """NCR-3: mark each rectification past its deadline overdue, exactly once per deadline
    (a conditional UPDATE claims it), recording `rectification.overdue` for the points ledger
    and, where the pack says so, a report to the estate's owners' committee (004 第3篇 7).
    The escalation notices themselves go up the deadline's ladder (the deadline engine)."""
    moment = at or now()
    candidates = list(
        Nonconformity.objects.filter(
            status=Nonconformity.Status.OPEN, due_at__lt=moment, overdue_at__isnull=True
        )
        .order_by("due_at")
        .values_list("pk", flat=True)[:1000]
    )
    marked = 0
    for pk in candidates:
        with transaction.atomic():
            claimed = Nonconformity.objects.filter(
                pk=pk, status=Nonconformity.Status.OPEN, overdue_at__isnull=True, due_at__lt=moment
            ).update(overdue_at=moment)
            if not claimed:
                continue
            nc = Nonconformity.objects.select_related("unit", "company").get(pk=pk)
            event_record(
                subject=nc,
                action=E.OVERDUE,
                data={
                    "unit_id": nc.unit_id,
                    "responsible_id": nc.responsible_id,
                    "supplier_id": nc.supplier_id,
                    "severity": nc.severity,
                    "due_at": nc.due_at.isoformat(),
                    "round": nc.reopened,
                },
            )
            _committee_report(nc, at=moment)
            marked += 1
    return marked


def _committee_report(nc: Nonconformity, *, at: datetime) -> None:
    if not rule_value_or_none(
        "rectification.report_overdue_to_owners",
        pack=nc.company.policy_pack or "property",
        company=nc.company_id,
        at=at,
    ):
        return
    report, created = CommitteeReport.objects.get_or_create(
        nonconformity=nc,
        round=nc.reopened,
        defaults={
            "company_id": nc.company_id,
            "unit": nc.unit,
            "text": str(
                COMMITTEE_TEXT % {"title": nc.title, "unit": nc.unit.name, "due": _local(nc.due_at)}
            ),
            "reported_at": at,
        },
    )
    if not created:
        return
    nc.committee_reported_at = at
    Nonconformity.objects.filter(pk=nc.pk).update(committee_reported_at=at)
    event_record(
        subject=nc,
        action=E.COMMITTEE_REPORTED,
        data={"unit_id": nc.unit_id, "round": nc.reopened},
    )
    _tell(
        level_people(nc, "committee"),
        kind="rectification.committee",
        title=TITLE_COMMITTEE % {"number": nc.number, "unit": nc.unit.name},
        subject=nc,
        url=_url("rectification:detail", nc.pk),
    )


# --- supervision orders (NCR-4) ---------------------------------------------------------------


@transaction.atomic
def supervision_order_issue(
    *,
    unit: Unit,
    problem: str,
    stages: Sequence[tuple[str, datetime]],
    actor: Person,
    nonconformities: Iterable[Nonconformity] = (),
    at: datetime | None = None,
) -> SupervisionOrder:
    """NCR-4 (000 监督管理办法 五(二)): the quality department issues a supervision order
    (督办单) stating the problem with staged requirements, each with its due date (a
    deadline of its own), linked to nonconformities."""
    if not problem or not problem.strip():
        raise RectificationError(TITLE_REQUIRED, field="problem", status=422)
    moment = at or now()
    stages = [(text.strip(), due) for text, due in stages if text and text.strip()]
    if not stages:
        raise RectificationError(STAGES_REQUIRED, field="stages", status=422)
    for _text, due in stages:
        if due <= moment:
            raise RectificationError(DUE_IN_PAST, field="stages", status=422)
    order = SupervisionOrder.objects.create(
        company_id=unit.company_id,
        unit=unit,
        number=uuid.uuid4().hex[:30],
        problem=problem.strip(),
        issued_by=actor,
        issued_at=moment,
    )
    _number(SupervisionOrder, order, "DB")
    order.nonconformities.set(list(nonconformities))
    for position, (text, due) in enumerate(stages, start=1):
        stage = SupervisionStage.objects.create(
            order=order, position=position, requirement=text, due_at=due
        )
        deadlines.deadline_open(
            subject=stage,
            kind=STAGE,
            duration=due - moment,
            start=moment,
            owner_role="department_manager",
            unit=unit,
            actor=actor,
        )
    event_record(
        subject=order, action=E.SUPERVISION_ISSUED, actor=actor, data={"number": order.number}
    )
    _tell(
        unit_heads(order.company_id, unit),
        kind="rectification.supervision",
        title=TITLE_SUPERVISION % {"number": order.number, "unit": unit.name},
        subject=order,
        url=_url("rectification:supervision_detail", order.pk),
    )
    return order


@transaction.atomic
def supervision_stage_complete(
    *, stage: SupervisionStage, actor: Person, note: str, at: datetime | None = None
) -> SupervisionStage:
    """NCR-4: a stage is completed in order; its deadline is met; the order completes with
    its last stage."""
    if not note or not note.strip():
        raise RectificationError(TEXT_REQUIRED, field="note", status=422)
    moment = at or now()
    order = SupervisionOrder.objects.select_for_update().get(pk=stage.order_id)
    if order.status == SupervisionOrder.Status.CLOSED:
        raise RectificationError(ORDER_CLOSED)
    stage = SupervisionStage.objects.get(pk=stage.pk)
    if stage.completed_at is not None:
        raise RectificationError(STAGE_DONE)
    earlier = order.stages.filter(position__lt=stage.position, completed_at__isnull=True).first()
    if earlier is not None:
        raise RectificationError(STAGE_ORDER, position=earlier.position)
    stage.completed_at, stage.completed_by, stage.note = moment, actor, note.strip()
    stage.save(update_fields=["completed_at", "completed_by", "note"])
    for deadline in deadlines_for(stage).filter(
        state__in=[Deadline.State.OPEN, Deadline.State.BREACHED]
    ):
        deadlines.deadline_meet(deadline=deadline, at=moment, actor=actor)
    event_record(subject=order, action=E.STAGE_COMPLETED, actor=actor)
    if not order.stages.filter(completed_at__isnull=True).exists():
        order.status, order.closed_at = SupervisionOrder.Status.CLOSED, moment
        order.save(update_fields=["status", "closed_at"])
    return stage


# --- corrective and preventive actions (NCR-4) -------------------------------------------------


def _capa_check(nc: Nonconformity) -> CorrectiveAction | None:
    """NCR-4 (000 检验办法 4.9): when the same problem is found in at least the pack's number
    of units within the pack's period, propose a corrective action (one open per problem; a
    later finding joins it)."""
    if not nc.problem_key:
        return None
    pack = _pack(nc.company_id)
    threshold = rule_value(
        "rectification.capa_unit_threshold", pack=pack, company=nc.company_id, at=nc.raised_at
    )
    period = rule_value(
        "rectification.capa_period", pack=pack, company=nc.company_id, at=nc.raised_at
    )
    since = nc.raised_at - period
    same = Nonconformity.objects.filter(
        company_id=nc.company_id,
        problem_key=nc.problem_key,
        raised_at__gte=since,
        raised_at__lte=nc.raised_at,
    )
    open_action = CorrectiveAction.objects.filter(
        company_id=nc.company_id,
        problem_key=nc.problem_key,
        status__in=[CorrectiveAction.Status.PROPOSED, CorrectiveAction.Status.ACCEPTED],
    ).first()
    if open_action is not None:
        open_action.nonconformities.add(nc)
        open_action.units.add(nc.unit)
        return open_action
    units = set(same.values_list("unit_id", flat=True).distinct())
    if len(units) < int(threshold):
        return None
    action = CorrectiveAction.objects.create(
        company_id=nc.company_id,
        number=uuid.uuid4().hex[:30],
        problem_key=nc.problem_key,
        problem=nc.title,
        period_start=since,
        period_end=nc.raised_at,
        proposed_at=now(),
    )
    _number(CorrectiveAction, action, "CA")
    action.units.set(list(units))
    action.nonconformities.set(list(same))
    event_record(subject=action, action=E.CAPA_PROPOSED, data={"number": action.number})
    _tell(
        quality_people(nc.company_id),
        kind="rectification.capa",
        title=TITLE_CAPA % {"problem": nc.title, "units": len(units)},
        subject=action,
        url=_url("rectification:capa_detail", action.pk),
    )
    return action


def _lock_action(action: CorrectiveAction) -> CorrectiveAction:
    return CorrectiveAction.objects.select_for_update().get(pk=action.pk)


@transaction.atomic
def capa_accept(
    *,
    action: CorrectiveAction,
    actor: Person,
    root_cause: str,
    plan: str,
    owner: Person,
    due_at: datetime | None = None,
    kind: str = CorrectiveAction.Kind.CORRECTIVE,
) -> CorrectiveAction:
    """NCR-4: the quality department accepts the proposal with the root cause, the action,
    its owner and due date (the pack's period unless given); a deadline follows it."""
    if not root_cause or not root_cause.strip():
        raise RectificationError(ROOT_CAUSE_REQUIRED, field="root_cause", status=422)
    if not plan or not plan.strip():
        raise RectificationError(TEXT_REQUIRED, field="plan", status=422)
    moment = now()
    locked = _lock_action(action)
    CAPA_WORKFLOW.check(locked, "accept", actor)
    if due_at is None:
        due_at = moment + rule_value(
            "rectification.capa_due",
            pack=_pack(locked.company_id),
            company=locked.company_id,
            at=moment,
        )
    if due_at <= moment:
        raise RectificationError(DUE_IN_PAST, field="due_at", status=422)
    locked.status = CorrectiveAction.Status.ACCEPTED
    locked.kind, locked.root_cause, locked.action = kind, root_cause.strip(), plan.strip()
    locked.owner, locked.due_at = owner, due_at
    locked.decided_by, locked.decided_at = actor, moment
    locked.save()
    deadlines.deadline_open(
        subject=locked, kind=CAPA, duration=due_at - moment, start=moment, owner=owner, actor=actor
    )
    event_record(subject=locked, action=E.CAPA_ACCEPTED, actor=actor)
    return locked


@transaction.atomic
def capa_decline(*, action: CorrectiveAction, actor: Person, note: str = "") -> CorrectiveAction:
    """NCR-4: the quality department declines the proposal, saying why."""
    if not note or not note.strip():
        raise RectificationError(NOTE_REQUIRED, field="note", status=422)
    locked = _lock_action(action)
    CAPA_WORKFLOW.check(locked, "decline", actor)
    locked.status, locked.decision_note = CorrectiveAction.Status.DECLINED, note.strip()
    locked.decided_by, locked.decided_at = actor, now()
    locked.save()
    event_record(subject=locked, action=E.CAPA_DECLINED, actor=actor)
    return locked


@transaction.atomic
def capa_close(
    *, action: CorrectiveAction, actor: Person, effectiveness: str, effective: bool
) -> CorrectiveAction:
    """NCR-4: an action closes only after its effectiveness check shows it worked."""
    if not effectiveness or not effectiveness.strip():
        raise RectificationError(EFFECTIVENESS_REQUIRED, field="effectiveness", status=422)
    locked = _lock_action(action)
    CAPA_WORKFLOW.check(locked, "close", actor)
    if not effective:
        raise RectificationError(NOT_EFFECTIVE, field="effective", status=422)
    moment = now()
    locked.effectiveness, locked.effective = effectiveness.strip(), True
    locked.checked_by, locked.checked_at = actor, moment
    locked.status = CorrectiveAction.Status.CLOSED
    locked.save()
    for deadline in deadlines_for(locked).filter(
        state__in=[Deadline.State.OPEN, Deadline.State.BREACHED]
    ):
        deadlines.deadline_meet(deadline=deadline, at=moment, actor=actor)
    event_record(subject=locked, action=E.CAPA_CLOSED, actor=actor)
    return locked
