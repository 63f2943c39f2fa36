"""Two companies side by side for the two-company access matrix (issue 6 item 11, ORG-2).

Each company has a small tree (总部 HQ with 客服部 KF, 安保部 AB and the estate 翠湖花园 CH)
and one person per role of `pinzhi.orgs.roles.Role`. Company A ("甲") also holds one object of
every kind a parameterised URL takes, made through the services as the product makes them:
a complaint routed, signed for, assigned, escalated by the customer, resolved and called back,
with a contact letter, an attachment and deadlines; a second complaint on the same topic so
that the two form a repeat group; a post, an external (supplier) company, a notification per
person, a webhook endpoint, an API token, a working-time calendar with a day and a rule using
it, its own value of a policy rule and an amendment still open, and a checked
complaint-import batch.

The build takes about a second; `two_companies` in `pinzhi/conftest.py` makes it once per test
module inside a transaction that is rolled back when the module ends, and every test rolls
back its own changes to a savepoint, so tests can POST freely."""

import inspect
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile

from pinzhi.orgs.models import Company, Person, Unit
from pinzhi.orgs.roles import COMPANY_WIDE_ROLES, EXTERNAL_ROLES, Role

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)
IMPORT_CSV = (
    "编号,投诉时间,投诉内容,客户姓名,联系电话\n"
    "H-1,2026-01-05 10:00,电梯停运三天没人修,王先生,13800001111\n"
    ",not a date,,,\n"
).encode()
# A port nothing listens on: a test delivery fails at once, without a network (the
# `two_companies` fixture allows the host, as an operator would for an internal gateway).
WEBHOOK_URL = "http://127.0.0.1:9/pinzhi-matrix"
# Both complaints say the same thing, so that the regrouping puts them in one topic group.
COMPLAINT_TEXT = "连续三晚没有看到保安巡逻，地下车库的单车被偷。"


@dataclass
class CompanyData:
    """One company of the matrix: its tree, one person per role, and (company A) its
    objects. `people[role]` is the person holding `role` (a `Role` value)."""

    code: str
    company: Company
    hq: Unit
    kf: Unit
    ab: Unit
    estate: Unit
    people: dict[str, Person] = field(default_factory=dict)
    objects: dict[str, object] = field(default_factory=dict)

    def __getitem__(self, name: str):
        return self.objects[name]

    def markers(self) -> list[str]:
        """Texts found only in this company's data: the start of its name (in its units' and
        people's names, its supplier, calendar, webhook, API token and amendment), its
        complaints' tracking codes, its letter's number and its import file. Another
        company's pages show none of them."""
        found = [self.company.name[:3]]
        for name in ("complaint", "second_complaint"):
            if name in self.objects:
                found.append(self.objects[name].tracking_code)
        if "letter" in self.objects:
            found.append(self.objects["letter"].number)
        if "import_batch" in self.objects:
            found.append(f"{self.code}-history")
        return found


@dataclass
class TwoCompanies:
    a: CompanyData
    b: CompanyData
    media_root: Path | None = None  # where the files of A's objects are


def _with_company(service, company, **kwargs):
    """Call `service`, giving it `company=` when it takes one: calendars and policy values
    are being made per company (issue 6 item 2), and the matrix must build company A's own
    objects before and after that change."""
    if "company" in inspect.signature(service).parameters:
        kwargs["company"] = company
    return service(**kwargs)


