"""The policy pages: who reads, who revises, what the history shows (STD-5)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from pinzhi.core.shell import nav_for, tiles_for
from pinzhi.policy import services
from pinzhi.policy.models import Rule, RuleAmendment
from pinzhi.policy.selectors import rule_value

NOW = datetime(2026, 4, 1, 8, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def english(client):
    client.cookies["django_language"] = "en"
    return client


@pytest.mark.parametrize("role", ["quality_department", "quality_committee", "leadership"])
def test_the_quality_chain_reads_the_rules(signed_in, property_pack, role):
    client = signed_in(role)
    response = client.get(reverse("policy:list"))
    assert response.status_code == 200
    assert "30 分钟" in response.text
    assert "第4篇 五.3" in response.text
    assert "被投诉部门负责人须在 30 分钟内" in response.text


@pytest.mark.parametrize("role", ["customer", "supplier", "supervising_body"])
def test_others_are_refused(signed_in, first_contact, role):
    """People outside the staff do not read the company's rules (issue 8 item 6 opened them
    to every member of the staff)."""
    client = signed_in(role)
    assert client.get(reverse("policy:list")).status_code == 403
    assert client.get(reverse("policy:detail", args=[first_contact.pk])).status_code == 403


def test_the_list_says_when_no_pack_is_loaded(signed_in, db):
    response = signed_in("quality_department").get(reverse("policy:list"))
    assert 'data-testid="no-packs"' in response.text


def test_the_list_searches_by_requirement_id_and_text(signed_in, property_pack):
    client = signed_in("quality_committee")
    response = client.get(reverse("policy:list"), {"pack": "property", "q": "NCR-5"})
    assert "日检不合格上报次数" in response.text
    assert "首次联系客户时限" not in response.text
    response = client.get(reverse("policy:list"), {"pack": "property", "q": "服务明星"})
    assert "服务明星奖励" in response.text
    response = client.get(reverse("policy:list"), {"pack": "property", "q": "nothing-like-it"})
    assert 'data-testid="no-rules"' in response.text


def test_the_list_filters_by_family_and_pages(signed_in, property_pack):
    client = signed_in("leadership")
    response = client.get(reverse("policy:list"), {"pack": "property", "family": "ASM"})
    assert "服务态度投诉扣分" in response.text
    assert "首次联系客户时限" not in response.text
    first = client.get(reverse("policy:list"), {"pack": "property"})
    assert first.context["page_obj"].paginator.num_pages > 1
    second = client.get(reverse("policy:list"), {"pack": "property", "page": 2})
    assert second.context["page_obj"].number == 2


def test_the_list_answers_htmx_with_the_table_only(signed_in, property_pack):
    client = signed_in("quality_department")
    response = client.get(
        reverse("policy:list"), {"pack": "property", "q": "CMP-4"}, headers={"HX-Request": "true"}
    )
    assert "<html" not in response.text
    assert "首次联系客户时限" in response.text


def test_the_list_shows_a_pending_value(signed_in, first_contact):
    client = signed_in("quality_department")
    services.rule_revise(
        rule=first_contact,
        value=20,
        effective_from=NOW + timedelta(days=10),
        author=client.person,
        reason="提速",
        company=None,
    )
    response = client.get(reverse("policy:list"), {"pack": "property", "q": "CMP-4"})
    assert 'data-testid="pending"' in response.text
    assert "20 分钟" in response.text


def test_a_reader_sees_the_history_but_no_form(signed_in, first_contact):
    client = signed_in("leadership")
    response = client.get(reverse("policy:detail", args=[first_contact.pk]))
    assert response.status_code == 200
    assert 'data-testid="history"' in response.text
    assert "从规则包载入" in response.text
    assert 'data-testid="propose-form"' not in response.text
    assert 'data-testid="read-only"' in response.text
    assert 'data-testid="no-amendments"' in response.text


@pytest.mark.parametrize("role", ["leadership", "inspector"])
def test_others_cannot_propose(signed_in, first_contact, role):
    """STD-5: amendments are proposed by the quality department, department managers and
    the quality committee; leadership approves, it does not propose."""
    client = signed_in(role)
    response = client.post(
        reverse("policy:propose", args=[first_contact.pk]), {"value": "20", "reason": "x"}
    )
    assert response.status_code == 403
    assert not RuleAmendment.objects.exists()


@pytest.mark.parametrize("role", ["quality_department", "department_manager", "quality_committee"])
def test_proposers_see_the_form_and_propose(signed_in, first_contact, role):
    """STD-5: "amendments proposed" — by any of the three proposing roles; the value in force
    does not change on a proposal."""
    client = signed_in(role)
    page = client.get(reverse("policy:detail", args=[first_contact.pk]))
    assert 'data-testid="propose-form"' in page.text
    assert page.context["form"].initial["value"] == "30"
    response = client.post(
        reverse("policy:propose", args=[first_contact.pk]),
        {"value": "20", "effective_from": "2026-05-01T00:00", "reason": "业主委员会要求提速"},
        follow=True,
    )
    assert response.status_code == 200
    amendment = RuleAmendment.objects.get()
    assert (amendment.value, amendment.proposed_by, amendment.state) == (
        20,
        client.person,
        "proposed",
    )
    # Shanghai local time: 1 May 00:00 +08:00.
    assert amendment.effective_from == datetime(2026, 4, 30, 16, 0, tzinfo=UTC)
    assert first_contact.versions.count() == 1
    assert 'data-testid="amendments"' in response.text
    assert "业主委员会要求提速" in response.text


def test_an_amendment_goes_through_review_and_approval_on_the_pages(
    client, person_with, first_contact
):
    """STD-5: proposed → reviewed by the quality department → approved by leadership, with
    an effective date; only the approval writes the new version."""
    proposer = person_with("department_manager")
    reviewer = person_with("quality_department")
    leader = person_with("leadership")
    client.force_login(proposer)
    client.post(
        reverse("policy:propose", args=[first_contact.pk]),
        {"value": "20", "effective_from": "2026-05-01T00:00", "reason": "业主委员会要求提速"},
    )
    amendment = RuleAmendment.objects.get()

    client.force_login(reviewer)
    pending = client.get(reverse("policy:amendments"))
    assert f'data-testid="amendment-{amendment.pk}"' in pending.text
    confirm = client.get(reverse("policy:amendment_review", args=[amendment.pk]))
    assert 'data-testid="confirm"' in confirm.text and "20 分钟" in confirm.text
    missing_note = client.post(reverse("policy:amendment_review", args=[amendment.pk]), {})
    assert missing_note.status_code == 400
    client.post(
        reverse("policy:amendment_review", args=[amendment.pk]),
        {"text": "与客服部核实可行", "next": "list"},
    )
    amendment.refresh_from_db()
    assert amendment.state == "reviewed" and amendment.reviewed_by == reviewer
    assert first_contact.versions.count() == 1

    client.force_login(leader)
    pending = client.get(reverse("policy:amendments"))
    assert f'data-testid="amendment-{amendment.pk}"' in pending.text
    response = client.post(
        reverse("policy:amendment_approve", args=[amendment.pk]), {"next": ""}, follow=True
    )
    assert response.status_code == 200
    version = first_contact.versions.get(from_pack=False)
    assert (version.value, version.author, version.reason) == (20, proposer, "业主委员会要求提速")
    assert version.effective_from == datetime(2026, 4, 30, 16, 0, tzinfo=UTC)
    assert "2026-05-01 00:00" in response.text
    assert leader.get_full_name() in response.text
    company = proposer.company
    assert version.company == company
    assert rule_value("complaints.first_contact", pack="property", company=company) == timedelta(
        minutes=30
    )
    assert rule_value(
        "complaints.first_contact",
        pack="property",
        at=datetime(2026, 5, 2, tzinfo=UTC),
        company=company,
    ) == timedelta(minutes=20)


def test_a_bad_proposal_is_shown_with_its_reason(signed_in, first_contact):
    """Issue 7 item 2: the service's refusal is shown on the form, as input refused (422)."""
    client = signed_in("quality_department")
    response = client.post(
        reverse("policy:propose", args=[first_contact.pk]), {"value": "0", "reason": "试试"}
    )
    assert response.status_code == 422
    assert "时长必须大于零" in response.text
    response = client.post(reverse("policy:propose", args=[first_contact.pk]), {"value": "20"})
    assert response.status_code == 400
    assert "这个字段是必填项" in response.text or "reason" in response.context["form"].errors
    assert not RuleAmendment.objects.exists()


