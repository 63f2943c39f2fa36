"""The points ledger's pages (issue 11 item 3): a person's own months with every entry's
rule, clause and cause; a manager's people and their ledgers with the entry forms; the
verified complaints naming nobody for the quality department."""

from django.urls import reverse

from pinzhi.assessment.models import EntryKind, PointsEntry
from pinzhi.assessment.services.derive import ledger_follow
from pinzhi.assessment.services.offences import daily_record
from pinzhi.assessment.tests.factories import complaint_verified
from pinzhi.orgs.tests.factories import PASSWORD


def _as(client, person):
    assert client.login(username=person.username, password=PASSWORD)
    return client


def test_my_assessment_shows_each_entry_with_its_rule_clause_and_cause(client, org, clock):
    """ASM-11 "why", issue 11 item 3: a person sees their own month — base, points, score —
    and each entry with the rule's statement, the clause and what caused it."""
    for _ in range(2):
        complaint_verified(staff=org.staff, title="垃圾未清运")
    ledger_follow()
    page = _as(client, org.staff).get(reverse("assessment:ledger_mine"))
    text = page.content.decode()
    assert page.status_code == 200
    assert "我的考核" in text and "2026年3月" in text
    assert text.count('data-testid="entry-row"') == 2
    assert "第5篇 二.2" in text and "垃圾未清运" in text
    assert 'data-testid="month-score">85<' in text  # 100 − 5 − 10


def test_a_person_with_no_entry_sees_an_empty_month(client, org):
    page = _as(client, org.other).get(reverse("assessment:ledger_mine"))
    assert 'data-testid="no-entries"' in page.content.decode()


def test_a_manager_lists_their_people_with_the_month_totals(client, org, clock):
    """Issue 11 item 3: the supervisor of 翠湖花园 sees its people, not 滨江名苑's."""
    daily_record(person=org.staff, points=-3, reason="迟到", actor=org.supervisor)
    page = _as(client, org.supervisor).get(
        reverse("assessment:ledger_people"), {"month": "2026-03"}
    )
    text = page.content.decode()
    assert "李保洁" in text and "吴秩序" not in text and "-3" in text
    searched = client.get(reverse("assessment:ledger_people"), {"q": "E002"})
    assert 'data-testid="no-people"' in searched.content.decode()
    assert client.get(reverse("assessment:ledger_person", args=[org.other.pk])).status_code == 404


def test_a_manager_records_an_offence_from_the_form(client, org, clock):
    """ASM-5: the form books the entry; a value outside the range is refused beside the
    field with the clause."""
    _as(client, org.quality)
    url = reverse("assessment:offence_record", args=[org.staff.pk])
    assert client.get(url).status_code == 200
    refused = client.post(
        url, {"category": "a", "points": "-20", "day": "2026-03-10", "reason": "争执"}
    )
    assert refused.status_code == 400 and "第4篇 九 第一款" in refused.content.decode()
    booked = client.post(
        url,
        {
            "category": "a",
            "points": "-8",
            "day": "2026-03-10",
            "reason": "与业主争执",
            "notice": "on",
        },
    )
    assert booked.status_code == 302
    entry = PointsEntry.objects.get(person=org.staff)
    assert (entry.kind, entry.points, entry.notice) == (EntryKind.OFFENCE_A, -8, True)


def test_a_manager_corrects_an_entry_from_the_form(client, org, clock):
    entry = daily_record(person=org.staff, points=-6, reason="迟到", actor=org.manager)
    _as(client, org.manager)
    url = reverse("assessment:entry_correct", args=[entry.pk])
    assert client.post(url, {"points": "-6", "reason": "x"}).status_code == 400
    assert client.post(url, {"points": "0", "reason": "误记"}).status_code == 302
    assert PointsEntry.objects.get(corrects=entry).points == 6


def test_staff_cannot_open_the_entry_forms(client, org):
    _as(client, org.staff)
    assert client.get(reverse("assessment:ledger_people")).status_code == 403
    url = reverse("assessment:daily_record", args=[org.other.pk])
    assert client.get(url).status_code == 403


def test_the_quality_department_sees_the_complaints_naming_nobody(client, org, clock):
    """Issue 11 item 1: a verified complaint naming nobody books nothing but is listed."""
    complaint_verified(staff=None, department=org.ch, title="公共区域漏水")
    complaint_verified(staff=org.staff, title="态度生硬")
    page = _as(client, org.quality).get(reverse("assessment:unassigned"))
    text = page.content.decode()
    assert "公共区域漏水" in text and "态度生硬" not in text
    assert _as(client, org.manager).get(reverse("assessment:unassigned")).status_code == 403
