"""The rectification app's timeline events (docs/events.md). `OVERDUE` and `VERIFIED` carry
the person and unit ids the points ledger reads (NCR-3)."""

from typing import Annotated, TypedDict

from django.utils.translation import gettext_lazy as _

from pinzhi.timeline.events import EventCode


class Raised(TypedDict):
    number: Annotated[str, "the nonconformity's number"]
    unit_id: Annotated[int, "the Unit responsible"]
    severity: Annotated[str, "serious, general or minor"]
    source: Annotated[str, "inspection, observation or complaint"]
    answer_id: Annotated[int | None, "the failed Answer it came from, or null"]
    supplier_id: Annotated[int | None, "the supplier Company whose service failed, or null"]
    due_at: Annotated[str, "the rectification deadline (ISO time)"]
    rule_key: Annotated[str, "the policy rule that set the deadline"]


class ReportedUp(TypedDict):
    level: Annotated[int, "1 = the unit's head, 2 = the quality department, 3 = leadership"]
    recipient_ids: Annotated[list, "the Person ids told"]


class FixReported(TypedDict):
    fix_report_id: Annotated[int, "the FixReport"]
    attachments: Annotated[int, "how many photos were attached as evidence"]


class Verified(TypedDict):
    unit_id: Annotated[int, "the Unit responsible"]
    responsible_id: Annotated[int | None, "the Person responsible, or null"]
    supplier_id: Annotated[int | None, "the supplier Company, or null"]
    severity: Annotated[str, "serious, general or minor"]
    accepted: Annotated[bool, "true: closed; false: reopened with a new deadline"]
    new_due_at: Annotated[str | None, "the new deadline when reopened (ISO time)"]
    late: Annotated[bool, "whether the fix came after the deadline"]


class Overdue(TypedDict):
    unit_id: Annotated[int, "the Unit responsible"]
    responsible_id: Annotated[int | None, "the Person responsible, or null"]
    supplier_id: Annotated[int | None, "the supplier Company, or null"]
    severity: Annotated[str, "serious, general or minor"]
    due_at: Annotated[str, "the deadline that was missed (ISO time)"]
    round: Annotated[int, "0 for the first deadline, n after the n-th reopening"]


class WorkOrderIssued(TypedDict):
    number: Annotated[str, "the work order's number"]
    due_at: Annotated[str, "when the job is due (ISO time)"]


class Numbered(TypedDict):
    number: Annotated[str, "the record's number"]


class CommitteeReported(TypedDict):
    unit_id: Annotated[int, "the estate whose owners' committee is told"]
    round: Annotated[int, "which deadline of the nonconformity was missed"]


class RectificationEvent(EventCode):
    RAISED = (
        "rectification.raised",
        _("Nonconformity raised"),
        "When a nonconformity is raised from a failed answer or by hand; its severity set "
        "its deadline from the pack (NCR-1).",
        Raised,
    )
    WARNING_ISSUED = (
        "rectification.warning_issued",
        _("Warning notice issued"),
        "When a serious nonconformity's warning notice is issued (NCR-1, 000 物业 6.1).",
    )
    REPORTED_UP = (
        "rectification.reported_up",
        _("Reported to the next level"),
        "When a serious nonconformity is reported one level up (逐级上报, NCR-1).",
        ReportedUp,
    )
    SUSPENSION_PROPOSED = (
        "rectification.suspension_proposed",
        _("Suspension proposed"),
        "When the quality department proposes suspending the service (NCR-1, 000 物业 6.1).",
    )
    FIX_REPORTED = (
        "rectification.fix_reported",
        _("Fix reported"),
        "When the unit or the supplier reports its fix with evidence (NCR-2).",
        FixReported,
    )
    VERIFIED = (
        "rectification.verified",
        _("Fix verified"),
        "When the inspector verifies a fix: accepted (closed) or reopened with a new "
        "deadline (NCR-2). The points ledger reads it.",
        Verified,
    )
    OVERDUE = (
        "rectification.overdue",
        _("Rectification overdue"),
        "When a rectification deadline has passed without a fix (NCR-3). The points ledger "
        "reads it.",
        Overdue,
    )
    COMMITTEE_REPORTED = (
        "rectification.committee_reported",
        _("Reported to the owners' committee"),
        "When an overdue rectification is reported to the owners' committee, where the pack "
        "says so (NCR-3, 004 第3篇 7).",
        CommitteeReported,
    )
    WORK_ORDER_ISSUED = (
        "rectification.work_order_issued",
        _("Work order issued"),
        "When a large job becomes a work order (报事单) with its own due time (NCR-2).",
        WorkOrderIssued,
    )
    WORK_ORDER_DONE = (
        "rectification.work_order_done",
        _("Work order completed"),
        "When the contractor completes a work order and replies (NCR-2).",
        Numbered,
    )
    SUPERVISION_ISSUED = (
        "rectification.supervision_issued",
        _("Supervision order issued"),
        "When the quality department issues a supervision order (督办单) with staged "
        "requirements (NCR-4).",
        Numbered,
    )
    STAGE_COMPLETED = (
        "rectification.stage_completed",
        _("Supervision stage completed"),
        "When one stage of a supervision order is completed (NCR-4).",
    )
    CAPA_PROPOSED = (
        "rectification.capa_proposed",
        _("Corrective action proposed"),
        "When the same problem found in several units within the period proposes a "
        "corrective action (NCR-4, 000 检验办法 4.9).",
        Numbered,
    )
    CAPA_ACCEPTED = (
        "rectification.capa_accepted",
        _("Corrective action accepted"),
        "When the quality department accepts a proposed corrective action (NCR-4).",
    )
    CAPA_DECLINED = (
        "rectification.capa_declined",
        _("Corrective action declined"),
        "When the quality department declines a proposed corrective action (NCR-4).",
    )
    CAPA_CLOSED = (
        "rectification.capa_closed",
        _("Corrective action closed"),
        "When a corrective action closes after its effectiveness check (NCR-4).",
    )
