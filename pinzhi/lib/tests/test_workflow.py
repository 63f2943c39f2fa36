"""The workflow mechanism (issue 7 item 1): a declaration checked when it is made, and steps
checked against it with a refusal that says why."""

import sys
from types import ModuleType, SimpleNamespace

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation

from pinzhi.lib.errors import DomainError
from pinzhi.lib.workflow import (
    NotNow,
    NotPermitted,
    OutOfScope,
    Roles,
    Step,
    StepRefused,
    UnknownStep,
    Workflow,
    WrongState,
)

STATES = {"draft": "Draft", "sent": "Sent", "done": "Done"}


@pytest.fixture(autouse=True)
def _english():
    """The mechanism's own wording, read in English here."""
    with translation.override("en"):
        yield


class LetterError(DomainError):
    """The app's own refusal."""


def person(*roles, pk=1, superuser=False, company=1):
    return SimpleNamespace(
        pk=pk,
        is_authenticated=True,
        is_superuser=superuser,
        role_codes=frozenset(roles),
        company_id=company,
    )


def letter(status="draft", author=1, company=1, urgent=False):
    return SimpleNamespace(status=status, author_id=author, company_id=company, urgent=urgent)


def declare(*steps, **options):
    return Workflow(name="letter", label="Letter", states=STATES, steps=list(steps), **options)


def letter_workflow(**options):
    return declare(
        Step("write", "Write", sources=(), target="draft", event="letter.written"),
        Step(
            "send",
            "Send",
            sources={"draft"},
            target="sent",
            who=Roles(frozenset({"clerk"})),
            who_text="clerks",
            when=lambda record: "An urgent letter is phoned." if record.urgent else None,
            event="letter.sent",
            participle="sent",
            service="letter_send",
        ),
        Step(
            "annotate",
            "Annotate",
            sources={"draft", "sent"},
            who=lambda p, record: p.pk == record.author_id,
            refused="Only the author annotates a letter.",
            event="letter.annotated",
            service=lambda **kwargs: ("annotated", kwargs),
        ),
        Step(
            "archive",
            "Archive",
            sources={"sent"},
            target="done",
            who=Roles(frozenset({"clerk"})),
            who_text="clerks",
            event="letter.archived",
            call=lambda service, record, p, data: service(letter=record, by=p.pk, **data),
            service="letter_archive",
        ),
        Step("file", "File", sources={"done"}, event="letter.filed"),
        error=LetterError,
        services="pinzhi_test_letters",
        record_kw="letter",
        **options,
    )


# --- the declaration ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "steps,message",
    [
        ([Step("a", "A", sources={"lost"}, target="sent", event="x")], "unknown states"),
        ([Step("a", "A", sources={"draft"}, target="nowhere", event="x")], "unknown states"),
        (
            [
                Step("a", "A", sources={"draft"}, event="x"),
                Step("a", "A again", sources={"sent"}, event="y"),
            ],
            "declared twice",
        ),
        ([Step("a", "A", sources=(), event="x")], "creates the record needs a target"),
        ([Step("a", "", sources={"draft"}, event="x")], "needs a label"),
        ([Step("a", "A", sources={"draft"})], "timeline event"),
        ([Step("a", "A", sources={"draft"}, event="x", who=lambda p, r: True)], "who may"),
        ([Step("a b", "A", sources={"draft"}, event="x")], "name"),
    ],
)
def test_it_refuses_a_declaration_that_does_not_hold(steps, message):
    """Issue 7 item 1: a workflow is checked when it is declared, not when a step fails."""
    with pytest.raises(ImproperlyConfigured, match=message):
        declare(*steps)


def test_it_lists_the_states_a_step_may_lead_to():
    workflow = letter_workflow()
    assert workflow.step("send").targets == ("sent",)
    assert workflow.step("annotate").targets == ()
    assert workflow.step("write").creates
    assert workflow.step("send").events == ("letter.sent",)


# --- checking a step ---------------------------------------------------------------------


def test_it_lets_the_right_person_take_a_step_in_the_right_state():
    workflow = letter_workflow()
    assert workflow.check(letter(), "send", person("clerk")).name == "send"
    assert workflow.may(person("clerk"), letter(), "send")


def test_it_refuses_a_step_in_the_wrong_state_naming_the_state():
    """Issue 7 item 1: the reason names the record's state and the step."""
    workflow = letter_workflow()
    with pytest.raises(WrongState) as error:
        workflow.check(letter("done"), "send", person("clerk"))
    assert error.value.reason == "This record is “Done”; it cannot be sent now."
    assert isinstance(error.value, LetterError) and isinstance(error.value, StepRefused)
    assert (error.value.code, error.value.status) == ("wrong_state", 409)


