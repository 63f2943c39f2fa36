"""Shared builders of the assessment's tests: the events the ledger follows, recorded
exactly as the apps that own them record them (same action, same payload)."""

from pinzhi.complaints.events import ComplaintEvent
from pinzhi.complaints.models import Complaint
from pinzhi.lib.clock import now
from pinzhi.orgs.models import Person, Unit
from pinzhi.timeline.services import event_record


def complaint_verified(
    *,
    staff: Person | None,
    department: Unit | None = None,
    category: str = "efficiency",
    actor: Person | None = None,
    title: str = "保洁不及时",
) -> Complaint:
    """A complaint about `staff`, found founded now (move the clock with time_machine to
    choose the moment): the `complaint.verified` event with the payload the complaints
    service records."""
    at = now()
    unit = department or (staff.unit if staff is not None else None)
    company = (unit or staff).company  # type: ignore[union-attr]
    complaint = Complaint.objects.create(
        company=company,
        location=unit,
        department=unit,
        channel="phone",
        category=category,
        status="in_progress",
        customer_name="王先生",
        customer_phone="13800000000",
        title=title,
        content="投诉内容",
        received_at=at,
        registered_at=at,
        staff_involved=staff,
        verified_at=at,
    )
    event_record(
        subject=complaint,
        action=ComplaintEvent.VERIFIED,
        actor=actor,
        data={
            "category": category,
            "attitude": category == "attitude",
            "staff_id": staff.pk if staff is not None else None,
            "department_id": unit.pk if unit is not None else None,
        },
    )
    return complaint
