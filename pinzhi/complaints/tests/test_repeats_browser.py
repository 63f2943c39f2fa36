"""CMP-8 and item 7 in a real browser at phone width: the trend chart renders (ECharts from
the JSON script tag), and an import walks upload → mapping → check → progress (htmx)."""

import csv
import io

import pytest

from pinzhi.complaints.tests.test_grouping import LIFT, LIFT2, LIFT3, other_customer
from pinzhi.orgs.tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, person):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/signin/")
    page.fill("#id_username", person.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


def test_the_repeat_analysis_draws_the_trend_chart(page, org, register):
    """CMP-8: the topics' trend as a stacked chart."""
    for i, data in enumerate((LIFT, LIFT2, LIFT3)):
        register(**data, **other_customer(i))
    sign_in(page, org.committee)
    page.goto("/complaints/repeats/")
    page.wait_for_selector('[data-testid="trend-chart"] canvas')
    assert page.get_by_test_id("group").count() == 1
    assert "3" in page.get_by_test_id("group").first.inner_text()


def test_an_import_runs_from_upload_to_done(page, org, settings, tmp_path):
    """X-4 (issue item 7): GBK CSV through the pages; the progress part polls until done."""
    settings.MEDIA_ROOT = tmp_path
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    out = io.StringIO()
    csv.writer(out).writerows(
        [
            ["留言编号", "留言时间", "留言主题", "留言详情"],
            ["1", "2025-03-01 10:00", "路灯不亮", "5栋门口路灯坏了一周"],
            ["2", "不是日期", "垃圾没清", "垃圾桶满了"],
        ]
    )
    path = tmp_path / "gbk.csv"
    path.write_bytes(out.getvalue().encode("gbk"))
    sign_in(page, org.quality)
    page.goto("/complaints/import/")
    page.set_input_files("input[name=file]", str(path))
    page.click('[data-testid="upload-form"] button[type=submit]')
    page.wait_for_selector('[data-testid="preview"]')
    assert "GBK" in page.get_by_test_id("file-info").inner_text()
    page.click('[data-testid="mapping-form"] button[type=submit]')
    page.wait_for_selector('[data-testid="good"]')
    assert page.get_by_test_id("good").inner_text() == "1"
    assert page.get_by_test_id("broken").inner_text() == "1"
    page.get_by_test_id("start").click()
    page.wait_for_selector('[data-testid="done"]')
    assert "不是日期" in page.get_by_test_id("broken-rows").inner_text()
