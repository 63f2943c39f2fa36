"""Plans, schedules, tasks and their assignment (INS-1, INS-2, INS-3, INS-6).

- The year's plan (检查计划): drafted by the quality department with its entries (what, which
  units, when, which kind), submitted, approved by leadership and notified to the units in
  advance — only its announced entries, and at the latest the pack's notice period before an
  entry begins (the clock notifies a plan nobody notified in time). Declared once in
  `PLAN_WORKFLOW`.
- A schedule's frequency is an RFC 5545 recurrence rule read by python-dateutil, expanded in
  Asia/Shanghai wall-clock time (no DST there, so "every day at 09:00" stays 09:00 local).
- Materialisation: every occurrence before now + the pack's window becomes one task per unit
  (or per unit drawn, INS-3), with its "inspection.due" deadline, exactly once: the
  schedule row is locked, `materialised_until` is the cursor, committed with the tasks, and
  the unique (schedule, unit, occurrence) constraint is the last guard.
- INS-6: an inspector is never given a unit they belong to (their own unit or one below it),
  on the schedule, at materialisation, and on re-assignment.
"""

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, cast
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule as RRule
from dateutil.rrule import rrulestr
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pinzhi.deadlines.events import DeadlineEvent
from pinzhi.deadlines.models import DEFAULT_TIME_ZONE, Deadline
from pinzhi.deadlines.selectors import deadlines_for
from pinzhi.deadlines.services import deadline_cancel, deadline_reassign, ladder_normalise
from pinzhi.inspections.events import PlanEvent
from pinzhi.inspections.models import (
    ChecklistTemplate,
    Inspection,
    InspectionPlan,
    PlanEntry,
    SamplingDraw,
    Schedule,
    TemplateVersion,
)
from pinzhi.inspections.sampling import draw_build
from pinzhi.lib.bulk import rows_insert
from pinzhi.lib.clock import now
from pinzhi.lib.errors import DomainError
from pinzhi.lib.workflow import Roles, Step, Workflow
from pinzhi.notify.services import notify
from pinzhi.orgs.models import Company, Person, Unit
from pinzhi.orgs.roles import COMPANY_WIDE_ROLES, Role
from pinzhi.policy.selectors import rule_value
from pinzhi.timeline.privacy import subject_label
from pinzhi.timeline.services import event_record, events_record

ZONE = ZoneInfo(DEFAULT_TIME_ZONE)
DUE_KIND = "inspection.due"
NOTICE_RULE = "inspections.plan_notice"
WINDOW_RULE = "inspections.schedule_window"
NOTICE_KIND = "inspections.plan_notified"
# Frequencies an inspection may have: nothing more often than hourly.
FREQUENCIES = {"YEARLY", "MONTHLY", "WEEKLY", "DAILY"}

PLANNERS = frozenset({Role.QUALITY_DEPARTMENT})
APPROVERS = frozenset({Role.LEADERSHIP})
# Who reads plans, schedules and the task list.
PLAN_READERS = COMPANY_WIDE_ROLES | {Role.DEPARTMENT_MANAGER, Role.SUPERVISOR, Role.INSPECTOR}
# Who may be given inspection tasks.
INSPECTOR_ROLES = frozenset(
    {Role.INSPECTOR, Role.QUALITY_DEPARTMENT, Role.DEPARTMENT_MANAGER, Role.SUPERVISOR}
)
# Who is told of a plan's entries at a unit (the unit's management).
NOTICE_ROLES = frozenset({Role.DEPARTMENT_MANAGER, Role.SUPERVISOR, Role.UNIT_QUALITY_ADMIN})

