"""Issue 9 item 5: the sweep writes its rows with few, large statements (events by
`events_record` without a model instance each, the deadlines moved by one UPDATE, the
related rows of a batch read once) and still writes exactly what the step-by-step path
writes, each deadline's steps in order on its subject's chain."""

import copy
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from pinzhi.complaints import services as complaint_services
from pinzhi.complaints.models import Category, Channel, Severity
from pinzhi.deadlines.escalation import OWNER
from pinzhi.deadlines.events import DeadlineEvent
from pinzhi.deadlines.models import Deadline
from pinzhi.deadlines.services import deadline_open
from pinzhi.deadlines.sweep import sweep, sweep_one_by_one
from pinzhi.deadlines.tests.conftest import minutes
from pinzhi.lib.clock import now
from pinzhi.notify.models import Delivery, Notification
from pinzhi.orgs.events import OrgEvent
from pinzhi.orgs.models import Unit
from pinzhi.orgs.tests.factories import UnitFactory, person_in_role
from pinzhi.policy.services import pack_load
from pinzhi.timeline.models import Event
from pinzhi.timeline.services import event_record, events_record
from pinzhi.timeline.verify import timeline_check

STEP_ACTIONS = ["deadline.breached", "deadline.escalated"]
EVENT_FIELDS = (
    "action",
    "content_type_id",
    "object_id",
    "subject_repr",
    "company_id",
    "chain",
    "actor_id",
    "actor_name",
    "at",
    "data",
    "before",
    "after",
    "reason",
)


class Rollback(Exception):
    pass


def event_rows(since: int) -> list[tuple]:
    """The events recorded after event `since`, in the order of their chain (seq)."""
    return list(
        Event.objects.filter(pk__gt=since).order_by("chain", "seq").values_list(*EVENT_FIELDS)
    )


def last_event_pk() -> int:
    return Event.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def test_it_records_a_batch_exactly_as_event_record_does_one_by_one(clock, company, person_with):
    """Issue 9 item 5: `events_record` writes, without a model instance per event, the
    same events `event_record` writes one at a time — subject, label, company chain,
    actor, time, canonical payload (Chinese text, numbers, times), empty before and after — numbered on the chain in the order of the subjects, and the chain verifies."""
    actor = person_with("quality_department", username="qm")
    subjects = [UnitFactory(company=company, name=f"第{n}物业服务中心") for n in range(7)]
    subjects.insert(3, subjects[1])  # one subject twice, as a sweep's steps may be
    payload = {
        id(subject): {
            "kind": "report.monthly",
            "deadline_id": 100 + n,
            "rule_key": "报表.月度",
            "due_at": (now() - timedelta(minutes=n)).isoformat(),
            "overrun_seconds": 60 * n,
            "step": 1 + n % 3,
            "level": "department_head" if n % 2 else OWNER,
        }
        for n, subject in enumerate(subjects)
    }
    subjects[3] = copy.copy(subjects[3])
    payload[id(subjects[3])] = {**payload[id(subjects[1])], "step": 9}
    event_record(subject=company, action=OrgEvent.COMPANY_UPDATED)  # the chain exists
    start = last_event_pk()
    try:
        with transaction.atomic():
            for subject in subjects:
                event_record(
                    subject=subject,
                    action=DeadlineEvent.ESCALATED,
                    actor=actor,
                    company=company,
                    data=payload[id(subject)],
                )
            expected = event_rows(start)
            raise Rollback
    except Rollback:
        pass
    assert last_event_pk() == start

    recorded = events_record(
        subjects=subjects,
        action=DeadlineEvent.ESCALATED,
        company=company,
        actor=actor,
        data_for=lambda subject: payload[id(subject)],
    )

    assert recorded == len(subjects)
    assert event_rows(start) == expected
    assert [row[2] for row in expected] == [str(s.pk) for s in subjects]
    assert not Event.objects.filter(pk__gt=start, seq__isnull=True).exists()
    assert timeline_check().ok


@pytest.fixture
def ladders(clock, company, unit, person_with, resolvers):
    """Deadlines several steps overdue, owned by one person or by a role, on a few
    subjects each carrying several of them."""
    pack_load(code="property")
    head = person_with("department_manager", username="head", email="head@example.com")
    owner = person_with("complaint_handler", username="owner", email="owner@example.com")
    person_with("service_desk", username="desk", email="desk@example.com")
    resolvers("report", lambda deadline, level: [head] if level == "department_head" else [])
    ladder = [
        {"after": 0, "level": OWNER},
        {"after": 600, "level": "department_head"},
        {"after": 1800, "level": "department_head"},
    ]
    subjects = [unit, UnitFactory(company=company), UnitFactory(company=company)]
    deadlines = [
        deadline_open(
            subject=subjects[n % 3],
            kind="report.monthly",
            duration=minutes(10 + 3 * n),
            ladder=ladder,
            owner=owner if n % 2 else None,
            owner_role="" if n % 2 else "service_desk",
            unit=unit,
        )
        for n in range(9)
    ]
    clock.shift(timedelta(hours=1))
    return deadlines


