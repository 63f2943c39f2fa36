"""Demo data of training (TRN-1), made through the services: the courses on the topics of
TRN-1, a year of sessions with attendance and scores for the demo's inspectors and service
staff, the inspectors' annual training (one inspector has passed it, the second is behind),
a planned session and a cancelled one."""

from datetime import timedelta
from decimal import Decimal

from django.db import transaction

from pinzhi.lib.clock import now
from pinzhi.lib.months import day_of, local_start
from pinzhi.orgs import services as orgs
from pinzhi.orgs.demo import COMPANY_NAME, DEMO_PASSWORD
from pinzhi.orgs.models import Company, Person, Unit
from pinzhi.orgs.roles import Role
from pinzhi.training import services
from pinzhi.training.models import AssignmentReason, Course, TrainingSession

SECOND_INSPECTOR = "inspector2"

COURSES = [
    ("FW-01", "服务意识与文明礼仪", "service_awareness", "4", "60"),
    ("LC-01", "物业服务标准流程", "process", "6", "70"),
    ("GT-01", "客户沟通与投诉应对技巧", "communication", "3", None),
    ("YJ-01", "消防与突发事件应急处置", "emergency", "4", "80"),
    ("JC-01", "服务质量监督检查业务培训", "inspection", "8", "60"),
]


def load_demo_training(*, stdout=None) -> int:
    """Create the demo courses, sessions and assignments once; returns how many sessions
    the demo company has (0 when the demo organisation is missing)."""
    company = Company.objects.filter(name=COMPANY_NAME).first()
    quality = Person.objects.filter(username="quality").first()
    if company is None or quality is None:
        return 0
    with transaction.atomic():
        if not Course.objects.filter(company=company).exists():
            _load(company, quality)
    services.assignments_behind_warn()
    count = TrainingSession.objects.filter(company=company).count()
    if stdout is not None:
        stdout.write(f"demo: {count} training sessions")
    return count


def _second_inspector(company: Company) -> Person:
    person = Person.objects.filter(username=SECOND_INSPECTOR).first()
    if person is not None:
        return person
    unit = Unit.objects.get(company=company, code="PZ")
    person = orgs.person_create(
        username=SECOND_INSPECTOR,
        full_name="钱伟",
        company=company,
        unit=unit,
        employee_no="PZ-0202",
    )
    scope = list(Unit.objects.filter(company=company, code__in=["JG"]))
    orgs.role_assign(person=person, role=Role.INSPECTOR, scope=scope)
    orgs.people_set_password(
        people=Person.objects.filter(pk=person.pk), password=DEMO_PASSWORD, reason="demo"
    )
    return person


def _held(course: Course, days_ago: int, trainer: str, rows, quality: Person) -> None:
    start = local_start(day_of(now()) - timedelta(days=days_ago)) + timedelta(hours=9)
    start = min(start, now() - timedelta(hours=1))
    session = services.session_create(
        course=course,
        starts_at=start,
        ends_at=start + timedelta(hours=float(course.hours)),
        location="公司三楼培训室",
        trainer=trainer,
        actor=quality,
    )
    services.attendance_record(session=session, rows=rows, actor=quality)


def _load(company: Company, quality: Person) -> None:
    courses = {}
    for code, title, topic, hours, pass_score in COURSES:
        courses[code] = services.course_create(
            company=company,
            terms=services.CourseTerms(
                code=code,
                title=title,
                topic=topic,
                hours=Decimal(hours),
                pass_score=Decimal(pass_score) if pass_score else None,
            ),
            actor=quality,
        )
    inspector = Person.objects.get(username="inspector")
    second = _second_inspector(company)
    staff = list(
        Person.objects.filter(
            company=company, role_assignments__role=Role.SERVICE_STAFF, is_active=True
        )
        .distinct()
        .order_by("username")[:8]
    )
    row = services.AttendanceRow
    scores = [92, 85, 78, 66, 58, 88, 73, 95]
    # A year of staff training: service awareness, process, communication, emergency drill.
    _held(
        courses["FW-01"],
        300,
        "品质部 郑丽华",
        [row(p, True, Decimal(s)) for p, s in zip(staff, scores, strict=False)],
        quality,
    )
    _held(
        courses["LC-01"],
        210,
        "客服部 陈志文",
        [row(p, i != 2, Decimal(scores[-i - 1]) if i != 2 else None) for i, p in enumerate(staff)],
        quality,
    )
    _held(courses["GT-01"], 120, "外聘讲师 王老师", [row(p, True) for p in staff[:6]], quality)
    _held(
        courses["YJ-01"],
        45,
        "安保部 消防主管",
        [row(p, True, Decimal(s)) for p, s in zip(staff, reversed(scores), strict=False)],
        quality,
    )
    # The inspectors' annual training: 孙浩 passed the inspection course this year; 钱伟 missed
    # the session (on leave) and is behind.
    _held(
        courses["JC-01"],
        min(100, day_of(now()).timetuple().tm_yday - 1),
        "品质部 郑丽华",
        [row(inspector, True, Decimal(86)), row(second, False)],
        quality,
    )
    services.annual_assignments_ensure()
    services.assignment_create(
        company=company,
        person=second,
        reason=AssignmentReason.REGULAR,
        due_on=day_of(now()) + timedelta(days=10),
        course=courses["JC-01"],
        note="上次培训请假缺席，须参加补训。",
        actor=quality,
    )
    # The make-up session, planned; and a drill cancelled for the typhoon.
    start = local_start(day_of(now()) + timedelta(days=7)) + timedelta(hours=9)
    services.session_create(
        course=courses["JC-01"],
        starts_at=start,
        ends_at=start + timedelta(hours=8),
        location="公司三楼培训室",
        trainer="品质部 郑丽华",
        actor=quality,
    )
    drill = services.session_create(
        course=courses["YJ-01"],
        starts_at=start + timedelta(days=14),
        ends_at=start + timedelta(days=14, hours=4),
        location="翠湖花园 消防控制室",
        trainer="安保部 消防主管",
        actor=quality,
    )
    services.session_cancel(session=drill, reason="台风预警，演练延期。", actor=quality)
