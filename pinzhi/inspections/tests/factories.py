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


# The smallest valid JPEG and PNG files (a photo of a failure, a signature drawn on screen).
TINY_JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300080606070605080707070909080a0c140d0c0b0b0c"
    "1912130f141d1a1f1e1d1a1c1c20242e2720222c231c1c2837292c30313434341f27393d38323c2e333432ffc000"
    "0b080001000101011100ffc4001f0000010501010101010100000000000000000102030405060708090a0bffc400"
    "b5100002010303020403050504040000017d01020300041105122131410613516107227114328191a1082342b1c1"
    "1552d1f02433627282090a161718191a25262728292a3435363738393a434445464748494a535455565758595a63"
    "6465666768696a737475767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6"
    "b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9faffda0008"
    "010100003f00fbd0ffd9"
)
TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6300010000"
    "0500010d0a2db40000000049454e44ae426082"
)


def inspection_conducted(
    *,
    version: TemplateVersion,
    unit: Unit,
    inspector: Any,
    failed: tuple[str, ...] = (),
    submit: bool = True,
    **fields: Any,
) -> Inspection:
    """An inspection conducted through the services (start, every item answered, each failed
    item with a photo and the responsible person's signature) and, unless `submit` is False,
    submitted through `inspection_submit` — so the submission's hooks run on commit."""
    import uuid

    from django.core.files.uploadedfile import SimpleUploadedFile

    from pinzhi.inspections import services

    inspection = inspection_planned(version=version, unit=unit, inspector=inspector, **fields)
    services.inspection_start(
        inspection=inspection,
        actor=inspector,
        declared_no_conflict=True,
        credentials_shown=True,
        consent_by="王经理",
    )
    for item in version.items.filter(follow_up_of__isnull=True).order_by("order"):
        fails = item.code in failed
        services.answer_record(
            inspection=inspection,
            actor=inspector,
            item_code=item.code,
            client_key=uuid.uuid4(),
            result="fail" if fails else "pass",
            score=item.max_score if item.scoring == "scale" and not fails else None,
            severity="general" if fails else "",
        )
        if fails:
            services.photo_add(
                inspection=inspection,
                actor=inspector,
                item_code=item.code,
                client_key=uuid.uuid4(),
                uploaded_file=SimpleUploadedFile("p.jpg", TINY_JPEG, content_type="image/jpeg"),
            )
            services.signature_add(
                inspection=inspection,
                actor=inspector,
                item_code=item.code,
                client_key=uuid.uuid4(),
                signed_by_name="李主管",
                uploaded_file=SimpleUploadedFile("s.png", TINY_PNG, content_type="image/png"),
            )
    if submit:
        services.inspection_submit(inspection=inspection, actor=inspector)
    inspection.refresh_from_db()
    return inspection
