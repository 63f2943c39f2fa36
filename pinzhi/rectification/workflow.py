"""The rectification loop and the corrective-action life, declared once (NCR-1, NCR-2, NCR-4).

Nonconformity: open → the unit or the supplier reports its fix (fix_reported) → the inspector
verifies: accepted (closed) or reopened with a new deadline (open). A large job becomes a work
order; a serious finding is reported up level by level and may lead to a proposed suspension.

Corrective action: proposed → accepted by the quality department (root cause, owner, due
date) or declined → closed after its effectiveness check."""

from django.utils.translation import gettext_lazy as _

from pinzhi.inspections.models import Severity
from pinzhi.lib.workflow import UNCHANGED, Message, Roles, Step, Workflow
from pinzhi.orgs.models import Person
from pinzhi.orgs.roles import COMPANY_WIDE_ROLES, CONTRACTOR_ROLES, Role
from pinzhi.orgs.selectors import units_covered
from pinzhi.rectification.events import RectificationEvent as E
from pinzhi.rectification.models import CorrectiveAction, Nonconformity

# Deadline kinds (the deadline engine's `kind`).
FIX = "rectification.fix"
WORK_ORDER = "rectification.work_order"
STAGE = "rectification.supervision_stage"
CAPA = "rectification.capa"

# The rule that sets the deadline of each severity (NCR-1).
SEVERITY_RULES = {
    Severity.SERIOUS: "rectification.serious_deadline",
    Severity.GENERAL: "rectification.general_deadline",
    Severity.MINOR: "rectification.minor_deadline",
}
MINOR_CLEANING_RULE = "rectification.minor_cleaning_fix"

# Who answers for a unit's fixes, who verifies them (NCR-2).
UNIT_ROLES = frozenset(
    {
        Role.DEPARTMENT_MANAGER,
        Role.SUPERVISOR,
        Role.UNIT_QUALITY_ADMIN,
        Role.SERVICE_STAFF,
        Role.SERVICE_DESK,
    }
)
VERIFY_ROLES = frozenset({Role.INSPECTOR, Role.QUALITY_DEPARTMENT})
ISSUE_ROLES = frozenset({Role.INSPECTOR, Role.QUALITY_DEPARTMENT, Role.SUPERVISOR})
REPORT_UP_ROLES = frozenset({Role.QUALITY_DEPARTMENT, Role.DEPARTMENT_MANAGER, Role.INSPECTOR})
QUALITY = frozenset({Role.QUALITY_DEPARTMENT})

# The levels a serious finding is reported up to, in order (逐级上报).
LEVELS = {1: "unit_head", 2: "quality_department", 3: "leadership"}
TOP_LEVEL = 3

WRONG_STATE = _("This nonconformity is “%(state)s”; it cannot be %(action)s now.")
NOT_PERMITTED = _("Only %(who)s can take the step “%(action)s” on this nonconformity.")
OUT_OF_SCOPE = _("This nonconformity is outside the part of the organisation you work for.")
HAS_WORK_ORDER = _("A work order has already been issued for this nonconformity.")
NOT_SERIOUS = _("Only a serious nonconformity is reported up the line.")
AT_TOP = _("This nonconformity has already been reported to leadership.")
ALREADY_PROPOSED = _("A suspension has already been proposed for this nonconformity.")
CAPA_WRONG_STATE = _("This corrective action is “%(state)s”; it cannot be %(action)s now.")

WHO_UNIT = _("the responsible unit, its supplier or the quality department")
WHO_VERIFIER = _("an inspector of the unit or the quality department")
WHO_ISSUER = _("an inspector, a supervisor of the unit or the quality department")
WHO_UP = _("the unit's department manager, an inspector or the quality department")
WHO_QUALITY = _("the quality department")


def _in_company(person: Person, nc: Nonconformity) -> bool:
    if person is None or not getattr(person, "is_authenticated", False):
        return False
    if person.is_superuser:
        return True
    if person.company_id == nc.company_id:
        return True
    return bool(
        nc.supplier_id
        and person.company_id == nc.supplier_id
        and person.role_codes & CONTRACTOR_ROLES
    )