RRULE_INVALID = _("“%(rule)s” is not a recurrence rule (RFC 5545), e.g. FREQ=WEEKLY;BYDAY=MO.")
RRULE_TOO_OFTEN = _(
    "Inspections recur at most daily (FREQ=DAILY, WEEKLY, MONTHLY or YEARLY); for several "
    "times a day use FREQ=DAILY with BYHOUR, e.g. FREQ=DAILY;BYHOUR=9,15."
)
RRULE_NEVER = _("This rule has no occurrence after the first one chosen.")
DTSTART_IN_RULE = _("Give the first occurrence in its own field, not as DTSTART in the rule.")
ENDS_BEFORE_START = _("The schedule ends before its first occurrence.")
NO_UNITS = _("Choose at least one unit.")
UNIT_OF_OTHER_COMPANY = _("The unit “%(unit)s” belongs to another company.")
TEMPLATE_OF_OTHER_COMPANY = _("That checklist belongs to another company.")
TEMPLATE_NOT_PUBLISHED = _(
    "The checklist “%(template)s” has no published version yet; publish one first."
)
DUE_WITHIN_INVALID = _("A task must be due between one hour and 90 days after its occurrence.")
PERCENT_INVALID = _("The sampling proportion must be a percentage above 0 and not above 100.")
INSPECTOR_OWN_UNIT = _(
    "%(person)s belongs to %(unit)s and may not inspect it (no one inspects their own unit — "
    "INS-6); choose another inspector or leave that unit out."
)
INSPECTOR_NOT_INSPECTOR = _("%(person)s does not hold a role that inspects.")
INSPECTOR_OF_OTHER_COMPANY = _("%(person)s works for another company.")
TASK_NOT_PLANNED = _("This task is “%(state)s”; only a task not yet started can be %(action)s.")
REASON_REQUIRED = _("Say why.")
ENTRY_DATES = _("An entry ends on or after the day it begins.")
ENTRY_YEAR = _("An entry of the %(year)s plan lies within %(year)s.")
PLAN_NOT_DRAFT = _("Entries are changed only while the plan is a draft.")
PLAN_EMPTY = _("Add at least one entry before submitting the plan.")
PLAN_YEAR_INVALID = _("Give a year between 2000 and 2100.")
NOTICE_TITLE = _("Inspection plan %(year)s: %(entries)s inspections announced at your units")
NOTICE_BODY = _("%(title)s — approved by leadership. Announced inspections: %(lines)s")

ALREADY_STOPPED = _("This schedule is already stopped.")


class PlanningError(DomainError):
    """A plan, schedule or task step refused; the reason says why."""

    code = "planning_refused"
    status = 409


# --- helpers ---------------------------------------------------------------------------


def _pack(company: Company | None) -> str:
    return (company.policy_pack if company is not None else "") or "property"


def template_version_published(template: ChecklistTemplate) -> TemplateVersion | None:
    """The template's latest published version: what new tasks use (INS-4)."""
    return (
        template.versions.filter(status=TemplateVersion.Status.PUBLISHED)
        .order_by("-number")
        .first()
    )


def inspector_conflicts(inspector: Person, units: Iterable[Unit]) -> list[Unit]:
    """INS-6: the `units` the inspector belongs to — their own unit or any unit below it."""
    own = inspector.unit
    if own is None:
        return []
    return [unit for unit in units if unit.path.startswith(own.path)]


def inspector_check(*, inspector: Person, company_id: int, units: Iterable[Unit]) -> None:
    """Refuse an inspector of another company, without an inspecting role, or belonging to
    one of `units` (INS-6)."""
    if not inspector.is_superuser and inspector.company_id != company_id:
        raise PlanningError(
            INSPECTOR_OF_OTHER_COMPANY, field="inspector", status=422, person=inspector
        )
    if not inspector.is_superuser and not inspector.role_codes & INSPECTOR_ROLES:
        raise PlanningError(
            INSPECTOR_NOT_INSPECTOR, field="inspector", status=422, person=inspector
        )
    conflicts = inspector_conflicts(inspector, units)
    if conflicts:
        raise PlanningError(
            INSPECTOR_OWN_UNIT,
            field="inspector",
            status=422,
            person=inspector,
            unit=conflicts[0],
        )


def rrule_parse(text: str, *, starts_at: datetime) -> RRule:
    """The recurrence `text` (an RRULE, with or without its "RRULE:" prefix) from
    `starts_at`, expanded in Shanghai wall-clock time: naive local datetimes, so that an
    occurrence at 09:00 stays at 09:00 local whatever the day."""
    body = (text or "").strip()
    if body.upper().startswith("RRULE:"):
        body = body[6:].strip()
    if not body or "\n" in body or "DTSTART" in body.upper():
        raise PlanningError(
            DTSTART_IN_RULE if "DTSTART" in body.upper() else RRULE_INVALID,
            field="rrule",
            status=422,
            rule=text,
        )
    parts = dict(part.split("=", 1) for part in body.upper().split(";") if "=" in part)
    freq = parts.get("FREQ", "")
    if freq in {"HOURLY", "MINUTELY", "SECONDLY"}:
        raise PlanningError(RRULE_TOO_OFTEN, field="rrule", status=422)
    if freq not in FREQUENCIES:
        raise PlanningError(RRULE_INVALID, field="rrule", status=422, rule=text)
    local_start = timezone.localtime(starts_at, ZONE).replace(tzinfo=None)
    try:
        rule = rrulestr(body, dtstart=local_start)
        # Parsed rules can still fail when expanded (an UNTIL with a zone, BYSETPOS …).
        rule.after(local_start, inc=True)
    except (ValueError, TypeError, OverflowError):
        raise PlanningError(RRULE_INVALID, field="rrule", status=422, rule=text) from None
    if not isinstance(rule, RRule):
        raise PlanningError(RRULE_INVALID, field="rrule", status=422, rule=text)
    return rule


