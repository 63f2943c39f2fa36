"""Rules found missing in review: query counts that do not grow with the rows, the
read-only admin, who may grant which role (ORG-2), masking of people outside the
organisation (ORG-3), the operator company (ORG-4) and the licence warning from the pack."""

import datetime as dt

import pytest
import time_machine
from django.contrib.admin.sites import site
from django.test import RequestFactory
from django.urls import reverse

from pinzhi.orgs import selectors, services
from pinzhi.orgs.forms import CompanyForm
from pinzhi.orgs.models import Company, Person, Post, RoleAssignment, Unit
from pinzhi.orgs.privacy import is_customer, person_field
from pinzhi.orgs.roles import Role
from pinzhi.orgs.services import OrgError
from pinzhi.orgs.spreadsheets import org_import_plan
from pinzhi.orgs.tests.conftest import make_workbook
from pinzhi.orgs.tests.factories import PersonFactory, UnitFactory
from pinzhi.timeline.models import Event

pytestmark = pytest.mark.django_db


# --- queries do not grow with the rows ---------------------------------------------------


def _people(unit, n, start=0):
    for i in range(start, start + n):
        PersonFactory(unit=unit, username=f"row{i}", roles=[Role.SERVICE_STAFF])


def _queries(django_assert_max_num_queries, client, url, unit, *, few=2, many=12):
    """The page's query count with `few` people, then checked to hold with `many`."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _people(unit, few)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    _people(unit, many - few, start=few)
    with django_assert_max_num_queries(len(captured)):
        assert client.get(url).status_code == 200


def test_the_people_list_runs_the_same_queries_for_more_rows(
    signed_in, unit, django_assert_max_num_queries
):
    client = signed_in("quality_department")
    _queries(django_assert_max_num_queries, client, reverse("orgs:people"), unit)


def test_the_unit_page_runs_the_same_queries_for_more_rows(
    signed_in, unit, django_assert_max_num_queries
):
    client = signed_in("quality_department")
    url = reverse("orgs:unit_detail", args=[unit.pk])
    _queries(django_assert_max_num_queries, client, url, unit)


def test_the_export_runs_the_same_queries_for_more_rows(
    signed_in, unit, django_assert_max_num_queries
):
    client = signed_in("quality_department")
    _queries(django_assert_max_num_queries, client, reverse("orgs:export"), unit)


def test_role_codes_come_from_the_prefetch(person_with, django_assert_num_queries):
    person_with("inspector")
    people = list(Person.objects.prefetch_related("role_assignments"))
    with django_assert_num_queries(0):
        assert all(p.role_codes == {"inspector"} for p in people)


# --- the admin is read-only ---------------------------------------------------------------


def _request(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


@pytest.mark.parametrize("model", [Unit, Post, RoleAssignment, Company])
def test_the_admin_cannot_write_the_organisation(model, person_with):
    """ORG-1: units, posts, roles and companies are written by the services only (paths,
    role rules, timeline); the admin only shows them."""
    superuser = person_with(is_superuser=True, is_staff=True)
    admin = site._registry[model]
    request = _request(superuser)
    assert not admin.has_add_permission(request)
    assert not admin.has_change_permission(request)
    assert not admin.has_delete_permission(request)


def test_the_person_admin_lets_only_superusers_reset_and_deactivate(person_with, client):
    superuser = person_with(is_superuser=True, is_staff=True)
    staff = person_with("quality_department", is_staff=True)
    admin = site._registry[Person]
    assert admin.has_change_permission(_request(superuser))
    assert not admin.has_change_permission(_request(staff))
    assert not admin.has_add_permission(_request(superuser))
    assert not admin.has_delete_permission(_request(superuser))
    target = person_with("inspector")
    client.force_login(superuser)
    url = reverse("admin:orgs_person_change", args=[target.pk])
    response = client.post(url, {"is_active": ""})
    assert response.status_code == 302
    target.refresh_from_db()
    assert not target.is_active
    assert Event.objects.filter(action="person.updated", actor=superuser).exists()


def test_a_unit_without_a_path_does_not_open_the_whole_company(person_with, company, unit):
    other = UnitFactory(company=company, code="WY")
    pathless = Unit.objects.create(company=company, code="X", name="无路径", kind="team")
    assert pathless.path == ""
    inspector = person_with(unit=None, company=company)
    services.role_assign(person=inspector, role=Role.INSPECTOR, scope=[pathless])
    visible = set(selectors.units_visible_to(inspector))
    assert unit not in visible and other not in visible


# --- who may grant which role (ORG-2) ------------------------------------------------------


@pytest.mark.parametrize("role", [Role.LEADERSHIP, Role.QUALITY_COMMITTEE])
def test_the_quality_department_cannot_grant_the_approving_roles(person_with, role):
    """ORG-2: the leadership and the quality committee approve what the quality department
    proposes (regulation amendments); the quality department cannot give those roles to
    itself or to anyone."""
    qd = person_with("quality_department")
    colleague = person_with("inspector")
    for person in (qd, colleague):
        with pytest.raises(OrgError) as error:
            services.role_assign(person=person, role=role, actor=qd)
        assert "role" in [e.field for e in error.value.field_errors]
    assert not RoleAssignment.objects.filter(role=role).exists()


def test_a_superuser_grants_the_leadership_role(person_with):
    superuser = person_with(is_superuser=True)
    boss = person_with()
    services.role_assign(person=boss, role=Role.LEADERSHIP, actor=superuser)
    assert boss.has_role(Role.LEADERSHIP)


def test_nobody_changes_their_own_roles(person_with, unit):
    """ORG-2: a manager cannot widen (or drop) their own roles."""
    qd = person_with("quality_department")
    with pytest.raises(OrgError):
        services.role_assign(person=qd, role=Role.INSPECTOR, scope=[unit], actor=qd)
    with pytest.raises(OrgError):
        services.role_revoke(person=qd, role=Role.QUALITY_DEPARTMENT, actor=qd)
    assert qd.role_codes == {"quality_department"}


def test_the_role_page_explains_the_refusal(signed_in, person_with):
    client = signed_in("quality_department")
    target = person_with("inspector")
    response = client.post(reverse("orgs:role_add", args=[target.pk]), {"role": "leadership"})
    assert response.status_code == 200
    assert response.context["form"].errors["role"]
    own = client.post(reverse("orgs:role_add", args=[client.person.pk]), {"role": "inspector"})
    assert own.status_code == 200 and own.context["form"].errors["role"]


def test_an_import_cannot_grant_the_leadership_role(person_with, company):
    """ORG-2: an import applies the same rule; the row is named."""
    qd = person_with("quality_department")
    people = [
        ["wangwu", "王五", "", "KF", "", "", "", "服务人员", "", ""],
        ["boss", "老板", "", "KF", "", "", "", "公司高层", "", ""],
    ]
    plan = org_import_plan(user=qd, company=company, content=make_workbook(people=people))
    assert [(i.sheet, i.row, i.column) for i in plan.issues] == [("人员", 3, "角色")]


def test_re_importing_an_export_with_leaders_is_no_change(person_with, company, unit):
    from pinzhi.orgs.spreadsheets import org_workbook_export

    person_with("leadership")
    qd = person_with("quality_department")
    content = org_workbook_export(user=qd, company=company)
    plan = org_import_plan(user=qd, company=company, content=content)
    assert plan.ok, plan.issues


# --- masking (ORG-3) -------------------------------------------------------------------------


def test_a_person_outside_the_organisation_without_a_role_is_masked(person_with):
    """ORG-3: someone imported without a role, or a customer before their role is given,
    has no company and no unit: their data is masked until shown otherwise."""
    viewer = person_with("department_manager")
    nobody = PersonFactory(unit=None, company=None, full_name="王小明", phone="13912345678")
    assert is_customer(nobody)
    assert person_field(nobody, "phone", viewer=viewer) == "139********"
    staff_without_unit = PersonFactory(
        unit=None, company=None, roles=[Role.SERVICE_STAFF], full_name="赵六"
    )
    assert not is_customer(staff_without_unit)
    employee_without_role = person_with(full_name="钱七")
    assert not is_customer(employee_without_role)


def test_a_customer_who_also_works_here_is_masked(person_with):
    """ORG-3: holding the customer role is enough."""
    both = person_with("customer", "service_staff", full_name="孙八", phone="13912345678")
    assert is_customer(both)


# --- companies (ORG-4) -------------------------------------------------------------------


def test_the_operator_company_keeps_its_kind(company):
    """ORG-4: the operator company's kind is not editable, in the form or the service."""
    form = CompanyForm({"name": company.name, "kind": "supplier"}, instance=company)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["kind"] == Company.Kind.OPERATOR
    with pytest.raises(OrgError) as error:
        services.company_update(company=company, kind=Company.Kind.SUPPLIER)
    assert "kind" in [e.field for e in error.value.field_errors]


