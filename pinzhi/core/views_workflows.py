"""The workflows as the quality department sees them (issue 7 item 1): every declared
workflow, and each one drawn from its declaration with its steps in a table."""

from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from pinzhi.core.access import page
from pinzhi.core.diagrams import workflow_svg
from pinzhi.core.roles import Role
from pinzhi.lib.workflow import REGISTRY, Step, Workflow, workflows

# The quality department and the quality committee own the company's procedures.
WORKFLOW_READERS = (Role.QUALITY_DEPARTMENT, Role.QUALITY_COMMITTEE)

UNCHANGED = _("(state unchanged)")
NOT_OFFERED = _("not offered on the staff pages (the system or the customer)")


def _who(step: Step) -> str:
    if step.who is None:
        return str(NOT_OFFERED)
    text = step.who_text or step.refused
    return str(text(None) if callable(text) else text)


def _row(workflow: Workflow, step: Step) -> dict:
    label = workflow.state_label
    return {
        "step": step,
        "sources": [str(label(s)) for s in workflow.states if s in step.sources]
        or [str(workflow.initial)],
        "targets": [str(label(s)) for s in step.targets] or [str(UNCHANGED)],
        "who": _who(step),
        # The event's label in the reader's language; its code only as a tooltip.
        "events": [
            (str(getattr(event, "label", "") or event), event) for event in step.events if event
        ],
    }


@page(*WORKFLOW_READERS)
def workflow_list(request):
    return render(request, "core/workflows.html", {"workflows": workflows()})


@page(*WORKFLOW_READERS)
def workflow_diagram(request, name: str):
    workflow = REGISTRY.get(name)
    if workflow is None:
        raise Http404
    return render(
        request,
        "core/workflow.html",
        {
            "workflow": workflow,
            "svg": workflow_svg(workflow),
            "rows": [_row(workflow, step) for step in workflow.steps],
        },
    )