def occurrences(
    schedule: Schedule, *, start: datetime, end: datetime, rule: RRule | None = None
) -> list[datetime]:
    """The schedule's occurrences in [start, end), aware, in Shanghai time."""
    rule = rule or rrule_parse(schedule.rrule, starts_at=schedule.starts_at)
    if schedule.ends_at is not None:
        end = min(end, schedule.ends_at + timedelta(microseconds=1))
    if end <= start:
        return []
    local = [
        moment.replace(tzinfo=ZONE)
        for moment in rule.between(
            timezone.localtime(start, ZONE).replace(tzinfo=None),
            timezone.localtime(end, ZONE).replace(tzinfo=None),
            inc=True,
        )
    ]
    return [moment for moment in local if start <= moment < end]


def schedule_window(company: Company) -> timedelta:
    """How far ahead tasks are made (the pack's `inspections.schedule_window`)."""
    return rule_value(WINDOW_RULE, pack=_pack(company), company=company)


# --- schedules -------------------------------------------------------------------------


def _schedule_check(
    *,
    company: Company,
    template: ChecklistTemplate,
    rrule: str,
    starts_at: datetime,
    ends_at: datetime | None,
    units: list[Unit],
    inspector: Person | None,
    sample_percent: Decimal | None,
    due_within: timedelta,
) -> None:
    errors: list[DomainError] = []

    def check(fn: Any) -> None:
        try:
            fn()
        except DomainError as error:
            errors.append(error)

    def template_ok() -> None:
        if template.company_id != company.pk:
            raise PlanningError(TEMPLATE_OF_OTHER_COMPANY, field="template")
        if template_version_published(template) is None:
            raise PlanningError(TEMPLATE_NOT_PUBLISHED, field="template", template=template)

    def rule_ok() -> None:
        rule = rrule_parse(rrule, starts_at=starts_at)
        if ends_at is not None and ends_at < starts_at:
            raise PlanningError(ENDS_BEFORE_START, field="ends_at", status=422)
        if rule.after(timezone.localtime(starts_at, ZONE).replace(tzinfo=None), inc=True) is None:
            raise PlanningError(RRULE_NEVER, field="rrule", status=422)

    def units_ok() -> None:
        if not units:
            raise PlanningError(NO_UNITS, field="units", status=422)
        for unit in units:
            if unit.company_id != company.pk:
                raise PlanningError(UNIT_OF_OTHER_COMPANY, field="units", unit=unit)

    def inspector_ok() -> None:
        if inspector is not None:
            inspector_check(inspector=inspector, company_id=company.pk, units=units)

    def numbers_ok() -> None:
        if not (timedelta(hours=1) <= due_within <= timedelta(days=90)):
            raise PlanningError(DUE_WITHIN_INVALID, field="due_within", status=422)
        if sample_percent is not None and not (0 < sample_percent <= 100):
            raise PlanningError(PERCENT_INVALID, field="sample_percent", status=422)

    for fn in (template_ok, rule_ok, units_ok, inspector_ok, numbers_ok):
        check(fn)
    if errors:
        raise PlanningError.several(errors, status=errors[0].status)


@transaction.atomic
def schedule_create(
    *,
    company: Company,
    title: str,
    template: ChecklistTemplate,
    rrule: str,
    starts_at: datetime,
    units: Iterable[Unit],
    due_within: timedelta,
    actor: Person | None,
    ends_at: datetime | None = None,
    inspector: Person | None = None,
    supplier: Company | None = None,
    sample_percent: Decimal | int | None = None,
    plan: InspectionPlan | None = None,
    rule_key: str = "",
    kind: str = Inspection._meta.get_field("kind").default,
    is_special: bool = False,
    is_announced: bool = True,
    is_surprise: bool = False,
    is_specialised: bool = False,
    materialise: bool = True,
) -> Schedule:
    """INS-1: a recurring schedule of inspections (an RFC 5545 rule) of `units` with
    `template`; with `sample_percent`, each occurrence draws that share of the units (INS-3).
    Refused, each reason beside its field, for a rule that is not one (or recurs more than
    daily), a checklist without a published version, units of another company, or an
    inspector who belongs to one of the units (INS-6). The next window's tasks are made at
    once."""
    units = list(units)
    sample_percent = None if sample_percent is None else Decimal(sample_percent)
    _schedule_check(
        company=company,
        template=template,
        rrule=rrule,
        starts_at=starts_at,
        ends_at=ends_at,
        units=units,
        inspector=inspector,
        sample_percent=sample_percent,
        due_within=due_within,
    )
    body = rrule.strip()
    if body.upper().startswith("RRULE:"):
        body = body[6:].strip()
    schedule = Schedule.objects.create(
        company=company,
        plan=plan,
        title=title.strip() or template.name,
        template=template,
        rrule=body.upper(),
        starts_at=starts_at,
        ends_at=ends_at,
        rule_key=rule_key,
        inspector=inspector,
        supplier=supplier,
        sample_percent=sample_percent,
        due_within=due_within,
        created_by=actor,
        kind=kind,
        is_special=is_special,
        is_announced=is_announced,
        is_surprise=is_surprise,
        is_specialised=is_specialised,
    )
    schedule.units.set(units)
    event_record(subject=schedule, action=PlanEvent.SCHEDULE_CREATED, actor=actor)
    if materialise:
        schedule_materialise(schedule=schedule, actor=actor)
    return schedule


