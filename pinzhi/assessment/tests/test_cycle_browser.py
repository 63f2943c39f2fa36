"""In a real browser at phone width (390 px): an employee appeals an entry of the published
month, the quality department upholds it, and the employee's total changes (ASM-3)."""

from datetime import date

import pytest

from pinzhi.assessment.models import EntryKind, MonthlyTotal
from pinzhi.assessment.services import cycle
from pinzhi.assessment.services.ledger import entry_book
from pinzhi.lib.clock import now

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Pinzhi@2026"


def sign_in(page, username):
    page.context.clear_cookies()
    page.goto("/signin/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


def test_an_employee_appeals_in_the_browser_and_the_upheld_appeal_changes_the_total(
    page, org, clock
):
    """ASM-3: published month → the employee appeals their −10 with a reason → the quality
    department upholds it → the correction books +10 and the total goes from 90 to 100."""
    for person in (org.staff, org.quality):
        person.set_password(PASSWORD)
        person.save(update_fields=["password"])
    entry_book(
        company=org.company,
        person=org.staff,
        kind=EntryKind.DAILY_RECORD,
        occurred_at=now(),
        points=-10,
        reason="公共区域保洁不到位",
        entered_by=org.supervisor,
    )
    clock.move_to("2026-04-01 09:00 +0800")
    month = cycle.month_compute(company=org.company, month=date(2026, 3, 1))
    cycle.month_send_review(assessment_month=month, actor=org.quality)
    cycle.department_review(assessment_month=month, unit=org.ch, actor=org.manager)
    cycle.month_publish(assessment_month=month, actor=org.quality)
    assert MonthlyTotal.objects.get(assessment_month=month, person=org.staff).score == 90
    page.set_viewport_size({"width": 390, "height": 844})

    sign_in(page, "staff")
    page.goto("/assessment/months/appeals/")
    assert "公共区域保洁不到位" in page.get_by_test_id("my-entry").first.inner_text()
    page.get_by_test_id("appeal-link").first.click()
    page.wait_for_url("**/appeal/")
    page.fill("[name=reason]", "当天该区域由外包保洁负责，不属于我的责任区")
    with page.expect_navigation():
        page.get_by_test_id("submit-appeal").click()
    assert page.get_by_test_id("appeal-status").first.inner_text() == "待处理"

    sign_in(page, "quality")
    page.goto("/assessment/months/2026-03/")
    assert page.get_by_test_id("pending-count").is_visible()
    page.get_by_test_id("appeal-row").first.locator("a").click()
    page.wait_for_url("**/appeals/*/")
    page.check("[name=outcome][value=upheld]")
    page.fill("[name=decision]", "经核实该区域属外包保洁责任区，撤销扣分")
    with page.expect_navigation():
        page.get_by_test_id("submit-decision").click()
    page.get_by_test_id("filters").locator("[name=q]").fill("李保洁")
    page.get_by_test_id("filters").locator("[name=q]").press("Enter")
    page.wait_for_url("**q=*")
    assert page.get_by_test_id("score").first.inner_text() == "100"
    assert MonthlyTotal.objects.get(assessment_month=month, person=org.staff).score == 100

    sign_in(page, "staff")
    page.goto("/assessment/months/appeals/")
    assert page.get_by_test_id("appeal-status").first.inner_text() == "申诉成立"
