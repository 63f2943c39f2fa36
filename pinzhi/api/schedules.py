"""Inspection schedules, tasks and sampling draws through the API (INS-1, INS-3, INS-6).

An integration (a facility-management system, a group's planning tool) reads the schedules
and the tasks they made, creates a schedule, gives a task to another inspector or cancels it,
and reads a sampling draw with its re-run. Each write calls the same service as the pages, so
a refusal carries the same reason as a problem document (422 for input, 409 for a task
already started). Writes are made in the name of the token's creator; the inspector a
payload names is checked exactly as on the page (INS-6: never one belonging to the unit).
"""

from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from django.utils.translation import gettext_lazy as _
from ninja import Query, Schema
from ninja import Status as Reply
from pydantic import Field, field_validator

from pinzhi.api.api import ErrorOut, _moment, _require, api
from pinzhi.api.models import ApiToken
from pinzhi.api.problems import InvalidInput, NotFound
from pinzhi.inspections import planning, sampling
from pinzhi.inspections.models import (
    ChecklistTemplate,
    Inspection,
    InspectionKind,
    SamplingDraw,
    Schedule,
)
from pinzhi.orgs.models import Person, Unit

SCOPE_SCHEDULES_READ = "schedules:read"
SCOPE_SCHEDULES_WRITE = "schedules:write"

if TYPE_CHECKING:
    type KindIn = str
    type StatusIn = str
else:
    KindIn = Literal[tuple(InspectionKind.values)]
    StatusIn = Literal[tuple(Inspection.Status.values)]

NO_SUCH_SCHEDULE = _("There is no schedule %(id)s.")
NO_SUCH_TASK = _("There is no inspection task %(id)s.")
NO_SUCH_DRAW = _("There is no sampling draw %(id)s.")
NO_SUCH_TEMPLATE = _("There is no checklist with the code “%(code)s”.")
NO_SUCH_UNITS = _("There is no unit with the code(s) %(codes)s.")
NO_SUCH_PERSON = _("There is no person “%(username)s” in the company.")

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
READ_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
PAGE = 100


class ScheduleOut(Schema):
    id: int
    title: str
    template_code: str
    rrule: str = Field(description="The RFC 5545 recurrence rule, expanded in Asia/Shanghai")
    starts_at: datetime
    ends_at: datetime | None
    unit_codes: list[str]
    inspector: str | None = Field(description="The inspector's username, if any")
    sample_percent: Decimal | None
    due_within_hours: float
    kind: str
    is_special: bool
    is_announced: bool
    is_surprise: bool
    is_specialised: bool
    is_active: bool
    materialised_until: datetime | None


class TaskOut(Schema):
    id: int
    schedule_id: int | None
    unit_code: str
    template_code: str
    occurrence: datetime | None
    due_at: datetime | None
    inspector: str | None
    status: str
    is_announced: bool
    draw_id: int | None


class DrawOut(Schema):
    id: int
    schedule_id: int | None
    occurrence: datetime | None
    seed: str
    algorithm: str
    percent: Decimal
    population: list[int] = Field(description="The Unit ids drawn from, sorted")
    drawn: list[int] = Field(description="The Unit ids drawn, in rank order")
    rerun_matches: bool = Field(description="Whether re-running the record gives the same units")
    drawn_at: datetime


class ScheduleIn(Schema):
    title: str = Field(min_length=1, max_length=200)
    template_code: str = Field(min_length=1, max_length=40)
    rrule: str = Field(min_length=1, max_length=500, examples=["FREQ=WEEKLY;BYDAY=MO"])
    starts_at: datetime
    ends_at: datetime | None = None
    unit_codes: list[str] = Field(min_length=1, max_length=2000)
    due_within_hours: int = Field(ge=1, le=2160)
    inspector: str | None = Field(None, max_length=150, description="A username")
    sample_percent: Decimal | None = Field(None, gt=0, le=100, max_digits=5, decimal_places=2)
    rule_key: str = Field("", max_length=100)
    kind: KindIn = InspectionKind.ROUTINE
    is_special: bool = False
    is_announced: bool = True
    is_surprise: bool = False
    is_specialised: bool = False

    @field_validator("starts_at", "ends_at")
    @classmethod
    def _local(cls, value: datetime | None) -> datetime | None:
        return _moment(value)