@transaction.atomic
def schedule_stop(*, schedule: Schedule, actor: Person | None, reason: str) -> int:
    """Stop a schedule: no more tasks; its tasks not yet started are cancelled with their
    deadlines. Returns how many were cancelled."""
    locked = Schedule.objects.select_for_update().get(pk=schedule.pk)
    if not locked.is_active:
        raise PlanningError(ALREADY_STOPPED)
    if not reason.strip():
        raise PlanningError(REASON_REQUIRED, field="reason", status=422)
    locked.is_active = False
    locked.save(update_fields=["is_active"])
    schedule.is_active = False
    event_record(
        subject=locked, action=PlanEvent.SCHEDULE_STOPPED, actor=actor, reason=reason.strip()
    )
    tasks = list(locked.inspections.filter(status=Inspection.Status.PLANNED, occurrence__gte=now()))
    for task in tasks:
        task_cancel(task=task, actor=actor, reason=reason)
    return len(tasks)


@transaction.atomic
def schedule_materialise(
    *, schedule: Schedule, until: datetime | None = None, actor: Person | None = None
) -> int:
    """INS-1: make the tasks of every occurrence of `schedule` before `until` (default now +
    the pack's window) not made yet — one per unit, or per unit drawn when the schedule
    samples (INS-3) — each with its "inspection.due" deadline, exactly once however often
    it runs (the schedule locked, its cursor committed with the tasks). An occurrence whose
    due time has already passed is skipped. Returns how many tasks were made."""
    locked = (
        Schedule.objects.select_for_update(of=("self",))
        .select_related("company", "template", "inspector__unit")
        .get(pk=schedule.pk)
    )
    company = locked.company
    moment = now()
    until = until or moment + schedule_window(company)
    start = locked.materialised_until or locked.starts_at
    if not locked.is_active or until <= start:
        return 0
    version = template_version_published(locked.template)
    if version is None:
        return 0
    version.template = locked.template  # the tasks' labels name it without a query each
    due_after = locked.due_within
    moments = [
        occurrence
        for occurrence in occurrences(locked, start=start, end=until)
        if occurrence + due_after > moment
    ]
    units = list(locked.units.filter(is_active=True).order_by("pk"))
    by_id = {unit.pk: unit for unit in units}
    inspector = locked.inspector
    blocked = {u.pk for u in inspector_conflicts(inspector, units)} if inspector else set()
    existing = set(
        locked.inspections.filter(occurrence__gte=start, occurrence__lt=until).values_list(
            "unit_id", "occurrence"
        )
    )
    draws: list[SamplingDraw] = []
    plan: list[tuple[datetime, list[int], SamplingDraw | None]] = []
    for occurrence in moments:
        if locked.sample_percent:
            draw = draw_build(
                company_id=company.pk,
                population=list(by_id),
                percent=locked.sample_percent,
                at=moment,
                schedule=locked,
                occurrence=occurrence,
                actor=actor,
            )
            draws.append(draw)
            plan.append((occurrence, list(draw.drawn), draw))
        else:
            plan.append((occurrence, list(by_id), None))
    rows_insert(draws)
    tasks = [
        Inspection(
            company_id=company.pk,
            unit=by_id[unit_id],
            supplier_id=locked.supplier_id,
            template_version=version,
            plan_id=locked.plan_id,
            schedule=locked,
            draw=draw,
            occurrence=occurrence,
            due_at=occurrence + due_after,
            inspector=None if unit_id in blocked else inspector,
            status=Inspection.Status.PLANNED,
            kind=locked.kind,
            is_special=locked.is_special,
            is_announced=locked.is_announced,
            is_surprise=locked.is_surprise,
            is_specialised=locked.is_specialised,
            created_by=actor,
        )
        for occurrence, unit_ids, draw in plan
        for unit_id in unit_ids
        if (unit_id, occurrence) not in existing
    ]
    if tasks:
        # One JSON parameter per thousand rows on PostgreSQL (lib.bulk), not the ORM's
        # quoting of each of ~40 columns of tens of thousands of tasks.
        rows_insert(tasks)
        _due_deadlines_open(tasks, schedule=locked, actor=actor)
    locked.materialised_until = until
    locked.save(update_fields=["materialised_until"])
    schedule.materialised_until = until
    event_record(
        subject=locked,
        action=PlanEvent.MATERIALISED,
        actor=actor,
        data={"tasks": len(tasks), "draws": len(draws), "until": until.isoformat()},
    )
    return len(tasks)


