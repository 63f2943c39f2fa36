"""The quarterly assessment plan's workflow (ASM-2), declared once:

    draft ──approve──▶ approved ──compute──▶ computed ──report──▶ reported ──close──▶ closed
      (edit)                                  (compute again)

The quality department drafts the plan (time, scope, indicators and weights) and may change
it while it is a draft; leadership approves it; the quality department computes the
indicators (again, until the report is issued), issues the report that feeds back to each
unit (a failed person's retraining or reassignment is proposed then, ASM-8) and closes it.
"""

from django.utils.translation import gettext_lazy as _

from pinzhi.assessment.events import QuarterEvent
from pinzhi.assessment.models import AssessmentPlan, PlanStatus
from pinzhi.lib.workflow import UNCHANGED, Roles, Step, Workflow
from pinzhi.orgs.models import Person
from pinzhi.orgs.roles import Role

MSG_WRONG_STATE = _("This plan is “%(state)s”; it cannot be %(action)s now.")
MSG_MAY_NOT = _("You may not %(action)s an assessment plan: %(who)s.")
MSG_OTHER_COMPANY = _("This assessment plan belongs to another company.")
WHO_QUALITY = _("the quality department does")
WHO_LEADERSHIP = _("leadership does")

QUALITY = Roles(frozenset({Role.QUALITY_DEPARTMENT}))
LEADERSHIP = Roles(frozenset({Role.LEADERSHIP}))
State = PlanStatus


def _same_company(person: Person, plan: AssessmentPlan) -> bool:
    return bool(person.is_superuser or person.company_id == plan.company_id)


PLAN_WORKFLOW = Workflow(
    name="assessment_plan",
    label=_("Quarterly assessment plan"),
    description=_(
        "A quarter's plan (time, scope, indicators and weights) drafted by the quality "
        "department and approved by leadership; its indicators computed per person, unit and "
        "department, ranked, reported with improvement suggestions and fed back to each unit "
        "(ASM-2, ASM-9)."
    ),
    states=dict(PlanStatus.choices),
    error="pinzhi.assessment.services.quarterly.QuarterlyError",
    scope=_same_company,
    wrong_state=MSG_WRONG_STATE,
    not_permitted=MSG_MAY_NOT,
    out_of_scope=MSG_OTHER_COMPANY,
    services="pinzhi.assessment.services.quarterly",
    record_kw="plan",
    initial=_("The quality department drafts a quarter's plan"),
    steps=[
        Step(
            "edit",
            _("Change the plan"),
            sources={State.DRAFT},
            target=UNCHANGED,
            who=None,  # its own page (the plan form), not a button
            event=QuarterEvent.PLAN_UPDATED,
            verb=_("change"),
        ),
        Step(
            "approve",
            _("Approve the plan"),
            sources={State.DRAFT},
            target=State.APPROVED,
            who=LEADERSHIP,
            who_text=WHO_LEADERSHIP,
            service="plan_approve",
            call=lambda service, plan, person, data: service(plan=plan, actor=person),
            confirm=_(
                "Approve this plan? Its time, scope and weights can no longer be changed; the "
                "quality department then computes the indicators."
            ),
            done=_("The plan is approved; the quality department may compute it."),
            event=QuarterEvent.PLAN_APPROVED,
            verb=_("approve"),
            submit=_("Approve"),
            icon="check2-circle",
        ),
        Step(
            "compute",
            _("Compute the indicators"),
            sources={State.APPROVED, State.COMPUTED},
            target=State.COMPUTED,
            who=QUALITY,
            who_text=WHO_QUALITY,
            service="plan_compute",
            call=lambda service, plan, person, data: service(plan=plan, actor=person),
            confirm=_(
                "Compute the indicators, scores and rankings from the quarter's records? "
                "Results computed before are replaced, with their improvement suggestions."
            ),
            done=_("The indicators are computed; check the rankings and the suggestions."),
            event=QuarterEvent.PLAN_COMPUTED,
            verb=_("compute"),
            submit=_("Compute"),
            icon="calculator",
            style="outline-primary",
        ),
        Step(
            "report",
            _("Issue the report"),
            sources={State.COMPUTED},
            target=State.REPORTED,
            who=QUALITY,
            who_text=WHO_QUALITY,
            service="plan_report",
            call=lambda service, plan, person, data: service(plan=plan, actor=person),
            confirm=_(
                "Issue the report and feed it back to the units? The results become final; "
                "each failed person gets a retraining or reassignment proposal."
            ),
            done=_("The report is issued; each unit's head acknowledges its feedback."),
            event=QuarterEvent.PLAN_REPORTED,
            verb=_("issue the report"),
            submit=_("Issue the report"),
            icon="send-check",
        ),
        Step(
            "close",
            _("Close the plan"),
            sources={State.REPORTED},
            target=State.CLOSED,
            who=QUALITY,
            who_text=WHO_QUALITY,
            service="plan_close",
            call=lambda service, plan, person, data: service(plan=plan, actor=person),
            confirm=_("Close this plan? It stays readable in the year-end roll-up."),
            done=_("The plan is closed."),
            event=QuarterEvent.PLAN_CLOSED,
            verb=_("close"),
            submit=_("Close the plan"),
            icon="archive",
            style="outline-secondary",
        ),
    ],
)