class AssignIn(Schema):
    inspector: str = Field(min_length=1, max_length=150, description="A username")
    reason: str = Field("", max_length=500)


class CancelIn(Schema):
    reason: str = Field(min_length=1, max_length=500)


class TaskFilter(Schema):
    unit_code: str | None = Field(None, max_length=40)
    status: StatusIn | None = None
    due_from: datetime | None = None
    due_to: datetime | None = None
    page: int = Field(1, ge=1, le=100000)


def _schedule_out(schedule: Schedule) -> dict:
    return {
        "id": schedule.pk,
        "title": schedule.title,
        "template_code": schedule.template.code,
        "rrule": schedule.rrule,
        "starts_at": schedule.starts_at,
        "ends_at": schedule.ends_at,
        "unit_codes": [u.code for u in schedule.units.order_by("path")],
        "inspector": schedule.inspector.username if schedule.inspector else None,
        "sample_percent": schedule.sample_percent,
        "due_within_hours": schedule.due_within / timedelta(hours=1),
        "kind": schedule.kind,
        "is_special": schedule.is_special,
        "is_announced": schedule.is_announced,
        "is_surprise": schedule.is_surprise,
        "is_specialised": schedule.is_specialised,
        "is_active": schedule.is_active,
        "materialised_until": schedule.materialised_until,
    }


def _task_out(task: Inspection) -> dict:
    return {
        "id": task.pk,
        "schedule_id": task.schedule_id,
        "unit_code": task.unit.code,
        "template_code": task.template_version.template.code,
        "occurrence": task.occurrence,
        "due_at": task.due_at,
        "inspector": task.inspector.username if task.inspector else None,
        "status": task.status,
        "is_announced": task.is_announced,
        "draw_id": task.draw_id,
    }


def _person(token: ApiToken, username: str) -> Person:
    person = Person.objects.filter(company=token.company, username=username).first()
    if person is None:
        raise InvalidInput(NO_SUCH_PERSON, field="inspector", username=username)
    return person


def _schedule(token: ApiToken, schedule_id: int) -> Schedule:
    schedule = (
        Schedule.objects.filter(company=token.company, pk=schedule_id)
        .select_related("template", "inspector")
        .first()
    )
    if schedule is None:
        raise NotFound(NO_SUCH_SCHEDULE, id=schedule_id)
    return schedule


def _task(token: ApiToken, task_id: int) -> Inspection:
    task = (
        Inspection.objects.filter(company=token.company, pk=task_id)
        .select_related("unit", "inspector", "template_version__template")
        .first()
    )
    if task is None:
        raise NotFound(NO_SUCH_TASK, id=task_id)
    return task


@api.get(
    "/schedules",
    response={200: list[ScheduleOut], **READ_ERRORS},
    url_name="schedules",
    summary="The company's inspection schedules",
)
def schedule_list(request):
    """INS-1: every schedule of the token's company, active first."""
    token = _require(request, SCOPE_SCHEDULES_READ)
    schedules = (
        Schedule.objects.filter(company=token.company)
        .select_related("template", "inspector")
        .prefetch_related("units")
        .order_by("-is_active", "title", "pk")[:PAGE]
    )
    return [_schedule_out(s) for s in schedules]


@api.get(
    "/schedules/{schedule_id}",
    response={200: ScheduleOut, **READ_ERRORS},
    url_name="schedule",
    summary="One inspection schedule",
)
def schedule_detail(request, schedule_id: int):
    token = _require(request, SCOPE_SCHEDULES_READ)
    return _schedule_out(_schedule(token, schedule_id))


