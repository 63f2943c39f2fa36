"""The case history reads as a quality manager reads it (issue 8 item 6): labels, names and
local times, never stored codes, database ids, English keys, True/False or UTC ISO times."""

import re

from django.urls import reverse

from pinzhi.complaints import services
from pinzhi.complaints.models import Severity
from pinzhi.deadlines.display import kind_label
from pinzhi.timeline.actions import action_label

# ASCII words allowed in the history's text: the contact letters' numbers (LXH…).
ALLOWED_WORDS = {"LXH"}


def history_text(client, complaint) -> str:
    """The text of the case page's history card, without its tags."""
    html = client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    start = html.rindex("<div", 0, html.index('data-testid="timeline-events"'))
    timeline = html[start:]
    # The card's body ends where the case's panel ends (case.html): the history is last.
    text = re.sub(r"<[^>]+>", " ", timeline)
    return re.sub(r"\s+", " ", text)


def walked_case(org, register):
    """Registered, routed to 安保部, routed again (transferred) to 客服部, handed over,
    signed for, and the customer contacted with staff on site."""
    complaint = register(severity=Severity.URGENT)
    services.complaint_route(
        complaint=complaint, actor=org.registrar, department=org.ab, head=org.head, request="请核查"
    )
    services.complaint_route(
        complaint=complaint,
        actor=org.registrar,
        department=org.kf,
        head=org.other_head,
        request="转客服部处理",
    )
    services.complaint_hand_over(
        complaint=complaint, actor=org.registrar, to_person=org.quality, note="交品质部跟进"
    )
    letter = complaint.letters.order_by("-sent_at", "-pk").first()
    services.letter_acknowledge(letter=letter, actor=org.other_head)
    services.complaint_record_contact(complaint=complaint, actor=org.other_head, on_site=True)
    return complaint


def test_it_shows_no_code_id_key_flag_or_utc_time_in_the_case_history(clock, org, client, register):
    """Issue 8 item 6: after a routing, a transfer to another department, a hand-over, a
    signed contact letter and a contact with staff on site, the history shows labels
    (服务热线, 已发工作联系函), the names of the people and departments (not their ids), the
    fields' names (部门负责人, 人员到场), 是 rather than True, and local times."""
    complaint = walked_case(org, register)
    client.force_login(org.quality)
    text = history_text(client, complaint)
    words = set(re.findall(r"[A-Za-z_]{2,}", text)) - ALLOWED_WORDS
    assert not words, words
    standalone_numbers = re.findall(r"(?<![\w:\-.])\d+(?![\w:\-.])", text)
    assert not standalone_numbers, standalone_numbers
    assert not re.search(r"\d{4}-\d{2}-\d{2}T|\+00:00|UTC", text)
    for shown in (
        "服务热线",  # channel
        "安全秩序",  # category
        "已发工作联系函",  # status
        "部门负责人",  # the letter's addressee, a key of no model
        org.head.full_name,
        org.other_head.full_name,
        "客服部",
        "安保部",
        "人员到场",
        "是",  # staff on site
        "2026-11-23 09:00",  # the contact, in Beijing time (the clock is 09:00 +08:00)
    ):
        assert shown in text, shown
    # A deadline's owner moved to the department head: named, as the deadline's 责任人,
    # not the complaint's 首问责任人, and the event says which limit moved.
    assert f"责任人 ： {org.registrar.full_name} {org.head.full_name}" in text
    assert f"{action_label('deadline.reassigned')}：{kind_label(services.FIRST_CONTACT)}" in text


def test_it_masks_the_customer_in_the_labelled_history(clock, org, client, register):
    """ORG-3 still holds on the labelled history: a viewer who may not see the customer
    reads no customer name or phone in it."""
    complaint = walked_case(org, register)
    client.force_login(org.other_head)
    text = history_text(client, complaint)
    assert "李业主" not in text and "13912345678" not in text
