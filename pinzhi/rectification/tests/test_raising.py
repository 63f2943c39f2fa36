"""Nonconformities raised from submitted inspections (NCR-1, NCR-2): exactly once, with the
severity's deadline from the pack."""

from datetime import timedelta

from pinzhi.deadlines.models import Deadline
from pinzhi.deadlines.selectors import deadlines_for
from pinzhi.inspections.tests.factories import inspection_submitted
from pinzhi.lib.clock import now
from pinzhi.rectification import services
from pinzhi.rectification.models import Nonconformity
from pinzhi.timeline.models import Event


def test_it_raises_one_nonconformity_per_failed_answer_exactly_once(org):
    """NCR-2: each failed answer of a submitted inspection is one nonconformity, however
    often the consumer runs."""
    inspection_submitted(
        version=org.version,
        unit=org.estate,
        inspector=org.inspector,
        results={"A1": "fail", "A2": "fail"},
    )
    assert services.inspections_follow() == 1
    assert services.inspections_follow() == 0
    services.nonconformities_from_answers(
        answer_ids=list(Nonconformity.objects.values_list("answer_id", flat=True))
    )
    assert Nonconformity.objects.count() == 2
    nc = Nonconformity.objects.order_by("pk").first()
    assert nc.number.startswith("ZG-") and nc.item_code == "A1"
    assert Event.objects.filter(action="rectification.raised").count() == 2


def test_it_sets_the_deadline_of_each_severity_from_the_pack(org):
    """NCR-1: general → the pack's general deadline (7 days), minor → 24 hours, serious → 3
    days; the deadline engine follows each."""
    inspection_submitted(
        version=org.version,
        unit=org.estate,
        inspector=org.inspector,
        results={"A1": "fail", "A2": "fail", "B1": "fail"},
        severities={"A1": "general", "A2": "minor", "B1": "serious"},
    )
    services.inspections_follow()
    by_code = {nc.item_code: nc for nc in Nonconformity.objects.all()}
    assert by_code["A1"].due_at == now() + timedelta(days=7)
    assert by_code["A2"].due_at == now() + timedelta(hours=24)
    assert by_code["B1"].due_at == now() + timedelta(days=3)
    deadline = deadlines_for(by_code["A1"]).get()
    assert deadline.kind == "rectification.fix" and deadline.state == Deadline.State.OPEN
    assert deadline.due_at == by_code["A1"].due_at


def test_it_gives_a_minor_cleaning_fault_one_hour(org):
    """NCR-2 (004 第3篇 4): a minor cleaning fault is fixed within 1 hour of notice."""
    inspection_submitted(
        version=org.cleaning,
        unit=org.estate,
        inspector=org.inspector,
        results={"C1": "fail"},
        severities={"C1": "minor"},
    )
    services.inspections_follow()
    nc = Nonconformity.objects.get()
    assert nc.is_cleaning and nc.rule_key == "rectification.minor_cleaning_fix"
    assert nc.due_at == now() + timedelta(hours=1)


def test_it_issues_a_warning_and_reports_a_serious_finding_up_level_by_level(
    org, django_capture_on_commit_callbacks
):
    """NCR-1: a serious finding issues a warning notice and goes to the unit's head first,
    then the quality department, then leadership, each notified."""
    from pinzhi.notify.models import Notification
    from pinzhi.rectification.workflow import NONCONFORMITY_WORKFLOW

    nc = services.nonconformity_raise(
        unit=org.estate, title="消防通道堵塞", severity="serious", actor=org.inspector
    )
    assert nc.warning_notice and nc.reported_level == 1
    assert services.nonconformity_report_up(nonconformity=nc, actor=org.quality) == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert services.nonconformity_report_up(nonconformity=nc, actor=org.quality) == 3
    assert not NONCONFORMITY_WORKFLOW.may(org.quality, nc, "report_up")
    events = Event.objects.filter(action="rectification.reported_up").order_by("pk")
    assert [e.data["level"] for e in events] == [1, 2, 3]
    assert events[0].data["recipient_ids"] == [org.manager.pk]
    assert events[2].data["recipient_ids"] == [org.leader.pk]
    assert Notification.objects.filter(recipient=org.leader).exists()


def test_it_refuses_a_nonconformity_without_a_problem(org):
    """Bad input gets a specific message, nothing is written."""
    import pytest

    from pinzhi.rectification.services import RectificationError

    with pytest.raises(RectificationError) as error:
        services.nonconformity_raise(
            unit=org.estate, title="  ", severity="general", actor=org.inspector
        )
    assert error.value.field == "title"
    assert not Nonconformity.objects.exists()
