"""Demo inspections (issue 10 item 10), made through the conducting services: the past tasks
planning materialised are conducted; without such tasks, a year of ad-hoc inspections of
翠湖花园, 滨江名苑 and 金桂苑 (monthly) and of the cleaning contractor's service at 翠湖花园
(weekly) is made, some failing, each failure photographed and signed for; the older ones
have their report approved and sent.

Idempotent: each demo inspection has a key derived from its unit and date, and an
inspection that is no longer planned is left as it is."""

import io
import random
import uuid
from datetime import datetime, time, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from pinzhi.inspections import reports, services
from pinzhi.inspections.models import Inspection, InspectionKind, TemplateVersion
from pinzhi.lib.clock import clock_pinned, now
from pinzhi.orgs.demo import COMPANY_NAME
from pinzhi.orgs.models import Company, Person, Unit

ESTATES = ("CH", "BJM", "JG")
CONTRACTOR_ESTATE = "CH"
MONTHS = 12
WEEKS = 52
# Every past task of the demo's year is conducted (a bound, should a schedule be dense).
PAST_TASKS_LIMIT = 1000
FAILURE_SHARE = 0.15
SIGNERS = {"CH": "刘明", "BJM": "黄丹", "JG": "金桂苑客服主管"}
# Notes that fit whichever item failed (a note naming another problem than the item's read
# as nonsense on the inspection page).
NOTES = [
    "现场检查未达标，已拍照留证",
    "已当场指出，要求限期整改",
    "与上次检查相比仍未改善",
    "责任人已确认，承诺当日整改",
]
NAMESPACE = uuid.UUID("6f1c1e1e-4f2b-4a8e-9d0e-0a11ce5d0c10")


def _jpeg() -> SimpleUploadedFile:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (800, 600), (190, 184, 170))
    ImageDraw.Draw(image).ellipse((300, 200, 500, 400), outline=(224, 49, 49), width=8)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=70)
    return SimpleUploadedFile("photo.jpg", buffer.getvalue(), content_type="image/jpeg")


def _png() -> SimpleUploadedFile:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (360, 120), (255, 255, 255))
    ImageDraw.Draw(image).line((20, 90, 120, 30, 200, 80, 330, 40), fill=(17, 17, 17), width=4)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return SimpleUploadedFile("signature.png", buffer.getvalue(), content_type="image/png")


def _key(*parts: object) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, "/".join(str(p) for p in parts))


def _conduct(
    inspection: Inspection, *, inspector: Person, signer: str, at: datetime, rng: random.Random
) -> Inspection:
    """Start, answer every shown item (some failing), photograph and sign the failures, and
    submit — at `at` on the demo's clock."""
    with clock_pinned(at):
        inspection = services.inspection_start(
            inspection=inspection,
            actor=inspector,
            declared_no_conflict=True,
            credentials_shown=True,
            consent_by=f"{signer}（当班负责人）",
        )
        items = list(inspection.template_version.items.order_by("order"))
        failed: set[int] = set()
        for item in items:
            if item.follow_up_of_id is not None and item.follow_up_of_id not in failed:
                continue
            fails = rng.random() < FAILURE_SHARE and not (item.critical and rng.random() < 0.8)
            score = None
            if item.scoring == "scale":
                score = rng.randint(0, item.pass_score - 1) if fails else item.max_score
            services.answer_record(
                inspection=inspection,
                actor=inspector,
                item_code=item.code,
                client_key=_key(inspection.pk, item.code),
                result="" if item.scoring == "scale" else ("fail" if fails else "pass"),
                score=score,
                severity=rng.choice(["general", "minor", "minor", "serious"]) if fails else "",
                note=rng.choice(NOTES) if fails else "",
                answered_at=at,
            )
            if not fails:
                continue
            failed.add(item.pk)
            services.photo_add(
                inspection=inspection,
                actor=inspector,
                item_code=item.code,
                client_key=_key(inspection.pk, item.code, "photo"),
                uploaded_file=_jpeg(),
                captured_at=at,
                annotated=True,
            )
            services.signature_add(
                inspection=inspection,
                actor=inspector,
                item_code=item.code,
                client_key=_key(inspection.pk, item.code, "signature"),
                signed_by_name=signer,
                uploaded_file=_png(),
                signed_at=at,
            )
        services.inspection_notes_update(
            inspection=inspection,
            actor=inspector,
            observations="现场整体秩序良好。" if not failed else "发现问题已现场指出并签字确认。",
            interviews="与当班负责人面谈，了解日常巡查安排。",
            documents_reviewed="查阅交接班记录、巡查记录。",
        )
        return services.inspection_submit(inspection=inspection, actor=inspector)


