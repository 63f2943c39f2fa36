"""Revising a rule (STD-5): checked against its type, attributed, append-only."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import translation

from pinzhi.policy import services
from pinzhi.policy.models import Rule, RuleVersion
from pinzhi.timeline.models import Event

NOW = datetime(2026, 4, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def editor(person_with):
    return person_with("quality_department")


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"), time_machine.travel(NOW, tick=False):
        yield


def revise_errors(**kwargs):
    """The reasons of the refusal, by the field each concerns; input is refused with 422."""
    with pytest.raises(services.AmendmentError) as error:
        services.rule_revise(**kwargs, company=None)
    assert error.value.status == 422
    errors: dict = {}
    for one in error.value.field_errors:
        errors.setdefault(one.field, []).append(one.reason)
    return errors


def test_it_refuses_a_value_that_does_not_fit(first_contact, editor):
    errors = revise_errors(
        rule=first_contact, value="0", effective_from=None, author=editor, reason="x"
    )
    assert errors == {"value": ["A duration must be longer than zero."]}


def test_it_refuses_an_upside_down_range(property_pack, editor):
    rule = Rule.objects.get(pack__code="property", key="complaints.answer_complainant")
    errors = revise_errors(
        rule=rule, value={"min": 4, "max": 2}, effective_from=None, author=editor, reason="x"
    )
    assert "must not be greater" in errors["value"][0]


def test_it_refuses_a_percentage_above_100(property_pack, editor):
    rule = Rule.objects.get(pack__code="property", key="goals.satisfaction_rate")
    errors = revise_errors(rule=rule, value="120", effective_from=None, author=editor, reason="x")
    assert errors["value"] == ["A percentage must be between 0 and 100."]


def test_it_needs_a_reason(first_contact, editor):
    errors = revise_errors(
        rule=first_contact, value=20, effective_from=None, author=editor, reason="  "
    )
    assert errors == {"reason": ["Say why the value changes."]}


def test_it_refuses_a_backdated_revision(first_contact, editor):
    """STD-5: cases already started keep their rule, so a revision cannot reach back."""
    errors = revise_errors(
        rule=first_contact,
        value=20,
        effective_from=NOW - timedelta(days=1),
        author=editor,
        reason="x",
    )
    assert "cannot be in the past" in errors["effective_from"][0]


def test_it_refuses_two_versions_at_the_same_instant(first_contact, editor):
    later = NOW + timedelta(days=10)
    services.rule_revise(
        rule=first_contact, value=20, effective_from=later, author=editor, reason="a", company=None
    )
    errors = revise_errors(
        rule=first_contact, value=25, effective_from=later, author=editor, reason="b"
    )
    assert "already takes effect" in errors["effective_from"][0]


def test_it_refuses_a_value_that_changes_nothing(first_contact, editor):
    errors = revise_errors(
        rule=first_contact, value=30, effective_from=None, author=editor, reason="x"
    )
    assert "same as the value in force" in errors["value"][0]


def test_a_revision_adds_a_version_and_keeps_the_old_one(first_contact, editor):
    old = RuleVersion.objects.get(rule=first_contact)
    version = services.rule_revise(
        rule=first_contact,
        value="20",
        effective_from=None,
        author=editor,
        reason="提速",
        company=None,
    )
    assert (version.value, version.author, version.effective_from) == (20, editor, NOW)
    assert not version.from_pack
    old.refresh_from_db()
    assert old.value == 30
    assert first_contact.versions.count() == 2


def test_a_revision_is_recorded_on_the_timeline(first_contact, editor):
    """X-1: every change is attributed and time-stamped."""
    services.rule_revise(
        rule=first_contact,
        value=20,
        effective_from=None,
        author=editor,
        reason="提速",
        company=None,
    )
    event = Event.objects.get(action="policy.rule_revised")
    assert event.actor == editor
    assert event.reason == "提速"
    assert event.before == {"value": 30}
    assert event.after["value"] == 20
