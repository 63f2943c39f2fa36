"""The rectification loop (NCR-2), overdue rectifications (NCR-3) and work orders."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from pinzhi.deadlines.models import Deadline
from pinzhi.deadlines.selectors import deadlines_for
from pinzhi.deadlines.sweep import sweep
from pinzhi.inspections.tests.factories import inspection_submitted
from pinzhi.lib.clock import now
from pinzhi.lib.workflow import NotPermitted, OutOfScope, WrongState
from pinzhi.rectification import services
from pinzhi.rectification.models import CommitteeReport, Nonconformity, WorkOrder
from pinzhi.rectification.selectors import nonconformities_visible_to, overdue_board
from pinzhi.timeline.models import Event

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


def _finding(org, *, supplier=None, version=None, code="A1", severity="general"):
    inspection_submitted(
        version=version or org.version,
        unit=org.estate,
        inspector=org.inspector,
        results={code: "fail"},
        severities={code: severity},
        supplier=supplier,
    )
    services.inspections_follow()
    return Nonconformity.objects.get(item_code=code, unit=org.estate)


def test_it_closes_a_fix_the_inspector_accepts(org):
    """NCR-2: the unit reports its fix with a photo, the deadline is met, the inspector
    verifies and records the result; the nonconformity closes."""
    nc = _finding(org)
    photo = SimpleUploadedFile("fix.png", PNG, content_type="image/png")
    report = services.nonconformity_report_fix(
        nonconformity=nc, actor=org.unitqa, text="已更换灯管", photos=[photo]
    )
    assert len(report.attachment_ids) == 1
    assert nc.status == Nonconformity.Status.FIX_REPORTED
    assert deadlines_for(nc).get().state == Deadline.State.MET
    services.nonconformity_accept(nonconformity=nc, actor=org.inspector, note="现场复查合格")
    nc.refresh_from_db()
    assert nc.status == Nonconformity.Status.CLOSED and nc.closed_at is not None
    event = Event.objects.get(action="rectification.verified")
    assert event.data["accepted"] is True and event.data["unit_id"] == org.estate.pk
    assert event.data["late"] is False


def test_it_reopens_a_rejected_fix_with_a_new_deadline(org):
    """NCR-2: a fix the inspector rejects reopens the nonconformity with a new deadline that
    the deadline engine follows."""
    nc = _finding(org)
    services.nonconformity_report_fix(nonconformity=nc, actor=org.unitqa, text="已处理")
    new_due = now() + timedelta(days=2)
    services.nonconformity_reopen(
        nonconformity=nc, actor=org.inspector, note="仍有两盏不亮", new_due_at=new_due
    )
    nc.refresh_from_db()
    assert nc.status == Nonconformity.Status.OPEN and nc.reopened == 1 and nc.due_at == new_due
    running = deadlines_for(nc).filter(state=Deadline.State.OPEN).get()
    assert running.due_at == new_due


def test_it_refuses_a_new_deadline_in_the_past(org):
    """Bad input: a reopening needs a deadline in the future, named on its field."""
    nc = _finding(org)
    services.nonconformity_report_fix(nonconformity=nc, actor=org.unitqa, text="已处理")
    with pytest.raises(services.RectificationError) as error:
        services.nonconformity_reopen(
            nonconformity=nc,
            actor=org.inspector,
            note="不合格",
            new_due_at=now() - timedelta(hours=1),
        )
    assert error.value.field == "new_due_at"
    nc.refresh_from_db()
    assert nc.status == Nonconformity.Status.FIX_REPORTED


def test_only_the_unit_or_its_supplier_reports_a_fix_and_only_once_per_key(org):
    """NCR-2: another unit's admin or another supplier may not report the fix; the supplier
    whose service failed may; a resend with the same key returns the stored report."""
    import uuid

    nc = _finding(org, supplier=org.supplier)
    with pytest.raises(NotPermitted):
        services.nonconformity_report_fix(nonconformity=nc, actor=org.other_unitqa, text="x")
    with pytest.raises(OutOfScope):
        services.nonconformity_report_fix(nonconformity=nc, actor=org.stranger, text="x")
    key = uuid.uuid4()
    first = services.nonconformity_report_fix(
        nonconformity=nc, actor=org.cleaner, text="已清理", client_key=key
    )
    again = services.nonconformity_report_fix(
        nonconformity=nc, actor=org.cleaner, text="已清理", client_key=key
    )
    assert first.pk == again.pk and nc.fix_reports.count() == 1
    with pytest.raises(WrongState):
        services.nonconformity_report_fix(nonconformity=nc, actor=org.cleaner, text="再报")


def test_a_supplier_sees_the_findings_of_its_own_checks_only(org):
    """NCR-5 / ORG-2: a supplier's people see the findings of the checks of their service;
    another supplier sees none of them."""
    mine = _finding(org, supplier=org.supplier)
    other = services.nonconformity_raise(
        unit=org.estate, title="绿化带杂草", severity="minor", actor=org.inspector
    )
    assert list(nonconformities_visible_to(org.cleaner)) == [mine]
    assert not nonconformities_visible_to(org.stranger).exists()
    assert other in nonconformities_visible_to(org.unitqa)
    assert other not in nonconformities_visible_to(org.other_unitqa)


def test_an_overdue_rectification_escalates_and_is_reported_to_the_owners_committee(
    org, clock, django_capture_on_commit_callbacks
):
    """NCR-3: past its deadline a rectification is marked overdue once (an event for the
    points ledger), reported to the owners' committee as the pack says (004 第3篇 7), and
    goes up its escalation ladder — the unit's head after the pack's overrun."""
    from pinzhi.notify.models import Notification

    nc = _finding(org)
    clock.move_to(nc.due_at + timedelta(hours=1))
    assert services.overdue_sweep() == 1
    assert services.overdue_sweep() == 0
    event = Event.objects.get(action="rectification.overdue")
    assert event.data["unit_id"] == org.estate.pk and event.data["round"] == 0
    assert CommitteeReport.objects.filter(nonconformity=nc).count() == 1
    assert list(overdue_board(org.quality).qs) == [nc]
    with django_capture_on_commit_callbacks(execute=True):
        sweep(now())
    assert Notification.objects.filter(recipient=org.unitqa).exists()
    clock.move_to(nc.due_at + timedelta(hours=25))
    with django_capture_on_commit_callbacks(execute=True):
        sweep(now())
    assert Notification.objects.filter(recipient=org.manager).exists()
    assert deadlines_for(nc).get().escalation_step == 2


def test_it_keeps_the_owners_committee_out_when_the_pack_says_so(org, clock):
    """NCR-3: the report to the owners' committee follows the pack's rule."""
    from pinzhi.policy.models import Rule, RuleVersion

    rule = Rule.objects.get(pack__code="property", key="rectification.report_overdue_to_owners")
    RuleVersion.objects.filter(rule=rule).update(value=False)
    from pinzhi.policy.selectors import rule_cache_clear

    rule_cache_clear()
    nc = _finding(org)
    clock.move_to(nc.due_at + timedelta(minutes=5))
    services.overdue_sweep()
    assert not CommitteeReport.objects.exists()
    assert Event.objects.filter(action="rectification.overdue").count() == 1


def test_a_large_job_becomes_a_work_order_with_its_own_due_time(org):
    """NCR-2 (004 第3篇 5): a work order replaces the hour's limit with its own due time;
    reporting the fix completes it."""
    nc = _finding(org, version=org.cleaning, code="C1", severity="minor")
    assert nc.due_at == now() + timedelta(hours=1)
    due = now() + timedelta(days=2)
    order = services.work_order_issue(
        nonconformity=nc, actor=org.inspector, job="外墙清洗", due_at=due
    )
    assert order.number.startswith("BS-")
    kinds = {d.kind: d.state for d in deadlines_for(nc)}
    assert kinds == {
        "rectification.fix": Deadline.State.CANCELLED,
        "rectification.work_order": Deadline.State.OPEN,
    }
    nc.refresh_from_db()
    assert nc.due_at == due
    services.nonconformity_report_fix(nonconformity=nc, actor=org.unitqa, text="外墙已清洗")
    order.refresh_from_db()
    assert order.status == WorkOrder.Status.DONE and order.reply == "外墙已清洗"
