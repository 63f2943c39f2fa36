"""The complaint workflow on the case page through the shared step mechanism (issue 7 item 1):
the steps offered are the ones the declaration allows the person, and a refused step says why
with a 4xx, never a generic "you cannot take this step"."""

from datetime import timedelta

from django.urls import reverse

from pinzhi.complaints import services
from pinzhi.complaints.workflow import COMPLAINT_WORKFLOW, SPECIAL_LIMIT_TOO_LATE
from pinzhi.deadlines.models import Deadline
from pinzhi.deadlines.selectors import deadlines_for
from pinzhi.deadlines.sweep import sweep
from pinzhi.lib.clock import now

GENERIC_REFUSAL = "您不能对此投诉执行这一步骤"


def act(client, complaint, action, htmx=True, **data):
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(reverse("complaints:act", args=[complaint.pk, action]), data, **headers)


def case_page(client, complaint) -> str:
    return client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()


def offered(html: str) -> set[str]:
    return {
        step.name
        for step in COMPLAINT_WORKFLOW.steps
        if f'data-testid="action-{step.name}"' in html
    }


def test_it_shows_why_the_longer_first_contact_limit_is_refused_once_it_ran_out(
    clock, org, client, register
):
    """Issue 7 item 1, CMP-4: asked for the longer limit after the 30 minutes passed, the
    page gives the reason (the limit has already passed) with a 409, not the generic refusal,
    and nothing is granted."""
    complaint = register()
    client.force_login(org.registrar)
    page = case_page(client, complaint)
    assert "special_first_contact" in offered(page)
    clock.shift(timedelta(minutes=31))
    sweep(now())
    response = act(client, complaint, "special_first_contact", reason="业主外出")
    html = response.content.decode()
    assert response.status_code == 409
    assert str(SPECIAL_LIMIT_TOO_LATE) in html and "首次联系时限已过" in html
    assert GENERIC_REFUSAL not in html
    complaint.refresh_from_db()
    assert complaint.special_case_reason == ""
    first_contact = deadlines_for(complaint).get(kind=services.FIRST_CONTACT)
    assert first_contact.state == Deadline.State.BREACHED
    # Without htmx the whole case page comes back with the reason.
    response = act(client, complaint, "special_first_contact", htmx=False, reason="业主外出")
    assert response.status_code == 409
    assert str(SPECIAL_LIMIT_TOO_LATE) in response.content.decode()


def test_it_shows_why_a_step_is_not_the_person_s(clock, org, client, register):
    """Issue 7 item 1: a step the person's part in the case does not allow is refused with
    who may take it (403)."""
    complaint = register()
    client.force_login(org.committee)  # sees every case of the company, routes none
    response = act(client, complaint, "route", department=org.ab.pk, head=org.head.pk)
    html = response.content.decode()
    assert response.status_code == 403
    assert "登记人、首问责任人、质量管理部" in html and GENERIC_REFUSAL not in html


def test_it_shows_a_service_refusal_beside_its_field(clock, org, client, register, monkeypatch):
    """Issue 7 item 1: a refusal that names a field is shown beside that field."""
    complaint = register()

    def refuse(**kwargs):
        raise services.ComplaintError("请写明延长的具体原因", field="reason")

    monkeypatch.setattr(services, "complaint_allow_special_first_contact", refuse)
    client.force_login(org.registrar)
    response = act(client, complaint, "special_first_contact", reason="业主外出")
    html = response.content.decode()
    assert response.status_code == 409  # a ComplaintError's status (issue 7 item 2)
    form = next(e.form for e in response.context["actions"] if e.name == "special_first_contact")
    assert form.errors["reason"] == ["请写明延长的具体原因"]
    assert 'data-testid="field-error">请写明延长的具体原因' in html


def test_the_step_partial_lists_only_the_steps_the_person_may_take(clock, org, client, register):
    """Issue 7 item 1: the case page offers each person exactly the steps the declaration
    allows them in the case's state: the registrar routes, the quality department also
    records offences, the head signs for the letter only once it is sent to them."""
    complaint = register()
    client.force_login(org.registrar)
    assert offered(case_page(client, complaint)) == {
        "judge_not_established",
        "route",
        "special_first_contact",
        "record_contact",
        "hand_over",
    }
    client.force_login(org.quality)
    assert offered(case_page(client, complaint)) == {
        "judge_not_established",
        "route",
        "special_first_contact",
        "record_offence",
    }
    client.force_login(org.head)
    assert offered(case_page(client, complaint)) == set()
    services.complaint_route(
        complaint=complaint, actor=org.registrar, department=org.ab, head=org.head, request="请处理"
    )
    complaint.refresh_from_db()
    for person in (org.head, org.registrar, org.quality):
        client.force_login(person)
        html = case_page(client, complaint)
        allowed = {s.name for s in COMPLAINT_WORKFLOW.steps_for(person, complaint)}
        assert offered(html) == allowed
    client.force_login(org.head)
    assert {"acknowledge", "record_contact"} <= offered(case_page(client, complaint))


def test_it_scrolls_a_refusal_above_the_case_into_view(clock, org, client, register):
    """Issue 7 item 2 (walk at phone width): a refusal shown above the case panel is scrolled
    into view after the htmx swap, not left far above the step the person took."""
    complaint = register()
    client.force_login(org.committee)
    response = act(client, complaint, "route", department=org.ab.pk, head=org.head.pk)
    assert response.status_code == 403
    assert response["HX-Reswap"] == "outerHTML show:#case:top"
    assert 'id="case" class="pz-anchor"' in response.content.decode()


def test_it_shows_labels_not_codes_on_the_case_timeline(clock, org, client, register):
    """X-2 (issue 7 walk): the case's history names the status, channel and a deadline's
    state in Chinese, never their stored codes."""
    complaint = register()
    client.force_login(org.registrar)
    act(client, complaint, "judge_not_established", explanation="经核实不属于物业责任")
    html = case_page(client, complaint)
    timeline = html[html.index('data-testid="timeline-events"') :]
    assert "不成立" in timeline and "已取消" in timeline
    for code in ("not_established", "cancelled", "→ open", "hotline"):
        assert code not in timeline, code


def test_it_shows_one_overdue_badge_however_many_limits_passed(clock, org, client, register):
    """Issue 7 walk: the case header said "Overdue" once per passed limit (three identical
    badges on a phone); one badge, the time limits panel names each limit."""
    complaint = register()
    clock.shift(timedelta(days=10))
    sweep(now())
    breached = deadlines_for(complaint).filter(state=Deadline.State.BREACHED).count()
    assert breached >= 2
    client.force_login(org.registrar)
    assert case_page(client, complaint).count('data-testid="case-overdue"') == 1
