"""The assessment's timeline events (docs/events.md), one enumeration per part: the ledger,
the monthly cycle, the notice board (stars, worst service), the quarterly assessment and
the consequences. Entries derived from other apps' events record no event of their own:
the entry cites the event it comes from."""

from typing import Annotated, TypedDict

from django.utils.translation import gettext_lazy as _

from pinzhi.timeline.events import EventCode

# --- Ledger (offences and daily records entered by a manager) ------------------------------


class EntryEntered(TypedDict):
    person_id: Annotated[int, "the Person the entry is for"]
    kind: Annotated[str, "the entry's kind (EntryKind: offence_a, daily_record …)"]
    points: Annotated[int, "the points booked (negative: a deduction)"]
    month: Annotated[str, "the month it counts in (YYYY-MM, Asia/Shanghai)"]


class LedgerEvent(EventCode):
    ENTERED = (
        "assessment.entry_entered",
        _("Assessment entry recorded"),
        "When a manager records an offence (ASM-5) or a daily assessment record (ASM-3) "
        "against a person, with its points and reason.",
        EntryEntered,
    )


# --- Monthly cycle ---------------------------------------------------------------------------


class MonthComputed(TypedDict):
    month: Annotated[str, "the month computed (YYYY-MM, Asia/Shanghai)"]
    people: Annotated[int, "how many people have a total in the month"]
    entries: Annotated[int, "how many ledger entries the month holds"]


class MonthStep(TypedDict):
    month: Annotated[str, "the month (YYYY-MM, Asia/Shanghai)"]


class DepartmentReviewed(TypedDict):
    month: Annotated[str, "the month (YYYY-MM, Asia/Shanghai)"]
    unit_id: Annotated[int, "the Unit (department) reviewed"]


class MonthPublished(TypedDict):
    month: Annotated[str, "the month (YYYY-MM, Asia/Shanghai)"]
    appeal_until: Annotated[str, "the end of the appeal window (ISO 8601)"]


class AppealFiled(TypedDict):
    month: Annotated[str, "the month of the entry contested (YYYY-MM)"]
    entry_id: Annotated[int, "the PointsEntry contested"]
    person_id: Annotated[int, "the Person appealing (the entry's person)"]


class AppealDecided(TypedDict):
    month: Annotated[str, "the month of the entry contested (YYYY-MM)"]
    entry_id: Annotated[int, "the PointsEntry contested"]
    outcome: Annotated[str, "upheld, partly or rejected"]
    correction_id: Annotated[int | None, "the correction entry booked, or null (rejected)"]


class CycleEvent(EventCode):
    COMPUTED = (
        "assessment_month.computed",
        _("Monthly assessment computed"),
        "When a month's draft is computed from the ledger at month end, or recomputed (ASM-3).",
        MonthComputed,
    )
    SENT_FOR_REVIEW = (
        "assessment_month.sent_for_review",
        _("Monthly assessment sent for department review"),
        "When the quality department sends a computed month to the department managers "
        "for review (ASM-3).",
        MonthStep,
    )
    DEPARTMENT_REVIEWED = (
        "assessment_month.department_reviewed",
        _("Department's month reviewed"),
        "When a department manager reviews the month of their department's people (ASM-3).",
        DepartmentReviewed,
    )
    PUBLISHED = (
        "assessment_month.published",
        _("Monthly assessment published"),
        "When the quality department publishes the month to staff (公示); the appeal window "
        "opens (ASM-3).",
        MonthPublished,
    )
    APPEALED = (
        "appeal.filed",
        _("Appeal filed"),
        "When an employee contests one of their own entries of a published month (ASM-3).",
        AppealFiled,
    )
    APPEAL_DECIDED = (
        "appeal.decided",
        _("Appeal decided"),
        "When the quality department or the person's line manager decides an appeal: "
        "upheld, partly upheld (a correction entry) or rejected (ASM-3).",
        AppealDecided,
    )
    APPROVED = (
        "assessment_month.approved",
        _("Monthly assessment approved"),
        "When the quality department approves a published month once its appeal window "
        "has ended and every appeal is decided (ASM-3).",
        MonthStep,
    )
    CLOSED = (
        "assessment_month.closed",
        _("Monthly assessment closed and exported to payroll"),
        "When the quality department closes an approved month: its totals are frozen, "
        "exported to payroll, and later entries land in the next month (ASM-3).",
        MonthComputed,
    )


# --- Notice board: service stars and worst service -----------------------------------------


class StarNamed(TypedDict):
    month: Annotated[str, "the month (YYYY-MM)"]
    unit_id: Annotated[int, "the Unit naming its star"]
    person_id: Annotated[int | None, "the Person named, or null for a vacancy (none named)"]
    streak: Annotated[int, "consecutive months as the unit's star (0 for a vacancy)"]


class StarWithdrawn(TypedDict):
    month: Annotated[str, "the month (YYYY-MM)"]
    unit_id: Annotated[int, "the Unit whose naming is withdrawn"]
    person_id: Annotated[int | None, "the Person who was named, or null for a vacancy"]


class WorstRated(TypedDict):
    month: Annotated[str, "the month (YYYY-MM)"]
    person_id: Annotated[int, "the Person rated worst service"]
    complaints: Annotated[int, "their verified complaints in the month"]
    ordinal: Annotated[int, "their ratings in total, this one included"]


