"""The generic step view and the step partial of every declared workflow (issue 7 item 1).

An app's step URL hands its record and the step's name to `step_take`, which checks the step
through the workflow (the refusal says why: the state, a condition, the person's role), binds
and validates the step's form, and runs the step's service. A refusal lands on the form —
beside its field when it names one — and the outcome carries a 4xx status. Pages list the
steps a person may take with `step_entries` and render them with
`core/partials/steps.html`, inline (a button opening the step's small form, htmx-enhanced) or
as links to a page of the step.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404

from pinzhi.lib.errors import DomainError
from pinzhi.lib.workflow import Step, UnknownStep, Workflow

# (step, data or None) -> the step's form
FormFactory = Callable[[Step, Any], Any]


@dataclass
class StepEntry:
    """One step offered on a page: its form, where it is posted, whether it is shown open
    (it failed, or the page is the step's own), and the link to the step's own page when it
    is not taken inline."""

    step: Step
    form: Any
    url: str
    open: bool = False
    page_url: str = ""
    hidden: Mapping[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.step.name

    def __getitem__(self, key: str) -> Any:
        """Read like the dicts the pages passed before (`entry["form"]`)."""
        return getattr(self, key)


def step_entries(
    workflow: Workflow,
    person,
    record,
    *,
    form_for: FormFactory,
    url_for: Callable[[Step], str],
    failed: tuple[str, Any] | None = None,
    page_url_for: Callable[[Step], str] | None = None,
) -> list[StepEntry]:
    """The steps `person` may take on `record` now, each with its form (the bound form with
    its errors for the step that just failed, `failed` = (name, form))."""
    entries = []
    for step in workflow.steps_for(person, record):
        if failed and failed[0] == step.name:
            form, is_open = failed[1], True
        else:
            form, is_open = form_for(step, None), False
        entries.append(
            StepEntry(
                step=step,
                form=form,
                url=url_for(step),
                open=is_open,
                page_url=page_url_for(step) if page_url_for else "",
            )
        )
    return entries


@dataclass
class Outcome:
    """What taking a step gave: the service's result, or the form with the reason it was
    refused and the 4xx status to answer with."""

    step: Step
    form: Any
    result: Any = None
    error: DomainError | None = None
    status: int = 200

    @property
    def ok(self) -> bool:
        return self.status < 400

    @property
    def reason(self) -> str:
        """The refusal's reason, or the form's first error."""
        if self.error is not None:
            return self.error.reason
        return " ".join(str(e) for errors in self.form.errors.values() for e in errors)


def _refusal_status(error: DomainError) -> int:
    status = getattr(error, "status", 400)
    return status if 400 <= status < 500 else 400


def step_take(request, *, workflow: Workflow, record, name: str, form_for: FormFactory) -> Outcome:
    """Take step `name` of `workflow` on `record` as `request.user`, with the posted data.

    The step is checked first, so that a step the person may not take (or not now) is refused
    with its reason before any input is read; then the form is validated and the step's
    service runs. A refusal of the service (a DomainError) or a validation error keyed by
    field goes onto the form. An undeclared step is a 404."""
    try:
        step = workflow.step(name)
    except UnknownStep as error:
        raise Http404(error.reason) from error
    form = form_for(step, request.POST)
    refusal = workflow.refusal(record, name, request.user)
    if refusal is not None:
        refusal.add_to_form(form)
        return Outcome(step, form, error=refusal, status=_refusal_status(refusal))
    if not form.is_valid():
        return Outcome(step, form, status=400)
    try:
        result = workflow.run(step, record=record, person=request.user, data=form.cleaned_data)
    except DomainError as error:
        error.add_to_form(form)
        return Outcome(step, form, error=error, status=_refusal_status(error))
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for key, messages in error.message_dict.items():
                form.add_error(key if key in form.fields else None, messages)
        else:
            form.add_error(None, error.messages)
        return Outcome(step, form, status=400)
    return Outcome(step, form, result=result)