def _company(code: str, name: str) -> CompanyData:
    from pinzhi.orgs import services

    company = services.company_create(name=name, kind=Company.Kind.OPERATOR, policy_pack="property")
    # Unit names start with the company's, so that a page showing another company's unit
    # gives itself away (CompanyData.markers).
    short = name[:3]
    hq = services.unit_create(
        company=company, code="HQ", name=f"{short}总部", kind=Unit.Kind.DEPARTMENT
    )
    kf = services.unit_create(
        company=company, code="KF", name=f"{short}客服部", kind=Unit.Kind.DEPARTMENT, parent=hq
    )
    ab = services.unit_create(
        company=company, code="AB", name=f"{short}安保部", kind=Unit.Kind.DEPARTMENT, parent=hq
    )
    estate = services.unit_create(
        company=company, code="CH", name=f"{short}翠湖花园", kind=Unit.Kind.ESTATE, parent=hq
    )
    data = CompanyData(code=code, company=company, hq=hq, kf=kf, ab=ab, estate=estate)
    for role in Role:
        # Company-wide roles see the whole company anyway; the scoped ones cover HQ and so
        # every unit; customers and suppliers have no unit of the company.
        external = role in EXTERNAL_ROLES
        person = services.person_create(
            username=f"{code}-{role.value}",
            full_name=f"{short}{role.label}",
            company=company,
            unit=None if external else hq,
            email=f"{role.value}@{code}.example.com",
        )
        scope = [] if external or role in COMPANY_WIDE_ROLES else [hq]
        services.role_assign(person=person, role=role, scope=scope)
        data.people[role.value] = person
    return data


def _complaints(a: CompanyData, clock_now) -> None:
    from pinzhi.complaints import grouping
    from pinzhi.complaints import services as complaints
    from pinzhi.complaints.models import Category, Channel
    from pinzhi.timeline.services import attachment_add

    desk = a.people[Role.SERVICE_DESK]
    head = a.people[Role.DEPARTMENT_MANAGER]
    handler = a.people[Role.SERVICE_STAFF]
    received = clock_now - timedelta(hours=2)  # the first-contact limit is breached
    common = dict(
        company=a.company,
        channel=Channel.HOTLINE,
        category=Category.SECURITY,
        title="夜间巡逻不到位",
        content=COMPLAINT_TEXT,
        request="加强夜间巡逻并调取监控",
        customer_name="李业主",
        customer_phone="13912345678",
        customer_address="翠湖花园3栋1单元502",
        location=a.estate,
        registered_by=desk,
    )
    complaint = complaints.complaint_register(received_at=received, **common)
    second = complaints.complaint_register(received_at=received + timedelta(minutes=5), **common)
    letter = complaints.complaint_route(
        complaint=complaint, actor=desk, department=a.ab, head=head, request="请调查处理"
    )
    complaints.letter_acknowledge(letter=letter, actor=head)
    complaints.complaint_assign(
        complaint=complaint, actor=head, handler=handler, solution="加派夜班巡逻"
    )
    attachment = attachment_add(
        subject=complaint,
        uploaded_file=SimpleUploadedFile("garage.png", PNG, content_type="image/png"),
        uploaded_by=desk,
    )
    escalation = complaints.complaint_customer_escalate(
        complaint=complaint, reason="两小时没人联系"
    )
    complaints.complaint_resolve(complaint=complaint, actor=handler, resolution="已加派巡逻")
    callback = complaints.complaint_callback(complaint=complaint, actor=desk, reached=False)
    grouping.groups_rebuild(
        company=a.company,
        since=received - timedelta(days=1),
        until=clock_now + timedelta(minutes=1),
    )
    complaint.refresh_from_db()
    assert complaint.repeat_group_id is not None, "the two complaints should form a group"
    a.objects.update(
        complaint=complaint,
        second_complaint=second,
        letter=letter,
        attachment=attachment,
        escalation=escalation,
        callback=callback,
        repeat_group=complaint.repeat_group,
    )


def _organisation(a: CompanyData) -> None:
    from pinzhi.orgs import services

    quality = a.people[Role.QUALITY_DEPARTMENT]
    a.objects["post"] = services.post_create(unit=a.kf, code="KFY", name="客服专员", actor=quality)
    a.objects["supplier"] = services.company_create(
        name=f"{a.company.name}保安外包公司",
        kind=Company.Kind.SUPPLIER,
        operator=a.company,
        actor=quality,
    )
    # The person the person pages are opened on: staff, in the company's tree.
    a.objects["person"] = a.people[Role.SERVICE_STAFF]


