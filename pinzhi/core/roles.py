"""The roles of REQUIREMENTS ORG-2 and how far each one sees.

The vocabulary every layer shares: it lives below the apps (docs/architecture.md, Layers),
beside the page access rules, so that the timeline and the shell read it without importing
the organisation app; `pinzhi.orgs.roles` re-exports it for the apps."""

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    LEADERSHIP = "leadership", _("Leadership")  # 公司高层 / 领导小组
    QUALITY_COMMITTEE = "quality_committee", _("Quality committee")  # 服务质量监督管理委员会
    QUALITY_DEPARTMENT = "quality_department", _("Quality department")  # 质量管理部
    DEPARTMENT_MANAGER = "department_manager", _("Department manager")  # 部门经理
    SUPERVISOR = "supervisor", _("Supervisor")  # 专业主管
    UNIT_QUALITY_ADMIN = "unit_quality_admin", _("Unit quality admin")  # 兼职质量管理员
    INSPECTOR = "inspector", _("Inspector")  # 监督检查人员
    SERVICE_DESK = "service_desk", _("Service desk")  # 服务台
    COMPLAINT_HANDLER = "complaint_handler", _("Complaint handler")  # 投诉处理责任人
    SERVICE_STAFF = "service_staff", _("Service staff")  # 服务人员
    SUPPLIER = "supplier", _("Supplier")  # 外包供方
    CUSTOMER = "customer", _("Customer")  # 客户 / 业主
    SUPERVISING_BODY = "supervising_body", _("Supervising body")  # 监督机构


# Roles that see every unit of their company whatever their scope says.
COMPANY_WIDE_ROLES = frozenset({Role.LEADERSHIP, Role.QUALITY_COMMITTEE, Role.QUALITY_DEPARTMENT})
# Roles that manage the organisation itself (units, posts, people, roles).
ORG_ADMIN_ROLES = frozenset({Role.QUALITY_DEPARTMENT})
# Roles of people outside the company: they never see the internal organisation.
EXTERNAL_ROLES = frozenset({Role.SUPPLIER, Role.CUSTOMER})
# Roles of the company's own staff.
STAFF_ROLES = frozenset(Role) - EXTERNAL_ROLES - {Role.SUPERVISING_BODY}
# Roles that approve what the quality department proposes: only a superuser grants them.
SUPERUSER_ONLY_ROLES = frozenset({Role.LEADERSHIP, Role.QUALITY_COMMITTEE})
# The front line that takes a customer's call at the units of its scope (服务台, 营运专员 /
# 投诉处理): at its own estate it sees the customer and takes a new complaint's first step
# (issue 8 item 6).
REGISTRAR_ROLES = frozenset({Role.SERVICE_DESK, Role.COMPLAINT_HANDLER})
# Outsourced suppliers (外包供方): they read, masked, the complaints about the service they
# are contracted for (ORG-2, issue 8 item 6).
CONTRACTOR_ROLES = frozenset({Role.SUPPLIER})
# Who reads the rules in force that bind them (the policy pages, read-only): every role of
# the company's own staff (issue 8 item 6). Amending them stays with the quality chain.
RULE_READER_ROLES = frozenset(STAFF_ROLES)

# Who ranks above whom (issue 6 item 4), highest first. Nobody changes a person whose rank is
# above their own (edit, deactivate, password reset, roles), nor gives or takes away a role
# ranking above their own. The approving roles come first (the leadership approves what the
# quality committee and the quality department propose), then the line from department to
# front desk, then the people outside the company whose accounts the company keeps.
RANK_ORDER = (
    Role.LEADERSHIP,
    Role.QUALITY_COMMITTEE,
    Role.QUALITY_DEPARTMENT,
    Role.DEPARTMENT_MANAGER,
    Role.SUPERVISOR,
    Role.INSPECTOR,
    Role.UNIT_QUALITY_ADMIN,
    Role.COMPLAINT_HANDLER,
    Role.SERVICE_DESK,
    Role.SERVICE_STAFF,
    Role.SUPERVISING_BODY,
    Role.SUPPLIER,
    Role.CUSTOMER,
)
# A higher number ranks higher; a person without a role ranks 0, a superuser above every role.
ROLE_RANK: dict[str, int] = {role: len(RANK_ORDER) - index for index, role in enumerate(RANK_ORDER)}
SUPERUSER_RANK = len(RANK_ORDER) + 1


def rank_of(person: Any) -> int:
    """A person's rank: that of their highest role, above all of them for a superuser."""
    if person.is_superuser:
        return SUPERUSER_RANK
    return max((ROLE_RANK[code] for code in person.role_codes if code in ROLE_RANK), default=0)


def highest_role(person: Any) -> Role | None:
    """The role that gives `person` their rank, or None without a role."""
    held = [Role(code) for code in person.role_codes if code in ROLE_RANK]
    return max(held, key=ROLE_RANK.__getitem__, default=None)


def is_customer(person: Any) -> bool:
    """ORG-3: whether a person's record is masked as a customer's. A person holding the
    customer role is one; so is anyone outside the organisation — no company, no unit —
    who holds no staff role (someone imported without a role, a customer before their role
    is given): when in doubt, mask. Superusers are never customers."""
    if getattr(person, "is_superuser", False):
        return False
    codes = set(getattr(person, "role_codes", None) or ())
    if Role.CUSTOMER in codes:
        return True
    in_organisation = bool(getattr(person, "company_id", None) or getattr(person, "unit_id", None))
    return not in_organisation and not codes & set(STAFF_ROLES)
