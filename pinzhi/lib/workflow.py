"""States and steps of a record, declared once (issue 7 item 1).

A `Workflow` names the states of a record and its `Step`s. Each step declares where it may be
taken from, where it leads, who may take it, the form it asks for, whether it asks for
confirmation, its label, its done message and the timeline event it writes. From that one
declaration:

- services check a step (`workflow.check(record, "close", actor)`), which raises a refusal
  (a `DomainError`) whose reason says why: the record's state, a condition of the record, the
  person's role or scope;
- pages list the steps a person may take (`workflow.steps_for(person, record)`) and take one
  through the generic step view (`pinzhi.core.steps`);
- the quality department sees the workflow as a diagram (`pinzhi.core.diagrams`).

Services stay explicit functions (keyword-only, atomic): they lock the record, check the step
here, write, and record the step's event. This module knows no Pinzhi app: the apps pass their
rules over roles and scope in as callables (`Roles` covers the common "one of these roles, and
within scope" case) and register their workflows from `AppConfig.ready`.

Adding a step is one `Step(...)` in the app's declaration plus its service function (plus its
form when it has inputs).
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from pinzhi.lib.errors import DomainError

Message = str | Promise
# A rule over people: (person, record) -> whether the person may. The record is None for a
# step that creates it.
Rule = Callable[[Any, Any], bool]

WRONG_STATE = _("This record is “%(state)s”; it cannot be %(action)s now.")
NOT_PERMITTED = _("Only %(who)s may take the step “%(action)s”.")
OUT_OF_SCOPE = _("This record is outside the part of the organisation you work for.")
NO_SUCH_STEP = _("There is no step “%(step)s” here.")


class StepRefused(DomainError):
    """A workflow step that may not be taken now; the reason says why."""

    code = "step_refused"
    status = 409


class WrongState(StepRefused):
    """The record is not in a state the step starts from."""

    code = "wrong_state"
    status = 409


class NotNow(StepRefused):
    """The record is in the right state but a further condition of the step refuses (for
    example a time limit that has already run out)."""

    code = "not_now"
    status = 409


class NotPermitted(StepRefused):
    """The step's rule over roles refuses the person."""

    code = "not_permitted"
    status = 403


class OutOfScope(StepRefused):
    """The record lies outside the person's scope (another company, another unit)."""

    code = "out_of_scope"
    status = 403


class UnknownStep(StepRefused):
    """No step of that name is declared."""

    code = "unknown_step"
    status = 404


REFUSALS = (WrongState, NotNow, NotPermitted, OutOfScope, UnknownStep)


def _text(value: Message | Callable[[Any], Message] | None, record: Any) -> Message:
    if value is None:
        return ""
    return value(record) if callable(value) and not isinstance(value, Promise) else value


@dataclass(frozen=True)
class Roles:
    """A rule: the person holds one of `roles` (a superuser always passes) and, when `scope`
    is given, `scope(person, record)` holds too. Roles are plain codes; people are read through
    `is_authenticated`, `is_superuser` and `role_codes`."""

    roles: frozenset[str]
    scope: Rule | None = None

    def __call__(self, person: Any, record: Any) -> bool:
        if person is None or not getattr(person, "is_authenticated", False):
            return False
        if person.is_superuser:
            return True
        if not person.role_codes & self.roles:
            return False
        return self.scope is None or bool(self.scope(person, record))