def _notifications(a: CompanyData) -> None:
    from pinzhi.notify import services

    complaint = a["complaint"]
    notes = {}
    for role, person in a.people.items():
        (note,) = services.notify(
            recipients=[person],
            kind="matrix.test",
            title="测试通知",
            url=complaint.get_absolute_url(),
            subject=complaint,
        )
        notes[role] = note
    a.objects["notifications"] = notes
    a.objects["webhook"] = services.webhook_endpoint_create(
        name=f"{a.company.name}短信网关", url=WEBHOOK_URL, kinds=[], company=a.company
    )


def _api_token(a: CompanyData) -> None:
    from pinzhi.api.models import SCOPES
    from pinzhi.api.services import api_token_create

    token, secret = api_token_create(
        name=f"{a.company.name}热线系统",
        company=a.company,
        scopes=[scope for scope, _label in SCOPES],
        actor=a.people[Role.QUALITY_DEPARTMENT],
    )
    a.objects["api_token"] = token
    a.objects["api_secret"] = secret


def _calendar(a: CompanyData) -> None:
    from datetime import date

    from pinzhi.deadlines import services

    quality = a.people[Role.QUALITY_DEPARTMENT]
    calendar = _with_company(
        services.calendar_create,
        a.company,
        code=f"{a.code}-office",
        name=f"{a.company.name}办公时间",
        actor=quality,
    )
    day = services.calendar_day_add(
        calendar=calendar, date=date(2026, 10, 1), kind="holiday", name="国庆节", actor=quality
    )
    _with_company(
        services.rule_calendar_set,
        a.company,
        pack="property",
        rule_key="complaints.general_resolution",
        calendar=calendar,
        actor=quality,
    )
    a.objects.update(calendar=calendar, calendar_day=day)


def _policy(a: CompanyData) -> None:
    """A's own value of a rule (an approved amendment) and an amendment still open."""
    from pinzhi.policy import services
    from pinzhi.policy.models import Rule

    quality = a.people[Role.QUALITY_DEPARTMENT]
    rule = Rule.objects.get(pack__code="property", key="complaints.first_contact")
    approved = services.amendment_propose(
        rule=rule,
        value="45",
        effective_from=None,
        reason=f"{a.company.name}夜间人手不足",
        proposed_by=quality,
    )
    services.amendment_review(amendment=approved, reviewer=quality, note="同意")
    services.amendment_approve(amendment=approved, approver=a.people[Role.LEADERSHIP])
    amendment = services.amendment_propose(
        rule=rule,
        value="40",
        effective_from=None,
        reason=f"{a.company.name}白天人手充足",
        proposed_by=quality,
    )
    a.objects.update(rule=rule, amendment=amendment)


def _import_batch(a: CompanyData) -> None:
    from pinzhi.complaints import importer

    quality = a.people[Role.QUALITY_DEPARTMENT]
    batch = importer.upload_store(
        SimpleUploadedFile(f"{a.code}-history.csv", IMPORT_CSV), user=quality
    )
    importer.mapping_save(
        batch,
        mapping=batch.meta["mapping"],
        extras=batch.meta["extras"],
        options={
            "company_id": a.company.pk,
            "location_id": None,
            "category": "other",
            "channel": "import",
            "source": "matrix",
        },
    )
    importer.check_save(batch, importer.rows_check(batch))
    a.objects["import_batch"] = batch
    # Issue 7 item 3: an organisation import waiting for its confirmation, and a refused
    # holiday import with its error report.
    from pinzhi.deadlines.importing import CalendarImportError, calendar_days_import
    from pinzhi.orgs import spreadsheets

    content = spreadsheets.org_workbook_template()
    plan = spreadsheets.org_import_plan(user=quality, company=a.company, content=content)
    a.objects["org_import_batch"] = spreadsheets.org_import_stash(
        owner=quality,
        company=a.company,
        filename=f"{a.code}-org.xlsx",
        content=content,
        plan_digest=plan.digest,
        plan=plan,
    )
    try:
        calendar_days_import(
            calendar=a["calendar"],
            name=f"{a.code}-days.csv",
            content="日期,类型\n2026-02-30,放假\n".encode(),
            actor=quality,
        )
    except CalendarImportError as error:
        a.objects["calendar_import_batch"] = error.batch


