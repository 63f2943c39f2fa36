from datetime import date

import pytest
from django.urls import reverse

from pinzhi.assessment.models import AssessmentMonth, MonthStatus, ServiceStar
from pinzhi.assessment.services.board import star_name, worst_service_rate
from pinzhi.assessment.tests.test_board_worst import complaints

FEB, MAR = date(2026, 2, 1), date(2026, 3, 1)


@pytest.fixture
def board(org, clock):
    """February: 李保洁 the star of 翠湖花园, 滨江名苑 named none; 吴秩序 rated worst service
    with two complaints."""
    star_name(company=org.company, unit=org.ch, month=FEB, person=org.staff, actor=org.manager)
    star_name(company=org.company, unit=org.bjm, month=FEB, person=None, actor=org.quality)
    clock.move_to("2026-02-02 10:00 +0800")
    complaints(org, org.other, 2, clock)
    worst_service_rate(company=org.company, month=FEB)
    clock.move_to("2026-03-10 10:00 +0800")
    return org


def _text(response) -> str:
    return response.content.decode()


def test_it_hides_the_board_from_staff_until_the_month_is_published(board, client):
    """ASM-6/ASM-7: the board is published (张榜公布) with the month; staff never see a
    draft."""
    client.force_login(board.staff)
    response = client.get(reverse("assessment:board_month", args=["2026-02"]))
    assert response.status_code == 200
    assert 'data-testid="board-unpublished"' in _text(response)
    assert "吴秩序" not in _text(response)


def test_it_shows_the_red_and_black_boards_with_their_clauses_once_published(board, client):
    """ASM-6/ASM-7 (004 第5篇 二.3~二.4): 红榜 the stars with streak and reward, 黑榜 the
    worst service with the fine, each with its clause; printable."""
    AssessmentMonth.objects.create(company=board.company, month=FEB, status=MonthStatus.PUBLISHED)
    client.force_login(board.staff)
    page = _text(client.get(reverse("assessment:board_month", args=["2026-02"])))
    assert "红榜：服务明星" in page and "黑榜：服务最差" in page
    assert "李保洁" in page and "奖励 500 元" in page
    assert "吴秩序" in page and "罚款 -500 元" in page
    assert "第5篇 二.3" in page and "第5篇 二.4" in page
    assert "滨江名苑" in page  # named none
    assert "data-print" in page and "size: A4" in page
    assert 'data-testid="board-draft"' not in page


def test_it_shows_the_draft_board_to_the_quality_department(board, client):
    client.force_login(board.quality)
    page = _text(client.get(reverse("assessment:board_month", args=["2026-02"])))
    assert 'data-testid="board-draft"' in page and "李保洁" in page


def test_it_ranks_units_by_average_score_per_person(board, client):
    """ASM-9 (树标杆、奖先进、促后进): 滨江名苑's one person lost 15 points (−5, −10), so
    翠湖花园 heads the ranking and 滨江名苑 ends it."""
    client.force_login(board.quality)
    page = _text(client.get(reverse("assessment:board_month", args=["2026-02"])))
    ranking = page[page.index('data-testid="unit-ranking"') :]
    assert ranking.index("翠湖花园") < ranking.index("滨江名苑")
    assert "85.00" in ranking  # 100 − 15 ÷ 1
    assert 'data-testid="band-best"' in ranking and 'data-testid="band-laggard"' in ranking


def test_it_opens_the_board_on_the_latest_month(board, client):
    client.force_login(board.quality)
    page = _text(client.get(reverse("assessment:board")))
    assert "2026-02 红黑榜" in page and "李保洁" in page


def test_it_answers_404_for_a_month_that_is_not_one(board, client):
    client.force_login(board.quality)
    assert client.get(reverse("assessment:board_month", args=["2026-13"])).status_code == 404


def test_it_lets_the_department_manager_name_the_star_in_the_browser(org, client):
    """ASM-6: the unit's department manager names the month's star on the stars page."""
    client.force_login(org.manager)
    listing = _text(client.get(reverse("assessment:stars") + "?month=2026-02"))
    assert "翠湖花园" in listing and "滨江名苑" not in listing
    url = reverse("assessment:star_name", args=[org.ch.pk, "2026-02"])
    assert "李保洁" in _text(client.get(url))
    response = client.post(url, {"person": org.staff.pk, "reason": "业主表扬三次"})
    assert response.status_code == 302
    star = ServiceStar.objects.get()
    assert star.person == org.staff and star.entry.amount == 500


def test_it_refuses_someone_outside_the_unit_with_a_message_beside_the_field(org, client):
    client.force_login(org.quality)
    url = reverse("assessment:star_name", args=[org.ch.pk, "2026-02"])
    response = client.post(url, {"person": org.other.pk})
    assert response.status_code == 400
    assert "选择一个有效的选项" in _text(response) or "不属于" in _text(response)
    assert not ServiceStar.objects.exists()


def test_it_withdraws_a_naming_after_confirmation_with_a_reason(org, client):
    star = star_name(
        company=org.company, unit=org.ch, month=FEB, person=org.staff, actor=org.manager
    )
    client.force_login(org.manager)
    url = reverse("assessment:star_withdraw", args=[star.pk])
    assert "不可撤回" in _text(client.get(url))
    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 400 and ServiceStar.objects.exists()
    assert client.post(url, {"reason": "评选有误"}).status_code == 302
    assert not ServiceStar.objects.exists()


def test_it_lets_no_one_else_name_a_star(org, client):
    client.force_login(org.staff)
    assert client.get(reverse("assessment:stars")).status_code == 403
    client.force_login(org.supervisor)
    url = reverse("assessment:star_name", args=[org.ch.pk, "2026-02"])
    assert client.post(url, {"person": org.staff.pk}).status_code == 403
