"""Small builders of checklists and inspections for the tests of every app that reads them.

They write rows directly (no services), so that the tests of planning, conducting,
rectification and suppliers do not depend on each other's services; the services' own tests
prove the services."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

from pinzhi.inspections.events import InspectionEvent
from pinzhi.inspections.models import (
    Answer,
    ChecklistItem,
    ChecklistTemplate,
    Inspection,
    TemplateVersion,
)
from pinzhi.inspections.scoring import inspection_score
from pinzhi.lib.clock import now
from pinzhi.orgs.models import Company, Unit
from pinzhi.timeline.services import event_record

DEFAULT_ITEMS = [
    {"code": "A1", "section": "人员仪容", "text": "着装整洁，佩戴工牌"},
    {"code": "A2", "section": "服务语言", "text": "使用文明用语"},
    {"code": "B1", "section": "环境卫生", "text": "公共区域地面无垃圾", "photo_on_failure": True},
    {"code": "B2", "section": "安全", "text": "消防通道畅通", "critical": True},
]


def template_published(
    company: Company,
    *,
    code: str = "XJ",
    name: str = "服务质量巡检表",
    cadence: str = "occasional",
    items: list[dict[str, Any]] | None = None,
    pass_percent: Decimal = Decimal(60),
) -> TemplateVersion:
    """A template with one published version of `items` (dicts of ChecklistItem fields)."""
    template = ChecklistTemplate.objects.create(
        company=company, code=code, name=name, cadence=cadence, pass_percent=pass_percent
    )
    version = TemplateVersion.objects.create(
        template=template, number=1, status=TemplateVersion.Status.PUBLISHED, published_at=now()
    )
    for order, fields in enumerate(items or DEFAULT_ITEMS, start=1):
        ChecklistItem.objects.create(version=version, order=order, **fields)
    return version


def inspection_planned(
    *, version: TemplateVersion, unit: Unit, inspector: Any = None, **fields: Any
) -> Inspection:
    """A planned inspection task of `unit` with `version`, due in a day unless given."""
    fields.setdefault("due_at", now() + timedelta(days=1))
    return Inspection.objects.create(
        company_id=unit.company_id,
        unit=unit,
        template_version=version,
        inspector=inspector,
        **fields,
    )


def inspection_submitted(
    *,
    version: TemplateVersion,
    unit: Unit,
    inspector: Any = None,
    results: dict[str, str] | None = None,
    severities: dict[str, str] | None = None,
    **fields: Any,
) -> Inspection:
    """A submitted inspection whose answers are `results` (item code → pass/fail/na; items
    not named pass), scored from the template, with the `inspection.submitted` event that
    rectification and the supplier evaluation follow — as the conducting service records it."""
    results = results or {}
    severities = severities or {}
    moment = fields.pop("submitted_at", None) or now()
    inspection = inspection_planned(
        version=version,
        unit=unit,
        inspector=inspector,
        status=Inspection.Status.SUBMITTED,
        started_at=moment - timedelta(minutes=30),
        submitted_at=moment,
        declared_at=moment - timedelta(minutes=30),
        **fields,
    )
    items = list(version.items.order_by("order"))
    answers: dict[int, Answer] = {}
    for item in items:
        result = results.get(item.code, Answer.Result.PASS)
        answers[item.pk] = Answer.objects.create(
            inspection=inspection,
            item=item,
            result=result,
            score=item.max_score if item.scoring == "scale" and result == "pass" else None,
            severity=severities.get(item.code, "general") if result == "fail" else "",
            answered_at=moment,
            received_at=moment,
            answered_by=inspector,
        )
    score = inspection_score(items, answers, pass_percent=version.template.pass_percent)
    inspection.score, inspection.max_score = score.score, score.max_score
    inspection.percent, inspection.failed_critical = score.percent, score.failed_critical
    inspection.passed = bool(score.passed)
    inspection.save()
    event_record(
        subject=inspection,
        action=InspectionEvent.SUBMITTED,
        actor=inspector,
        data={
            "unit_id": unit.pk,
            "supplier_id": inspection.supplier_id,
            "cadence": version.template.cadence,
            "percent": None if score.percent is None else str(score.percent),
            "passed": inspection.passed,
            "failed_answer_ids": [a.pk for a in answers.values() if a.result == "fail"],
        },
    )
    return inspection
