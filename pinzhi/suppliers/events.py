"""The supplier quality app's timeline events (NCR-5): codes, labels and payloads
(docs/events.md)."""

from typing import Annotated, TypedDict

from django.utils.translation import gettext_lazy as _

from pinzhi.timeline.events import EventCode, NoPayload


class ContractCreated(TypedDict):
    supplier_id: Annotated[int, "the supplier Company"]
    unit_ids: Annotated[list, "the Unit ids the contract covers"]
    checks_attached: Annotated[int, "earlier checks of the supplier the contract now covers"]


class ThresholdReached(TypedDict):
    month: Annotated[str, "the month evaluated (YYYY-MM, Asia/Shanghai)"]
    daily_failed: Annotated[int, "failed daily checks in the month"]
    weekly_failed: Annotated[int, "failed weekly checks in the month"]
    recipient_ids: Annotated[list, "the Person ids told (manager, technical department, quality)"]


class Reviewed(TypedDict):
    month: Annotated[str, "the month evaluated (YYYY-MM)"]


class Reopened(TypedDict):
    month: Annotated[str, "the month evaluated (YYYY-MM)"]
    was: Annotated[str, "the status the evaluation had (reviewed or confirmed)"]


class Booked(TypedDict):
    """What a ledger of payments would read: one entry of a contract's deductions."""

    month: Annotated[str, "the month the deduction is for (YYYY-MM)"]
    kind: Annotated[str, "threshold, supplement or correction (DeductionKind)"]
    amount: Annotated[str, "the amount in yuan (a decimal as text; negative lowers the total)"]
    deduction_id: Annotated[int, "the ContractDeduction booked"]
    inspection_ids: Annotated[list, "the failed Inspection ids the entry rests on"]


class SupplierEvent(EventCode):
    CONTRACT_CREATED = (
        "supplier_contract.created",
        _("Supplier contract recorded"),
        "When the quality department records a contract with an outsourced supplier (NCR-5).",
        ContractCreated,
    )
    CONTRACT_CHANGED = (
        "supplier_contract.changed",
        _("Supplier contract changed"),
        "When the quality department changes a contract's period, units, fee or terms (NCR-5).",
        NoPayload,
    )
    THRESHOLD_REACHED = (
        "supplier_evaluation.threshold_reached",
        _("Failed checks reported to the manager and the technical department"),
        "When a contract's month first reaches the pack's number of failed daily or weekly "
        "checks; the manager, the technical department and the quality department are told "
        "(NCR-5, 004 第3篇 (3) 6).",
        ThresholdReached,
    )
    REVIEWED = (
        "supplier_evaluation.reviewed",
        _("Monthly evaluation reviewed"),
        "When the quality department reviews a supplier's monthly evaluation (NCR-5).",
        Reviewed,
    )
    CONFIRMED = (
        "supplier_evaluation.confirmed",
        _("Monthly evaluation confirmed and sent to the supplier"),
        "When the quality department confirms a reviewed evaluation; the supplier's people "
        "are told (NCR-5).",
        Reviewed,
    )
    REOPENED = (
        "supplier_evaluation.reopened",
        _("Monthly evaluation changed by a later check"),
        "When a check submitted after the review changes a month's figures: the evaluation "
        "is computed again and goes back to the quality department (NCR-5).",
        Reopened,
    )
    DEDUCTION_BOOKED = (
        "supplier_deduction.booked",
        _("Contract deduction booked"),
        "When an entry is appended to a contract's deduction ledger: the month's deduction "
        "(once per contract and month), a supplement for later failures, or a correction "
        "(NCR-5).",
        Booked,
    )