class WorstWithdrawn(TypedDict):
    month: Annotated[str, "the month (YYYY-MM)"]
    person_id: Annotated[int, "the Person whose rating is withdrawn"]
    complaints: Annotated[int, "their verified complaints in the month now"]


class BoardEvent(EventCode):
    STAR_NAMED = (
        "service_star.named",
        _("Service star named"),
        "When a unit names its service star of a month, or records that it names none (ASM-6).",
        StarNamed,
    )
    STAR_WITHDRAWN = (
        "service_star.withdrawn",
        _("Service star withdrawn"),
        "When a unit's naming of a month's service star (or vacancy) is withdrawn before the "
        "month is closed; the reward is corrected (ASM-6).",
        StarWithdrawn,
    )
    WORST_RATED = (
        "worst_service.rated",
        _("Rated worst service"),
        "When the month-end computation rates a person worst service for the pack's number of "
        "verified complaints in the month, with the fine booked (ASM-7).",
        WorstRated,
    )
    WORST_WITHDRAWN = (
        "worst_service.withdrawn",
        _("Worst-service rating withdrawn"),
        "When a recomputed month no longer gives a person the pack's number of verified "
        "complaints (an appeal was upheld): the rating is withdrawn and the fine corrected.",
        WorstWithdrawn,
    )


# --- Quarterly assessment ----------------------------------------------------------------


class PlanCreated(TypedDict):
    year: Annotated[int, "the plan's year"]
    quarter: Annotated[int, "the plan's quarter (1 … 4)"]


class PlanStep(TypedDict):
    year: Annotated[int, "the plan's year"]
    quarter: Annotated[int, "the plan's quarter (1 … 4)"]


class PlanComputed(TypedDict):
    year: Annotated[int, "the plan's year"]
    quarter: Annotated[int, "the plan's quarter (1 … 4)"]
    results: Annotated[int, "how many people, units and departments have a result"]
    failed: Annotated[int, "how many of them failed (below the pack's pass mark)"]


class FeedbackAcknowledged(TypedDict):
    plan_id: Annotated[int, "the AssessmentPlan"]
    unit_id: Annotated[int, "the Unit whose head acknowledged the feedback"]


class QuarterEvent(EventCode):
    PLAN_CREATED = (
        "assessment_plan.created",
        _("Assessment plan drafted"),
        "When the quality department drafts a quarter's assessment plan (ASM-2).",
        PlanCreated,
    )
    PLAN_UPDATED = (
        "assessment_plan.updated",
        _("Assessment plan changed"),
        "When the quality department changes a draft plan's time, scope or weights (ASM-2).",
        PlanStep,
    )
    PLAN_APPROVED = (
        "assessment_plan.approved",
        _("Assessment plan approved"),
        "When leadership approves a quarter's assessment plan (ASM-2).",
        PlanStep,
    )
    PLAN_COMPUTED = (
        "assessment_plan.computed",
        _("Quarterly indicators computed"),
        "When the quality department computes (or computes again) the plan's indicators, "
        "scores, rankings and branded-window eligibility (ASM-1, ASM-9, SAT-2).",
        PlanComputed,
    )
    PLAN_REPORTED = (
        "assessment_plan.reported",
        _("Quarterly assessment report issued"),
        "When the quality department issues the report and feeds it back to the units; a "
        "failed person's retraining or reassignment is proposed (ASM-2, ASM-8).",
        PlanStep,
    )
    PLAN_CLOSED = (
        "assessment_plan.closed",
        _("Assessment plan closed"),
        "When the quality department closes a reported plan (ASM-2).",
        PlanStep,
    )
    FEEDBACK_ACKNOWLEDGED = (
        "assessment_plan.feedback_acknowledged",
        _("Quarterly feedback acknowledged"),
        "When a unit's head acknowledges the quarterly feedback and improvement suggestions "
        "(ASM-2).",
        FeedbackAcknowledged,
    )


# --- Consequences ----------------------------------------------------------------------------


class ConsequenceProposed(TypedDict):
    kind: Annotated[str, "the consequence's kind (ConsequenceKind)"]
    person_id: Annotated[int | None, "the Person concerned, or null (a unit's reward)"]
    unit_id: Annotated[int | None, "the Unit concerned, or null"]


class ConsequenceDecided(TypedDict):
    kind: Annotated[str, "the consequence's kind (ConsequenceKind)"]
    accepted: Annotated[bool, "whether the proposal was accepted"]


class ConsequenceEvent(EventCode):
    PROPOSED = (
        "consequence.proposed",
        _("Consequence proposed"),
        "When a retraining, a reassignment, a reward or a sanction is proposed from an "
        "assessment, a worst-service rating or an offence (ASM-8, ASM-10).",
        ConsequenceProposed,
    )
    DECIDED = (
        "consequence.decided",
        _("Consequence decided"),
        "When the person the penalty scale allows accepts or rejects a proposed consequence, "
        "with the decision (ASM-8, ASM-10).",
        ConsequenceDecided,
    )
    DONE = (
        "consequence.done",
        _("Consequence carried out"),
        "When a decided retraining is completed: the person passed the assigned course (ASM-8).",
    )