def _export_jobs(a: CompanyData) -> None:
    """Issue 9 item 4: each person's own export, written by the worker, ready to download."""
    import secrets
    from datetime import timedelta

    from django.core.files.base import ContentFile

    from pinzhi.core.models import ExportJob
    from pinzhi.lib.clock import now

    at = now()
    jobs = {}
    for role, person in a.people.items():
        job = ExportJob(
            token=secrets.token_urlsafe(24),
            kind="complaints",
            requested_by=person,
            state=ExportJob.State.DONE,
            rows_total=1,
            rows_done=1,
            filename=f"{a.code}-export.xlsx",
            created_at=at,
            updated_at=at,
            finished_at=at,
            expires_at=at + timedelta(days=3650),
        )
        job.file.save(job.filename, ContentFile(b"PK export"), save=True)
        jobs[role] = job
    a.objects["exports"] = jobs


# --- planning (INS-1, INS-3, INS-6) --------------------------------------------------------


def _planning(a: CompanyData) -> None:
    """A's draft inspection plan with an entry, a schedule of its estate with its tasks, and
    an ad-hoc random draw."""
    from datetime import date

    from pinzhi.inspections import planning, sampling
    from pinzhi.inspections.tests.factories import template_published
    from pinzhi.lib.clock import now

    planner = a.people[Role.QUALITY_DEPARTMENT]
    version = template_published(a.company, code="PLAN", name="甲巡检表")
    year = now().year + 1
    plan = planning.plan_create(company=a.company, year=year, title="甲年度检查计划", actor=planner)
    a.objects["plan_entry"] = planning.plan_entry_add(
        plan=plan,
        title="甲季度检查",
        units=[a.estate],
        starts_on=date(year, 3, 1),
        ends_on=date(year, 3, 10),
        actor=planner,
    )
    a.objects["plan"] = plan
    schedule = planning.schedule_create(
        company=a.company,
        title="甲日检排程",
        template=version.template,
        rrule="FREQ=WEEKLY;BYDAY=MO",
        starts_at=now() + timedelta(days=1),
        units=[a.estate],
        due_within=timedelta(days=1),
        actor=planner,
    )
    a.objects["schedule"] = schedule
    a.objects["task"] = schedule.inspections.order_by("occurrence").first()
    a.objects["draw"] = sampling.draw_make(
        company=a.company, units=[a.estate, a.kf], percent=50, actor=planner, purpose="甲抽查"
    )


# --- standards (issue 10, STD-1 … STD-4) ---------------------------------------------------


def _standards(a: CompanyData) -> None:
    """A's catalogue (a published standard), a draft of a new standard, an SLA and a draft
    service commitment."""
    from datetime import date
    from decimal import Decimal

    from pinzhi.standards import services
    from pinzhi.standards.models import ServiceItem, Standard

    quality = a.people[Role.QUALITY_DEPARTMENT]
    services.catalogue_install_pack(company=a.company, pack="property", actor=quality)
    draft = services.standard_draft(
        item=ServiceItem.objects.get(company=a.company, code="CS"),
        code="CS-90",
        title=f"{a.company.name}报修上门",
        requirement="30 分钟内上门。",
        dimension="efficiency",
        actor=quality,
    )
    sla = services.sla_record(
        company=a.company,
        actor=quality,
        customer=f"{a.company.name}大客户",
        contract_number=f"{a.code}-SLA-1",
        valid_from=date(2026, 1, 1),
        response_minutes=30,
        satisfaction_percent=Decimal("90"),
    )
    commitment = services.commitment_write(
        company=a.company, post_name=f"{a.company.name[:3]}门卫", text="文明服务。", actor=quality
    )
    a.objects.update(
        standard=Standard.objects.get(company=a.company, code="CLN-01"),
        standard_draft=draft,
        sla=sla,
        commitment=commitment,
    )