def test_it_refuses_a_person_without_the_role_saying_who_may():
    workflow = letter_workflow()
    with pytest.raises(NotPermitted) as error:
        workflow.check(letter(), "send", person("reader"))
    assert error.value.reason == "Only clerks may take the step “Send”."
    assert (error.value.code, error.value.status) == ("not_permitted", 403)
    with pytest.raises(LetterError, match="Only the author annotates"):
        workflow.check(letter(author=2), "annotate", person("clerk"))


def test_it_refuses_a_step_whose_condition_fails_with_the_condition_s_reason():
    workflow = letter_workflow()
    with pytest.raises(NotNow, match="An urgent letter is phoned."):
        workflow.check(letter(urgent=True), "send", person("clerk"))


def test_it_checks_the_state_before_the_person():
    """A step that is wrong for the record is refused as such whoever asks."""
    workflow = letter_workflow()
    with pytest.raises(WrongState):
        workflow.check(letter("done"), "send", person("reader"))


def test_it_refuses_a_record_outside_the_person_s_scope_first():
    workflow = letter_workflow(
        scope=lambda p, record: p.company_id == record.company_id,
        out_of_scope="Another company's letter.",
    )
    with pytest.raises(OutOfScope, match="Another company's letter."):
        workflow.check(letter("done", company=2), "send", person("clerk"))
    assert workflow.may(person("clerk"), letter(), "send")


def test_a_system_step_checks_only_the_record():
    workflow = letter_workflow()
    assert workflow.check(letter(), "send", None, anyone=True).name == "send"
    with pytest.raises(WrongState):
        workflow.check(letter("done"), "send", None, anyone=True)


def test_it_refuses_an_undeclared_step_as_not_found():
    with pytest.raises(UnknownStep) as error:
        letter_workflow().step("burn")
    assert error.value.status == 404 and "burn" in error.value.reason


def test_roles_let_a_superuser_in_and_keep_strangers_out():
    rule = Roles(frozenset({"clerk"}), scope=lambda p, record: record.company_id == p.company_id)
    assert rule(person("clerk"), letter())
    assert not rule(person("clerk", company=2), letter())
    assert rule(person(superuser=True, company=2), letter())
    assert not rule(SimpleNamespace(is_authenticated=False), letter())
    assert not rule(None, letter())


def test_it_offers_only_the_steps_the_person_may_take_in_declared_order():
    """Issue 7 item 1: pages list exactly the steps the mechanism allows; creating steps and
    steps without a rule over people are never offered."""
    workflow = letter_workflow()
    assert [s.name for s in workflow.steps_for(person("clerk"), letter())] == [
        "send",
        "annotate",
    ]
    assert [s.name for s in workflow.steps_for(person("clerk", pk=9), letter())] == ["send"]
    assert [s.name for s in workflow.steps_for(person("clerk"), letter("sent"))] == [
        "annotate",
        "archive",
    ]
    assert workflow.steps_for(person("clerk"), letter("done")) == []
    assert not workflow.may(person("clerk"), letter("done"), "file")


# --- running a step ----------------------------------------------------------------------


@pytest.fixture
def services_module(monkeypatch):
    module = ModuleType("pinzhi_test_letters")
    module.letter_send = lambda **kwargs: ("sent", kwargs)
    module.letter_archive = lambda **kwargs: ("archived", kwargs)
    monkeypatch.setitem(sys.modules, "pinzhi_test_letters", module)
    return module


def test_it_runs_a_step_through_its_service(services_module):
    workflow = letter_workflow()
    record, clerk = letter(), person("clerk")
    result = workflow.run(workflow.step("send"), record=record, person=clerk, data={"copy": 2})
    assert result == ("sent", {"letter": record, "actor": clerk, "copy": 2})
    result = workflow.run(workflow.step("archive"), record=record, person=clerk, data={"box": 7})
    assert result == ("archived", {"letter": record, "by": 1, "box": 7})
    result = workflow.run(workflow.step("annotate"), record=record, person=clerk, data={})
    assert result[0] == "annotated"


def test_it_looks_the_service_up_when_the_step_is_taken(services_module, monkeypatch):
    """A test (or a later module) may replace a service; the step uses the current one."""
    workflow = letter_workflow()
    monkeypatch.setattr(services_module, "letter_send", lambda **kwargs: "replaced")
    assert workflow.run(workflow.step("send"), record=letter(), person=None, data={}) == (
        "replaced"
    )


def test_a_step_without_a_service_cannot_be_run():
    workflow = letter_workflow()
    with pytest.raises(ImproperlyConfigured):
        workflow.run(workflow.step("file"), record=letter("done"), person=None, data={})