def _due_deadlines_open(
    tasks: list[Inspection], *, schedule: Schedule, actor: Person | None
) -> None:
    """Open each task's "inspection.due" deadline (owned by its inspector, or by the
    inspectors of its unit while nobody is assigned), in bulk with the same
    "deadline.opened" events the deadline engine writes one by one. Both databases return
    the ids of a bulk insert (PostgreSQL, SQLite ≥ 3.35)."""
    content_type = ContentType.objects.get_for_model(Inspection)
    ladder = ladder_normalise([])
    created = now()
    deadlines = [
        Deadline(
            content_type=content_type,
            object_id=str(task.pk),
            subject_repr=subject_label(task),
            kind=DUE_KIND,
            rule_key=schedule.rule_key,
            started_at=cast(datetime, task.occurrence),
            duration=schedule.due_within,
            calendar=None,
            due_at=cast(datetime, task.due_at),
            state=Deadline.State.OPEN,
            ladder=ladder,
            escalation_step=0,
            next_escalation_at=task.due_at,
            owner_id=task.inspector_id,
            owner_role="" if task.inspector_id else Role.INSPECTOR,
            unit_id=task.unit_id,
            company_id=task.company_id,
            created_at=created,
        )
        for task in tasks
    ]
    rows_insert(deadlines)
    opened = {task.pk: deadline.pk for task, deadline in zip(tasks, deadlines, strict=True)}
    events_record(
        subjects=tasks,
        action=DeadlineEvent.OPENED,
        actor=actor,
        company=schedule.company_id,
        data_for=lambda task: {
            "kind": DUE_KIND,
            "deadline_id": opened[task.pk],
            "rule_key": schedule.rule_key,
            "due_at": cast(datetime, task.due_at).isoformat(),
            "started_at": cast(datetime, task.occurrence).isoformat(),
            "duration_seconds": int(schedule.due_within.total_seconds()),
            "calendar": None,
            "ladder": ladder,
        },
    )


def schedules_materialise_due(*, at: datetime | None = None) -> dict[str, int]:
    """The clock's daily job: extend every active schedule's window (each schedule in its
    own transaction, so one failing does not hold the others back)."""
    moment = at or now()
    counts = {"schedules": 0, "tasks": 0}
    for schedule in Schedule.objects.filter(is_active=True).select_related("company"):
        until = moment + schedule_window(schedule.company)
        if schedule.materialised_until is not None and schedule.materialised_until >= until:
            continue
        counts["schedules"] += 1
        counts["tasks"] += schedule_materialise(schedule=schedule, until=until)
    return counts


# --- tasks ---------------------------------------------------------------------------


def _due_deadline(task: Inspection) -> Deadline | None:
    return (
        deadlines_for(task)
        .filter(kind=DUE_KIND, state__in=[Deadline.State.OPEN, Deadline.State.BREACHED])
        .first()
    )


def _locked_task(task: Inspection, action: Any) -> Inspection:
    locked = (
        Inspection.objects.select_for_update(of=("self",)).select_related("unit").get(pk=task.pk)
    )
    if locked.status != Inspection.Status.PLANNED:
        raise PlanningError(TASK_NOT_PLANNED, state=locked.get_status_display(), action=action)
    return locked


@transaction.atomic
def task_assign(
    *, task: Inspection, inspector: Person, actor: Person | None, reason: str = ""
) -> Inspection:
    """INS-6: give a task not yet started to `inspector` — refused when the inspector
    belongs to the unit inspected (their own unit or one above it in their line). The task's
    "inspection.due" deadline moves with it."""
    locked = _locked_task(task, _("re-assigned"))
    inspector_check(inspector=inspector, company_id=locked.company_id, units=[locked.unit])
    before = locked.inspector_id
    if before == inspector.pk:
        return locked
    locked.inspector = inspector
    locked.save(update_fields=["inspector", "updated_at"])
    event_record(
        subject=locked,
        action=PlanEvent.TASK_ASSIGNED,
        actor=actor,
        before={"inspector": before},
        after={"inspector": inspector.pk},
        reason=reason.strip(),
    )
    deadline = _due_deadline(locked)
    if deadline is not None:
        deadline_reassign(deadline=deadline, owner=inspector, actor=actor)
    task.inspector = inspector
    return locked