def test_new_companies_are_suppliers_or_inspected(signed_in):
    """ORG-4: the quality department registers external companies only."""
    client = signed_in("quality_department")
    response = client.post(
        reverse("orgs:company_create"), {"name": "第二运营公司", "kind": "operator"}
    )
    assert response.status_code == 200 and response.context["form"].errors["kind"]
    assert not Company.objects.filter(name="第二运营公司").exists()


def test_an_operator_company_has_no_operator(company):
    with pytest.raises(OrgError) as error:
        services.company_create(name="某运营公司", kind=Company.Kind.OPERATOR, operator=company)
    assert "operator" in [e.field for e in error.value.field_errors]


@time_machine.travel(dt.datetime(2026, 6, 1, 4, tzinfo=dt.UTC))
def test_without_the_rule_no_expiring_warning_is_shown():
    """ORG-4: the warning period is policy; without the pack's rule only expired licences
    are flagged."""
    today = dt.date(2026, 6, 1)
    assert selectors.licence_status(Company(licence_valid_until=today)) == "valid"
    assert selectors.licence_status(Company(licence_valid_until=today - dt.timedelta(1))) == (
        "expired"
    )


def test_a_revised_warning_period_applies(property_pack, person_with):
    from pinzhi.policy.models import Rule
    from pinzhi.policy.services import rule_revise

    rule = Rule.objects.get(pack__code="property", key="organisation.licence_warning")
    rule_revise(
        rule=rule,
        value=30,
        effective_from=None,
        author=person_with("quality_department"),
        reason="30 天足够",
        company=None,
    )
    today = dt.date.today()
    company = Company(licence_valid_until=today + dt.timedelta(days=60), policy_pack="property")
    assert selectors.licence_status(company, today=today) == "valid"


# --- the service desk sees the unit as text -------------------------------------------------


def test_the_service_desk_sees_the_unit_without_a_link(signed_in, person_with):
    target = person_with("service_staff")
    client = signed_in("service_desk")
    html = client.get(reverse("orgs:person_detail", args=[target.pk])).content.decode()
    assert 'data-testid="unit-name"' in html
    assert reverse("orgs:unit_detail", args=[target.unit.pk]) not in html
    client.logout()
    reader = signed_in("inspector")
    html = reader.get(reverse("orgs:person_detail", args=[target.pk])).content.decode()
    assert reverse("orgs:unit_detail", args=[target.unit.pk]) in html