def test_a_range_is_proposed_with_two_inputs(signed_in, property_pack):
    rule = Rule.objects.get(pack__code="property", key="assessment.offence_category_a")
    client = signed_in("quality_department")
    response = client.post(
        reverse("policy:propose", args=[rule.pk]),
        {"minimum": "-5", "maximum": "-15", "reason": "调整"},
    )
    assert response.status_code == 422
    assert "下限（−5）不能大于上限（−15）" in response.text
    client.post(
        reverse("policy:propose", args=[rule.pk]),
        {"minimum": "-20", "maximum": "-5", "reason": "调整"},
    )
    assert RuleAmendment.objects.get(rule=rule).value == {"min": -20, "max": -5}


def test_a_frequency_is_proposed_with_times_and_period(signed_in, property_pack):
    rule = Rule.objects.get(pack__code="property", key="inspections.supervision_check")
    client = signed_in("quality_department")
    client.post(
        reverse("policy:propose", args=[rule.pk]),
        {"times": "2", "per": "quarter", "reason": "加密检查"},
    )
    assert RuleAmendment.objects.get(rule=rule).value == {"times": 2, "per": "quarter"}


def test_the_pages_speak_english_too(english, signed_in, first_contact):
    client = signed_in("quality_department")
    response = client.get(reverse("policy:detail", args=[first_contact.pk]))
    assert "30 minutes" in response.text
    assert "contacts the customer within 30 minutes" in response.text