def test_it_keeps_each_deadlines_steps_in_order_on_its_subjects_chain(ladders):
    """Issue 9 item 5: a deadline taking several steps in one batch has them on its
    subject's chain in the order of the ladder, breach first, as the step-by-step sweep
    records them; the events are the same and the chain verifies."""
    start = last_event_pk()
    try:
        with transaction.atomic():
            reference = sweep_one_by_one(now())
            expected = sorted(event_rows(start), key=repr)
            raise Rollback
    except Rollback:
        pass

    result = sweep(now(), batch_size=4)

    assert result.counts == reference.counts and result.counts["escalated"] > 9
    assert sorted(event_rows(start), key=repr) == expected
    steps: dict[int, list[int]] = {}
    for data in (
        Event.objects.filter(pk__gt=start, action__in=STEP_ACTIONS)
        .order_by("chain", "seq")
        .values_list("data", flat=True)
    ):
        steps.setdefault(data["deadline_id"], []).append(data["step"])
    assert set(steps) == {d.pk for d in ladders}
    assert all(taken == list(range(1, len(taken) + 1)) for taken in steps.values())
    assert sum(len(taken) for taken in steps.values()) == result.steps
    assert timeline_check().ok


def test_it_reads_a_batchs_owners_companies_and_units_once(ladders, unit, person_with):
    """Issue 9 item 5: a batch costs the same number of queries whether it holds 9 due
    deadlines or 27: owners, companies, calendars and units are read once per batch, the
    events inserted and the deadlines moved with one statement each."""
    owner = Deadline.objects.filter(owner__isnull=False).first().owner
    ladder = [{"after": 0, "level": OWNER}]

    def queries_of_a_sweep(count: int) -> int:
        try:
            with transaction.atomic():
                for n in range(count):
                    deadline_open(
                        subject=unit,
                        kind="report.weekly",
                        duration=minutes(1 + n),
                        ladder=ladder,
                        owner=owner,
                        unit=unit,
                    )
                Deadline.objects.filter(kind="report.monthly").update(
                    next_escalation_at=now() + timedelta(days=1)
                )
                with CaptureQueriesContext(connection) as queries:
                    at = now() + timedelta(hours=1)
                    assert sweep(at).counts["breached"] == count
                raise Rollback
        except Rollback:
            pass
        return len(queries)

    queries_of_a_sweep(1)  # the policy rules' cache warmed
    assert queries_of_a_sweep(27) == queries_of_a_sweep(9)


@pytest.fixture
def complaints(clock, company):
    """Registered complaints whose first-contact limits are about to breach."""
    pack_load(code="property")
    hq = UnitFactory(company=company, code="HQ", name="总部")
    kf = UnitFactory(company=company, code="KF", name="客服部", parent=hq)
    ab = UnitFactory(company=company, code="AB", name="安保部", parent=hq)
    estate = UnitFactory(
        company=company, code="CH", name="翠湖花园", parent=hq, kind=Unit.Kind.ESTATE
    )
    o = SimpleNamespace(company=company, estate=estate)
    o.registrar = person_in_role("registrar", "complaint_handler", kf, [estate])
    o.head = person_in_role("head", "department_manager", ab)
    o.committee = person_in_role("committee", "quality_committee", hq, [])
    o.cases = [
        complaint_services.complaint_register(
            company=company,
            channel=Channel.HOTLINE,
            category=Category.SECURITY,
            severity=Severity.GENERAL,
            title=f"夜间巡逻不到位 {n}",
            content="连续三晚没有看到保安巡逻，单车被偷。",
            request="加强夜间巡逻并调取监控",
            customer_name="李业主",
            customer_phone=f"1391234567{n}",
            customer_address=f"翠湖花园{n}栋1单元502",
            location=estate,
            registered_by=o.registrar,
        )
        for n in range(4)
    ]
    return o


def notification_rows(since: int) -> list[tuple]:
    return sorted(
        (
            n.recipient_id,
            n.kind,
            n.title,
            n.body,
            n.url,
            n.subject_type_id,
            n.subject_id,
            repr(sorted(n.data.items())),
            tuple(sorted((d.channel, d.status, d.endpoint_id or 0) for d in n.deliveries.all())),
        )
        for n in Notification.objects.filter(pk__gt=since).prefetch_related("deliveries")
    )


def test_it_tells_the_people_of_complaint_limits_without_reading_each_complaint_again(
    complaints, clock
):
    """Issue 9 item 5, CMP-7: the complaint's resolver uses the complaint the batch has
    already read (no query per step), and the people told, the texts and the deliveries are
    those of the step-by-step sweep."""
    clock.shift(timedelta(days=3))
    start = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    try:
        with transaction.atomic():
            reference = sweep_one_by_one(now())
            expected = notification_rows(start)
            raise Rollback
    except Rollback:
        pass
    assert reference.steps >= len(complaints.cases) and expected

    with CaptureQueriesContext(connection) as queries:
        result = sweep(now())

    assert result.counts == reference.counts
    assert notification_rows(start) == expected
    assert Delivery.objects.filter(notification__pk__gt=start).exists()
    complaint_reads = [
        q["sql"] for q in queries.captured_queries if 'FROM "complaints_complaint"' in q["sql"]
    ]
    assert len(complaint_reads) == 1  # the batch's prefetch of its subjects
