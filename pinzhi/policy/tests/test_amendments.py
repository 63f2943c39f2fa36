"""The amendment workflow (STD-5): proposed, reviewed by the quality department, approved by
leadership, with an effective date; each step on the timeline (X-1) and the next actor told
(X-3)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from pinzhi.notify.models import Notification
from pinzhi.orgs.tests.factories import UnitFactory
from pinzhi.policy import services
from pinzhi.policy.models import RuleAmendment, RuleVersion
from pinzhi.policy.selectors import (
    amendments_awaiting_action,
    amendments_pending_for,
    rule_value,
)
from pinzhi.policy.workflow import AMENDMENT_WORKFLOW, amendment_actions
from pinzhi.timeline.models import Event

NOW = datetime(2026, 4, 1, 8, 0, tzinfo=UTC)
KEY = "complaints.first_contact"


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def proposer(person_with):
    return person_with("department_manager")


@pytest.fixture
def reviewer(person_with):
    return person_with("quality_department")


@pytest.fixture
def leader(person_with):
    return person_with("leadership")


def propose(rule, proposer, *, value=20, effective_from=None, reason="提速"):
    return services.amendment_propose(
        rule=rule, value=value, effective_from=effective_from, reason=reason, proposed_by=proposer
    )


@pytest.fixture
def reviewed(first_contact, proposer, reviewer, leader):
    amendment = propose(first_contact, proposer, effective_from=NOW + timedelta(days=10))
    return services.amendment_review(amendment=amendment, reviewer=reviewer, note="可行")


def test_a_proposal_changes_nothing_until_approval(first_contact, proposer, reviewer, leader):
    """STD-5: a proposal or a review never writes a version; only leadership's approval does."""
    amendment = propose(first_contact, proposer)
    assert amendment.state == "proposed"
    services.amendment_review(amendment=amendment, reviewer=reviewer, note="可行")
    assert RuleVersion.objects.filter(rule=first_contact).count() == 1
    assert rule_value(KEY, pack="property", company=proposer.company) == timedelta(minutes=30)
    approval = services.amendment_approve(amendment=amendment, approver=leader)
    assert approval.amendment.state == "approved"
    assert approval.version.amendment == approval.amendment
    assert (approval.version.author, approval.version.reason) == (proposer, "提速")
    assert rule_value(KEY, pack="property", company=proposer.company) == timedelta(minutes=20)


@pytest.mark.parametrize("role", ["quality_department", "department_manager", "quality_committee"])
def test_the_three_proposing_roles_may_propose(first_contact, person_with, role):
    """STD-5: amendments are proposed by the quality department, department managers and
    quality committee members."""
    assert propose(first_contact, person_with(role)).state == "proposed"


@pytest.mark.parametrize("role", ["leadership", "inspector", "service_staff"])
def test_other_roles_may_not_propose(first_contact, person_with, role):
    with pytest.raises(services.AmendmentError, match="may not propose"):
        propose(first_contact, person_with(role))


def test_a_proposal_is_checked_against_the_rule(first_contact, proposer):
    """Issue 7 item 2: each wrong input is named by its field, as input refused (422)."""
    with pytest.raises(services.AmendmentError) as error:
        services.amendment_propose(
            rule=first_contact,
            value="0",
            effective_from=NOW - timedelta(days=1),
            reason=" ",
            proposed_by=proposer,
        )
    errors = {one.field: one.reason for one in error.value.field_errors}
    assert errors["value"] == "A duration must be longer than zero."
    assert "cannot be in the past" in errors["effective_from"]
    assert errors["reason"] == "Say why the value changes."
    assert error.value.status == 422
    with pytest.raises(services.AmendmentError, match="same as the value in force") as error:
        propose(first_contact, proposer, value=30)
    assert (error.value.field, error.value.status) == ("value", 422)
    assert not RuleAmendment.objects.exists()


def test_only_the_quality_department_reviews(first_contact, proposer, leader, reviewer):
    """STD-5: reviewed by the quality department, with a review note."""
    amendment = propose(first_contact, proposer)
    with pytest.raises(services.AmendmentError, match="quality department does"):
        services.amendment_review(amendment=amendment, reviewer=leader, note="ok")
    with pytest.raises(services.AmendmentError, match="Write a review note") as missing:
        services.amendment_review(amendment=amendment, reviewer=reviewer, note="")
    assert (missing.value.field, missing.value.status) == ("note", 422)
    reviewed = services.amendment_review(amendment=amendment, reviewer=reviewer, note="可行")
    assert (reviewed.reviewed_by, reviewed.review_note, reviewed.reviewed_at) == (
        reviewer,
        "可行",
        NOW,
    )


def test_only_leadership_approves(reviewed, reviewer, proposer):
    """STD-5: approved by leadership."""
    for person in (reviewer, proposer):
        with pytest.raises(services.AmendmentError, match="leadership does"):
            services.amendment_approve(amendment=reviewed, approver=person)
    assert RuleVersion.objects.filter(from_pack=False).count() == 0