def test_the_home_tile_shows_changes_due_within_30_days(person_with, first_contact):
    editor = person_with("quality_department")
    assert "policy-upcoming" not in [tile.key for tile, _ in tiles_for(editor)]
    services.rule_revise(
        rule=first_contact,
        value=20,
        effective_from=NOW + timedelta(days=40),
        author=editor,
        reason="远期",
        company=None,
    )
    assert "policy-upcoming" not in [tile.key for tile, _ in tiles_for(editor)]
    services.rule_revise(
        rule=first_contact,
        value=25,
        effective_from=NOW + timedelta(days=7),
        author=editor,
        reason="提速",
        company=None,
    )
    tile, context = next((t, c) for t, c in tiles_for(editor) if t.key == "policy-upcoming")
    assert context["count"] == 1
    with translation.override("zh-hans"):
        html = render_to_string(tile.template, {"tile": context})
    assert "25 分钟" in html
    assert reverse("policy:detail", args=[first_contact.pk]) in html


def test_the_tile_is_only_for_the_quality_department(person_with, first_contact):
    services.rule_revise(
        rule=first_contact,
        value=25,
        effective_from=NOW + timedelta(days=7),
        author=person_with("quality_department"),
        reason="提速",
        company=None,
    )
    leader = person_with("leadership")
    assert "policy-upcoming" not in [tile.key for tile, _ in tiles_for(leader)]


def test_the_nav_offers_the_rules_to_the_quality_chain(person_with, db):
    with translation.override("zh-hans"):
        sections = {str(name): entries for name, entries in nav_for(person_with("leadership"))}
    assert "policy:list" in [entry.url_name for entry in sections["制度与规则"]]
    assert not any(
        entry.url_name == "policy:list"
        for _, entries in nav_for(person_with("customer"))
        for entry in entries
    )