def _report(inspection: Inspection, *, inspector: Person, quality: Person, at: datetime) -> None:
    with clock_pinned(at):
        report = reports.report_draft(inspection=inspection, actor=inspector)
        report = reports.report_update(
            report=report,
            actor=inspector,
            causes="日常巡查不到位，交接班检查流于形式。" if not inspection.passed else "",
            suggestions="加强岗位培训，落实班组自查。",
            next_steps="限期整改，下次检查复查。",
        )
        reports.report_submit(report=report, actor=inspector)
        reports.report_approve(report=report, actor=quality)


def _version(company: Company, cadence: tuple[str, ...]) -> TemplateVersion | None:
    """The latest published version of a template of the company with one of `cadence`,
    else of any template."""
    published = TemplateVersion.objects.filter(
        template__company=company, status=TemplateVersion.Status.PUBLISHED
    ).order_by("-published_at", "-pk")
    return published.filter(template__cadence__in=cadence).first() or published.first()


def _local(day: datetime, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day.date(), time(hour, 0)))


def load_demo_inspections(*, stdout=None) -> int:
    """Conduct the demo's past tasks, or make a year of ad-hoc inspections; returns how many
    were submitted (0 when the company, the inspector or a published checklist is missing)."""
    company = Company.objects.filter(name=COMPANY_NAME).first()
    people = {p.username: p for p in Person.objects.filter(username__in=["inspector", "quality"])}
    if company is None or len(people) < 2:
        return 0
    inspector, quality = people["inspector"], people["quality"]
    rng = random.Random(20261130)
    moment = now()
    made = 0
    with transaction.atomic():
        past = (
            Inspection.objects.filter(
                company=company, status=Inspection.Status.PLANNED, due_at__lt=moment
            )
            .select_related("unit", "inspector")
            .order_by("due_at", "pk")[:PAST_TASKS_LIMIT]
        )
        for task in past:
            doer = task.inspector or inspector
            at = min(task.due_at - timedelta(hours=2), moment) if task.due_at else moment
            at = max(at, task.occurrence or at)
            done = _conduct(
                task,
                inspector=doer,
                signer=SIGNERS.get(task.unit.code, "当班负责人"),
                at=at,
                rng=rng,
            )
            made += 1
            # The reports of the inspections older than a fortnight have been approved and
            # sent (INS-7); a supplier's routine checks need none.
            if at < moment - timedelta(days=14) and done.supplier_id is None:
                _report(done, inspector=doer, quality=quality, at=at + timedelta(days=1))
        if made:
            return _done(stdout, made)
        made = _year(company, inspector, quality, rng, moment)
    return _done(stdout, made)


def _year(company, inspector, quality, rng, moment) -> int:
    units = {u.code: u for u in Unit.objects.filter(company=company, code__in=ESTATES)}
    contractor = Company.objects.filter(kind=Company.Kind.SUPPLIER, operator=company).first()
    general = _version(company, ("monthly", "occasional"))
    cleaning = _version(company, ("weekly", "daily"))
    if general is None or not units:
        return 0
    plan: list[tuple[Unit, TemplateVersion, datetime, Company | None]] = []
    for months_ago in range(MONTHS, 0, -1):
        for code in ESTATES:
            if code in units:
                day = moment - timedelta(days=30 * months_ago - ESTATES.index(code) * 3)
                plan.append((units[code], general, _local(day, 10), None))
    if contractor is not None and cleaning is not None and CONTRACTOR_ESTATE in units:
        for weeks_ago in range(WEEKS, 0, -1):
            day = moment - timedelta(weeks=weeks_ago, days=-1)
            plan.append((units[CONTRACTOR_ESTATE], cleaning, _local(day, 15), contractor))
    plan.sort(key=lambda row: row[2])
    made = 0
    for unit, version, at, supplier in plan:
        with clock_pinned(at - timedelta(hours=1)):
            inspection = services.inspection_create(
                company=company,
                unit=unit,
                template_version=version,
                inspector=inspector,
                actor=quality,
                kind=InspectionKind.SUPERVISION if supplier is None else InspectionKind.ROUTINE,
                due_at=at + timedelta(hours=4),
                supplier=supplier,
                client_key=_key(unit.code, version.pk, at.isoformat()),
            )
        if inspection.status != Inspection.Status.PLANNED:
            continue
        inspection = _conduct(
            inspection, inspector=inspector, signer=SIGNERS[unit.code], at=at, rng=rng
        )
        made += 1
        if at < moment - timedelta(days=14) and supplier is None:
            _report(inspection, inspector=inspector, quality=quality, at=at + timedelta(days=1))
    return made


def _done(stdout, made: int) -> int:
    if stdout is not None:
        stdout.write(f"demo: {made} inspections conducted")
    return made