@dataclass(frozen=True)
class Step:
    """One step of a workflow.

    `sources` are the states it may be taken from (empty: the step creates the record);
    `target` the state it leads to, a tuple when the outcome decides between several, or
    `UNCHANGED` (None). `who` is the rule over the person (None: the step is not offered on the
    staff pages, e.g. one the customer takes with a tracking code, or one the system takes);
    `who_text` says who may, for the refusal; `refused` replaces the whole refusal. `when` is a
    further condition on the record: it returns the reason it refuses, or None. `form` is the
    form class (or its dotted path); `service` the service function (or its name in the
    workflow's `services` module, looked up when called) and `call` how the step view calls it
    when the form's cleaned data are not simply its keyword arguments. `event` is the timeline
    event the step writes, or `outcomes` the events it may write as its outcome decides."""

    name: str
    label: Message
    sources: Iterable[str]
    target: str | tuple[str, ...] | None = None
    who: Rule | None = None
    who_text: Message | Callable[[Any], Message] = ""
    refused: Message | Callable[[Any], Message] | None = None
    when: Callable[[Any], Message | None] | None = None
    form: type | str | None = None
    service: Callable | str | None = None
    call: Callable[..., Any] | None = None
    confirm: Message | None = None
    done: Message = ""
    event: str = ""
    outcomes: tuple[str, ...] = ()
    verb: Message | None = None
    participle: Message | None = None
    wrong_state: Message | None = None
    icon: str = "arrow-right-circle"
    style: str = "primary"
    submit: Message | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "sources", frozenset(self.sources))

    @property
    def targets(self) -> tuple[str, ...]:
        """The states the step may lead to (empty when it keeps the state)."""
        if self.target is None:
            return ()
        return self.target if isinstance(self.target, tuple) else (self.target,)

    @property
    def events(self) -> tuple[str, ...]:
        return self.outcomes or (self.event,)

    @property
    def creates(self) -> bool:
        return not self.sources

    def form_class(self) -> type | None:
        return import_string(self.form) if isinstance(self.form, str) else self.form


UNCHANGED = None