def _queries(client, params):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("policy:list"), params).status_code == 200
    return len(captured.captured_queries)


def test_the_list_costs_the_same_queries_for_one_rule_or_a_full_page(signed_in, property_pack):
    """No query per row: a page of 25 rules costs what a page of one costs."""
    client = signed_in("quality_department")
    client.get(reverse("policy:list"), {"pack": "property"})  # warm the session and caches
    one = _queries(client, {"pack": "property", "q": "complaints.first_contact_special"})
    full = _queries(client, {"pack": "property"})
    assert one == full


def test_the_detail_page_costs_the_same_queries_with_more_amendments(
    signed_in, first_contact, person_with
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = signed_in("quality_department")
    proposer = person_with("department_manager")

    def count():
        with CaptureQueriesContext(connection) as captured:
            client.get(reverse("policy:detail", args=[first_contact.pk]))
        return len(captured.captured_queries)

    services.amendment_propose(
        rule=first_contact, value=20, effective_from=None, reason="a", proposed_by=proposer
    )
    one = count()
    for value in (21, 22, 23):
        services.amendment_propose(
            rule=first_contact, value=value, effective_from=None, reason="b", proposed_by=proposer
        )
    assert count() == one


def test_the_amendments_page_is_empty_when_nothing_waits(signed_in, db):
    response = signed_in("leadership").get(reverse("policy:amendments"))
    assert response.status_code == 200
    assert 'data-testid="no-pending"' in response.text


def test_leadership_rejects_from_the_amendments_page(client, person_with, first_contact):
    """STD-5: rejected by leadership, with a reason, after a confirmation page."""
    proposer = person_with("quality_committee")
    amendment = services.amendment_propose(
        rule=first_contact, value=20, effective_from=None, reason="a", proposed_by=proposer
    )
    services.amendment_review(
        amendment=amendment, reviewer=person_with("quality_department"), note="ok"
    )
    client.force_login(person_with("leadership"))
    listing = client.get(reverse("policy:amendments"))
    url = reverse("policy:amendment_reject", args=[amendment.pk])
    assert f"{url}?next=list" in listing.text
    confirm = client.get(url, {"next": "list"})
    assert 'data-testid="confirm"' in confirm.text
    assert client.post(url, {"text": "", "next": "list"}).status_code == 400
    response = client.post(url, {"text": "暂缓", "next": "list"})
    assert response.status_code == 302 and response["Location"] == reverse("policy:amendments")
    amendment.refresh_from_db()
    assert (amendment.state, amendment.decision_reason) == ("rejected", "暂缓")


def test_the_proposer_withdraws_from_the_rule_page(signed_in, first_contact):
    client = signed_in("department_manager")
    amendment = services.amendment_propose(
        rule=first_contact, value=20, effective_from=None, reason="a", proposed_by=client.person
    )
    page = client.get(reverse("policy:detail", args=[first_contact.pk]))
    assert reverse("policy:amendment_withdraw", args=[amendment.pk]) in page.text
    assert reverse("policy:amendment_review", args=[amendment.pk]) not in page.text
    client.post(reverse("policy:amendment_withdraw", args=[amendment.pk]), {"text": ""})
    amendment.refresh_from_db()
    assert amendment.state == "withdrawn"


def test_a_wrong_step_is_refused_on_the_page(client, person_with, first_contact):
    amendment = services.amendment_propose(
        rule=first_contact,
        value=20,
        effective_from=None,
        reason="a",
        proposed_by=person_with("quality_department"),
    )
    client.force_login(person_with("leadership"))
    response = client.post(reverse("policy:amendment_approve", args=[amendment.pk]), {})
    assert response.status_code == 409
    assert 'data-testid="step-error"' in response.text
    assert first_contact.versions.count() == 1


def test_a_late_approval_says_the_value_applies_now(client, person_with, first_contact):
    """STD-5: an effective date that passed before approval becomes "now", and the page
    says so."""
    amendment = services.amendment_propose(
        rule=first_contact,
        value=20,
        effective_from=NOW + timedelta(days=1),
        reason="a",
        proposed_by=person_with("quality_department"),
    )
    services.amendment_review(
        amendment=amendment, reviewer=person_with("quality_department"), note="ok"
    )
    leader = person_with("leadership")
    with time_machine.travel(NOW + timedelta(days=3), tick=False):
        # Signed in then, not three days before: an idle session ends (issue 6 item 10).
        client.force_login(leader)
        response = client.post(
            reverse("policy:amendment_approve", args=[amendment.pk]), {}, follow=True
        )
        assert "生效日期" in response.text or "had passed" in response.text
        assert rule_value(
            "complaints.first_contact", pack="property", company=amendment.company_id
        ) == timedelta(minutes=20)


def test_the_amendment_tile_shows_what_waits_and_none_otherwise(person_with, first_contact):
    """STD-5: the quality department's tile lists proposals to review, leadership's the
    reviewed ones to approve; no tile when nothing waits."""
    reviewer = person_with("quality_department")
    leader = person_with("leadership")

    def tile_of(person):
        return next((c for t, c in tiles_for(person) if t.key == "policy-amendments"), None)

    assert tile_of(reviewer) is None and tile_of(leader) is None
    amendment = services.amendment_propose(
        rule=first_contact,
        value=20,
        effective_from=None,
        reason="a",
        proposed_by=person_with("department_manager"),
    )
    assert tile_of(reviewer)["count"] == 1 and tile_of(leader) is None
    services.amendment_review(amendment=amendment, reviewer=reviewer, note="ok")
    assert tile_of(reviewer) is None
    context = tile_of(leader)
    assert context["count"] == 1
    tile = next(t for t, _ in tiles_for(leader) if t.key == "policy-amendments")
    with translation.override("zh-hans"):
        html = render_to_string(tile.template, {"tile": context})
    assert "20 分钟" in html and reverse("policy:amendments") in html


def test_the_nav_offers_amendments_to_proposers_reviewers_and_leadership(person_with, db):
    def names(person):
        return {entry.url_name for _, entries in nav_for(person) for entry in entries}

    for role in ("quality_department", "leadership", "department_manager", "quality_committee"):
        assert "policy:amendments" in names(person_with(role)), role
    assert "policy:amendments" not in names(person_with("inspector"))


def test_a_superuser_reaches_every_amendment_page(client, person_with, first_contact):
    amendment = services.amendment_propose(
        rule=first_contact,
        value=20,
        effective_from=None,
        reason="a",
        proposed_by=person_with("quality_department"),
    )
    client.force_login(person_with(is_superuser=True))
    for name in ("amendment_review", "amendment_reject", "amendment_withdraw"):
        assert client.get(reverse(f"policy:{name}", args=[amendment.pk])).status_code == 200
    assert client.get(reverse("policy:amendments")).status_code == 200


def test_it_says_at_once_why_a_stale_step_page_cannot_be_used(client, person_with, first_contact):
    """Issue 7 item 2 (walk): the approval page of an amendment that is not yet reviewed (a
    stale link) shows the amendment, says why the step cannot be taken and offers no button,
    instead of refusing only after the button is pressed."""
    amendment = services.amendment_propose(
        rule=first_contact,
        value=20,
        effective_from=None,
        reason="a",
        proposed_by=person_with("quality_department"),
    )
    client.force_login(person_with("leadership"))
    response = client.get(reverse("policy:amendment_approve", args=[amendment.pk]))
    assert response.status_code == 200
    assert 'data-testid="step-refused"' in response.text
    assert 'data-testid="submit-approve"' not in response.text