def build_two_companies() -> TwoCompanies:
    """Company A with every kind of object, company B with only its people (ORG-2)."""
    from pinzhi.lib.clock import now
    from pinzhi.policy.services import pack_load

    pack_load(code="property")
    a = _company("a", "甲物业服务有限公司")
    b = _company("b", "乙物业服务有限公司")
    _organisation(a)
    _complaints(a, now())
    _notifications(a)
    _api_token(a)
    _calendar(a)
    _policy(a)
    _import_batch(a)
    _export_jobs(a)
    _checklists(a)
    _planning(a)
    _rectification(a)
    _suppliers(a)
    _standards(a)
    _inspections(a)
    _training(a)
    _assessment_ledger(a)
    _assessment_cycle(a)
    _board(a)
    _quarterly(a)
    return TwoCompanies(a=a, b=b)


# --- checklist templates (INS-4) ------------------------------------------------------------


def _checklists(a: CompanyData) -> None:
    """A checklist with a published version 1 and a draft version 2 (its items, a
    follow-up), and a refused workbook import with its error report."""
    from pinzhi.core.imports import error_row, import_batch_create, import_batch_plan
    from pinzhi.inspections import checklist_io, checklists

    quality = a.people[Role.QUALITY_DEPARTMENT]
    short = a.company.name[:3]
    template = checklists.template_create(
        company=a.company, code="XJB", name=f"{short}服务质量巡检表", actor=quality
    )
    first = template.versions.get()
    checklists.item_save(version=first, actor=quality, code="A1", text=f"{short}仪容仪表")
    checklists.version_publish(version=first, actor=quality)
    draft = checklists.version_draft_create(template=template, actor=quality)
    main = draft.items.get(code="A1")
    follow = checklists.item_save(
        version=draft, actor=quality, code="A1a", text=f"{short}已整改", follow_up_of=main
    )
    batch = import_batch_create(
        company=a.company,
        kind=checklist_io.KIND,
        created_by=quality,
        filename=f"{a.code}-checklist.xlsx",
        content=b"PK",
        meta={"template": template.pk},
    )
    import_batch_plan(batch, errors=[error_row(3, "编号 (B)", "", "请填写检查项编号")])
    token = a["api_token"]
    token.scopes = [*token.scopes, "checklists:read"]
    token.save(update_fields=["scopes"])
    a.objects.update(
        checklist=template,
        checklist_published=first,
        checklist_draft=draft,
        checklist_item=main,
        checklist_follow_up=follow,
        checklist_import_batch=batch,
    )


# --- rectification (issue 10, NCR-1 … NCR-4) ---------------------------------------------------