@dataclass
class Workflow:
    """The states and steps of one kind of record.

    `states` maps each state to its label (a model's `choices` will do); `state_of` reads a
    record's state (default: its `status` attribute). `error` is the app's own refusal class
    (a `DomainError` subclass): refusals raised here are instances of both it and the kind of
    refusal (`WrongState`, `NotPermitted`, …), so callers may catch either. `wrong_state`,
    `not_permitted` and `out_of_scope` are the app's wording of the refusals; `scope` is a rule
    every step of the workflow checks first (e.g. the record's company)."""

    name: str
    label: Message
    states: Mapping[str, Message]
    steps: Sequence[Step]
    state_of: Callable[[Any], str] = field(default=lambda record: record.status)
    error: type[DomainError] | str = DomainError
    scope: Rule | None = None
    wrong_state: Message = WRONG_STATE
    not_permitted: Message = NOT_PERMITTED
    out_of_scope: Message = OUT_OF_SCOPE
    services: str = ""
    record_kw: str = "record"
    initial: Message = ""
    description: Message = ""

    def __post_init__(self) -> None:
        self.states = dict(self.states)  # a model's `choices` (pairs) will do
        self._steps = {}
        for step in self.steps:
            self._validate(step)
            self._steps[step.name] = step
        self._classes: dict[type[StepRefused], type[StepRefused]] = {}

    def _validate(self, step: Step) -> None:
        where = f"workflow {self.name!r}, step {step.name!r}"
        if not step.name or not step.name.replace("_", "").isalnum():
            raise ImproperlyConfigured(f"{where}: a step needs a name of letters and '_'.")
        if step.name in self._steps:
            raise ImproperlyConfigured(f"{where}: declared twice.")
        unknown = (set(step.sources) | set(step.targets)) - set(self.states)
        if unknown:
            raise ImproperlyConfigured(f"{where}: unknown states {sorted(unknown)}.")
        if step.creates and not step.targets:
            raise ImproperlyConfigured(f"{where}: a step that creates the record needs a target.")
        if not step.label:
            raise ImproperlyConfigured(f"{where}: a step needs a label.")
        if bool(step.event) == bool(step.outcomes) or not all(step.events):
            raise ImproperlyConfigured(f"{where}: a step names the timeline event it writes.")
        for name in ("who", "when", "call"):
            value = getattr(step, name)
            if value is not None and not callable(value):
                raise ImproperlyConfigured(f"{where}: {name} must be callable.")
        if step.who is not None and not (step.who_text or step.refused):
            raise ImproperlyConfigured(f"{where}: say who may take it (who_text or refused).")

    # --- reading the declaration -----------------------------------------------------------

    def step(self, name: str) -> Step:
        try:
            return self._steps[name]
        except KeyError:
            raise self._refuse(UnknownStep, NO_SUCH_STEP, step=name) from None

    def has(self, name: str) -> bool:
        return name in self._steps

    def state_label(self, state: str) -> Message:
        return self.states.get(state, state)

    def refusal_class(self, kind: type[StepRefused]) -> type[StepRefused]:
        """The app's refusal of that kind: a subclass of both the app's `error` (given as a
        class or its dotted path, read when first needed) and `kind`."""
        if kind not in self._classes:
            error = import_string(self.error) if isinstance(self.error, str) else self.error
            if not issubclass(error, DomainError):
                raise ImproperlyConfigured(f"workflow {self.name!r}: error must be a DomainError")
            self._classes[kind] = type(
                f"{error.__name__}{kind.__name__}",
                (error, kind) if error is not DomainError else (kind,),
                {"code": kind.code, "status": kind.status, "__module__": error.__module__},
            )
        return self._classes[kind]

    def _refuse(self, kind: type[StepRefused], message: Message, **params: Any) -> StepRefused:
        return self.refusal_class(kind)(message, **params)

    # --- checking a step -------------------------------------------------------------------

    def refusal(
        self, record: Any, name: str, person: Any = None, *, anyone: bool = False
    ) -> StepRefused | None:
        """Why `person` may not take step `name` on `record` now, as the refusal to raise, or
        None when they may. In order: the workflow's scope, the record's state, the step's
        condition, the step's rule over the person. `anyone=True` skips the person (a step
        the system or the customer takes)."""
        step = self.step(name)
        if not anyone and self.scope is not None and record is not None:
            if not self.scope(person, record):
                return self._refuse(OutOfScope, self.out_of_scope)
        if not step.creates:
            state = self.state_of(record)
            if state not in step.sources:
                return self._refuse(
                    WrongState,
                    step.wrong_state or self.wrong_state,
                    state=self.state_label(state),
                    action=step.participle or step.label,
                )
        if step.when is not None:
            reason = step.when(record)
            if reason:
                return self._refuse(NotNow, reason)
        if not anyone and step.who is not None and not step.who(person, record):
            if step.refused is not None:
                return self._refuse(NotPermitted, _text(step.refused, record))
            return self._refuse(
                NotPermitted,
                self.not_permitted,
                who=_text(step.who_text, record),
                action=step.verb or step.label,
            )
        return None

    def check(self, record: Any, name: str, person: Any = None, *, anyone: bool = False) -> Step:
        """Raise the refusal when the step may not be taken; else return the step."""
        refusal = self.refusal(record, name, person, anyone=anyone)
        if refusal is not None:
            raise refusal
        return self._steps[name]

    def may(self, person: Any, record: Any, name: str) -> bool:
        """Whether the page offers step `name` to `person`: steps without a rule over people
        are never offered."""
        step = self._steps.get(name)
        if step is None or step.who is None:
            return False
        return self.refusal(record, name, person) is None

    def steps_for(self, person: Any, record: Any) -> list[Step]:
        """The steps `person` may take on `record` now, in declared order (creating steps
        aside)."""
        return [
            step
            for step in self.steps
            if not step.creates and step.who is not None and self.may(person, record, step.name)
        ]

    # --- running a step (for the generic step view) ---------------------------------------

    def service_of(self, step: Step) -> Callable:
        """The step's service, looked up when called (so a test may replace it)."""
        if callable(step.service):
            return step.service
        if not step.service or not self.services:
            raise ImproperlyConfigured(f"workflow {self.name!r}: step {step.name!r} has no service")
        return getattr(import_module(self.services), step.service)

    def run(self, step: Step, *, record: Any, person: Any, data: Mapping[str, Any]) -> Any:
        """Take `step` through its service: `call(service, record, person, data)` when the
        step declares one, else `service(<record_kw>=record, actor=person, **data)`."""
        service = self.service_of(step)
        if step.call is not None:
            return step.call(service, record, person, data)
        return service(**{self.record_kw: record, "actor": person}, **data)


REGISTRY: dict[str, Workflow] = {}


def workflow_register(workflow: Workflow) -> Workflow:
    """Make a workflow known to the shared pages (the diagrams); call from `ready()`."""
    REGISTRY[workflow.name] = workflow
    return workflow


def workflows() -> list[Workflow]:
    return list(REGISTRY.values())
