"""Issue 8 item 6 in a real browser at phone width (375 × 812): the complaint list is one
card per complaint whose subject has the card's width, and the filter bar folds behind a
「筛选」 button that counts the active filters."""

import pytest

from pinzhi.orgs.tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_SUBJECT = "地下车库入口道闸坏了三天外来车辆随意进出"


def sign_in(page, person, *, width=375, height=812):
    page.set_viewport_size({"width": width, "height": height})
    page.goto("/signin/")
    page.fill("#id_username", person.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


def test_at_phone_width_the_subject_has_the_cards_width(page, org, register, tmp_path):
    """Issue 8 item 6: at 375 px each complaint is a card and its subject is shown whole on
    the card's width, not squeezed to a character beside the other columns."""
    register(title=LONG_SUBJECT)
    sign_in(page, org.quality)
    page.goto("/complaints/")
    cell = page.locator('[data-testid="row"] td').nth(2)
    assert LONG_SUBJECT in cell.inner_text()
    box = cell.bounding_box()
    assert box["width"] > 300
    assert not page.locator('[data-testid="complaints"] thead').is_visible()
    # Nothing wider than the screen: no sideways scrolling of the list.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path=str(tmp_path / "complaints-375.png"))


def test_at_phone_width_the_filters_fold_behind_a_button_that_counts_them(page, org, register):
    """Issue 8 item 6: on a phone the filter bar is folded behind 「筛选」, which shows how
    many filters are active; opening it shows the bar; a change recounts."""
    register()
    sign_in(page, org.quality)
    page.goto("/complaints/?severity=general&overdue=on")
    toggle = page.get_by_test_id("filter-toggle")
    assert toggle.is_visible() and "筛选" in toggle.inner_text()
    assert page.get_by_test_id("filter-count").inner_text() == "2"
    assert not page.get_by_test_id("filters").is_visible()
    assert page.get_by_test_id("row").count() == 0 or page.get_by_test_id("count").is_visible()
    toggle.click()
    assert page.get_by_test_id("filters").is_visible()
    page.select_option("select[name=channel]", "hotline")
    page.wait_for_function(
        "document.querySelector('[data-testid=filter-count]').textContent === '3'"
    )
    page.goto("/complaints/")
    assert not page.get_by_test_id("filter-count").is_visible()


def test_on_a_wide_screen_the_filter_bar_is_open_without_a_button(page, org, register):
    register()
    sign_in(page, org.quality, width=1280, height=900)
    page.goto("/complaints/?severity=general")
    assert page.get_by_test_id("filters").is_visible()
    assert not page.get_by_test_id("filter-toggle").is_visible()
