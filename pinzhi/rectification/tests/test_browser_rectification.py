"""In a real browser at phone width (390 px): a submitted inspection's finding is fixed by
the unit with a photo and verified by the inspector; another one runs past its deadline when
the clock moves, and the quality department sees it escalated on the overdue board
(NCR-2, NCR-3)."""

from datetime import timedelta

import pytest
import time_machine

from pinzhi.deadlines.sweep import sweep
from pinzhi.inspections.tests.factories import inspection_submitted, template_published
from pinzhi.lib.clock import now
from pinzhi.orgs.demo import DEMO_PASSWORD, load_demo_organisation
from pinzhi.orgs.models import Person, Unit
from pinzhi.policy.services import pack_load
from pinzhi.rectification import services
from pinzhi.rectification.models import FixReport, Nonconformity

from .test_loop import PNG

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

START = "2026-11-23 09:00 +0800"


def sign_in(page, username):
    page.context.clear_cookies()
    page.goto("/signin/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


def take(page, step, fill):
    panel = page.get_by_test_id(f"action-{step}")
    form = panel.locator("form")
    if not form.is_visible():
        panel.locator("button").first.click()
    for name, value in fill.items():
        form.locator(f"[name={name}]").fill(value)
    with page.expect_navigation():
        form.get_by_test_id(f"submit-{step}").click()


def test_a_finding_is_fixed_with_a_photo_verified_and_another_escalates_on_the_board(
    page, tmp_path
):
    """NCR-2: fix with a photo → verification; NCR-3: overdue → escalation on the board."""
    with time_machine.travel(START, tick=False) as clock:
        pack_load(code="property")
        company = load_demo_organisation()
        bjm = Unit.objects.get(company=company, code="BJM")
        inspector = Person.objects.get(username="inspector")
        version = template_published(company)
        inspection_submitted(
            version=version,
            unit=bjm,
            inspector=inspector,
            results={"A1": "fail", "A2": "fail"},
            severities={"A1": "general", "A2": "minor"},
        )
        services.inspections_follow()
        fixed = Nonconformity.objects.get(item_code="A1")
        late = Nonconformity.objects.get(item_code="A2")
        page.set_viewport_size({"width": 390, "height": 844})

        sign_in(page, "unitqa")
        page.goto("/rectification/")
        assert page.get_by_test_id("finding-row").count() == 2
        page.goto(f"/rectification/{fixed.pk}/")
        photo = tmp_path / "fix.png"
        photo.write_bytes(PNG)
        panel = page.get_by_test_id("action-report_fix")
        panel.locator("[name=text]").fill("已更换损坏灯管并复查")
        panel.locator("[name=photos]").set_input_files(str(photo))
        with page.expect_navigation():
            panel.get_by_test_id("submit-report_fix").click()
        assert page.get_by_test_id("nc-status").inner_text() == "已回复，待验证"
        assert page.get_by_test_id("evidence").count() == 1
        assert FixReport.objects.get(nonconformity=fixed).attachment_ids

        sign_in(page, "inspector")
        page.goto(f"/rectification/{fixed.pk}/")
        take(page, "accept", {"note": "现场复查合格"})
        assert page.get_by_test_id("nc-status").inner_text() == "已验证关闭"
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page is {width} px wide at 390 px"

        clock.move_to(late.due_at + timedelta(days=2))
        services.overdue_sweep()
        sweep(now())
        sign_in(page, "quality")
        page.goto("/rectification/overdue/")
        rows = page.get_by_test_id("finding-row")
        assert rows.count() == 1
        assert "已逾期" in rows.first.inner_text()
        assert page.get_by_test_id("escalated").count() == 1
        assert "已报呈业主/业委会" in rows.first.inner_text()
        page.screenshot(path="/tmp/ncr-board.png", full_page=True)
