"""STD-2: a standard's life — draft, comments from departments and users, approval by
leadership, publication; versions kept; the periodic review tracked as a deadline."""

from datetime import timedelta

import pytest
import time_machine

from pinzhi.deadlines.models import Deadline
from pinzhi.deadlines.sweep import sweep
from pinzhi.lib.clock import now
from pinzhi.lib.workflow import NotNow, NotPermitted, OutOfScope, WrongState
from pinzhi.notify.models import Notification
from pinzhi.standards import services
from pinzhi.standards.models import (
    CommentSource,
    ServiceItem,
    Standard,
    StandardStatus,
    VersionState,
)
from pinzhi.timeline.models import Event


@pytest.fixture
def item(company, quality):
    services.catalogue_install_pack(company=company, actor=quality)
    return ServiceItem.objects.get(company=company, code="CS")


def _draft(item, actor, code="CS-09"):
    return services.standard_draft(
        item=item,
        code=code,
        title="报修 30 分钟内上门",
        requirement="一般维修 30 分钟内上门查看。",
        dimension="efficiency",
        measure="30 分钟内",
        actor=actor,
    )


def test_it_takes_a_standard_from_draft_to_published(item, quality, leader, staff):
    """STD-2: working group draft → comments from a department and a user → approval by
    leadership → published; every step on the standard's timeline."""
    version = _draft(item, quality)
    standard = version.standard
    assert standard.status == StandardStatus.DRAFT
    services.version_open_comments(version=version, actor=quality)
    services.version_comment(version=version, actor=staff, text="同意。")
    services.version_comment(
        version=version,
        actor=quality,
        source=CommentSource.USER,
        commenter_name="业主 宋女士",
        text="夜间也要 30 分钟。",
    )
    services.version_submit(version=version, actor=quality)
    services.version_approve(version=version, actor=leader)
    services.version_publish(version=version, actor=quality)
    standard.refresh_from_db()
    version.refresh_from_db()
    assert standard.status == StandardStatus.PUBLISHED
    assert version.state == VersionState.PUBLISHED and version.approved_by == leader
    assert [c.source for c in version.comments.all()] == ["department", "user"]
    assert version.comments.first().unit == staff.unit
    actions = list(
        Event.objects.filter(object_id=standard.pk, action__startswith="standard.")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [
        "standard.drafted",
        "standard.consultation_opened",
        "standard.commented",
        "standard.commented",
        "standard.submitted",
        "standard.approved",
        "standard.published",
    ]


def test_it_refuses_to_submit_a_draft_nobody_commented_on(item, quality):
    """STD-2: a draft reaches leadership only after the departments and users were heard."""
    version = _draft(item, quality)
    services.version_open_comments(version=version, actor=quality)
    with pytest.raises(NotNow) as caught:
        services.version_submit(version=version, actor=quality)
    assert "No comment has been recorded" in caught.value.reason


def test_it_lets_only_leadership_approve(item, quality, staff):
    """STD-2: approval is leadership's (经主管单位审批)."""
    version = _draft(item, quality)
    services.version_open_comments(version=version, actor=quality)
    services.version_comment(version=version, actor=staff, text="同意。")
    services.version_submit(version=version, actor=quality)
    with pytest.raises(NotPermitted) as caught:
        services.version_approve(version=version, actor=quality)
    assert "leadership" in caught.value.reason


def test_it_keeps_another_company_out(item, quality, outsider):
    """STD-2: only people of the standard's company take its steps."""
    version = _draft(item, quality)
    with pytest.raises(OutOfScope):
        services.version_open_comments(version=version, actor=outsider)


def test_it_returns_a_draft_to_the_working_group_with_a_reason(item, quality, leader, staff):
    """STD-2: leadership may return the draft; a reason is required."""
    version = _draft(item, quality)
    services.version_open_comments(version=version, actor=quality)
    services.version_comment(version=version, actor=staff, text="同意。")
    services.version_submit(version=version, actor=quality)
    with pytest.raises(services.StandardError) as caught:
        services.version_return(version=version, actor=leader, reason=" ")
    assert caught.value.field == "reason"
    services.version_return(version=version, actor=leader, reason="请写明夜间要求。")
    version.refresh_from_db()
    assert version.state == VersionState.DRAFT


def test_it_changes_a_published_standard_only_by_a_new_version(company, item, quality, leader):
    """STD-2: the published text is never edited; a new version goes through the steps and,
    once published, supersedes the old one, which stays readable."""
    standard = Standard.objects.get(company=company, code="CS-01")
    first = standard.versions.get()
    with pytest.raises(services.StandardError):
        services.version_edit(
            version=first, title="x", requirement="y", dimension="result", actor=quality
        )
    second = services.standard_revise(
        standard=standard,
        title=standard.title,
        requirement="电话必须在响铃两声内接听。",
        dimension=standard.dimension,
        measure="响铃 2 声内接听",
        change_note="客户反映等待过久。",
        actor=quality,
    )
    assert second.number == 2
    with pytest.raises(services.StandardError) as caught:
        services.standard_revise(
            standard=standard, title="t", requirement="r", dimension="result", actor=quality
        )
    assert "still being worked on" in caught.value.reason
    services.version_open_comments(version=second, actor=quality)
    services.version_comment(version=second, actor=quality, text="同意。")
    services.version_submit(version=second, actor=quality)
    services.version_approve(version=second, actor=leader)
    standard.refresh_from_db()
    assert standard.requirement.startswith("电话必须在响铃三声内接听")  # still v1 in force
    services.version_publish(version=second, actor=quality)
    standard.refresh_from_db()
    first.refresh_from_db()
    assert standard.requirement == "电话必须在响铃两声内接听。"
    assert first.state == VersionState.SUPERSEDED
    assert first.requirement.startswith("电话必须在响铃三声内接听")
    reviews = Deadline.objects.filter(kind="standard.review", object_id=standard.pk)
    assert sorted(reviews.values_list("state", flat=True)) == ["met", "open"]


def test_it_withdraws_a_standard_and_cancels_its_review(company, item, quality):
    """STD-2: a withdrawn standard is no longer in force; its review no longer runs."""
    standard = Standard.objects.get(company=company, code="FAC-01")
    version = standard.versions.get()
    with pytest.raises(services.StandardError):
        services.version_withdraw(version=version, actor=quality, reason="")
    services.version_withdraw(version=version, actor=quality, reason="并入 FAC-02。")
    standard.refresh_from_db()
    assert standard.status == StandardStatus.WITHDRAWN
    review = Deadline.objects.get(kind="standard.review", object_id=standard.pk)
    assert review.state == Deadline.State.CANCELLED
    with pytest.raises(WrongState):
        services.version_review(version=version, actor=quality)


def test_it_escalates_an_overdue_review_to_leadership(company, item, quality, leader):
    """STD-2: the review date is a deadline from the pack's review period (365 days by
    default); overdue it tells the quality department, and leadership after the pack's
    escalation period (30 days)."""
    standard = Standard.objects.get(company=company, code="SEC-01")
    version = standard.versions.get()
    assert version.review_due - version.published_at == timedelta(days=365)
    with time_machine.travel(version.review_due + timedelta(hours=1)):
        sweep(now())
    assert Notification.objects.filter(recipient=quality).exists()
    assert not Notification.objects.filter(recipient=leader).exists()
    with time_machine.travel(version.review_due + timedelta(days=30, hours=1)):
        sweep(now())
    assert Notification.objects.filter(recipient=leader).exists()


def test_it_confirms_a_standard_after_review_and_sets_the_next_review(company, item, quality):
    """STD-2: a review that finds the standard right meets the deadline and opens the next
    one from that day."""
    standard = Standard.objects.get(company=company, code="GRN-01")
    version = standard.versions.get()
    later = version.review_due - timedelta(days=10)
    with time_machine.travel(later):
        services.version_review(version=version, actor=quality, note="无投诉，检查全部合格。")
        reviewed_at = now()
    version.refresh_from_db()
    assert version.reviewed_at is not None
    assert version.review_due - reviewed_at < timedelta(days=365, minutes=1)
    states = Deadline.objects.filter(kind="standard.review", object_id=standard.pk)
    assert sorted(states.values_list("state", flat=True)) == ["met", "open"]