def test_a_superuser_may_take_every_step(first_contact, person_with):
    admin = person_with(is_superuser=True)
    amendment = propose(first_contact, admin)
    services.amendment_review(amendment=amendment, reviewer=admin, note="ok")
    assert services.amendment_approve(amendment=amendment, approver=admin).version.value == 20


@pytest.mark.parametrize(
    "action,state",
    [
        ("approve", "proposed"),
        ("review", "reviewed"),
        ("review", "approved"),
        ("reject", "approved"),
        ("withdraw", "rejected"),
        ("approve", "withdrawn"),
    ],
)
def test_it_refuses_a_step_the_transition_table_does_not_allow(
    first_contact, proposer, reviewer, leader, action, state
):
    """STD-5: the workflow's transitions are explicit; a wrong step is a clear error."""
    amendment = propose(first_contact, proposer)
    if state in ("reviewed", "approved"):
        services.amendment_review(amendment=amendment, reviewer=reviewer, note="ok")
    if state == "approved":
        services.amendment_approve(amendment=amendment, approver=leader)
    if state == "rejected":
        services.amendment_reject(amendment=amendment, person=reviewer, reason="不需要")
    if state == "withdrawn":
        services.amendment_withdraw(amendment=amendment, person=proposer)
    assert state not in AMENDMENT_WORKFLOW.step(action).sources
    steps = {
        "approve": lambda: services.amendment_approve(amendment=amendment, approver=leader),
        "review": lambda: services.amendment_review(
            amendment=amendment, reviewer=reviewer, note="x"
        ),
        "reject": lambda: services.amendment_reject(amendment=amendment, person=leader, reason="x"),
        "withdraw": lambda: services.amendment_withdraw(amendment=amendment, person=proposer),
    }
    with pytest.raises(services.AmendmentError, match=f"This amendment is “{state}”"):
        steps[action]()


def test_either_reviewer_or_leadership_rejects_with_a_reason(
    first_contact, proposer, reviewer, leader
):
    """STD-5: the quality department rejects before its review, leadership after it; a
    rejection needs a reason and the proposer is told."""
    first = propose(first_contact, proposer)
    with pytest.raises(services.AmendmentError, match="before the review"):
        services.amendment_reject(amendment=first, person=leader, reason="x")
    with pytest.raises(services.AmendmentError, match="Say why") as missing:
        services.amendment_reject(amendment=first, person=reviewer, reason="")
    assert (missing.value.field, missing.value.status) == ("reason", 422)
    with pytest.raises(services.AmendmentError, match="after the review"):
        second = propose(first_contact, proposer, value=25)
        services.amendment_review(amendment=second, reviewer=reviewer, note="ok")
        services.amendment_reject(amendment=second, person=reviewer, reason="x")
    rejected = services.amendment_reject(amendment=first, person=reviewer, reason="不必要")
    assert (rejected.state, rejected.decided_by, rejected.decision_reason) == (
        "rejected",
        reviewer,
        "不必要",
    )
    second = RuleAmendment.objects.get(value=25)
    services.amendment_reject(amendment=second, person=leader, reason="暂缓")
    assert RuleVersion.objects.filter(from_pack=False).count() == 0


def test_only_the_proposer_withdraws(first_contact, proposer, reviewer, person_with):
    amendment = propose(first_contact, proposer)
    with pytest.raises(services.AmendmentError, match="Only the person who proposed"):
        services.amendment_withdraw(amendment=amendment, person=person_with("department_manager"))
    withdrawn = services.amendment_withdraw(amendment=amendment, person=proposer, reason="重新考虑")
    assert withdrawn.state == "withdrawn"


def test_a_future_effective_date_is_kept_at_approval(reviewed, leader):
    """STD-5: the approved value applies from the proposed effective date."""
    approval = services.amendment_approve(amendment=reviewed, approver=leader)
    assert approval.version.effective_from == NOW + timedelta(days=10)
    assert not approval.moved_to_now
    company = reviewed.company_id
    assert rule_value(KEY, pack="property", company=company) == timedelta(minutes=30)
    assert rule_value(
        KEY, pack="property", at=NOW + timedelta(days=10), company=company
    ) == timedelta(minutes=20)


def test_a_passed_effective_date_becomes_now_and_says_so(reviewed, leader):
    """STD-5: the effective date may not be in the past at approval; if it has passed, the
    value takes effect now (cases already started keep theirs) and the approval says so."""
    later = NOW + timedelta(days=12)
    with time_machine.travel(later, tick=False):
        approval = services.amendment_approve(amendment=reviewed, approver=leader)
    assert approval.moved_to_now
    assert approval.version.effective_from == later
    assert "had passed at approval" in approval.amendment.decision_reason
    assert rule_value(
        KEY, pack="property", at=later - timedelta(seconds=1), company=None
    ) == timedelta(minutes=30)


