"""Issue 8 item 6 ("what a new user met"): the people the complaint pages left out — the
contractor reads the complaints about its own service, masked; the registrar of an estate
sees the customer of a complaint there and takes its first step; inspectors and the
supervising body find useful tiles on their home pages."""

from datetime import timedelta

import pytest
from django.urls import reverse

from pinzhi.complaints import services
from pinzhi.complaints.models import Category, Channel, RepeatGroup, Status
from pinzhi.complaints.selectors import (
    complaint_actions_for,
    complaints_visible_to,
    may_see_customer,
)
from pinzhi.complaints.tests.test_print import handled
from pinzhi.deadlines.sweep import sweep
from pinzhi.lib.clock import now
from pinzhi.orgs import services as orgs
from pinzhi.orgs.models import Company, Unit
from pinzhi.orgs.services import OrgError
from pinzhi.orgs.tests.factories import PersonFactory, UnitFactory, person_in_role

CUSTOMER = "独孤求败"
PHONE = "13933330001"


@pytest.fixture
def contractor(org):
    """洁美保洁, contracted for the cleaning (环境卫生) of 翠湖花园, and its project manager."""
    company = orgs.company_create(
        name="洁美保洁服务有限公司", kind=Company.Kind.SUPPLIER, operator=org.company
    )
    project = UnitFactory(company=company, code="JM", name="洁美驻场项目部")
    orgs.contractor_scope_set(
        contractor=company, service="保洁服务", units=[org.estate], categories=["environment"]
    )
    manager = PersonFactory(username="jm", unit=project, company=company)
    orgs.role_assign(person=manager, role="supplier", scope=[project])
    return manager


def _complaint(register, **kwargs):
    fields = dict(
        title=f"{CUSTOMER}反映楼道脏乱",
        content=f"业主{CUSTOMER}（电话{PHONE}）反映3栋楼道两天没人打扫。",
        customer_name=CUSTOMER,
        customer_phone=PHONE,
        category=Category.ENVIRONMENT,
    )
    fields.update(kwargs)
    return register(**fields)


# --- the contractor ---------------------------------------------------------------------------


def test_it_shows_a_contractor_the_complaints_about_its_contracted_service(
    clock, org, register, contractor
):
    """Issue 8 item 6, ORG-2: a contractor's people see the complaints of the category it is
    contracted for at the units it serves, and no other complaint."""
    dirty = _complaint(register)
    theft = _complaint(register, category=Category.SECURITY, title="单车被偷")
    elsewhere = _complaint(register, location=org.kf, title="客服部门口脏")
    visible = set(complaints_visible_to(contractor))
    assert dirty in visible
    assert theft not in visible and elsewhere not in visible


