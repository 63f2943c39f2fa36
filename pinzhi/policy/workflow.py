"""The amendment workflow (STD-5; issue 7 item 1), declared once:

    proposed ──review──▶ reviewed ──approve──▶ approved
       │  └──reject/withdraw──┐     └──reject/withdraw──▶ rejected | withdrawn

The quality department, department managers and the quality committee propose; the quality
department reviews; leadership approves; the quality department rejects before the review,
leadership after it; the proposer withdraws. Only people of the amendment's company take its
steps (an operator any). The services in `policy/services.py` check their step here; the
amendment pages list and take the steps from here.
"""

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pinzhi.lib.workflow import Message, Roles, Step, Workflow
from pinzhi.orgs.models import Person
from pinzhi.policy.events import PolicyEvent
from pinzhi.policy.models import AmendmentState, RuleAmendment
from pinzhi.policy.selectors import (
    APPROVE_ROLES,
    PROPOSE_ROLES,
    REVIEW_ROLES,
    user_may_approve,
    user_may_review,
)

MSG_NOT_ALLOWED = _("This amendment is “%(state)s”; it cannot be %(action)s now.")
MSG_MAY_NOT = _("You may not %(action)s an amendment: %(who)s.")
MSG_ONLY_PROPOSER = _("Only the person who proposed an amendment may withdraw it.")
MSG_OTHER_COMPANY = _("This amendment concerns another company's rules.")
WHO_MAY = {
    "propose": _("the quality department, department managers and the quality committee do"),
    "review": _("the quality department does"),
    "approve": _("leadership does"),
    "reject_proposed": _("the quality department does, before the review"),
    "reject_reviewed": _("leadership does, after the review"),
}

State = AmendmentState


def _same_company(person: Person, amendment: RuleAmendment) -> bool:
    """Only the company whose value an amendment changes takes its steps (operators any)."""
    return bool(person.is_superuser or person.company_id == amendment.company_id)


def _may_reject(person: Person, amendment: RuleAmendment) -> bool:
    """The quality department before the review, leadership after it."""
    if amendment.state == State.PROPOSED:
        return user_may_review(person)
    return user_may_approve(person)


def _who_rejects(amendment: RuleAmendment | None) -> Message:
    if amendment is not None and amendment.state == State.REVIEWED:
        return WHO_MAY["reject_reviewed"]
    return WHO_MAY["reject_proposed"]


def _proposer(person: Person, amendment: RuleAmendment) -> bool:
    return bool(person.is_superuser or amendment.proposed_by_id == person.pk)


def _text(data: Mapping[str, Any]) -> str:
    return data.get("text", "")


AMENDMENT_WORKFLOW = Workflow(
    name="amendment",
    label=_("Rule amendment"),
    description=_(
        "A new value of a rule: proposed, reviewed by the quality department and approved by "
        "leadership before it takes effect (STD-5)."
    ),
    states=dict(AmendmentState.choices),
    state_of=lambda amendment: amendment.state,
    error="pinzhi.policy.services.AmendmentError",
    scope=_same_company,
    wrong_state=MSG_NOT_ALLOWED,
    not_permitted=MSG_MAY_NOT,
    out_of_scope=MSG_OTHER_COMPANY,
    services="pinzhi.policy.services",
    record_kw="amendment",
    initial=_("A new value is needed"),
    steps=[
        Step(
            "propose",
            _("Propose"),
            sources=(),
            target=State.PROPOSED,
            who=Roles(PROPOSE_ROLES),
            who_text=WHO_MAY["propose"],
            verb=_("propose"),
            event=PolicyEvent.AMENDMENT_PROPOSED,
        ),
        Step(
            "review",
            _("Review"),
            sources={State.PROPOSED},
            target=State.REVIEWED,
            who=Roles(REVIEW_ROLES),
            who_text=WHO_MAY["review"],
            form="pinzhi.policy.forms.AmendmentStepForm",
            service="amendment_review",
            call=lambda service, amendment, person, data: service(
                amendment=amendment, reviewer=person, note=_text(data)
            ),
            confirm=_(
                "Confirm that the quality department has reviewed this amendment; it then goes "
                "to leadership for approval."
            ),
            done=_("The amendment of %(key)s is reviewed and goes to leadership for approval."),
            event=PolicyEvent.AMENDMENT_REVIEWED,
            verb=_("review"),
            participle=pgettext_lazy("amendment step", "reviewed"),
            submit=_("Mark as reviewed"),
            icon="clipboard-check",
            style="outline-primary",
        ),
        Step(
            "approve",
            _("Approve"),
            sources={State.REVIEWED},
            target=State.APPROVED,
            who=Roles(APPROVE_ROLES),
            who_text=WHO_MAY["approve"],
            form="pinzhi.policy.forms.AmendmentStepForm",
            service="amendment_approve",
            call=lambda service, amendment, person, data: service(
                amendment=amendment, approver=person
            ),
            confirm=_(
                "Approve this amendment? The new value becomes the rule from its effective date "
                "(now, if that date has passed); cases already started keep their value."
            ),
            done=_("The amendment of %(key)s is approved: the new value applies from %(when)s."),
            event=PolicyEvent.AMENDMENT_APPROVED,
            verb=_("approve"),
            participle=pgettext_lazy("amendment step", "approved"),
            submit=_("Approve"),
            icon="check2-circle",
            style="primary",
        ),
        Step(
            "reject",
            _("Reject"),
            sources={State.PROPOSED, State.REVIEWED},
            target=State.REJECTED,
            who=_may_reject,
            who_text=_who_rejects,
            form="pinzhi.policy.forms.AmendmentStepForm",
            service="amendment_reject",
            call=lambda service, amendment, person, data: service(
                amendment=amendment, person=person, reason=_text(data)
            ),
            confirm=_("Reject this amendment? The proposer is told, with your reason."),
            done=_("The amendment of %(key)s is rejected."),
            event=PolicyEvent.AMENDMENT_REJECTED,
            verb=_("reject"),
            participle=pgettext_lazy("amendment step", "rejected"),
            submit=_("Reject"),
            icon="x-circle",
            style="outline-danger",
        ),
        Step(
            "withdraw",
            _("Withdraw"),
            sources={State.PROPOSED, State.REVIEWED},
            target=State.WITHDRAWN,
            who=_proposer,
            refused=MSG_ONLY_PROPOSER,
            form="pinzhi.policy.forms.AmendmentStepForm",
            service="amendment_withdraw",
            call=lambda service, amendment, person, data: service(
                amendment=amendment, person=person, reason=_text(data)
            ),
            confirm=_("Withdraw this amendment? Nobody will act on it any more."),
            done=_("The amendment of %(key)s is withdrawn."),
            event=PolicyEvent.AMENDMENT_WITHDRAWN,
            participle=pgettext_lazy("amendment step", "withdrawn"),
            submit=_("Withdraw"),
            icon="arrow-counterclockwise",
            style="outline-secondary",
        ),
    ],
)


def amendment_actions(user: Person, amendment: RuleAmendment) -> list[str]:
    """The steps `user` may take on `amendment` now, in the order the page offers them
    (declared above)."""
    return [step.name for step in AMENDMENT_WORKFLOW.steps_for(user, amendment)]
