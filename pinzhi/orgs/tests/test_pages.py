"""The organisation pages of the quality department: units, posts, people, roles (ORG-1,
ORG-2), with every change on the timeline (X-1)."""

import pytest
from django.urls import reverse

from pinzhi.core.shell import nav_for, tiles_for
from pinzhi.orgs.models import Person, Post, RoleAssignment, Unit
from pinzhi.orgs.tests.factories import PASSWORD, PostFactory
from pinzhi.timeline.models import Event

pytestmark = pytest.mark.django_db


@pytest.fixture
def qd_client(signed_in):
    return signed_in("quality_department")


def test_it_adds_and_edits_a_unit(qd_client, tree):
    """ORG-1: the quality department grows the tree."""
    response = qd_client.post(
        reverse("orgs:unit_create"),
        {
            "parent": tree["WY"].pk,
            "kind": "estate",
            "code": "XQ2",
            "name": "月亮湾",
            "is_active": "on",
        },
    )
    unit = Unit.objects.get(code="XQ2")
    assert response.url == reverse("orgs:unit_detail", args=[unit.pk])
    assert unit.path == "/WY/XQ2/" and unit.is_active
    response = qd_client.post(
        reverse("orgs:unit_edit", args=[unit.pk]),
        {"parent": tree["KF"].pk, "kind": "estate", "code": "XQ2", "name": "月亮湾小区"},
    )
    unit.refresh_from_db()
    assert (unit.path, unit.name, unit.is_active) == ("/KF/XQ2/", "月亮湾小区", False)
    event = Event.objects.filter(action="unit.updated").first()
    assert event.actor == qd_client.person and event.after["name"] == "月亮湾小区"


def test_it_refuses_a_duplicate_unit_code_with_a_clear_error(qd_client, tree):
    response = qd_client.post(
        reverse("orgs:unit_create"), {"kind": "department", "code": "KF", "name": "又一个"}
    )
    assert response.status_code == 200
    assert Unit.objects.filter(code="KF").count() == 1
    assert "invalid-feedback" in response.content.decode() or "alert-danger" in (
        response.content.decode()
    )


def test_it_does_not_offer_a_units_own_subtree_as_its_parent(qd_client, tree):
    response = qd_client.post(
        reverse("orgs:unit_edit", args=[tree["KF"].pk]),
        {"parent": tree["KF1"].pk, "kind": "department", "code": "KF", "name": "客服部"},
    )
    assert response.status_code == 200
    assert Unit.objects.get(pk=tree["KF"].pk).path == "/KF/"


def test_it_adds_and_edits_a_post(qd_client, tree):
    qd_client.post(
        reverse("orgs:post_create", args=[tree["XQ1"].pk]),
        {"code": "GJ", "name": "管家", "duties": "巡查"},
    )
    post = Post.objects.get(unit=tree["XQ1"], code="GJ")
    qd_client.post(reverse("orgs:post_edit", args=[post.pk]), {"code": "GJ", "name": "高级管家"})
    post.refresh_from_db()
    assert post.name == "高级管家"
    html = qd_client.get(reverse("orgs:unit_detail", args=[tree["XQ1"].pk])).content.decode()
    assert "高级管家" in html


def test_it_creates_a_person_without_a_password_and_shows_their_sign_in_code_once(qd_client, tree):
    """Issue 6 item 4: a new person gets no password from the administrator but a one-time
    sign-in code, shown in the answer to the creation only."""
    post = PostFactory(unit=tree["XQ1"], code="GJ")
    response = qd_client.post(
        reverse("orgs:person_create"),
        {
            "username": "wangwu",
            "full_name": "王五",
            "unit": tree["XQ1"].pk,
            "post": post.pk,
            "phone": "138 0013 8000",
            "is_active": "on",
            "password": "Quality-2026-strong",  # an old form's field: ignored
        },
    )
    person = Person.objects.get(username="wangwu")
    assert response.status_code == 200
    assert response.context["person"] == person and len(response.context["code"]) == 14
    assert person.company == tree["XQ1"].company and person.phone == "13800138000"
    assert not person.has_usable_password()
    assert Event.objects.filter(action="person.created", object_id=str(person.pk)).exists()
    assert Event.objects.filter(action="person.password_reset_issued").exists()
    detail = qd_client.get(reverse("orgs:person_detail", args=[person.pk])).content.decode()
    assert response.context["code"] not in detail