def _scoped(roles: frozenset[str]):
    """A rule: one of `roles` covering the nonconformity's unit (company-wide roles cover
    every unit)."""

    def rule(person: Person, nc: Nonconformity) -> bool:
        if person.company_id != nc.company_id:
            return False
        if person.role_codes & roles & COMPANY_WIDE_ROLES:
            return True
        return nc.unit_id in units_covered(person, roles)

    return rule


def _fixer(person: Person, nc: Nonconformity) -> bool:
    """NCR-2: the unit (its people in scope), the person responsible, the supplier whose
    service it is, or the quality department reports the fix."""
    if person.is_superuser or nc.responsible_id == person.pk:
        return True
    if nc.supplier_id and person.company_id == nc.supplier_id:
        return bool(person.role_codes & CONTRACTOR_ROLES)
    if Role.QUALITY_DEPARTMENT in person.role_codes and person.company_id == nc.company_id:
        return True
    return _scoped(UNIT_ROLES)(person, nc)


def _verifier(person: Person, nc: Nonconformity) -> bool:
    return person.is_superuser or _scoped(VERIFY_ROLES)(person, nc)


def _issuer(person: Person, nc: Nonconformity) -> bool:
    return person.is_superuser or _scoped(ISSUE_ROLES)(person, nc)


def _reporter_up(person: Person, nc: Nonconformity) -> bool:
    return person.is_superuser or _scoped(REPORT_UP_ROLES)(person, nc)


def _no_work_order(nc: Nonconformity) -> Message | None:
    return HAS_WORK_ORDER if hasattr(nc, "work_order") else None


def _may_go_up(nc: Nonconformity) -> Message | None:
    if nc.severity != Severity.SERIOUS:
        return NOT_SERIOUS
    return AT_TOP if nc.reported_level >= TOP_LEVEL else None


def _may_propose_suspension(nc: Nonconformity) -> Message | None:
    if nc.severity != Severity.SERIOUS:
        return NOT_SERIOUS
    return ALREADY_PROPOSED if nc.suspension_proposed else None


S = Nonconformity.Status
FORMS = "pinzhi.rectification.forms"

NONCONFORMITY_WORKFLOW = Workflow(
    name="rectification",
    label=_("Rectification"),
    states=dict(S.choices),
    error="pinzhi.rectification.services.RectificationError",
    scope=_in_company,
    wrong_state=WRONG_STATE,
    not_permitted=NOT_PERMITTED,
    out_of_scope=OUT_OF_SCOPE,
    services="pinzhi.rectification.services",
    record_kw="nonconformity",
    initial=_("A nonconformity is raised from a failed answer, an observation or a complaint."),
    steps=[
        Step(
            name="raise",
            label=_("Raise a nonconformity"),
            sources=(),
            target=S.OPEN,
            event=E.RAISED,
        ),
        Step(
            name="report_fix",
            label=_("Report the fix"),
            sources=(S.OPEN,),
            target=S.FIX_REPORTED,
            who=_fixer,
            who_text=WHO_UNIT,
            form=f"{FORMS}.FixReportForm",
            service="nonconformity_report_fix",
            done=_("The fix was reported; the inspector will verify it."),
            event=E.FIX_REPORTED,
            icon="wrench",
            submit=_("Report the fix"),
        ),
        Step(
            name="accept",
            label=_("Verify: accept the fix"),
            sources=(S.FIX_REPORTED,),
            target=S.CLOSED,
            who=_verifier,
            who_text=WHO_VERIFIER,
            form=f"{FORMS}.AcceptForm",
            service="nonconformity_accept",
            done=_("The fix was accepted and the nonconformity closed."),
            event=E.VERIFIED,
            icon="check2-circle",
            style="success",
            submit=_("Accept and close"),
        ),
        Step(
            name="reopen",
            label=_("Verify: reject and set a new deadline"),
            sources=(S.FIX_REPORTED,),
            target=S.OPEN,
            who=_verifier,
            who_text=WHO_VERIFIER,
            form=f"{FORMS}.ReopenForm",
            service="nonconformity_reopen",
            done=_("The fix was rejected; the unit rectifies again by the new deadline."),
            event=E.VERIFIED,
            icon="arrow-counterclockwise",
            style="outline-danger",
            submit=_("Reject the fix"),
        ),
        Step(
            name="issue_work_order",
            label=_("Issue a work order"),
            sources=(S.OPEN,),
            target=UNCHANGED,
            who=_issuer,
            who_text=WHO_ISSUER,
            when=_no_work_order,
            form=f"{FORMS}.WorkOrderForm",
            service="work_order_issue",
            done=_("The work order was issued."),
            event=E.WORK_ORDER_ISSUED,
            icon="clipboard-plus",
            style="outline-primary",
            submit=_("Issue the work order"),
        ),
        Step(
            name="report_up",
            label=_("Report to the next level"),
            sources=(S.OPEN, S.FIX_REPORTED),
            target=UNCHANGED,
            who=_reporter_up,
            who_text=WHO_UP,
            when=_may_go_up,
            form=f"{FORMS}.NoteForm",
            service="nonconformity_report_up",
            done=_("Reported to the next level."),
            event=E.REPORTED_UP,
            icon="arrow-up-circle",
            style="outline-danger",
            confirm=_("The next level up will be notified of this serious nonconformity."),
            submit=_("Report up"),
        ),
        Step(
            name="propose_suspension",
            label=_("Propose suspension of the service"),
            sources=(S.OPEN, S.FIX_REPORTED),
            target=UNCHANGED,
            who=Roles(QUALITY, scope=lambda p, nc: p.company_id == nc.company_id),
            who_text=WHO_QUALITY,
            when=_may_propose_suspension,
            form=f"{FORMS}.NoteForm",
            service="nonconformity_propose_suspension",
            done=_("The suspension was proposed to leadership."),
            event=E.SUSPENSION_PROPOSED,
            icon="slash-circle",
            style="outline-danger",
            confirm=_("Leadership will be asked to decide on suspending the service."),
            submit=_("Propose suspension"),
        ),
    ],
)

