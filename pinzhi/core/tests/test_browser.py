"""In a real browser: two roles sign in and each sees only what their role allows."""

import pytest

from pinzhi.core.demo import DEMO_PASSWORD, load_demo_organisation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, username):
    page.goto("/signin/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


def test_quality_department_and_service_staff_see_different_things(page):
    """ORG-2, X-2: the quality department sees the organisation; service staff do not."""
    load_demo_organisation()

    sign_in(page, "quality")
    nav = page.get_by_test_id("nav")
    assert "郑丽华" in page.get_by_test_id("who").inner_text()
    assert "质量管理部" in page.get_by_test_id("roles").inner_text()
    quality_nav = nav.inner_text()
    page.get_by_role("button", name="退出").click()

    sign_in(page, "staff")
    staff_nav = page.get_by_test_id("nav").inner_text()
    assert "服务人员" in page.get_by_test_id("roles").inner_text()
    assert len(staff_nav) < len(quality_nav)


def test_the_language_can_be_switched_to_english(page):
    """X-2: simplified Chinese by default, English selectable."""
    load_demo_organisation()
    sign_in(page, "staff")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    with page.expect_navigation():
        page.get_by_test_id("language").select_option("en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Sign out" in page.content()