@pytest.mark.parametrize(
    ("field", "value"),
    [("phone", "12345abc"), ("username", "")],
)
def test_it_refuses_bad_person_data(qd_client, tree, field, value):
    data = {"username": "wangwu", "full_name": "王五", "unit": tree["KF"].pk, "is_active": "on"}
    data[field] = value
    response = qd_client.post(reverse("orgs:person_create"), data)
    assert response.status_code == 200
    assert not Person.objects.filter(full_name="王五").exists()


def test_it_refuses_a_post_of_another_unit(qd_client, tree):
    post = PostFactory(unit=tree["XQ1"])
    response = qd_client.post(
        reverse("orgs:person_create"),
        {"username": "wangwu", "full_name": "王五", "unit": tree["KF"].pk, "post": post.pk},
    )
    assert response.status_code == 200 and not Person.objects.filter(username="wangwu").exists()


def test_it_edits_a_person_but_never_their_password(qd_client, tree, person_with):
    """Issue 6 item 4: the person form has no password; one posted anyway changes nothing."""
    person = person_with("service_staff", unit=tree["KF1"])
    qd_client.post(
        reverse("orgs:person_edit", args=[person.pk]),
        {
            "full_name": "改名",
            "unit": tree["KF1"].pk,
            "phone": "0755-12345678",
            "password": "Another-2026-pass",
        },
    )
    person.refresh_from_db()
    assert (person.full_name, person.phone, person.is_active) == ("改名", "0755-12345678", False)
    assert person.check_password(PASSWORD) and not person.check_password("Another-2026-pass")
    assert not Event.objects.filter(action="person.password_set").exists()


def test_it_assigns_a_role_with_a_scope_and_removes_it_after_confirmation(
    qd_client, tree, person_with
):
    """ORG-2: a role is given with the units it covers, and taken away only after a
    confirmation step."""
    person = person_with(unit=tree["KF"])
    response = qd_client.post(
        reverse("orgs:role_add", args=[person.pk]),
        {"role": "inspector", "scope": [tree["KF1"].pk, tree["XQ1"].pk]},
    )
    assert response.status_code == 302
    assignment = RoleAssignment.objects.get(person=person, role="inspector")
    assert sorted(u.code for u in assignment.scope.all()) == ["KF1", "XQ1"]
    remove = reverse("orgs:role_remove", args=[person.pk, "inspector"])
    confirm = qd_client.get(remove)
    assert confirm.status_code == 200 and 'data-testid="confirm"' in confirm.content.decode()
    assert RoleAssignment.objects.filter(person=person, role="inspector").exists()
    qd_client.post(remove, {"reason": "调岗"})
    assert not RoleAssignment.objects.filter(person=person, role="inspector").exists()
    revoked = Event.objects.get(action="role.revoked")
    assert revoked.reason == "调岗" and revoked.before["scope"] == ["KF1", "XQ1"]


def test_it_offers_only_visible_units_as_a_scope(signed_in, tree, person_with, company):
    from pinzhi.orgs.tests.factories import CompanyFactory, UnitFactory

    foreign = UnitFactory(company=CompanyFactory(name="别家"), code="ZZ")
    client = signed_in("quality_department")
    person = person_with(unit=tree["KF"])
    response = client.post(
        reverse("orgs:role_add", args=[person.pk]), {"role": "inspector", "scope": [foreign.pk]}
    )
    assert response.status_code == 200
    assert not RoleAssignment.objects.filter(person=person, role="inspector").exists()


