"""The monthly assessment's workflow (ASM-3), declared once:

    draft ──send_review──▶ review ──publish──▶ published ──approve──▶ approved ──close──▶ closed

- draft: computed at month end, computed again on demand while draft, review or published;
- review: each department manager reviews their department;
- published (公示): the appeal window; appeals are decided;
- approved: once every appeal is decided and the window is over;
- closed: exported to payroll, locked.

The quality department takes every step; the department managers review their departments
(`cycle.department_review`) and the employees appeal (`cycle.appeal_file`) inside the
states the services check."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from pinzhi.assessment.events import CycleEvent
from pinzhi.assessment.models import AssessmentMonth, MonthStatus
from pinzhi.assessment.selectors.access import MANAGE_ROLES
from pinzhi.lib.workflow import Roles, Step, Workflow
from pinzhi.orgs.models import Person

MSG_WRONG_STATE = _("This month's assessment is “%(state)s”; it cannot be %(action)s now.")
MSG_MAY_NOT = _("You may not %(action)s a month's assessment: %(who)s.")
MSG_OTHER_COMPANY = _("This month's assessment belongs to another company.")
WHO = _("the quality department does")

State = MonthStatus


def _same_company(person: Person, month: AssessmentMonth) -> bool:
    return bool(person.is_superuser or person.company_id == month.company_id)


def _departments_pending(month: AssessmentMonth) -> Any:
    from pinzhi.assessment.selectors.cycle import departments_pending

    pending = departments_pending(month)
    if pending:
        return _("Waiting for the review of: %(units)s.") % {
            "units": "、".join(unit.name for unit in pending)
        }
    return None


def _approval_refused(month: AssessmentMonth) -> Any:
    from pinzhi.assessment.selectors.cycle import appeals_pending_count
    from pinzhi.lib.clock import now

    if month.appeal_until is not None and now() < month.appeal_until:
        from django.utils import timezone

        until = timezone.localtime(month.appeal_until).strftime("%Y-%m-%d %H:%M")
        return _("The appeal window is open until %(until)s; approve the month after it.") % {
            "until": until
        }
    pending = appeals_pending_count(month)
    if pending:
        return _("%(count)s appeal(s) still wait for a decision.") % {"count": pending}
    return None


QUALITY = Roles(frozenset(MANAGE_ROLES))

MONTH_WORKFLOW = Workflow(
    name="assessment_month",
    label=_("Monthly assessment"),
    description=_(
        "A month's points computed at month end from the ledger, reviewed by each department "
        "manager, published to staff with an appeal window, approved by the quality "
        "department once every appeal is decided, then closed and exported to payroll (ASM-3)."
    ),
    states=dict(MonthStatus.choices),
    error="pinzhi.assessment.services.cycle.CycleError",
    scope=_same_company,
    wrong_state=MSG_WRONG_STATE,
    not_permitted=MSG_MAY_NOT,
    out_of_scope=MSG_OTHER_COMPANY,
    services="pinzhi.assessment.services.cycle",
    record_kw="assessment_month",
    initial=_("Computed at month end, or on demand by the quality department"),
    steps=[
        Step(
            "send_review",
            _("Send for department review"),
            sources={State.DRAFT},
            target=State.REVIEW,
            who=QUALITY,
            who_text=WHO,
            form="pinzhi.assessment.forms_cycle.NothingForm",
            service="month_send_review",
            confirm=_(
                "Send this month to the department managers? Each reviews the points of their "
                "department's people."
            ),
            done=_("The month is sent to the department managers for review."),
            event=CycleEvent.SENT_FOR_REVIEW,
            verb=_("send for review"),
            participle=_("sent for review"),
            submit=_("Send for review"),
            icon="people",
            style="primary",
        ),
        Step(
            "publish",
            _("Publish to staff"),
            sources={State.REVIEW},
            target=State.PUBLISHED,
            who=QUALITY,
            who_text=WHO,
            when=_departments_pending,
            form="pinzhi.assessment.forms_cycle.NothingForm",
            service="month_publish",
            confirm=_(
                "Publish this month to staff (公示)? Everyone reads their points and the appeal "
                "window opens."
            ),
            done=_("The month is published; the appeal window is open."),
            event=CycleEvent.PUBLISHED,
            verb=_("publish"),
            participle=_("published"),
            submit=_("Publish"),
            icon="megaphone",
            style="primary",
        ),
        Step(
            "approve",
            _("Approve"),
            sources={State.PUBLISHED},
            target=State.APPROVED,
            who=QUALITY,
            who_text=WHO,
            when=_approval_refused,
            form="pinzhi.assessment.forms_cycle.NothingForm",
            service="month_approve",
            confirm=_("Approve this month's assessment? The appeal window is over."),
            done=_("The month is approved; close it to export it to payroll."),
            event=CycleEvent.APPROVED,
            verb=_("approve"),
            participle=_("approved"),
            submit=_("Approve"),
            icon="check2-circle",
            style="primary",
        ),
        Step(
            "close",
            _("Close and export to payroll"),
            sources={State.APPROVED},
            target=State.CLOSED,
            who=QUALITY,
            who_text=WHO,
            form="pinzhi.assessment.forms_cycle.NothingForm",
            service="month_close",
            confirm=_(
                "Close this month and export it to payroll? Its totals are frozen; entries "
                "booked later for it count in the next month."
            ),
            done=_("The month is closed; download the payroll file."),
            event=CycleEvent.CLOSED,
            verb=_("close"),
            participle=_("closed"),
            submit=_("Close and export"),
            icon="lock",
            style="danger",
        ),
    ],
)
