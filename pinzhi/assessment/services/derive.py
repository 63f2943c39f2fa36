"""The ledger derived from the other apps' events (issue 11 item 1; ASM-3, ASM-4, CMP-7,
CMP-9, NCR-3): the consumer "assessment" reads the timeline after its cursor and books each
entry exactly once through `entry_book` — the cursor's advance and the entries commit
together, and an entry is unique per (event, kind, person), so a replay books nothing.

What each event books (the values are the company's pack rules in force when the event
happened; a rule the pack lacks books nothing):

- `complaint.verified` naming a staff member: the person's n-th verified complaint of the
  month (Asia/Shanghai) → n × `verified_complaint_per_count` (count = n); from the
  `supervisor_joint_from_count`-th, their direct supervisor k × `supervisor_joint_per_count`
  (k = n − from + 1, the k-th joint penalty; count = n); from the
  `leader_joint_from_count`-th, the group leader in charge likewise. An attitude complaint
  ADDS `attitude_complaint` (二.1) to the count deduction (二.2): it is a verified complaint
  like any other and counts in the month's n, and 二.1 sets the attitude deduction on top
  (the complaints app marks attitude as weighing more). A complaint naming nobody books
  nothing (the quality department sees it among the unassigned complaints).
- `complaint.offence` (CMP-9): hiding or retaliating → category B, refusing to admit →
  category A, booked at the mildest value of the range; the manager sets it within the
  range (`offences.offence_set`).
- `complaint.customer_escalated` (CMP-7): the non-acting supervisor — the case's handler,
  else the head of the department complained about → `escalation_inaction`.
- `rectification.overdue` (NCR-3): the person responsible, else the unit's head →
  `rectification_overdue`.
- `inspection.submitted` that failed (ASM-3): the unit's direct supervisor →
  `failed_inspection`.

Who is the direct supervisor, the group leader in charge and a unit's head is read when the
event is consumed (`services.people`)."""

from collections.abc import Callable

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model

from pinzhi.assessment.models import EntryKind, PointsEntry
from pinzhi.assessment.rules import joint_points, nth_complaint_points
from pinzhi.assessment.services.ledger import Applied, entry_book, rule_applied
from pinzhi.assessment.services.memo import batch_memo
from pinzhi.assessment.services.people import (
    direct_supervisor,
    leader_in_charge,
    unit_head,
    unit_supervisor,
)
from pinzhi.complaints.events import ComplaintEvent
from pinzhi.inspections.events import InspectionEvent
from pinzhi.lib.months import month_bounds, month_of
from pinzhi.orgs.models import Company, Person
from pinzhi.policy.selectors import rules_read_once
from pinzhi.policy.values import Range
from pinzhi.rectification.events import RectificationEvent
from pinzhi.timeline.consumers import events_consume
from pinzhi.timeline.models import Event

CONSUMER = "assessment"

# CMP-9 (004 第4篇 九): hiding a complaint and retaliating are category B, refusing to admit
# a verified complaint ("拒不承认投诉事实") is category A.
OFFENCE_KINDS = {
    "hiding": EntryKind.OFFENCE_B,
    "retaliation": EntryKind.OFFENCE_B,
    "refusing": EntryKind.OFFENCE_A,
}
OFFENCE_RULES = {
    EntryKind.OFFENCE_A: "assessment.offence_category_a",
    EntryKind.OFFENCE_B: "assessment.offence_category_b",
}
# Said on an offence booked from the complaints app until the manager sets its value.
MILDEST_NOTE = "按范围最轻值计入，待管理人员在范围内确定"


def _person(person_id: object, event: Event) -> Person | None:
    if not isinstance(person_id, int):
        return None
    return Person.objects.filter(pk=person_id, company_id=event.company_id).first()


def _subject(event: Event) -> Model | None:
    model = ContentType.objects.get_for_id(event.content_type_id).model_class()
    if model is None:
        return None
    return model._default_manager.filter(pk=event.object_id).first()


def _book(
    event: Event,
    person: Person | None,
    kind: str,
    applied: Applied | None,
    *,
    points: int | None = None,
    count: int | None = None,
    subject: Model | None = None,
    reason: str = "",
) -> PointsEntry | None:
    if person is None or applied is None or event.company is None:
        return None
    return entry_book(
        company=event.company,
        person=person,
        kind=kind,
        occurred_at=event.at,
        points=int(applied.value) if points is None else points,
        applied=applied,
        count=count,
        event=event,
        subject=subject,
        reason=reason,
    )


def nth_of_month(person: Person, event: Event) -> int:
    """Which verified complaint of the person's month (in Shanghai time) `event` is: the
    entries of kind COMPLAINT booked for them in that month so far, plus one."""
    booked = PointsEntry.objects.filter(event=event, kind=EntryKind.COMPLAINT, person=person)
    count = booked.values_list("count", flat=True).first()
    if count is not None:
        return count
    start, end = month_bounds(month_of(event.at))
    return (
        PointsEntry.objects.filter(
            person=person,
            kind=EntryKind.COMPLAINT,
            occurred_at__gte=start,
            occurred_at__lt=end,
        ).count()
        + 1
    )


