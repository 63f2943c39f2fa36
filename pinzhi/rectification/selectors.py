"""Scoped reads of nonconformities, supervision orders and corrective actions (ORG-2,
NCR-1 … NCR-4). A supplier's people see the findings of the checks of their service."""

from collections.abc import Mapping
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Cast
from django.urls import reverse

from pinzhi.deadlines.models import Deadline
from pinzhi.inspections.hooks import FindingLink
from pinzhi.lib.clock import now
from pinzhi.orgs.models import Person
from pinzhi.orgs.roles import COMPANY_WIDE_ROLES, CONTRACTOR_ROLES, Role
from pinzhi.orgs.selectors import units_visible_to
from pinzhi.rectification.filters import BoardFilter, NonconformityFilter
from pinzhi.rectification.models import (
    CommitteeReport,
    CorrectiveAction,
    Nonconformity,
    SupervisionOrder,
)

# Who opens the rectification pages: the company's staff with units, the supplier.
STAFF_ROLES = frozenset(
    {
        Role.LEADERSHIP,
        Role.QUALITY_COMMITTEE,
        Role.QUALITY_DEPARTMENT,
        Role.DEPARTMENT_MANAGER,
        Role.SUPERVISOR,
        Role.UNIT_QUALITY_ADMIN,
        Role.INSPECTOR,
        Role.SERVICE_DESK,
        Role.SERVICE_STAFF,
    }
)
LIST_ROLES = STAFF_ROLES | CONTRACTOR_ROLES
BOARD_ROLES = frozenset(
    {Role.QUALITY_DEPARTMENT, Role.QUALITY_COMMITTEE, Role.LEADERSHIP, Role.INSPECTOR}
)
RAISE_ROLES = frozenset({Role.QUALITY_DEPARTMENT, Role.INSPECTOR, Role.SUPERVISOR})
SUPERVISION_ISSUE_ROLES = frozenset({Role.QUALITY_DEPARTMENT})
CAPA_ROLES = frozenset({Role.QUALITY_DEPARTMENT, Role.QUALITY_COMMITTEE, Role.LEADERSHIP})


def _unit_condition(user: Person) -> Q:
    condition = Q(pk__in=[])
    codes = user.role_codes
    if codes & COMPANY_WIDE_ROLES and user.company_id:
        condition |= Q(company_id=user.company_id)
    if codes & (STAFF_ROLES - COMPANY_WIDE_ROLES):
        condition |= Q(unit__in=units_visible_to(user).values("pk"))
    return condition


def nonconformities_visible_to(user: Person) -> QuerySet[Nonconformity]:
    """Company-wide roles see the company's nonconformities; the staff of a unit those of
    the units in their scope; a supplier's people those of the checks of its service (the
    inspection's supplier is their company)."""
    if not user.is_authenticated:
        return Nonconformity.objects.none()
    if user.is_superuser:
        return Nonconformity.objects.all()
    condition = _unit_condition(user) | Q(responsible=user)
    if user.role_codes & CONTRACTOR_ROLES and user.company_id:
        condition |= Q(supplier_id=user.company_id)
    return Nonconformity.objects.filter(condition)


def nonconformities_filtered(
    user: Person, data: Mapping[str, Any] | None = None
) -> NonconformityFilter:
    """A unit's findings (open ones by default), newest deadline first."""
    rows = (
        nonconformities_visible_to(user)
        .select_related("unit", "responsible", "supplier")
        .order_by("due_at", "pk")
    )
    return NonconformityFilter(data, rows, user=user)


def overdue_board(user: Person, data: Mapping[str, Any] | None = None) -> BoardFilter:
    """NCR-3: the quality department's board of overdue rectifications — open ones past
    their deadline, the largest overrun first (the earliest deadline)."""
    steps = Deadline.objects.filter(
        content_type=ContentType.objects.get_for_model(Nonconformity),
        object_id=Cast(OuterRef("pk"), CharField()),
        state__in=[Deadline.State.OPEN, Deadline.State.BREACHED],
    ).order_by("-pk")
    rows = (
        nonconformities_visible_to(user)
        .filter(status=Nonconformity.Status.OPEN, due_at__lt=now())
        .select_related("unit", "responsible", "supplier")
        .annotate(escalation_step=Subquery(steps.values("escalation_step")[:1]))
        .order_by("due_at", "pk")
    )
    return BoardFilter(data, rows, user=user)


def supervision_orders_visible_to(user: Person) -> QuerySet[SupervisionOrder]:
    if not user.is_authenticated:
        return SupervisionOrder.objects.none()
    if user.is_superuser:
        return SupervisionOrder.objects.all()
    return SupervisionOrder.objects.filter(_unit_condition(user))


def corrective_actions_visible_to(user: Person) -> QuerySet[CorrectiveAction]:
    if not user.is_authenticated:
        return CorrectiveAction.objects.none()
    if user.is_superuser:
        return CorrectiveAction.objects.all()
    if user.role_codes & (COMPANY_WIDE_ROLES | {Role.INSPECTOR}) and user.company_id:
        return CorrectiveAction.objects.filter(company_id=user.company_id)
    return CorrectiveAction.objects.filter(owner=user)


def committee_reports_of(nc: Nonconformity) -> QuerySet[CommitteeReport]:
    return nc.committee_reports.order_by("round")


def inspection_findings_links(user: Person, inspection: Any) -> list[FindingLink]:
    """INS-5 / NCR-2: the nonconformities raised from `inspection` that `user` may open, as
    links for the inspection's page (registered with inspections' `register_findings_link`;
    inspections may not import this app)."""
    rows = nonconformities_visible_to(user).filter(inspection_id=inspection.pk).order_by("pk")
    return [
        FindingLink(
            label=f"{nc.number} {nc.title}",
            url=reverse("rectification:detail", args=[nc.pk]),
            state=str(nc.get_status_display()),
            overdue=nc.is_open and nc.overdue_at is not None,
        )
        for nc in rows
    ]