C = CorrectiveAction.Status


def _quality_of(person: Person, action: CorrectiveAction) -> bool:
    return person.company_id == action.company_id


CAPA_WORKFLOW = Workflow(
    name="corrective_action",
    label=_("Corrective and preventive action"),
    states=dict(C.choices),
    error="pinzhi.rectification.services.RectificationError",
    scope=lambda person, action: bool(
        person is not None
        and getattr(person, "is_authenticated", False)
        and (person.is_superuser or person.company_id == action.company_id)
    ),
    wrong_state=CAPA_WRONG_STATE,
    services="pinzhi.rectification.services",
    record_kw="action",
    initial=_("Proposed when the same problem is found in several units within the period."),
    steps=[
        Step(
            name="propose",
            label=_("Propose a corrective action"),
            sources=(),
            target=C.PROPOSED,
            event=E.CAPA_PROPOSED,
        ),
        Step(
            name="accept",
            label=_("Accept and assign"),
            sources=(C.PROPOSED,),
            target=C.ACCEPTED,
            who=Roles(QUALITY, scope=_quality_of),
            who_text=WHO_QUALITY,
            form=f"{FORMS}.CapaAcceptForm",
            service="capa_accept",
            done=_("The corrective action was accepted."),
            event=E.CAPA_ACCEPTED,
            icon="check2",
            submit=_("Accept"),
        ),
        Step(
            name="decline",
            label=_("Decline"),
            sources=(C.PROPOSED,),
            target=C.DECLINED,
            who=Roles(QUALITY, scope=_quality_of),
            who_text=WHO_QUALITY,
            form=f"{FORMS}.NoteForm",
            service="capa_decline",
            done=_("The proposal was declined."),
            event=E.CAPA_DECLINED,
            icon="x-circle",
            style="outline-secondary",
            confirm=_("The proposal will be declined and kept on record."),
            submit=_("Decline"),
        ),
        Step(
            name="close",
            label=_("Record the effectiveness check and close"),
            sources=(C.ACCEPTED,),
            target=C.CLOSED,
            who=Roles(QUALITY, scope=_quality_of),
            who_text=WHO_QUALITY,
            form=f"{FORMS}.CapaCloseForm",
            service="capa_close",
            done=_("The corrective action was closed."),
            event=E.CAPA_CLOSED,
            icon="patch-check",
            style="success",
            submit=_("Close"),
        ),
    ],
)
