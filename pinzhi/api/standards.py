"""The service standards through the API (STD-1 … STD-4): an integration (a document system,
the group's portal) reads the company's catalogue, each standard's versions, the quality
goals in force, the SLAs and the published commitments; with `standards:write` it adds
service items and drafts standards, which then go through the same steps as on the pages.

Reads are the token's company's. A draft is recorded in the name of the person the payload
names (`drafted_by`, a username of the company), checked exactly like on the page (the
working group drafts), else in the name of the token's creator. Refusals are the services'
own, as problem documents (422 input, 403 a person who may not, 404 not there).
"""

from datetime import date, datetime
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from ninja import Query, Schema
from ninja import Status as Reply
from pydantic import Field, field_validator

from pinzhi.api.api import ErrorOut, _clean_text, _require, api
from pinzhi.api.models import ApiToken
from pinzhi.api.problems import InvalidInput, NotFound
from pinzhi.orgs.models import Person
from pinzhi.standards import services
from pinzhi.standards.models import (
    Category,
    CommitmentState,
    Dimension,
    QualityGoal,
    ServiceCommitment,
    ServiceItem,
    ServiceLevelAgreement,
    Standard,
    StandardStatus,
)

SCOPE_STANDARDS_READ = "standards:read"
SCOPE_STANDARDS_WRITE = "standards:write"
NO_SUCH_STANDARD = _("Your company has no standard with the code %(value)s.")
NO_SUCH_ITEM = _("Your company has no service item with the code %(value)s.")
NO_SUCH_PERSON = _("Your company has no active person with the username %(value)s.")
MAX_LIMIT = 200

READ_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut}
WRITE_ERRORS = {**READ_ERRORS, 409: ErrorOut, 413: ErrorOut}


def _text(value: str) -> str:
    return _clean_text(value)


class VersionOut(Schema):
    number: int
    state: str
    state_label: str
    title: str
    requirement: str
    dimension: str
    measure: str
    change_note: str
    drafted_at: datetime
    approved_at: datetime | None
    published_at: datetime | None
    review_due: datetime | None
    ended_at: datetime | None


class StandardOut(Schema):
    code: str
    item_code: str
    item_name: str
    category: str
    title: str
    requirement: str
    dimension: str
    dimension_label: str
    measure: str
    source: str = Field(..., description="The regulation and clause it comes from, if any.")
    rule_key: str = Field(..., description="The policy rule whose figure it states, if any.")
    status: str
    status_label: str


class StandardDetailOut(StandardOut):
    versions: list[VersionOut]


def _standard_out(standard: Standard) -> dict:
    return {
        "code": standard.code,
        "item_code": standard.item.code,
        "item_name": standard.item.name,
        "category": standard.item.category,
        "title": standard.title,
        "requirement": standard.requirement,
        "dimension": standard.dimension,
        "dimension_label": str(standard.get_dimension_display()),
        "measure": standard.measure,
        "source": standard.source,
        "rule_key": standard.rule_key,
        "status": standard.status,
        "status_label": str(standard.get_status_display()),
    }


def _detail_out(standard: Standard) -> dict:
    return {
        **_standard_out(standard),
        "versions": [
            {
                "number": v.number,
                "state": v.state,
                "state_label": str(v.get_state_display()),
                "title": v.title,
                "requirement": v.requirement,
                "dimension": v.dimension,
                "measure": v.measure,
                "change_note": v.change_note,
                "drafted_at": v.drafted_at,
                "approved_at": v.approved_at,
                "published_at": v.published_at,
                "review_due": v.review_due,
                "ended_at": v.ended_at,
            }
            for v in standard.versions.order_by("-number")
        ],
    }


class StandardFilter(Schema):
    category: Category | None = Field(None, description="Only this kind of service.")
    dimension: Dimension | None = None
    status: StandardStatus | None = None
    q: str = Field("", max_length=100, description="Code, title or requirement contains.")
    offset: int = Field(0, ge=0, le=100_000)
    limit: int = Field(100, ge=1, le=MAX_LIMIT)

    @field_validator("q")
    @classmethod
    def _q(cls, value: str) -> str:
        return _text(value)


class StandardPage(Schema):
    count: int
    items: list[StandardOut]


def _company_standards(token: ApiToken):
    return Standard.objects.filter(company=token.company).select_related("item")