def _joint(
    event: Event,
    person: Person,
    sharer: Person | None,
    kind: str,
    rules: tuple[str, str],
    n: int,
    subject: Model | None,
) -> None:
    if sharer is None or sharer.pk == person.pk:
        return
    company, at = event.company, event.at
    per = rule_applied(rules[0], company=company, at=at)
    start = rule_applied(rules[1], company=company, at=at)
    if per is None or start is None:
        return
    points = joint_points(n, from_count=int(start.value), per_count=int(per.value))
    if points is None:
        return
    k = n - int(start.value) + 1
    name = person.get_full_name()
    reason = f"{name} 当月第 {n} 次被投诉核实，连带处罚第 {k} 次"
    _book(event, sharer, kind, per, points=points, count=n, subject=subject, reason=reason)


def complaint_verified(event: Event) -> None:
    """ASM-4: the person's n-th complaint of the month, the joint penalties, attitude."""
    data = event.data or {}
    person = _person(data.get("staff_id"), event)
    if person is None:
        return
    company, at = event.company, event.at
    subject = _subject(event)
    per = rule_applied("assessment.verified_complaint_per_count", company=company, at=at)
    n = nth_of_month(person, event)
    if per is not None:
        points = nth_complaint_points(n, per_count=int(per.value))
        _book(
            event,
            person,
            EntryKind.COMPLAINT,
            per,
            points=points,
            count=n,
            subject=subject,
            reason=f"当月第 {n} 次被投诉核实",
        )
    if data.get("attitude"):
        attitude = rule_applied("assessment.attitude_complaint", company=company, at=at)
        _book(event, person, EntryKind.ATTITUDE, attitude, subject=subject)
    _joint(
        event,
        person,
        direct_supervisor(person),
        EntryKind.SUPERVISOR_JOINT,
        ("assessment.supervisor_joint_per_count", "assessment.supervisor_joint_from_count"),
        n,
        subject,
    )
    _joint(
        event,
        person,
        leader_in_charge(person),
        EntryKind.LEADER_JOINT,
        ("assessment.leader_joint_per_count", "assessment.leader_joint_from_count"),
        n,
        subject,
    )


def mildest(value: object) -> int:
    """The mildest value of a range of deductions (−15 … −5 → −5)."""
    if isinstance(value, Range):
        return int(min((value.min, value.max), key=abs))
    return int(value)  # type: ignore[call-overload]


def complaint_offence(event: Event) -> None:
    """CMP-9: hiding, refusing or retaliating, booked at the range's mildest value."""
    data = event.data or {}
    kind = OFFENCE_KINDS.get(str(data.get("offence")))
    if kind is None:
        return
    applied = rule_applied(OFFENCE_RULES[kind], company=event.company, at=event.at)
    if applied is None:
        return
    reason = f"{event.reason}（{MILDEST_NOTE}）" if event.reason else MILDEST_NOTE
    _book(
        event,
        _person(data.get("person_id"), event),
        kind,
        applied,
        points=mildest(applied.value),
        subject=_subject(event),
        reason=reason,
    )


def customer_escalated(event: Event) -> None:
    """CMP-7: the supervisor who did not act — the handler, else the department's head."""
    data = event.data or {}
    person = _person(data.get("handler_id"), event) or unit_head(
        data.get("department_id"), company_id=event.company_id
    )
    applied = rule_applied("assessment.escalation_inaction", company=event.company, at=event.at)
    _book(event, person, EntryKind.INACTION, applied, subject=_subject(event))


def rectification_overdue(event: Event) -> None:
    """NCR-3: the person responsible for the rectification, else the unit's head."""
    data = event.data or {}
    person = _person(data.get("responsible_id"), event) or unit_head(
        data.get("unit_id"), company_id=event.company_id
    )
    applied = rule_applied("assessment.rectification_overdue", company=event.company, at=event.at)
    _book(event, person, EntryKind.RECTIFICATION_OVERDUE, applied, subject=_subject(event))


def inspection_submitted(event: Event) -> None:
    """ASM-3: a failed inspection costs the unit's direct supervisor."""
    data = event.data or {}
    if data.get("passed", True):
        return
    person = unit_supervisor(data.get("unit_id"), company_id=event.company_id)
    applied = rule_applied("assessment.failed_inspection", company=event.company, at=event.at)
    _book(event, person, EntryKind.INSPECTION, applied, subject=_subject(event))


HANDLERS: dict[str, Callable[[Event], None]] = {
    str(ComplaintEvent.VERIFIED): complaint_verified,
    str(ComplaintEvent.OFFENCE): complaint_offence,
    str(ComplaintEvent.CUSTOMER_ESCALATED): customer_escalated,
    str(RectificationEvent.OVERDUE): rectification_overdue,
    str(InspectionEvent.SUBMITTED): inspection_submitted,
}


def events_derive(events: list[Event]) -> None:
    """The consumer's handler: each event's entries, in the chain's order."""
    companies = {c.pk: c for c in Company.objects.filter(pk__in={e.company_id for e in events})}
    # The batch reads each rule, role holder and closed month once.
    with rules_read_once(), batch_memo():
        for event in events:
            if event.company_id is None:
                continue
            event.company = companies[event.company_id]
            HANDLERS[event.action](event)


def ledger_follow(*, batch: int = 100) -> int:
    """Book the entries of every event not yet consumed (consumer "assessment"), batch
    after batch; returns how many events were read."""
    total = 0
    while True:
        handled = events_consume(
            consumer=CONSUMER, kinds=list(HANDLERS), handler=events_derive, batch=batch
        )
        total += handled
        if handled < batch:
            return total