@api.post(
    "/schedules",
    response={201: ScheduleOut, **ERRORS},
    url_name="schedule_create",
    summary="Create a recurring inspection schedule (RFC 5545 rule)",
)
def schedule_create(request, payload: ScheduleIn):
    """INS-1, INS-3, INS-6: as the schedule page does — the rule read in Asia/Shanghai, the
    tasks of the coming window made at once; refused (422, beside the field) for a rule that
    is not one, a checklist without a published version, or an inspector belonging to one
    of the units."""
    token = _require(request, SCOPE_SCHEDULES_WRITE)
    template = ChecklistTemplate.objects.filter(
        company=token.company, code=payload.template_code
    ).first()
    if template is None:
        raise InvalidInput(NO_SUCH_TEMPLATE, field="template_code", code=payload.template_code)
    codes = list(dict.fromkeys(payload.unit_codes))
    units = list(Unit.objects.filter(company=token.company, code__in=codes))
    missing = sorted(set(codes) - {u.code for u in units})
    if missing:
        raise InvalidInput(NO_SUCH_UNITS, field="unit_codes", codes="、".join(missing))
    inspector = _person(token, payload.inspector) if payload.inspector else None
    schedule = planning.schedule_create(
        company=token.company,
        title=payload.title,
        template=template,
        rrule=payload.rrule,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        units=units,
        due_within=timedelta(hours=payload.due_within_hours),
        inspector=inspector,
        sample_percent=payload.sample_percent,
        rule_key=payload.rule_key,
        kind=payload.kind,
        is_special=payload.is_special,
        is_announced=payload.is_announced,
        is_surprise=payload.is_surprise,
        is_specialised=payload.is_specialised,
        actor=token.created_by,
    )
    return Reply(201, _schedule_out(_schedule(token, schedule.pk)))


@api.get(
    "/inspection-tasks",
    response={200: list[TaskOut], **READ_ERRORS},
    url_name="inspection_tasks",
    summary="Inspection tasks, by due time",
)
def task_list(request, filters: Query[TaskFilter]):
    """INS-1: the company's inspection tasks (100 a page), filtered by unit code, status and
    due range."""
    token = _require(request, SCOPE_SCHEDULES_READ)
    tasks = Inspection.objects.filter(company=token.company).select_related(
        "unit", "inspector", "template_version__template"
    )
    if filters.unit_code:
        tasks = tasks.filter(unit__code=filters.unit_code)
    if filters.status:
        tasks = tasks.filter(status=filters.status)
    if filters.due_from:
        tasks = tasks.filter(due_at__gte=_moment(filters.due_from))
    if filters.due_to:
        tasks = tasks.filter(due_at__lte=_moment(filters.due_to))
    start = (filters.page - 1) * PAGE
    return [_task_out(t) for t in tasks.order_by("due_at", "pk")[start : start + PAGE]]


@api.post(
    "/inspection-tasks/{task_id}/assign",
    response={200: TaskOut, **ERRORS},
    url_name="inspection_task_assign",
    summary="Give a task not yet started to another inspector",
)
def task_assign(request, task_id: int, payload: AssignIn):
    """INS-6: refused (422) for an inspector belonging to the unit inspected, (409) for a
    task already started or cancelled."""
    token = _require(request, SCOPE_SCHEDULES_WRITE)
    task = _task(token, task_id)
    planning.task_assign(
        task=task,
        inspector=_person(token, payload.inspector),
        actor=token.created_by,
        reason=payload.reason,
    )
    return _task_out(_task(token, task_id))


@api.post(
    "/inspection-tasks/{task_id}/cancel",
    response={200: TaskOut, **ERRORS},
    url_name="inspection_task_cancel",
    summary="Cancel a task not yet started",
)
def task_cancel(request, task_id: int, payload: CancelIn):
    token = _require(request, SCOPE_SCHEDULES_WRITE)
    task = _task(token, task_id)
    planning.task_cancel(task=task, actor=token.created_by, reason=payload.reason)
    return _task_out(_task(token, task_id))


@api.get(
    "/sampling-draws/{draw_id}",
    response={200: DrawOut, **READ_ERRORS},
    url_name="sampling_draw",
    summary="A sampling draw's record and its re-run",
)
def draw_detail(request, draw_id: int):
    """INS-3: the seed, algorithm and population recorded, the units drawn, and whether
    re-running the record gives the same units."""
    token = _require(request, SCOPE_SCHEDULES_READ)
    draw = SamplingDraw.objects.filter(company=token.company, pk=draw_id).first()
    if draw is None:
        raise NotFound(NO_SUCH_DRAW, id=draw_id)
    try:
        matches = sampling.draw_rerun(draw) == draw.drawn
    except sampling.SamplingError:
        matches = False
    return {
        "id": draw.pk,
        "schedule_id": draw.schedule_id,
        "occurrence": draw.occurrence,
        "seed": draw.seed,
        "algorithm": draw.algorithm,
        "percent": draw.percent,
        "population": draw.population,
        "drawn": draw.drawn,
        "rerun_matches": matches,
        "drawn_at": draw.drawn_at,
    }
