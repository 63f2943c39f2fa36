"""Scoped reads of inspections (ORG-2, INS-2)."""

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from pinzhi.inspections.models import Answer, ChecklistItem, Inspection
from pinzhi.lib.clock import now
from pinzhi.orgs.models import Person
from pinzhi.orgs.roles import COMPANY_WIDE_ROLES, CONTRACTOR_ROLES, Role
from pinzhi.orgs.selectors import units_visible_to

# Roles that see the inspections of the units in their scope.
SCOPED_ROLES = frozenset(
    {
        Role.DEPARTMENT_MANAGER,
        Role.SUPERVISOR,
        Role.UNIT_QUALITY_ADMIN,
        Role.INSPECTOR,
        Role.SERVICE_DESK,
        Role.COMPLAINT_HANDLER,
        Role.SERVICE_STAFF,
    }
)
# Roles that inspect: they see the unannounced inspections of their scope before they start.
INSPECTING_ROLES = frozenset({Role.INSPECTOR})


def _hidden_from_inspected() -> Q:
    """INS-2: an unannounced inspection (暗查) stays invisible to the inspected unit until it
    starts."""
    return Q(is_announced=False, status=Inspection.Status.PLANNED)


def inspections_visible_to(user: Person) -> QuerySet[Inspection]:
    """Company-wide roles see the company's inspections; an inspector those assigned to them
    and those of the units in their scope; the other scoped roles those of their units, an
    unannounced one only once it has started; a supplier the checks of its contracted service,
    likewise; a supervising body the reported inspections of the units it supervises."""
    if not user.is_authenticated:
        return Inspection.objects.none()
    if user.is_superuser:
        return Inspection.objects.all()
    codes = user.role_codes
    condition = Q(inspector=user)
    if codes & COMPANY_WIDE_ROLES and user.company_id:
        condition |= Q(company_id=user.company_id)
    if codes & SCOPED_ROLES:
        in_scope = Q(unit__in=units_visible_to(user).values("pk"))
        if codes & INSPECTING_ROLES:
            condition |= in_scope
        else:
            condition |= in_scope & ~_hidden_from_inspected()
    if codes & CONTRACTOR_ROLES and user.company_id:
        condition |= Q(supplier_id=user.company_id) & ~_hidden_from_inspected()
    if Role.SUPERVISING_BODY in codes:
        condition |= Q(
            unit__in=units_visible_to(user).values("pk"), status=Inspection.Status.REPORTED
        )
    return Inspection.objects.filter(condition)


# --- conducting: the inspector's day, the checklist with the previous answers, the supervising
# body's reports (INS-5, INS-8) ---------------------------------------------------------------

OPEN = (Inspection.Status.PLANNED, Inspection.Status.IN_PROGRESS)
UPCOMING_DAYS = 7


def _mine(user: Person) -> QuerySet[Inspection]:
    """The tasks the person conducts: assigned to them, or unassigned in their scope."""
    visible = inspections_visible_to(user)
    if user.is_superuser:
        return visible
    return visible.filter(Q(inspector=user) | Q(inspector__isnull=True))


def inspector_day(user: Person) -> dict[str, Any]:
    """Today's and overdue tasks, the inspections in progress and the coming week's."""
    local = timezone.localtime(now())
    end = local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    rows = (
        _mine(user)
        .filter(status__in=OPEN)
        .select_related("unit", "template_version__template", "inspected_company")
        .order_by("due_at", "pk")
    )
    moment = now()
    return {
        "in_progress": list(rows.filter(status=Inspection.Status.IN_PROGRESS)[:50]),
        "overdue": list(rows.filter(status=Inspection.Status.PLANNED, due_at__lt=moment)[:50]),
        "today": list(
            rows.filter(status=Inspection.Status.PLANNED, due_at__gte=moment, due_at__lt=end)[:50]
        ),
        "upcoming": list(
            rows.filter(
                status=Inspection.Status.PLANNED,
                due_at__gte=end,
                due_at__lt=end + timedelta(days=UPCOMING_DAYS),
            )[:50]
        ),
        "upcoming_days": UPCOMING_DAYS,
    }


@dataclass
class ItemRow:
    item: ChecklistItem
    answer: Answer | None
    previous: Answer | None
    follow_ups: list["ItemRow"] = field(default_factory=list)
    parent_code: str = ""
    shown: bool = True  # a follow-up is shown when its parent failed


@dataclass
class Section:
    name: str
    rows: list[ItemRow]


def previous_answers(inspection: Inspection, items: list[ChecklistItem]) -> dict[str, Answer]:
    """The last answer of each item (by code, with the same template) in an earlier
    submitted inspection of the same unit (INS-5): one query for the latest such inspection."""
    earlier = (
        Inspection.objects.filter(
            unit_id=inspection.unit_id,
            template_version__template_id=inspection.template_version.template_id,
            status__in=(Inspection.Status.SUBMITTED, Inspection.Status.REPORTED),
        )
        .exclude(pk=inspection.pk)
        .order_by("-submitted_at", "-pk")
        .first()
    )
    if earlier is None:
        return {}
    return {
        a.item.code: a
        for a in Answer.objects.filter(inspection=earlier).select_related("item", "inspection")
    }


def inspection_sections(inspection: Inspection) -> list[Section]:
    """The checklist by section, each item with this inspection's answer (its photos and
    signature) and the previous answer; follow-ups under their parent."""
    items = list(inspection.template_version.items.order_by("order"))
    answers = {
        a.item_id: a
        for a in inspection.answers.select_related("signature", "confirmed_by").prefetch_related(
            "photos__attachment"
        )
    }
    previous = previous_answers(inspection, items)
    rows = {item.pk: ItemRow(item, answers.get(item.pk), previous.get(item.code)) for item in items}
    sections: list[Section] = []
    for item in items:
        row = rows[item.pk]
        if item.follow_up_of_id is not None and item.follow_up_of_id in rows:
            parent = rows[item.follow_up_of_id]
            parent.follow_ups.append(row)
            row.parent_code = parent.item.code
            row.shown = parent.answer is not None and parent.answer.result == Answer.Result.FAIL
            continue
        if not sections or sections[-1].name != item.section:
            sections.append(Section(item.section, []))
        sections[-1].rows.append(row)
    return sections


def supervised_inspections(user: Person) -> QuerySet[Inspection]:
    """INS-8: the reported inspections the person may read, external companies' first; for a
    supervising body those of the units it supervises."""
    rows = inspections_visible_to(user).filter(status=Inspection.Status.REPORTED)
    if not user.is_superuser and Role.SUPERVISING_BODY not in user.role_codes:
        rows = rows.filter(inspected_company__isnull=False)
    return rows.select_related(
        "unit", "inspected_company", "template_version__template", "inspector"
    ).order_by("-submitted_at", "-pk")