def _rectification(a: CompanyData) -> None:
    """A's nonconformities raised from an inspection failed at three units (so a corrective
    action is proposed), one with a work order, and a supervision order."""
    from pinzhi.inspections.tests.factories import inspection_submitted, template_published
    from pinzhi.lib.clock import now
    from pinzhi.rectification import services
    from pinzhi.rectification.models import CorrectiveAction, Nonconformity

    inspector = a.people[Role.INSPECTOR]
    version = template_published(a.company, code="NCR", name="甲整改巡检表")
    failed = []
    for unit in (a.estate, a.kf, a.ab):
        inspection = inspection_submitted(
            version=version, unit=unit, inspector=inspector, results={"A2": "fail"}
        )
        failed += [answer.pk for answer in inspection.answers.filter(result="fail")]
    # What the consumer of "inspection.submitted" does once the events are linked (the
    # module's transaction never commits here).
    services.nonconformities_from_answers(answer_ids=failed)
    finding = Nonconformity.objects.get(company=a.company, unit=a.estate)
    services.work_order_issue(nonconformity=finding, actor=inspector, job=f"{a.code} 大堂清洗")
    a.objects["nonconformity"] = finding
    a.objects["capa"] = CorrectiveAction.objects.get(company=a.company)
    a.objects["supervision_order"] = services.supervision_order_issue(
        unit=a.estate,
        problem="车库照明长期不亮",
        stages=[("一周内排查", now() + timedelta(days=7))],
        actor=a.people[Role.QUALITY_DEPARTMENT],
        nonconformities=[finding],
    )


# --- suppliers (NCR-5) ----------------------------------------------------------------------


def _suppliers(a: CompanyData) -> None:
    """A's cleaning contract with its supplier over the estate, four failed daily checks
    this month (the threshold: an evaluation and a deduction), folded by the consumer."""
    from datetime import date
    from decimal import Decimal

    from pinzhi.inspections.tests.factories import inspection_submitted, template_published
    from pinzhi.lib.clock import now
    from pinzhi.suppliers import selectors as supplier_selectors
    from pinzhi.suppliers import services as suppliers
    from pinzhi.suppliers.models import ContractDeduction, MonthlyEvaluation

    quality = a.people[Role.QUALITY_DEPARTMENT]
    today = supplier_selectors.day_of(now())
    contract = suppliers.contract_create(
        company=a.company,
        terms=suppliers.ContractTerms(
            supplier=a["supplier"],
            number=f"{a.code.upper()}-BJ-01",
            title="清洁服务委托合同",
            units=[a.estate],
            starts_on=date(today.year - 1, 1, 1),
            ends_on=date(today.year + 1, 12, 31),
            monthly_fee=Decimal("10000"),
            standards=[],
        ),
        actor=quality,
    )
    version = template_published(a.company, code="RJ", name="清洁服务日检查表", cadence="daily")
    for _n in range(4):
        inspection_submitted(
            version=version, unit=a.estate, results={"A1": "fail"}, supplier=a["supplier"]
        )
    # The build's transaction never commits, so its events are not linked for the consumer:
    # its handler is given them directly.
    from pinzhi.timeline.models import Event

    suppliers.checks_fold(
        list(Event.objects.filter(action="inspection.submitted", company=a.company))
    )
    a.objects["supplier_contract"] = contract
    a.objects["supplier_evaluation"] = MonthlyEvaluation.objects.get(contract=contract)
    a.objects["supplier_deduction"] = ContractDeduction.objects.get(contract=contract)


# --- inspections: conducting and reporting (INS-5, INS-7) --------------------------------------


def _inspections(a: CompanyData) -> None:
    """An inspection of A's estate in progress with a failed answer, and a reported one."""
    from datetime import timedelta

    from pinzhi.inspections.models import Answer, Inspection, InspectionReport
    from pinzhi.inspections.tests.factories import (
        inspection_planned,
        inspection_submitted,
        template_published,
    )
    from pinzhi.lib.clock import now

    version = template_published(a.company)
    inspector = a.people[Role.INSPECTOR.value]
    moment = now()
    in_progress = inspection_planned(
        version=version,
        unit=a.estate,
        inspector=inspector,
        status=Inspection.Status.IN_PROGRESS,
        started_at=moment,
        declared_at=moment,
    )
    a.objects["inspection"] = in_progress
    a.objects["failed_answer"] = Answer.objects.create(
        inspection=in_progress,
        item=version.items.get(code="A1"),
        result=Answer.Result.FAIL,
        severity="minor",
        answered_at=moment,
        received_at=moment,
        answered_by=inspector,
    )
    reported = inspection_submitted(
        version=version,
        unit=a.estate,
        inspector=inspector,
        results={"A2": "fail"},
        submitted_at=moment - timedelta(days=1),
    )
    Inspection.objects.filter(pk=reported.pk).update(status=Inspection.Status.REPORTED)
    InspectionReport.objects.create(
        inspection=reported,
        status=InspectionReport.Status.SENT,
        problems=f"{a.company.name[:3]}：未使用文明用语",
        approved_at=moment,
    )
    a.objects["reported_inspection"] = reported
    # A's API token reads and submits inspections too (api/inspections.py).
    token = a["api_token"]
    token.scopes = [*token.scopes, "inspections:read", "inspections:write"]
    token.save(update_fields=["scopes"])


