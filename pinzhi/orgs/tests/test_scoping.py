"""ORG-2: every list and page of the organisation is scoped by the reader's roles."""

import pytest
from django.urls import reverse

from pinzhi.orgs import services
from pinzhi.orgs.models import Company
from pinzhi.orgs.selectors import companies_visible_to, people_visible_to, units_visible_to
from pinzhi.orgs.tests.factories import CompanyFactory, PersonFactory, UnitFactory

pytestmark = pytest.mark.django_db


def codes(units):
    return sorted(u.code for u in units)


def test_it_shows_a_department_manager_only_their_subtree(tree, person_with):
    """ORG-2: a department manager sees their department and what is below it."""
    manager = person_with("department_manager", unit=tree["KF"])
    assert codes(units_visible_to(manager)) == ["KF", "KF1"]


def test_it_shows_an_inspector_the_units_assigned_to_them(tree, person_with):
    """ORG-2: an inspector sees the units assigned to them, wherever they are."""
    inspector = person_with(unit=tree["KF"])
    services.role_assign(person=inspector, role="inspector", scope=[tree["XQ1"], tree["KF1"]])
    assert codes(units_visible_to(inspector)) == ["KF1", "XQ1"]


def test_it_shows_a_supplier_no_internal_unit(tree, person_with):
    """ORG-2: external roles never see the internal organisation, even with a scope."""
    supplier = person_with("supplier", unit=tree["XQ1"])
    assert codes(units_visible_to(supplier)) == []
    assert list(people_visible_to(supplier)) == [supplier]


def test_it_ignores_other_peoples_external_roles_on_the_same_unit(tree, person_with):
    """A customer scoped to KF must not hide KF from KF's department manager."""
    person_with("customer", unit=tree["KF"])
    manager = person_with("department_manager", unit=tree["KF"])
    assert codes(units_visible_to(manager)) == ["KF", "KF1"]


def test_it_keeps_scopes_inside_their_company(tree, person_with):
    """Codes repeat across companies: a scope on /KF/ does not reach another's /KF/."""
    other = CompanyFactory(name="别家公司")
    UnitFactory(company=other, code="KF", name="别家客服部")
    manager = person_with("department_manager", unit=tree["KF"])
    assert {u.company_id for u in units_visible_to(manager)} == {tree["KF"].company_id}


def test_it_shows_company_wide_roles_the_whole_company(tree, person_with):
    leader = person_with("leadership")
    assert codes(units_visible_to(leader)) == ["KF", "KF1", "WY", "XQ1"]


def test_it_shows_the_quality_department_its_partner_companies(company, person_with):
    """ORG-4: the quality department sees the external companies its company works with."""
    supplier = CompanyFactory(name="保洁公司", kind=Company.Kind.SUPPLIER, operator=company)
    stranger = CompanyFactory(name="无关公司", kind=Company.Kind.SUPPLIER)
    qd = person_with("quality_department")
    visible = set(companies_visible_to(qd))
    assert supplier in visible and company in visible and stranger not in visible
    inspector = person_with("inspector")
    assert supplier not in set(companies_visible_to(inspector))


def test_it_lets_a_supervising_body_read_only_the_companies_it_supervises(client, company):
    """ORG-4: a supervising body reads the companies owning units in its scope, and gets
    403 on the internal organisation pages."""
    body = CompanyFactory(name="市物业监督中心", kind=Company.Kind.OPERATOR)
    inspected = CompanyFactory(name="被检物业公司", kind=Company.Kind.INSPECTED)
    estate = UnitFactory(company=inspected, code="XQ", name="被检小区", kind="estate")
    officer = PersonFactory(unit=None, company=body)
    services.role_assign(person=officer, role="supervising_body", scope=[estate])
    client.force_login(officer)
    response = client.get(reverse("orgs:companies"))
    assert response.status_code == 200
    assert "被检物业公司" in response.content.decode()
    assert company.name not in response.content.decode()
    assert client.get(reverse("orgs:company_detail", args=[inspected.pk])).status_code == 200
    assert client.get(reverse("orgs:company_detail", args=[company.pk])).status_code == 404
    for name in ("orgs:tree", "orgs:people", "orgs:transfer", "orgs:export"):
        assert client.get(reverse(name)).status_code == 403, name


@pytest.mark.parametrize(
    ("role", "tree_page", "people_page", "companies_page", "manage_page"),
    [
        ("quality_department", 200, 200, 200, 200),
        ("leadership", 200, 200, 200, 403),
        ("quality_committee", 200, 200, 200, 403),
        ("department_manager", 200, 200, 200, 403),
        ("supervisor", 200, 200, 200, 403),
        ("unit_quality_admin", 200, 200, 200, 403),
        ("inspector", 200, 200, 200, 403),
        ("service_desk", 403, 200, 403, 403),
        ("complaint_handler", 403, 403, 403, 403),
        ("service_staff", 403, 403, 403, 403),
        ("supplier", 403, 403, 403, 403),
        ("customer", 403, 403, 403, 403),
        ("supervising_body", 403, 403, 200, 403),
    ],
)
def test_it_lets_each_role_open_only_its_pages(
    signed_in, role, tree_page, people_page, companies_page, manage_page
):
    """ORG-2: the access rule of each organisation page, for every role."""
    client = signed_in(role)
    assert client.get(reverse("orgs:tree")).status_code == tree_page
    assert client.get(reverse("orgs:people")).status_code == people_page
    assert client.get(reverse("orgs:companies")).status_code == companies_page
    for name in ("orgs:unit_create", "orgs:person_create", "orgs:company_create"):
        assert client.get(reverse(name)).status_code == manage_page, name
    assert client.get(reverse("orgs:import_upload")).status_code == manage_page


def test_it_shows_a_department_manager_only_their_part_of_the_tree(tree, signed_in):
    """ORG-2: the tree page of a department manager holds their subtree, read-only."""
    client = signed_in("department_manager", unit=tree["KF"])
    html = client.get(reverse("orgs:tree")).content.decode()
    assert 'data-testid="unit-KF1"' in html and 'data-testid="unit-WY"' not in html
    assert reverse("orgs:unit_create") not in html
    assert client.get(reverse("orgs:unit_detail", args=[tree["WY"].pk])).status_code == 404


def test_it_lists_people_of_the_readers_scope_only(tree, signed_in, person_with):
    """ORG-2: the people list of a department manager holds their subtree's people."""
    person_with("service_staff", unit=tree["KF1"], full_name="组员甲")
    person_with("service_staff", unit=tree["XQ1"], full_name="管家乙")
    client = signed_in("department_manager", unit=tree["KF"])
    html = client.get(reverse("orgs:people")).content.decode()
    assert "组员甲" in html and "管家乙" not in html