@api.get(
    "/standards",
    response={200: StandardPage, **READ_ERRORS},
    url_name="standards",
    summary="The company's service standards",
)
def standard_list(request, filters: Query[StandardFilter]):
    """STD-1: the catalogue of the token's company, by code, filtered by kind of service,
    dimension, status and text."""
    token = _require(request, SCOPE_STANDARDS_READ)
    standards = _company_standards(token).order_by("code")
    if filters.category:
        standards = standards.filter(item__category=filters.category)
    if filters.dimension:
        standards = standards.filter(dimension=filters.dimension)
    if filters.status:
        standards = standards.filter(status=filters.status)
    if filters.q:
        standards = standards.filter(
            Q(code__icontains=filters.q)
            | Q(title__icontains=filters.q)
            | Q(requirement__icontains=filters.q)
        )
    window = standards[filters.offset : filters.offset + filters.limit]
    return {"count": standards.count(), "items": [_standard_out(s) for s in window]}


@api.get(
    "/standards/{code}",
    response={200: StandardDetailOut, **READ_ERRORS},
    url_name="standard",
    summary="A standard with all its versions",
)
def standard_detail(request, code: str):
    """STD-2: the standard in force and every version (drafts, superseded, withdrawn)."""
    token = _require(request, SCOPE_STANDARDS_READ)
    standard = _company_standards(token).filter(code=code.strip().upper()).first()
    if standard is None:
        raise NotFound(NO_SUCH_STANDARD, value=code[:40])
    return _detail_out(standard)


class ItemOut(Schema):
    code: str
    name: str
    category: str
    category_label: str
    description: str


def _item_out(item: ServiceItem) -> dict:
    return {
        "code": item.code,
        "name": item.name,
        "category": item.category,
        "category_label": str(item.get_category_display()),
        "description": item.description,
    }


@api.get(
    "/service-items",
    response={200: list[ItemOut], **READ_ERRORS},
    url_name="service_items",
    summary="The company's service items",
)
def item_list(request):
    """STD-1: the service items of the catalogue."""
    token = _require(request, SCOPE_STANDARDS_READ)
    return [_item_out(i) for i in ServiceItem.objects.filter(company=token.company)]


class ItemIn(Schema):
    code: str = Field(..., min_length=1, max_length=40, examples=["CLN"])
    name: str = Field(..., min_length=1, max_length=120, examples=["环境清洁"])
    category: Category
    description: str = Field("", max_length=2000)

    @field_validator("code", "name", "description")
    @classmethod
    def _clean(cls, value: str) -> str:
        return _text(value)


@api.post(
    "/service-items",
    response={201: ItemOut, **WRITE_ERRORS},
    url_name="service_item_create",
    summary="Add a service item",
)
def item_create(request, payload: ItemIn):
    """STD-1: a service item of the catalogue; its code is unique in the company (422)."""
    token = _require(request, SCOPE_STANDARDS_WRITE)
    item = services.service_item_create(
        company=token.company,
        code=payload.code,
        name=payload.name,
        category=payload.category,
        description=payload.description,
        actor=token.created_by,
    )
    return Reply(201, _item_out(item))


class StandardIn(Schema):
    item_code: str = Field(..., min_length=1, max_length=40, examples=["CS"])
    code: str = Field(..., min_length=1, max_length=40, examples=["CS-20"])
    title: str = Field(..., min_length=1, max_length=200, examples=["前台等候不超过 5 分钟"])
    requirement: str = Field(..., min_length=1, max_length=4000)
    dimension: Dimension
    measure: str = Field("", max_length=200, examples=["≤ 5 分钟"])
    change_note: str = Field("", max_length=2000)
    drafted_by: str = Field(
        "",
        max_length=150,
        description="Username of the person drafting (the working group); default the "
        "token's creator.",
    )

    @field_validator("item_code", "code", "title", "requirement", "measure", "change_note")
    @classmethod
    def _clean(cls, value: str) -> str:
        return _text(value)


def _person(token: ApiToken, username: str) -> Person:
    if not username:
        return token.created_by
    person = Person.objects.filter(
        company=token.company, username=username.strip(), is_active=True
    ).first()
    if person is None:
        raise InvalidInput(NO_SUCH_PERSON, field="drafted_by", value=username[:150])
    return person