@transaction.atomic
def task_cancel(*, task: Inspection, actor: Person | None, reason: str) -> Inspection:
    """Cancel a task not yet started, with the reason; its deadline is cancelled too."""
    if not reason or not reason.strip():
        raise PlanningError(REASON_REQUIRED, field="reason", status=422)
    locked = _locked_task(task, _("cancelled"))
    locked.status = Inspection.Status.CANCELLED
    locked.save(update_fields=["status", "updated_at"])
    event_record(
        subject=locked,
        action=PlanEvent.TASK_CANCELLED,
        actor=actor,
        before={"status": Inspection.Status.PLANNED},
        after={"status": Inspection.Status.CANCELLED},
        reason=reason.strip(),
    )
    deadline = _due_deadline(locked)
    if deadline is not None:
        deadline_cancel(deadline=deadline, reason=reason.strip(), actor=actor)
    task.status = locked.status
    return locked


# --- plans ---------------------------------------------------------------------------


@transaction.atomic
def plan_create(
    *, company: Company, year: int, title: str, actor: Person | None, description: str = ""
) -> InspectionPlan:
    """INS-1: the quality department drafts the year's plan."""
    if not 2000 <= int(year) <= 2100:
        raise PlanningError(PLAN_YEAR_INVALID, field="year", status=422)
    plan = InspectionPlan.objects.create(
        company=company,
        year=year,
        title=title.strip(),
        description=description.strip(),
        created_by=actor,
        created_at=now(),
    )
    event_record(subject=plan, action=PlanEvent.CREATED, actor=actor)
    return plan


@transaction.atomic
def plan_entry_add(
    *,
    plan: InspectionPlan,
    title: str,
    units: Iterable[Unit],
    starts_on: date,
    ends_on: date,
    actor: Person | None,
    template: ChecklistTemplate | None = None,
    kind: str = Inspection._meta.get_field("kind").default,
    is_special: bool = False,
    is_announced: bool = True,
    is_surprise: bool = False,
    is_specialised: bool = False,
    note: str = "",
) -> PlanEntry:
    """INS-1, INS-2: a line of a draft plan — what is checked, where, when, which kind."""
    locked = InspectionPlan.objects.select_for_update().get(pk=plan.pk)
    if locked.status != InspectionPlan.Status.DRAFT:
        raise PlanningError(PLAN_NOT_DRAFT)
    units = list(units)
    errors: list[DomainError] = []
    if not units:
        errors.append(PlanningError(NO_UNITS, field="units"))
    for unit in units:
        if unit.company_id != locked.company_id:
            errors.append(PlanningError(UNIT_OF_OTHER_COMPANY, field="units", unit=unit))
            break
    if template is not None and template.company_id != locked.company_id:
        errors.append(PlanningError(TEMPLATE_OF_OTHER_COMPANY, field="template"))
    if ends_on < starts_on:
        errors.append(PlanningError(ENTRY_DATES, field="ends_on"))
    elif starts_on.year != locked.year or ends_on.year != locked.year:
        errors.append(PlanningError(ENTRY_YEAR, field="starts_on", year=locked.year))
    if errors:
        raise PlanningError.several(errors, status=422)
    entry = PlanEntry.objects.create(
        plan=locked,
        title=title.strip(),
        template=template,
        starts_on=starts_on,
        ends_on=ends_on,
        note=note.strip(),
        kind=kind,
        is_special=is_special,
        is_announced=is_announced,
        is_surprise=is_surprise,
        is_specialised=is_specialised,
    )
    entry.units.set(units)
    event_record(
        subject=locked,
        action=PlanEvent.ENTRY_ADDED,
        actor=actor,
        after={"title": entry.title},
    )
    return entry


@transaction.atomic
def plan_entry_remove(*, entry: PlanEntry, actor: Person | None) -> None:
    locked = InspectionPlan.objects.select_for_update().get(pk=entry.plan_id)
    if locked.status != InspectionPlan.Status.DRAFT:
        raise PlanningError(PLAN_NOT_DRAFT)
    title = entry.title
    entry.delete()
    event_record(
        subject=locked, action=PlanEvent.ENTRY_REMOVED, actor=actor, before={"title": title}
    )


def _plan_locked(plan: InspectionPlan, name: str, actor: Person | None) -> InspectionPlan:
    locked = InspectionPlan.objects.select_for_update().get(pk=plan.pk)
    if actor is None:
        PLAN_WORKFLOW.check(locked, name, anyone=True)
    else:
        PLAN_WORKFLOW.check(locked, name, actor)
    return locked


def _copy(target: InspectionPlan, source: InspectionPlan) -> InspectionPlan:
    for field in InspectionPlan._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    return target


