"""In a real browser: two roles sign in and each sees only what their role allows."""

import pytest

from pinzhi.orgs.demo import DEMO_PASSWORD, load_demo_organisation
from pinzhi.orgs.models import Person

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


def test_the_pages_work_under_the_content_security_policy(page):
    """Issue 6 item 10: with the Content-Security-Policy enforced, the pages load without a
    single violation (the `page` fixture fails on any), the ECharts chart draws, htmx swaps
    and the language switcher still submits."""
    from django.core.management import call_command
    from django.urls import reverse

    from pinzhi.complaints.models import Complaint

    call_command("load_demo", stdout=None)
    sign_in(page, "quality")
    complaint = Complaint.objects.order_by("pk").first()
    staff = Person.objects.get(username="staff")
    for url in (
        reverse("core:home"),
        reverse("orgs:tree"),
        reverse("orgs:people"),
        reverse("orgs:person_detail", args=[staff.pk]),
        reverse("orgs:companies"),
        reverse("complaints:list"),
        reverse("complaints:detail", args=[complaint.pk]),
        reverse("policy:list"),
        reverse("timeline:events"),
        reverse("deadlines:list"),
        reverse("notify:inbox"),
        reverse("portal:qr_codes"),
        reverse("core:password_change"),
    ):
        response = page.goto(url)
        assert response.status == 200, url
        assert "Content-Security-Policy" in {k.title() for k in response.headers}, url

    # ECharts draws the repeat trend into a canvas.
    page.goto(reverse("repeats:index"))
    page.wait_for_selector("[data-testid=trend-chart] canvas")

    # htmx swaps the filtered complaint list in place.
    page.goto(reverse("complaints:list"))
    with page.expect_response(lambda r: "q=" in r.url and r.request.headers.get("hx-request")):
        page.locator("[data-testid=filters] input[name=q]").fill("渗水")
        page.locator("[data-testid=filters] input[name=q]").press("Enter")
    page.wait_for_load_state("networkidle")

    page.context.clear_cookies()
    for url in (reverse("portal:landing"), reverse("portal:complaint"), reverse("core:login")):
        assert page.goto(url).status == 200, url


def test_an_administrator_issues_a_sign_in_code_and_the_person_sets_their_own_password(page):
    """Issue 6 item 4, in a real browser: the quality department confirms, sees the code
    once and hands it over; the person sets their own password on the public page and signs
    in with it; the leader's page offers the quality department nothing to change."""
    load_demo_organisation()
    sign_in(page, "quality")
    leader = Person.objects.get(username="leader")
    page.goto(f"/org/people/{leader.pk}/")
    assert page.get_by_test_id("ranks-above").is_visible()
    assert page.get_by_test_id("issue-code-link").count() == 0

    staff = Person.objects.get(username="staff")
    page.goto(f"/org/people/{staff.pk}/")
    page.get_by_test_id("issue-code-link").click()
    assert page.get_by_test_id("confirm").is_visible()
    page.get_by_test_id("issue-code").click()
    code = page.get_by_test_id("sign-in-code").inner_text().strip()
    set_url = page.get_by_test_id("set-url").inner_text().strip()
    assert len(code) == 14 and "username=staff" in set_url

    page.context.clear_cookies()
    page.goto(set_url)
    form = page.get_by_test_id("password-set-form")
    assert form.locator("[name=username]").input_value() == "staff"
    form.locator("[name=code]").fill(code)
    form.locator("[name=new_password1]").fill("Mayong-own-2026")
    form.locator("[name=new_password2]").fill("Mayong-own-2026")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/signin/")
    page.fill("#id_username", "staff")
    page.fill("#id_password", "Mayong-own-2026")
    page.click("button[type=submit]")
    page.wait_for_url("**/")
    assert "马勇" in page.get_by_test_id("who").inner_text()