@api.post(
    "/standards",
    response={201: StandardDetailOut, **WRITE_ERRORS},
    url_name="standard_create",
    summary="Draft a new standard",
)
def standard_create(request, payload: StandardIn):
    """STD-2: a new standard as a draft (version 1, not in force); the working group then
    puts it out for comments, leadership approves it and the quality department publishes
    it, on the pages. 403 when the person drafting is not of the working group."""
    token = _require(request, SCOPE_STANDARDS_WRITE)
    item = ServiceItem.objects.filter(
        company=token.company, code=payload.item_code.strip().upper()
    ).first()
    if item is None:
        raise InvalidInput(NO_SUCH_ITEM, field="item_code", value=payload.item_code[:40])
    version = services.standard_draft(
        item=item,
        code=payload.code,
        title=payload.title,
        requirement=payload.requirement,
        dimension=payload.dimension,
        measure=payload.measure,
        change_note=payload.change_note,
        actor=_person(token, payload.drafted_by),
    )
    return Reply(201, _detail_out(version.standard))


class GoalOut(Schema):
    unit_code: str
    unit_name: str
    metric: str
    metric_label: str
    period: str
    target: Decimal
    ceiling: bool = Field(..., description="True: the figure must stay at or below the target.")
    version: int
    effective_from: date


class GoalFilter(Schema):
    on: date | None = Field(None, description="The day the goals are in force on; default today.")


@api.get(
    "/quality-goals",
    response={200: list[GoalOut], **READ_ERRORS},
    url_name="quality_goals",
    summary="The units' quality goals in force",
)
def goal_list(request, filters: Query[GoalFilter]):
    """STD-3: each unit's goals as in force on the day (a goal adjusted later has a newer
    version from its effective date)."""
    from pinzhi.lib.clock import now

    token = _require(request, SCOPE_STANDARDS_READ)
    on = filters.on or now().date()
    keys = (
        QualityGoal.objects.filter(company=token.company, effective_from__lte=on)
        .values_list("unit_id", "metric", "period")
        .distinct()
    )
    goals = []
    for unit_id, metric, period in sorted(set(keys)):
        goal = (
            QualityGoal.objects.filter(
                unit_id=unit_id, metric=metric, period=period, effective_from__lte=on
            )
            .select_related("unit")
            .order_by("-effective_from")
            .first()
        )
        if goal is not None:
            goals.append(goal)
    return [
        {
            "unit_code": g.unit.code,
            "unit_name": g.unit.name,
            "metric": g.metric,
            "metric_label": str(g.get_metric_display()),
            "period": g.period,
            "target": g.target,
            "ceiling": g.is_ceiling,
            "version": g.version,
            "effective_from": g.effective_from,
        }
        for g in goals
    ]


class SlaOut(Schema):
    customer: str
    contract_number: str
    unit_code: str | None
    valid_from: date
    valid_until: date | None
    response_minutes: int | None
    resolution_hours: int | None
    availability_percent: Decimal | None
    satisfaction_percent: Decimal | None
    callback_hours: int | None
    notes: str


@api.get(
    "/slas",
    response={200: list[SlaOut], **READ_ERRORS},
    url_name="slas",
    summary="The service level agreements of the customer contracts",
)
def sla_list(request):
    """STD-3 (003 4.3(1)): the SLAs of the company's customer contracts."""
    token = _require(request, SCOPE_STANDARDS_READ)
    slas = ServiceLevelAgreement.objects.filter(company=token.company).select_related("unit")
    return [
        {
            "customer": s.customer,
            "contract_number": s.contract_number,
            "unit_code": s.unit.code if s.unit else None,
            "valid_from": s.valid_from,
            "valid_until": s.valid_until,
            "response_minutes": s.response_minutes,
            "resolution_hours": s.resolution_hours,
            "availability_percent": s.availability_percent,
            "satisfaction_percent": s.satisfaction_percent,
            "callback_hours": s.callback_hours,
            "notes": s.notes,
        }
        for s in slas
    ]


class CommitmentOut(Schema):
    post: str
    commitments: list[str]
    published_at: datetime | None


@api.get(
    "/commitments",
    response={200: list[CommitmentOut], **READ_ERRORS},
    url_name="commitments",
    summary="The published service commitments of the posts",
)
def commitment_list(request):
    """STD-4: what the public page shows: the published commitments of each post."""
    token = _require(request, SCOPE_STANDARDS_READ)
    commitments = ServiceCommitment.objects.filter(
        company=token.company, state=CommitmentState.PUBLISHED
    ).order_by("post_name", "pk")
    return [
        {"post": c.post_name, "commitments": c.lines, "published_at": c.published_at}
        for c in commitments
    ]