@transaction.atomic
def plan_submit(*, plan: InspectionPlan, actor: Person) -> InspectionPlan:
    """INS-1: the quality department submits the draft plan to leadership."""
    locked = _plan_locked(plan, "submit", actor)
    if not locked.entries.exists():
        raise PlanningError(PLAN_EMPTY)
    locked.status = InspectionPlan.Status.SUBMITTED
    locked.submitted_at, locked.submitted_by = now(), actor
    locked.returned_reason = ""
    locked.save()
    event_record(subject=locked, action=PlanEvent.SUBMITTED, actor=actor)
    return _copy(plan, locked)


@transaction.atomic
def plan_return(*, plan: InspectionPlan, actor: Person, reason: str) -> InspectionPlan:
    """INS-1: leadership sends the plan back to the quality department, saying why."""
    if not reason or not reason.strip():
        raise PlanningError(REASON_REQUIRED, field="reason", status=422)
    locked = _plan_locked(plan, "return", actor)
    locked.status = InspectionPlan.Status.DRAFT
    locked.returned_reason = reason.strip()
    locked.save()
    event_record(subject=locked, action=PlanEvent.RETURNED, actor=actor, reason=reason.strip())
    return _copy(plan, locked)


@transaction.atomic
def plan_approve(*, plan: InspectionPlan, actor: Person) -> InspectionPlan:
    """INS-1: leadership approves the year's plan."""
    locked = _plan_locked(plan, "approve", actor)
    locked.status = InspectionPlan.Status.APPROVED
    locked.approved_by, locked.approved_at = actor, now()
    locked.save()
    event_record(subject=locked, action=PlanEvent.APPROVED, actor=actor)
    return _copy(plan, locked)


def plan_notice_due(plan: InspectionPlan) -> datetime | None:
    """The latest moment the units must be told: the pack's notice period before the first
    announced entry begins (None when no entry is announced)."""
    first = (
        plan.entries.filter(is_announced=True)
        .order_by("starts_on")
        .values_list("starts_on", flat=True)
    ).first()
    if first is None:
        return None
    begins = datetime.combine(first, time.min, tzinfo=ZONE)
    company = plan.company
    return begins - rule_value(NOTICE_RULE, pack=_pack(company), company=company, at=begins)


@transaction.atomic
def plan_notify(*, plan: InspectionPlan, actor: Person | None) -> InspectionPlan:
    """INS-1: tell each unit's management of the approved plan's ANNOUNCED entries at their
    unit (an unannounced entry, 暗查, is never told — INS-2). Taken by the quality
    department, or by the clock when the notice period is reached."""
    locked = _plan_locked(plan, "notify", actor)
    entries = list(locked.entries.filter(is_announced=True).prefetch_related("units"))
    lines_by_unit: dict[int, list[str]] = {}
    for entry in entries:
        for unit in entry.units.all():
            lines_by_unit.setdefault(unit.pk, []).append(
                f"{entry.title}（{entry.starts_on:%m-%d}～{entry.ends_on:%m-%d}）"
            )
    units = list(Unit.objects.filter(pk__in=lines_by_unit))
    people_count = 0
    url = reverse("planning:plan_detail", args=[locked.pk])
    for unit in units:
        # The unit's management: people of the unit holding a managing role, or whose
        # managing role covers the unit (its scope is the unit or one above it).
        parts = unit.path.strip("/").split("/")
        above = ["/" + "/".join(parts[: n + 1]) + "/" for n in range(len(parts))]
        recipients = Person.objects.filter(
            Q(role_assignments__role__in=NOTICE_ROLES)
            & (Q(unit=unit) | Q(role_assignments__scope__path__in=above)),
            is_active=True,
            company_id=locked.company_id,
        ).distinct()
        lines = lines_by_unit[unit.pk]
        sent = notify(
            recipients=recipients,
            kind=NOTICE_KIND,
            title=str(NOTICE_TITLE % {"year": locked.year, "entries": len(lines)}),
            body=str(NOTICE_BODY % {"title": locked.title, "lines": "；".join(lines)}),
            url=url,
            subject=locked,
        )
        people_count += len(sent)
    locked.status = InspectionPlan.Status.NOTIFIED
    locked.notified_at = now()
    locked.save()
    event_record(
        subject=locked,
        action=PlanEvent.NOTIFIED,
        actor=actor,
        data={"units": sorted(lines_by_unit), "people": people_count},
    )
    return _copy(plan, locked)


def plans_notify_due(*, at: datetime | None = None) -> int:
    """The clock: notify every approved plan whose notice is due now (INS-1)."""
    moment = at or now()
    count = 0
    for plan in InspectionPlan.objects.filter(status=InspectionPlan.Status.APPROVED):
        due = plan_notice_due(plan)
        if due is not None and due <= moment:
            plan_notify(plan=plan, actor=None)
            count += 1
    return count


