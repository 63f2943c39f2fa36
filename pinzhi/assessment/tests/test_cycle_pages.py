"""The monthly cycle's pages (ASM-3): the quality department runs the month, a department
manager reviews their department, an employee appeals, the decision changes the total, the
payroll file is downloaded."""

import io
from datetime import date

from django.urls import reverse
from openpyxl import load_workbook

from pinzhi.assessment.models import (
    Appeal,
    AppealStatus,
    AssessmentMonth,
    EntryKind,
    MonthlyTotal,
    MonthStatus,
)
from pinzhi.assessment.services import cycle
from pinzhi.assessment.services.ledger import entry_book
from pinzhi.lib.clock import now

MARCH = date(2026, 3, 1)


def entry(org, points=-10):
    return entry_book(
        company=org.company,
        person=org.staff,
        kind=EntryKind.DAILY_RECORD,
        occurred_at=now(),
        points=points,
        reason="未按时完成保洁",
    )


def as_user(client, person):
    client.force_login(person)
    return client


def test_it_takes_the_month_through_its_steps_on_the_page(client, org, clock):
    """ASM-3: compute → send for review → the CH manager reviews → publish; publishing is
    refused, with the department named, while a department is not reviewed."""
    entry(org)
    clock.move_to("2026-04-01 09:00 +0800")
    as_user(client, org.quality)
    response = client.post(reverse("assessment:month_compute_new"), {"month": "2026-03"})
    assert response.status_code == 302
    month = AssessmentMonth.objects.get(company=org.company, month=MARCH)
    page = client.get(reverse("assessment:month", args=["2026-03"]))
    assert page.status_code == 200 and "李保洁" in page.text and "90" in page.text
    client.post(reverse("assessment:month_step", args=["2026-03", "send_review"]))
    month.refresh_from_db()
    assert month.status == MonthStatus.REVIEW
    refused = client.post(reverse("assessment:month_step", args=["2026-03", "publish"]))
    assert refused.status_code == 409 and "翠湖花园" in refused.text
    as_user(client, org.manager)
    review_page = client.get(reverse("assessment:month_review", args=["2026-03"]))
    assert review_page.status_code == 200 and "未按时完成保洁" in review_page.text
    client.post(
        reverse("assessment:month_review", args=["2026-03"]),
        {"unit": org.ch.pk, "note": "已核对"},
    )
    assert month.reviews.get().note == "已核对"
    as_user(client, org.quality)
    client.post(reverse("assessment:month_step", args=["2026-03", "publish"]))
    month.refresh_from_db()
    assert month.status == MonthStatus.PUBLISHED and month.appeal_until is not None


def published(org, clock):
    clock.move_to("2026-04-01 09:00 +0800")
    month = cycle.month_compute(company=org.company, month=MARCH)
    cycle.month_send_review(assessment_month=month, actor=org.quality)
    cycle.department_review(assessment_month=month, unit=org.ch, actor=org.manager)
    return cycle.month_publish(assessment_month=month, actor=org.quality)


def test_an_employee_appeals_and_the_line_manager_partly_upholds(client, org, clock):
    """ASM-3: the employee contests their entry with a reason; their line manager partly
    upholds it (−10 → −4): a correction of +6 is booked and the total becomes 96."""
    booked = entry(org)
    month = published(org, clock)
    as_user(client, org.staff)
    mine = client.get(reverse("assessment:my_appeals"))
    assert mine.status_code == 200 and "未按时完成保洁" in mine.text
    empty = client.post(reverse("assessment:appeal_create", args=[booked.pk]), {"reason": " "})
    assert empty.status_code == 400
    client.post(
        reverse("assessment:appeal_create", args=[booked.pk]), {"reason": "当天停水，无法作业"}
    )
    appeal = Appeal.objects.get(entry=booked)
    again = client.post(reverse("assessment:appeal_create", args=[booked.pk]), {"reason": "再次"})
    assert again.status_code == 400 and "只能申诉一次" in again.text
    as_user(client, org.supervisor)
    bad = client.post(
        reverse("assessment:appeal", args=[appeal.pk]),
        {"outcome": "partly", "decision": "部分属实", "points": "-20"},
    )
    assert bad.status_code == 400
    client.post(
        reverse("assessment:appeal", args=[appeal.pk]),
        {"outcome": "partly", "decision": "停水属实，但未报告", "points": "-4"},
    )
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.PARTLY and appeal.correction.points == 6
    assert MonthlyTotal.objects.get(assessment_month=month, person=org.staff).score == 96


def test_another_staff_member_cannot_decide_or_see_the_appeal(client, org, clock):
    """ASM-3: only the quality department or the person's line manager decides."""
    booked = entry(org)
    published(org, clock)
    appeal = cycle.appeal_file(entry=booked, actor=org.staff, reason="不属实")
    as_user(client, org.other)
    assert client.get(reverse("assessment:appeal", args=[appeal.pk])).status_code in (403, 404)


def test_it_refuses_an_appeal_after_the_window_with_the_date(client, org, clock):
    """ASM-3: an appeal only inside the window (the pack's 3 days)."""
    booked = entry(org)
    published(org, clock)
    clock.move_to("2026-04-05 09:00 +0800")
    as_user(client, org.staff)
    response = client.post(
        reverse("assessment:appeal_create", args=[booked.pk]), {"reason": "不属实"}
    )
    assert response.status_code == 400 and "2026-04-04 09:00" in response.text


def test_it_refuses_approval_while_an_appeal_is_pending(client, org, clock):
    """ASM-3: approval waits for every appeal's decision."""
    booked = entry(org)
    month = published(org, clock)
    cycle.appeal_file(entry=booked, actor=org.staff, reason="不属实")
    clock.move_to("2026-04-06 09:00 +0800")
    as_user(client, org.quality)
    response = client.post(reverse("assessment:month_step", args=["2026-03", "approve"]))
    assert response.status_code == 409 and "1" in response.text
    month.refresh_from_db()
    assert month.status == MonthStatus.PUBLISHED


def test_the_quality_department_closes_and_downloads_the_payroll_file(client, org, clock):
    """ASM-3: closed and exported to payroll (姓名, 工号, 部门, 基础分, 加减分, 得分, 金额)."""
    entry(org)
    month = published(org, clock)
    clock.move_to("2026-04-06 09:00 +0800")
    as_user(client, org.quality)
    client.post(reverse("assessment:month_step", args=["2026-03", "approve"]))
    client.post(reverse("assessment:month_step", args=["2026-03", "close"]))
    month.refresh_from_db()
    assert month.status == MonthStatus.CLOSED
    response = client.get(reverse("assessment:payroll", args=["2026-03"]))
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert ("李保洁", "E001", "翠湖花园", 100, -10, 90, 0) in rows
    as_user(client, org.staff)
    assert client.get(reverse("assessment:payroll", args=["2026-03"])).status_code == 403


def test_staff_do_not_see_a_month_before_it_is_published(client, org):
    cycle.month_compute(company=org.company, month=MARCH)
    as_user(client, org.staff)
    assert client.get(reverse("assessment:my_appeals")).status_code == 200
    assert client.get(reverse("assessment:month", args=["2026-03"])).status_code == 403
    as_user(client, org.manager)
    assert client.get(reverse("assessment:months")).status_code == 200
    assert client.get(reverse("assessment:month", args=["2026-13"])).status_code == 404
