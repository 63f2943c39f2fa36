"""X-3 in a real browser: a person reads a notification in the inbox without a reload."""

import pytest

from pinzhi.notify.services import notify
from pinzhi.orgs.tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_person_marks_a_notification_read_in_the_inbox(page, person_with):
    """X-3: the in-app inbox with its unread count."""
    person = person_with("complaint_handler")
    notify(recipients=[person], kind="deadline.breached", title="投诉 C-1 处理超时")
    notify(recipients=[person], kind="complaint.assigned", title="新投诉已分派给您")

    page.goto("/signin/")
    page.fill("#id_username", person.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")
    page.goto("/notifications/")

    assert page.get_by_test_id("inbox-unread").inner_text() == "2"
    first = page.get_by_test_id("notification").first
    first.get_by_test_id("mark-read").click()
    page.wait_for_selector('[data-testid="notification"][data-unread="0"]')

    assert page.locator('[data-testid="notification"][data-unread="1"]').count() == 1
    page.get_by_test_id("mark-all-read").click()
    page.wait_for_load_state()
    assert page.locator('[data-testid="notification"][data-unread="1"]').count() == 0