# --- training and consequences (issue 11 part D: TRN-1, ASM-8, ASM-10) ----------------------


def _training(a: CompanyData) -> None:
    """A's course, a planned session, an open assignment of its inspector and a proposed
    sanction for its service staff member (every one of A's line managers covers HQ)."""
    from datetime import date, timedelta
    from decimal import Decimal

    from pinzhi.assessment.models import ConsequenceKind, Sanction
    from pinzhi.assessment.services.consequences import consequence_propose
    from pinzhi.lib.clock import now
    from pinzhi.training import services as training
    from pinzhi.training.models import AssignmentReason, Topic

    quality = a.people[Role.QUALITY_DEPARTMENT]
    short = a.company.name[:3]
    course = training.course_create(
        company=a.company,
        terms=training.CourseTerms(
            code="JC-01",
            title=f"{short}监督检查业务培训",
            topic=Topic.INSPECTION,
            hours=Decimal(8),
            pass_score=Decimal(60),
        ),
        actor=quality,
    )
    a.objects["course"] = course
    a.objects["training_session"] = training.session_create(
        course=course,
        starts_at=now() + timedelta(days=7),
        ends_at=now() + timedelta(days=7, hours=2),
        location=f"{short}会议室",
        actor=quality,
    )
    a.objects["training_assignment"] = training.assignment_create(
        company=a.company,
        person=a.people[Role.INSPECTOR],
        reason=AssignmentReason.REGULAR,
        due_on=date(now().year + 1, 1, 31),
        course=course,
        actor=quality,
    )
    a.objects["consequence"] = consequence_propose(
        company=a.company,
        kind=ConsequenceKind.SANCTION,
        sanction=Sanction.WARNING,
        person=a.people[Role.SERVICE_STAFF],
        reason=f"{short}服务态度投诉",
        actor=quality,
    )


# --- assessment: the points ledger (issue 11, part A) ---------------------------------------


def _assessment_ledger(a: CompanyData) -> None:
    from pinzhi.assessment.services.offences import daily_record

    a.objects["points_entry"] = daily_record(
        person=a.people[Role.SERVICE_STAFF],
        points=-2,
        reason=f"{a.company.name[:3]}：工服不整",
        actor=a.people[Role.QUALITY_DEPARTMENT],
    )


# --- assessment: monthly cycle (ASM-3, issue 11 part B) -------------------------------------