# --- the plan's workflow -----------------------------------------------------------------


def _same_company(person: Person, plan: InspectionPlan | None) -> bool:
    return bool(plan is None or person.is_superuser or person.company_id == plan.company_id)


State = InspectionPlan.Status

PLAN_WORKFLOW = Workflow(
    name="inspection_plan",
    label=_("Inspection plan"),
    description=_(
        "The year's inspection plan: drafted by the quality department, approved by "
        "leadership and notified to the units in advance (INS-1)."
    ),
    states=dict(State.choices),
    error=PlanningError,
    scope=_same_company,
    services="pinzhi.inspections.planning",
    record_kw="plan",
    initial=_("A year's inspections to plan"),
    steps=[
        Step(
            "create",
            _("Draft"),
            sources=(),
            target=State.DRAFT,
            who=Roles(PLANNERS),
            who_text=_("the quality department"),
            event=PlanEvent.CREATED,
        ),
        Step(
            "submit",
            _("Submit for approval"),
            sources={State.DRAFT},
            target=State.SUBMITTED,
            who=Roles(PLANNERS),
            who_text=_("the quality department"),
            service="plan_submit",
            call=lambda service, plan, person, data: service(plan=plan, actor=person),
            confirm=_("Submit this plan to leadership for approval?"),
            done=_("The plan is submitted to leadership for approval."),
            event=PlanEvent.SUBMITTED,
            verb=_("submitted"),
        ),
        Step(
            "return",
            _("Send back"),
            sources={State.SUBMITTED},
            target=State.DRAFT,
            who=Roles(APPROVERS),
            who_text=_("leadership"),
            form="pinzhi.inspections.forms_planning.ReasonForm",
            service="plan_return",
            call=lambda service, plan, person, data: service(
                plan=plan, actor=person, reason=data.get("reason", "")
            ),
            done=_("The plan is sent back to the quality department."),
            event=PlanEvent.RETURNED,
            verb=_("sent back"),
            style="outline-secondary",
        ),
        Step(
            "approve",
            _("Approve"),
            sources={State.SUBMITTED},
            target=State.APPROVED,
            who=Roles(APPROVERS),
            who_text=_("leadership"),
            service="plan_approve",
            call=lambda service, plan, person, data: service(plan=plan, actor=person),
            confirm=_("Approve this inspection plan?"),
            done=_("The plan is approved; notify the units in advance."),
            event=PlanEvent.APPROVED,
            verb=_("approved"),
        ),
        Step(
            "notify",
            _("Notify the units"),
            sources={State.APPROVED},
            target=State.NOTIFIED,
            who=Roles(PLANNERS),
            who_text=_("the quality department"),
            service="plan_notify",
            call=lambda service, plan, person, data: service(plan=plan, actor=person),
            confirm=_(
                "Tell each unit's management of the announced inspections at their unit? "
                "Unannounced inspections are not told."
            ),
            done=_("The units are notified of the announced inspections."),
            event=PlanEvent.NOTIFIED,
            verb=_("notified"),
        ),
    ],
)


# --- reads -----------------------------------------------------------------------------


def plans_visible_to(user: Person) -> QuerySet[InspectionPlan]:
    """The plans of the user's company, for the roles that read plans."""
    if not user.is_authenticated:
        return InspectionPlan.objects.none()
    if user.is_superuser:
        return InspectionPlan.objects.all()
    if not user.role_codes & PLAN_READERS or not user.company_id:
        return InspectionPlan.objects.none()
    return InspectionPlan.objects.filter(company_id=user.company_id)


def schedules_visible_to(user: Person) -> QuerySet[Schedule]:
    if not user.is_authenticated:
        return Schedule.objects.none()
    if user.is_superuser:
        return Schedule.objects.all()
    if not user.role_codes & PLAN_READERS or not user.company_id:
        return Schedule.objects.none()
    return Schedule.objects.filter(company_id=user.company_id)


def draws_visible_to(user: Person) -> QuerySet[SamplingDraw]:
    if not user.is_authenticated:
        return SamplingDraw.objects.none()
    if user.is_superuser:
        return SamplingDraw.objects.all()
    if not user.role_codes & PLAN_READERS or not user.company_id:
        return SamplingDraw.objects.none()
    return SamplingDraw.objects.filter(company_id=user.company_id)


def may_plan(user: Person) -> bool:
    return bool(user.is_superuser or user.role_codes & PLANNERS)


def inspectors_for(company_id: int) -> QuerySet[Person]:
    """The company's active people who may be given inspection tasks."""
    return (
        Person.objects.filter(
            company_id=company_id, is_active=True, role_assignments__role__in=INSPECTOR_ROLES
        )
        .select_related("unit")
        .distinct()
        .order_by("full_name", "pk")
    )
