"""The monthly evaluation's workflow (NCR-5), declared once:

    computed ──review──▶ reviewed ──confirm──▶ confirmed (sent to the supplier)
        ▲                    │                      │
        └── a later check changes the month's figures (computed again) ──┘

The system computes; the quality department of the contract's company reviews and confirms.
"""

from django.utils.translation import gettext_lazy as _

from pinzhi.lib.workflow import Roles, Step, Workflow
from pinzhi.orgs.models import Person
from pinzhi.orgs.roles import Role
from pinzhi.suppliers.events import SupplierEvent
from pinzhi.suppliers.models import EvaluationStatus, MonthlyEvaluation

MSG_WRONG_STATE = _("This evaluation is “%(state)s”; it cannot be %(action)s now.")
MSG_MAY_NOT = _("You may not %(action)s an evaluation: %(who)s.")
MSG_OTHER_COMPANY = _("This evaluation belongs to another company.")
WHO = _("the quality department does")

State = EvaluationStatus


def _same_company(person: Person, evaluation: MonthlyEvaluation) -> bool:
    return bool(person.is_superuser or person.company_id == evaluation.company_id)


EVALUATION_WORKFLOW = Workflow(
    name="supplier_evaluation",
    label=_("Supplier monthly evaluation"),
    description=_(
        "A supplier's month computed from its daily, weekly and monthly checks, reviewed by "
        "the quality department, then confirmed and sent to the supplier (NCR-5)."
    ),
    states=dict(EvaluationStatus.choices),
    error="pinzhi.suppliers.services.SupplierError",
    scope=_same_company,
    wrong_state=MSG_WRONG_STATE,
    not_permitted=MSG_MAY_NOT,
    out_of_scope=MSG_OTHER_COMPANY,
    services="pinzhi.suppliers.services",
    record_kw="evaluation",
    initial=_("The month's first check of the supplier is folded"),
    steps=[
        Step(
            "review",
            _("Review"),
            sources={State.COMPUTED},
            target=State.REVIEWED,
            who=Roles(frozenset({Role.QUALITY_DEPARTMENT})),
            who_text=WHO,
            form="pinzhi.suppliers.forms.ReviewForm",
            service="evaluation_review",
            call=lambda service, evaluation, person, data: service(
                evaluation=evaluation, actor=person, note=data.get("note", "")
            ),
            confirm=_(
                "Confirm that the quality department has checked this month's figures against "
                "the contract's standards."
            ),
            done=_("The evaluation is reviewed; confirm it to send it to the supplier."),
            event=SupplierEvent.REVIEWED,
            verb=_("review"),
            submit=_("Mark as reviewed"),
            icon="clipboard-check",
            style="outline-primary",
        ),
        Step(
            "confirm",
            _("Confirm and send"),
            sources={State.REVIEWED},
            target=State.CONFIRMED,
            who=Roles(frozenset({Role.QUALITY_DEPARTMENT})),
            who_text=WHO,
            form="pinzhi.suppliers.forms.ConfirmForm",
            service="evaluation_confirm",
            call=lambda service, evaluation, person, data: service(
                evaluation=evaluation, actor=person
            ),
            confirm=_(
                "Confirm this evaluation and send it to the supplier? Its people are notified "
                "and read the month's figures and deductions."
            ),
            done=_("The evaluation is confirmed and sent to the supplier."),
            event=SupplierEvent.CONFIRMED,
            verb=_("confirm"),
            submit=_("Confirm and send"),
            icon="send-check",
            style="primary",
        ),
    ],
)