def test_approval_fails_clearly_when_the_value_no_longer_changes_anything(
    first_contact, proposer, reviewer, leader
):
    one = propose(first_contact, proposer)
    two = propose(first_contact, proposer)
    for amendment in (one, two):
        services.amendment_review(amendment=amendment, reviewer=reviewer, note="ok")
    services.amendment_approve(amendment=one, approver=leader)
    with pytest.raises(services.AmendmentError, match="cannot take effect.*same as the value"):
        services.amendment_approve(amendment=two, approver=leader)
    two.refresh_from_db()
    assert two.state == "reviewed"


def test_every_step_is_on_the_timeline(first_contact, proposer, reviewer, leader):
    """X-1: each transition is attributed and time-stamped, with the state before and after."""
    amendment = propose(first_contact, proposer)
    services.amendment_review(amendment=amendment, reviewer=reviewer, note="可行")
    services.amendment_approve(amendment=amendment, approver=leader)
    events = list(
        Event.objects.filter(action__startswith="policy.amendment_", object_id=str(amendment.pk))
        .order_by("seq")
        .values_list("action", "actor", "reason")
    )
    assert events == [
        ("policy.amendment_proposed", proposer.pk, "提速"),
        ("policy.amendment_reviewed", reviewer.pk, "可行"),
        ("policy.amendment_approved", leader.pk, ""),
    ]
    approved = Event.objects.get(action="policy.amendment_approved")
    assert (approved.before["state"], approved.after["state"]) == ("reviewed", "approved")
    assert Event.objects.filter(action="policy.rule_revised", actor=proposer).exists()


def test_withdrawal_and_rejection_are_on_the_timeline(first_contact, proposer, reviewer):
    """X-1"""
    one = propose(first_contact, proposer)
    two = propose(first_contact, proposer, value=25)
    services.amendment_withdraw(amendment=one, person=proposer, reason="撤回")
    services.amendment_reject(amendment=two, person=reviewer, reason="不必要")
    assert Event.objects.get(action="policy.amendment_withdrawn").actor == proposer
    assert Event.objects.get(action="policy.amendment_rejected").reason == "不必要"


def test_the_next_actor_is_notified_on_commit(
    django_capture_on_commit_callbacks, first_contact, proposer, reviewer, leader, person_with
):
    """X-3 / STD-5: a proposal goes to the quality department, a review to leadership of the
    same company, the decision to the proposer."""
    outsider = person_with("leadership", unit=UnitFactory())
    with django_capture_on_commit_callbacks(execute=True):
        amendment = propose(first_contact, proposer)
    assert list(Notification.objects.values_list("recipient", "kind")) == [
        (reviewer.pk, "policy.amendment_proposed")
    ]
    with django_capture_on_commit_callbacks(execute=True):
        services.amendment_review(amendment=amendment, reviewer=reviewer, note="可行")
    reviewed_for = set(
        Notification.objects.filter(kind="policy.amendment_reviewed").values_list(
            "recipient", flat=True
        )
    )
    assert reviewed_for == {leader.pk}
    assert outsider.pk not in reviewed_for
    with django_capture_on_commit_callbacks(execute=True):
        services.amendment_approve(amendment=amendment, approver=leader)
    approved = Notification.objects.get(kind="policy.amendment_approved")
    assert approved.recipient == proposer
    # Issue 8 item 6: the rule's name, never its internal key.
    assert first_contact.display_name in approved.title and KEY not in approved.title


def test_nothing_is_notified_when_the_step_rolls_back(
    django_capture_on_commit_callbacks, first_contact, proposer, reviewer
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(services.AmendmentError):
            propose(first_contact, proposer, value="0")
    assert not callbacks
    assert not Notification.objects.exists()


def test_each_role_sees_what_waits_for_it(first_contact, proposer, reviewer, leader):
    """STD-5: the quality department sees proposed amendments to review, leadership the
    reviewed ones to approve, the proposer their own open ones."""
    to_review = propose(first_contact, proposer)
    to_approve = services.amendment_review(
        amendment=propose(first_contact, proposer, value=25), reviewer=reviewer, note="ok"
    )
    assert list(amendments_awaiting_action(reviewer)) == [to_review]
    assert list(amendments_awaiting_action(leader)) == [to_approve]
    assert list(amendments_awaiting_action(proposer)) == []
    assert set(amendments_pending_for(proposer)) == {to_review, to_approve}
    assert amendment_actions(reviewer, to_review) == ["review", "reject"]
    assert amendment_actions(leader, to_approve) == ["approve", "reject"]
    assert amendment_actions(proposer, to_review) == ["withdraw"]
    assert amendment_actions(leader, to_review) == []


def test_it_names_the_amendment_in_the_log_without_codes_or_english(first_contact, proposer):
    """X-2 (issue 7 walk): the event log names an amendment by its rule's name (issue 8
    item 6: not its key) and the proposed value, not the pack's code nor the state in
    English."""
    amendment = propose(first_contact, proposer)
    event = Event.objects.filter(action="policy.amendment_proposed").get()
    assert event.subject_repr.startswith("首次联系客户时限 → ")
    assert KEY not in event.subject_repr
    assert event.subject_repr.endswith(f"→ {amendment.display_value}")
    assert "property:" not in event.subject_repr and "proposed" not in event.subject_repr