def test_it_shows_a_contractor_the_case_read_only_with_the_customer_masked(
    clock, org, client, register, contractor
):
    """Issue 8 item 6, ORG-3: the contractor opens the case and the list, the customer's name
    and phone masked (in the text too), and no step is offered or accepted."""
    dirty = _complaint(register)
    client.force_login(contractor)
    assert not may_see_customer(contractor, dirty)
    assert complaint_actions_for(contractor, dirty) == []
    page = client.get(reverse("complaints:detail", args=[dirty.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and dirty.tracking_code in html
    assert CUSTOMER not in html and PHONE not in html
    assert 'data-testid="action-' not in html
    listing = client.get(reverse("complaints:list")).content.decode()
    assert dirty.tracking_code in listing and CUSTOMER not in listing and PHONE not in listing
    response = client.post(
        reverse("complaints:act", args=[dirty.pk, "route"]),
        {"department": org.ab.pk, "head": org.head.pk, "request": "x", "severity": "general"},
    )
    assert response.status_code == 403
    dirty.refresh_from_db()
    assert dirty.status == Status.REGISTERED


def test_it_gives_the_contractor_a_menu_entry_and_a_tile_for_its_complaints(
    clock, org, client, register, contractor
):
    """Issue 8 item 6: the contractor finds its complaints in the navigation and its open
    ones on its home page, the customer masked; with none open, the tile says so."""
    client.force_login(contractor)
    html = client.get(reverse("core:home")).content.decode()
    assert "涉及本单位服务的投诉" in html and reverse("complaints:list") in html
    assert "目前没有涉及本单位承包服务的未结投诉" in html
    dirty = _complaint(register)
    html = client.get(reverse("core:home")).content.decode()
    assert 'data-testid="tile-complaints-contracted"' in html and dirty.tracking_code in html
    assert CUSTOMER not in html and PHONE not in html


def test_it_shows_nothing_to_a_supplier_without_a_contracted_service(clock, org, register):
    """Issue 8 item 6, ORG-2: a supplier with no contracted service sees no complaint."""
    other = orgs.company_create(
        name="绿源园林有限公司", kind=Company.Kind.SUPPLIER, operator=org.company
    )
    unit = UnitFactory(company=other, code="LY", name="绿源项目部")
    gardener = PersonFactory(username="ly", unit=unit, company=other)
    orgs.role_assign(person=gardener, role="supplier", scope=[unit])
    _complaint(register)
    assert not complaints_visible_to(gardener).exists()


def test_it_refuses_a_contracted_service_outside_the_supplier_s_operator(org):
    """Issue 8 item 6: only a supplier has a contracted service, and only at units of the
    company it works for; each refusal says why."""
    supplier = orgs.company_create(
        name="洁美保洁服务有限公司", kind=Company.Kind.SUPPLIER, operator=org.company
    )
    stranger = orgs.company_create(name="别家物业", kind=Company.Kind.OPERATOR)
    foreign = UnitFactory(company=stranger, code="X", name="别家小区")
    with pytest.raises(OrgError, match="别家小区"):
        orgs.contractor_scope_set(contractor=supplier, service="保洁服务", units=[foreign])
    with pytest.raises(OrgError, match="不是外包供方"):
        orgs.contractor_scope_set(contractor=org.company, service="保洁服务", units=[org.estate])
    with pytest.raises(OrgError, match="承包服务"):
        orgs.contractor_scope_set(contractor=supplier, service=" ", units=[org.estate])


# --- the registrar of the estate --------------------------------------------------------------


def test_it_shows_the_estate_registrar_the_customer_of_a_web_complaint_there(
    clock, org, client, register
):
    """Issue 8 item 6, ORG-3: a complaint that came in at her estate without her (web form)
    shows the registrar of that estate the customer in clear — she takes the call."""
    web = _complaint(register, channel=Channel.WEB_FORM, registered_by=None)
    assert may_see_customer(org.registrar, web)
    client.force_login(org.registrar)
    html = client.get(reverse("complaints:detail", args=[web.pk])).content.decode()
    assert CUSTOMER in html and PHONE in html


def test_it_offers_the_estate_registrar_the_first_step_on_a_new_complaint_there(
    clock, org, client, register
):
    """Issue 8 item 6, CMP-2/CMP-3: on a new complaint at her estate the registrar of that
    estate is offered the first steps (judge it, send the contact letter) and takes them."""
    web = _complaint(register, channel=Channel.WEB_FORM, registered_by=None)
    assert {"route", "judge_not_established"} <= set(complaint_actions_for(org.registrar, web))
    client.force_login(org.registrar)
    response = client.post(
        reverse("complaints:act", args=[web.pk, "route"]),
        {
            "department": org.ab.pk,
            "head": org.head.pk,
            "request": "请安排保洁",
            "severity": "general",
        },
    )
    assert response.status_code in (200, 302)
    web.refresh_from_db()
    assert web.status == Status.ROUTED


def test_it_leaves_a_routed_complaint_to_its_registrar_and_owner(clock, org, register):
    """Issue 8 item 6: the estate's front line takes only a new complaint's first step; once
    routed, sending the letter again stays with the registrar, the owner and the quality
    department."""
    web = _complaint(register, channel=Channel.WEB_FORM, registered_by=None)
    services.complaint_route(
        complaint=web, actor=org.quality, department=org.ab, head=org.head, request="请处理"
    )
    web.refresh_from_db()
    assert "route" not in complaint_actions_for(org.registrar, web)
    assert may_see_customer(org.registrar, web)


def test_it_keeps_the_customer_masked_for_the_registrar_of_another_estate(
    clock, org, client, register
):
    """Issue 8 item 6, ORG-3: a complaint handler of another estate, or of a team within the
    estate, is not its front line: the customer stays masked and no step is offered."""
    other = UnitFactory(
        company=org.company, code="JG", name="金桂苑", parent=org.hq, kind=Unit.Kind.ESTATE
    )
    team = UnitFactory(company=org.company, code="CH-KF", name="客服中心", parent=org.estate)
    elsewhere = person_in_role("jg.cl", "complaint_handler", other)
    in_team = person_in_role("ch.cl", "complaint_handler", team)
    web = _complaint(register, channel=Channel.WEB_FORM, registered_by=None)
    for person in (elsewhere, in_team):
        assert not may_see_customer(person, web)
        assert "route" not in complaint_actions_for(person, web)


# --- home pages -------------------------------------------------------------------------------


@pytest.fixture
def inspector(org):
    return person_in_role("inspector", "inspector", org.hq, [org.estate])


def test_it_gives_an_inspector_tiles_for_the_units_they_inspect(
    clock, org, client, register, inspector
):
    """Issue 8 item 6: an inspector's home page shows the open complaints of their units
    (overdue first, the customer masked), the time limits running there and the topics that
    came back."""
    late = _complaint(register)
    again = _complaint(register, title="楼道又没人打扫")
    group = RepeatGroup.objects.create(company=org.company, label="楼道 打扫", created_at=now())
    for complaint in (late, again):
        complaint.repeat_group = group
        complaint.save(update_fields=["repeat_group"])
    clock.shift(timedelta(hours=1))
    sweep(now())
    client.force_login(inspector)
    html = client.get(reverse("core:home")).content.decode()
    assert 'data-testid="tile-complaints-in-my-units"' in html
    assert late.tracking_code in html and "bi-alarm" in html
    assert CUSTOMER not in html and PHONE not in html
    assert 'data-testid="tile-complaints-time-limits"' in html and "已超时" in html
    assert 'data-testid="tile-complaints-recurring"' in html and "楼道 打扫" in html
    assert "nothing needs" not in html and 'data-testid="empty-home"' not in html


def test_it_shows_an_inspector_the_empty_states_of_quiet_units(clock, org, client, inspector):
    """Issue 8 item 6: with nothing open in their units, the inspector's tiles say so rather
    than leave the home page empty."""
    client.force_login(inspector)
    html = client.get(reverse("core:home")).content.decode()
    assert "您检查的单位目前没有未结投诉" in html
    assert "您检查的单位目前没有正在计时的时限" in html
    assert "没有重复出现的投诉问题" in html


@pytest.fixture
def watchdog(org):
    """区物业管理协会 监督员: outside the company, supervising 翠湖花园."""
    person = PersonFactory(username="watchdog", unit=None, company=None)
    orgs.role_assign(person=person, role="supervising_body", scope=[org.estate])
    return person


def test_it_shows_the_supervising_body_the_figures_of_the_units_it_supervises(
    clock, org, client, register, watchdog
):
    """Issue 8 item 6, ORG-4: the supervising body's home page shows the complaints of the
    units it supervises as figures — open, overdue, satisfaction at the callbacks — and no
    case or customer."""
    closed = _complaint(register)
    handled(org, closed)
    _complaint(register, title="垃圾没清运")
    clock.shift(timedelta(hours=1))
    sweep(now())
    client.force_login(watchdog)
    response = client.get(reverse("core:home"))
    html = response.content.decode()
    assert 'data-testid="tile-complaints-supervised"' in html
    tile = dict(response.context["tiles"])
    figures = next(ctx for t, ctx in response.context["tiles"] if t.key == "complaints.supervised")
    assert tile and figures["open"] == 1 and figures["overdue"] == 1
    assert figures["satisfaction"] == 100 and figures["reached"] == 1
    assert [row["unit"] for row in figures["units"]] == [org.estate]
    assert CUSTOMER not in html and PHONE not in html and closed.tracking_code not in html


def test_it_shows_the_supervising_body_its_empty_states(clock, org, client):
    """Issue 8 item 6: without complaints, or without units to supervise, the supervising
    body's tile says so."""
    quiet = PersonFactory(username="quiet", unit=None, company=None)
    orgs.role_assign(person=quiet, role="supervising_body", scope=[org.estate])
    client.force_login(quiet)
    assert "您监督的单位尚无投诉记录" in client.get(reverse("core:home")).content.decode()
    unassigned = PersonFactory(username="unassigned", unit=None, company=None)
    orgs.role_assign(person=unassigned, role="supervising_body", scope=[])
    client.force_login(unassigned)
    assert "尚未给您分配监督的单位" in client.get(reverse("core:home")).content.decode()
