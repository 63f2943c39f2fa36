"""Consequence pages (ASM-8, ASM-10): the list with who decides what, a proposal, the
decision step shown only to whom the scale allows."""

from datetime import date

from django.urls import reverse

from pinzhi.assessment.models import (
    Consequence,
    ConsequenceKind,
    ConsequenceStatus,
    Sanction,
    WorstServiceRating,
)
from pinzhi.assessment.services.consequences import consequence_propose
from pinzhi.lib.clock import now
from pinzhi.training.models import AssignmentStatus, TrainingAssignment


def test_it_shows_the_penalty_scale_and_filters_the_list(org, client):
    """ASM-10: the page says who decides each step of the scale (000 第十九条)."""
    consequence_propose(
        company=org.company,
        kind=ConsequenceKind.SANCTION,
        sanction=Sanction.FINE,
        person=org.staff,
        reason="服务态度投诉两次",
        actor=org.quality,
    )
    consequence_propose(
        company=org.company,
        kind=ConsequenceKind.TEAM_REWARD,
        unit=org.bjm,
        reason="季度零投诉",
        actor=org.quality,
    )
    client.force_login(org.quality)
    page = client.get(reverse("assessment:consequences")).content.decode()
    assert "奖惩决定权限" in page and "降薪" in page and "停职" in page
    assert "李保洁" in page and "滨江名苑" in page
    only = client.get(reverse("assessment:consequences"), {"kind": "team_reward"})
    assert "季度零投诉" in only.content.decode() and "服务态度投诉两次" not in only.content.decode()
    by_unit = client.get(reverse("assessment:consequences"), {"unit": org.ch.pk})
    assert "服务态度投诉两次" in by_unit.content.decode()


def test_it_shows_a_person_their_own_consequences_only(org, client):
    """ASM-10: staff see their own consequences, not a colleague's."""
    mine = consequence_propose(
        company=org.company,
        kind=ConsequenceKind.SANCTION,
        sanction=Sanction.CRITICISM,
        person=org.staff,
        reason="工作服不整",
    )
    theirs = consequence_propose(
        company=org.company,
        kind=ConsequenceKind.SANCTION,
        sanction=Sanction.CRITICISM,
        person=org.other,
        reason="迟到",
    )
    client.force_login(org.staff)
    assert client.get(reverse("assessment:consequence", args=[mine.pk])).status_code == 200
    assert client.get(reverse("assessment:consequence", args=[theirs.pk])).status_code == 404
    page = client.get(reverse("assessment:consequence", args=[mine.pk])).content.decode()
    assert 'data-testid="decide-form"' not in page and "部门经理" in page


def test_it_lets_a_line_manager_propose_only_for_their_people(org, client):
    """ASM-10: a department manager proposes a sanction for the people of their estate;
    rewards are the quality department's."""
    client.force_login(org.manager)
    url = reverse("assessment:consequence_propose")
    refused = client.post(url, {"kind": "team_reward", "unit": org.ch.pk, "reason": "表现好"})
    assert refused.status_code == 400
    assert "无权" in refused.content.decode()
    ok = client.post(
        url,
        {"kind": "sanction", "sanction": "warning", "person": org.staff.pk, "reason": "顶撞业主"},
    )
    assert ok.status_code == 302
    assert Consequence.objects.get().created_by == org.manager


def test_it_decides_a_retraining_on_the_page_and_assigns_it(org, client):
    """ASM-8: the manager decides a retraining from a failed result; the training is
    assigned with the pack's time limit."""
    proposal = consequence_propose(
        company=org.company,
        kind=ConsequenceKind.RETRAINING,
        person=org.staff,
        reason="第一季度考核不合格",
    )
    client.force_login(org.manager)
    url = reverse("assessment:consequence", args=[proposal.pk])
    page = client.get(url).content.decode()
    assert 'data-testid="decide-form"' in page and "之后不能修改" in page
    missing = client.post(url, {"accept": "yes", "decision": ""})
    assert missing.status_code == 400
    assert client.post(url, {"accept": "yes", "decision": "参加服务礼仪培训"}).status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == ConsequenceStatus.DECIDED
    assignment = TrainingAssignment.objects.get(person=org.staff)
    assert assignment.status == AssignmentStatus.OPEN
    assert assignment.due_on == date(2026, 4, 9)
    assert "2026-04-09" in client.get(url).content.decode()


def test_it_shows_the_source_rating_and_refuses_a_decider_below_the_scale(org, client):
    """ASM-7 / ASM-10: a dismissal proposal from the 3rd worst-service rating shows its
    source; the department manager cannot decide it."""
    rating = WorstServiceRating.objects.create(
        company=org.company,
        person=org.staff,
        unit=org.ch,
        month=date(2026, 2, 1),
        complaints=2,
        ordinal=3,
        created_at=now(),
    )
    proposal = consequence_propose(
        company=org.company,
        kind=ConsequenceKind.DISMISSAL_PROPOSAL,
        person=org.staff,
        reason="累计 3 次服务最差",
        source_rating=rating,
    )
    client.force_login(org.manager)
    url = reverse("assessment:consequence", args=[proposal.pk])
    page = client.get(url).content.decode()
    assert "累计第 3 次被评为服务最差" in page and "2026-02" in page
    assert 'data-testid="decide-form"' not in page
    assert client.post(url, {"accept": "yes", "decision": "辞退"}).status_code == 404
    client.force_login(org.leader)
    assert 'data-testid="decide-form"' in client.get(url).content.decode()