def test_it_searches_and_filters_people(qd_client, tree, person_with):
    person_with("service_staff", unit=tree["XQ1"], full_name="管家乙", phone="13700001111")
    person_with("inspector", unit=tree["KF1"], full_name="检查丙", employee_no="E-77")
    people = reverse("orgs:people")
    assert "管家乙" in qd_client.get(people, {"q": "1370000"}).content.decode()
    html = qd_client.get(people, {"q": "E-77"}).content.decode()
    assert "检查丙" in html and "管家乙" not in html
    html = qd_client.get(people, {"unit": tree["WY"].pk}).content.decode()
    assert "管家乙" in html and "检查丙" not in html
    html = qd_client.get(people, {"role": "inspector"}).content.decode()
    assert "检查丙" in html and "管家乙" not in html
    assert 'data-testid="empty"' in qd_client.get(people, {"q": "没有这个人"}).content.decode()


def test_a_search_never_matches_a_customers_hidden_name_or_phone(qd_client, tree, person_with):
    """ORG-3 (issue 6 item 7): the list masks a customer's name and phone, so typing digits or
    characters must not find them either; staff are found as before."""
    person_with(
        "customer", unit=tree["XQ1"], username="owner9", full_name="宋玉兰", phone="13912345678"
    )
    people = reverse("orgs:people")
    for query in ("5678", "1391234", "玉兰"):
        assert 'data-testid="empty"' in qd_client.get(people, {"q": query}).text, query
    assert "owner9" in qd_client.get(people, {"q": "owner9"}).text


def test_it_paginates_the_people_list(qd_client, tree, person_with):
    for n in range(30):
        person_with("service_staff", unit=tree["KF1"], username=f"staff{n:02d}")
    first = qd_client.get(reverse("orgs:people")).content.decode()
    second = qd_client.get(reverse("orgs:people"), {"page": 2}).content.decode()
    assert first.count('data-testid="person-') == 25
    assert second.count('data-testid="person-') == 31 - 25  # 30 + the reader


def test_it_masks_customers_but_shows_staff_phones_in_the_list(qd_client, tree, person_with):
    """ORG-3: staff phones are shown; a customer's name and phone are masked in lists."""
    person_with("customer", unit=tree["XQ1"], full_name="王小明", phone="13912345678")
    person_with("service_staff", unit=tree["XQ1"], full_name="管家乙", phone="13700001111")
    html = qd_client.get(reverse("orgs:people")).content.decode()
    assert "13700001111" in html and "管家乙" in html
    assert "13912345678" not in html and "王小明" not in html
    assert "139********" in html and "王**" in html


def test_it_registers_nav_entries_and_a_home_tile(tree, person_with):
    qd = person_with("quality_department")
    labels = {entry.url_name for _section, entries in nav_for(qd) for entry in entries}
    assert {"orgs:tree", "orgs:people", "orgs:companies", "orgs:transfer"} <= labels
    customer = person_with("customer")
    assert not any(
        e.url_name.startswith("orgs:") for _s, entries in nav_for(customer) for e in entries
    )
    tile = dict((t.key, ctx) for t, ctx in tiles_for(qd)).get("orgs-attention")
    assert tile is None  # everyone has a role, no licence is due
    person_with(unit=tree["KF1"], full_name="无角色")
    tile = dict((t.key, ctx) for t, ctx in tiles_for(qd))["orgs-attention"]
    assert tile["roleless_count"] == 1


def test_it_shows_the_home_tile_on_the_home_page(signed_in, tree, person_with):
    person_with(unit=tree["KF1"], full_name="无角色")
    client = signed_in("quality_department")
    html = client.get(reverse("core:home")).content.decode()
    assert 'data-testid="tile-orgs-attention"' in html and "无角色" in html


def test_it_lets_people_sign_in_after_an_import_only_once_a_password_is_set(
    client, tree, person_with
):
    person = person_with(unit=tree["KF"], password=None)
    person.set_unusable_password()
    person.save()
    assert not client.login(username=person.username, password=PASSWORD)