def _assessment_cycle(a: CompanyData) -> None:
    """Two months of A: two months back closed and exported (its payroll file), last month
    published with an appeal of the service staff pending and another entry not appealed."""
    from pinzhi.assessment.models import EntryKind
    from pinzhi.assessment.services import cycle
    from pinzhi.assessment.services.ledger import entry_book
    from pinzhi.lib.clock import clock_pinned, now
    from pinzhi.lib.months import local_start, month_of, month_previous

    quality = a.people[Role.QUALITY_DEPARTMENT]
    manager = a.people[Role.DEPARTMENT_MANAGER]
    staff = a.people[Role.SERVICE_STAFF]
    last = month_previous(month_of(now()))
    before = month_previous(last)

    def run(month, *, close: bool):
        start = local_start(month)
        with clock_pinned(start + timedelta(days=3)):
            entry = entry_book(
                company=a.company,
                person=staff,
                kind=EntryKind.DAILY_RECORD,
                occurred_at=now(),
                points=-2,
                reason=f"{a.company.name[:3]}：工作服不整",
            )
            extra = entry_book(
                company=a.company,
                person=staff,
                kind=EntryKind.DAILY_RECORD,
                occurred_at=now(),
                points=-1,
                reason=f"{a.company.name[:3]}：迟到",
            )
        moment = start + timedelta(days=32) if close else now() - timedelta(hours=1)
        with clock_pinned(moment):
            assessment_month = cycle.month_compute(company=a.company, month=month, actor=quality)
            cycle.month_send_review(assessment_month=assessment_month, actor=quality)
            for unit in cycle.selectors.departments_of(assessment_month):
                cycle.department_review(assessment_month=assessment_month, unit=unit, actor=manager)
            assessment_month = cycle.month_publish(assessment_month=assessment_month, actor=quality)
            appeal = cycle.appeal_file(entry=entry, actor=staff, reason="当天已更换工作服")
        if close:
            with clock_pinned(moment + timedelta(days=5)):
                cycle.appeal_decide(
                    appeal=appeal, actor=quality, outcome="rejected", decision="证据不足"
                )
                cycle.month_approve(assessment_month=assessment_month, actor=quality)
                cycle.month_close(assessment_month=assessment_month, actor=quality)
        return assessment_month, appeal, extra

    a.objects["closed_month"], _appeal, _extra = run(before, close=True)
    a.objects["published_month"], a.objects["appeal"], a.objects["unappealed_entry"] = run(
        last, close=False
    )


# --- assessment, part E: service stars and the notice board (ASM-6, ASM-7) -------------------


def _board(a: CompanyData) -> None:
    """A's customer service department records a vacancy for last month (no star named)."""
    from pinzhi.assessment.services.board import star_name
    from pinzhi.lib.clock import now
    from pinzhi.lib.months import month_of, month_previous

    a.objects["service_star"] = star_name(
        company=a.company,
        unit=a.kf,
        month=month_previous(month_of(now())),
        person=None,
        actor=a.people[Role.QUALITY_DEPARTMENT],
        reason=f"{a.company.name[:3]}本月无人达到评选条件",
    )


# --- assessment, part C: the quarterly assessment (ASM-2, ASM-9) ------------------------------


def _quarterly(a: CompanyData) -> None:
    """A's quarter: a plan reported with HQ's result (every person is at HQ), and a draft."""
    from pinzhi.assessment.models import Level
    from pinzhi.assessment.services import quarterly
    from pinzhi.lib.clock import now
    from pinzhi.lib.months import day_of

    today = day_of(now())
    quality, leader = a.people[Role.QUALITY_DEPARTMENT], a.people[Role.LEADERSHIP]
    plan = quarterly.plan_create(
        company=a.company,
        actor=quality,
        year=today.year,
        quarter=(today.month - 1) // 3 + 1,
        units=[a.hq, a.estate],
    )
    quarterly.plan_approve(plan=plan, actor=leader)
    quarterly.plan_compute(plan=plan, actor=quality)
    quarterly.plan_report(plan=plan, actor=quality)
    a.objects["quarterly_plan"] = plan
    a.objects["quarterly_result"] = plan.results.get(level=Level.DEPARTMENT, unit=a.hq)
    a.objects["quarterly_draft"] = quarterly.plan_create(
        company=a.company, actor=quality, year=today.year - 1, quarter=4, units=[a.estate]
    )
    # A's API token reads the issued quarters too (api/quarterly.py).
    token = a["api_token"]
    token.scopes = [*token.scopes, "quarterly:read"]
    token.save(update_fields=["scopes"])
