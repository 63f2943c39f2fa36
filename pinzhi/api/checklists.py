"""Checklist templates through the API (INS-4, issue 10 item 9): what an integration reads to
fill or show an inspection form — the company's checklists, the version in use with its
items (weights, scoring, critical items, photo required, follow-ups, standards), and any
version by its id (a completed inspection names the version it used). Read-only, scope
`checklists:read`; company-wide, like the builder's pages."""

from decimal import Decimal

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from ninja import Query, Schema
from pydantic import Field

from pinzhi.api.api import ErrorOut, _require, api
from pinzhi.api.models import ApiToken
from pinzhi.api.problems import NotFound
from pinzhi.inspections import checklists
from pinzhi.inspections.models import ChecklistItem, ChecklistTemplate, TemplateVersion

SCOPE_CHECKLISTS_READ = "checklists:read"
PAGE_SIZE = 50
NO_CHECKLIST = _("The company has no such checklist.")
NO_VERSION = _("The company has no such checklist version.")
READ_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut}


class ItemOut(Schema):
    id: int
    order: int
    section: str
    code: str
    text: str
    help_text: str
    standard: str | None = Field(description="The code of the standard the item checks, if any.")
    weight: Decimal
    scoring: str = Field(description="pass_fail, or scale (0 … max_score)")
    max_score: int
    pass_score: int = Field(description="A scale item at or above it passes.")
    allow_na: bool
    critical: bool = Field(description="Failing it fails the whole inspection.")
    photo_on_failure: bool
    follow_up_of: str | None = Field(
        description="The code of the main item it follows up: asked only when that one fails."
    )


class VersionOut(Schema):
    id: int
    checklist_id: int
    number: int
    status: str = Field(description="draft, published or retired")
    published_at: str | None
    max_score: Decimal = Field(description="The score when every main item passes.")
    items: list[ItemOut]


class ChecklistOut(Schema):
    id: int
    code: str
    name: str
    cadence: str = Field(description="daily, weekly, monthly, quarterly or occasional")
    pass_percent: Decimal
    is_active: bool
    current_version: int | None = Field(
        description="The number of the published version new inspections use, if any."
    )


class ChecklistDetailOut(ChecklistOut):
    current: VersionOut | None


class ChecklistPage(Schema):
    count: int
    page: int
    pages: int
    items: list[ChecklistOut]


class PageFilter(Schema):
    page: int = Field(1, ge=1, le=10000)


def _templates(token: ApiToken) -> QuerySet[ChecklistTemplate]:
    return ChecklistTemplate.objects.filter(company=token.company)


def _checklist_out(template: ChecklistTemplate) -> dict:
    current = checklists.template_version_current(template)
    return {
        "id": template.pk,
        "code": template.code,
        "name": template.name,
        "cadence": template.cadence,
        "pass_percent": template.pass_percent,
        "is_active": template.is_active,
        "current_version": current.number if current else None,
    }


def _item_out(item: ChecklistItem) -> dict:
    return {
        "id": item.pk,
        "order": item.order,
        "section": item.section,
        "code": item.code,
        "text": item.text,
        "help_text": item.help_text,
        "standard": item.standard.code if item.standard else None,
        "weight": item.weight,
        "scoring": item.scoring,
        "max_score": item.max_score,
        "pass_score": item.pass_score,
        "allow_na": item.allow_na,
        "critical": item.critical,
        "photo_on_failure": item.photo_on_failure,
        "follow_up_of": item.follow_up_of.code if item.follow_up_of else None,
    }


def _version_out(version: TemplateVersion) -> dict:
    items = checklists.version_items(version)
    return {
        "id": version.pk,
        "checklist_id": version.template_id,
        "number": version.number,
        "status": version.status,
        "published_at": version.published_at.isoformat() if version.published_at else None,
        "max_score": checklists.version_max_score(items),
        "items": [_item_out(item) for item in items],
    }


@api.get(
    "/checklists",
    response={200: ChecklistPage, **READ_ERRORS},
    url_name="checklists",
    summary="The company's checklist templates",
)
def checklist_list(request, filters: Query[PageFilter]):
    """INS-4: the token's company's checklists, 50 a page, with the version in use."""
    token = _require(request, SCOPE_CHECKLISTS_READ)
    templates = _templates(token).order_by("code")
    count = templates.count()
    start = (filters.page - 1) * PAGE_SIZE
    return {
        "count": count,
        "page": filters.page,
        "pages": max(1, -(-count // PAGE_SIZE)),
        "items": [_checklist_out(t) for t in templates[start : start + PAGE_SIZE]],
    }


@api.get(
    "/checklists/{checklist_id}",
    response={200: ChecklistDetailOut, **READ_ERRORS},
    url_name="checklist",
    summary="A checklist and the items of its version in use",
)
def checklist_detail(request, checklist_id: int):
    """INS-4: one of the company's checklists with its published version's items."""
    token = _require(request, SCOPE_CHECKLISTS_READ)
    template = _templates(token).filter(pk=checklist_id).first()
    if template is None:
        raise NotFound(NO_CHECKLIST)
    current = checklists.template_version_current(template)
    return {**_checklist_out(template), "current": _version_out(current) if current else None}


@api.get(
    "/checklists/versions/{version_id}",
    response={200: VersionOut, **READ_ERRORS},
    url_name="checklist_version",
    summary="One version of a checklist with its items",
)
def checklist_version(request, version_id: int):
    """INS-4: any version of the company's checklists (a completed inspection keeps the one
    it used, and names it)."""
    token = _require(request, SCOPE_CHECKLISTS_READ)
    version = TemplateVersion.objects.filter(pk=version_id, template__company=token.company).first()
    if version is None:
        raise NotFound(NO_VERSION)
    return _version_out(version)
