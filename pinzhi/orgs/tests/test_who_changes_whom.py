"""Who may change whom (issue 6 item 4): one rank order of the roles, one check in every
service that changes a person, and nobody sets another person's password."""

import pytest
from django.urls import reverse

from pinzhi.orgs import services
from pinzhi.orgs.forms import PersonForm
from pinzhi.orgs.models import PasswordReset, Person, RoleAssignment, Unit
from pinzhi.orgs.roles import RANK_ORDER, ROLE_RANK, SUPERUSER_RANK, Role, rank_of
from pinzhi.orgs.services import OrgError
from pinzhi.orgs.spreadsheets import org_import_plan
from pinzhi.orgs.tests.conftest import make_workbook
from pinzhi.orgs.tests.factories import PASSWORD
from pinzhi.timeline.models import Event

pytestmark = pytest.mark.django_db


@pytest.fixture
def leader(person_with):
    leader = person_with("leadership", full_name="周建国", phone="13800000001")
    # A second, lower role the system gave: still the leader's rank that counts.
    services.role_assign(person=leader, role=Role.INSPECTOR, scope=[leader.unit])
    return leader


@pytest.fixture
def quality(person_with):
    return person_with("quality_department")


def test_it_ranks_every_role_once_with_the_approving_roles_on_top(person_with):
    """Issue 6 item 4: one rank order of all roles: a superuser, then the leadership, the
    quality committee, the quality department, and so on down; a person ranks by their
    highest role."""
    assert sorted(RANK_ORDER) == sorted(Role) and len(set(RANK_ORDER)) == len(Role)
    assert RANK_ORDER[:3] == (Role.LEADERSHIP, Role.QUALITY_COMMITTEE, Role.QUALITY_DEPARTMENT)
    assert ROLE_RANK[Role.QUALITY_DEPARTMENT] > ROLE_RANK[Role.DEPARTMENT_MANAGER]
    assert ROLE_RANK[Role.SERVICE_STAFF] > ROLE_RANK[Role.CUSTOMER]
    both = person_with("service_staff", "department_manager")
    assert rank_of(both) == ROLE_RANK[Role.DEPARTMENT_MANAGER]
    assert rank_of(person_with()) == 0
    assert rank_of(person_with("customer", is_superuser=True)) == SUPERUSER_RANK


def test_the_quality_department_cannot_change_the_leader_in_any_way(leader, quality, unit):
    """Issue 6 item 4: edit, deactivate, sign-in code and role changes of a person ranking
    above the actor are all refused by the services, with the reason; nothing changes."""
    attempts = {
        "edit": lambda: services.person_update(person=leader, actor=quality, phone="13900000000"),
        "deactivate": lambda: services.person_update(person=leader, actor=quality, is_active=False),
        "code": lambda: services.password_reset_issue(person=leader, actor=quality),
        "role given": lambda: services.role_assign(
            person=leader, role=Role.SUPERVISOR, scope=[unit], actor=quality
        ),
        "role taken": lambda: services.role_revoke(
            person=leader, role=Role.INSPECTOR, actor=quality
        ),
    }
    for what, attempt in attempts.items():
        with pytest.raises(OrgError) as refused:
            attempt()
        assert "公司高层" in refused.value.reason, what  # names the leader's role
    leader = Person.objects.get(pk=leader.pk)
    assert (leader.phone, leader.is_active) == ("13800000001", True)
    assert leader.role_codes == {Role.LEADERSHIP, Role.INSPECTOR}
    assert not PasswordReset.objects.filter(person=leader).exists()
    assert not Event.objects.filter(actor=quality).exists()


def test_the_leaders_pages_refuse_the_quality_department_with_the_reason(leader, signed_in):
    """Issue 6 item 4: the person page offers nothing to change and says why; the change
    pages send back there with the reason, and a POST changes nothing."""
    client = signed_in("quality_department")
    detail = reverse("orgs:person_detail", args=[leader.pk])
    html = client.get(detail).content.decode()
    assert 'data-testid="ranks-above"' in html
    for name in ("person_edit", "person_code", "role_add"):
        assert reverse(f"orgs:{name}", args=[leader.pk]) not in html
    for url, data in (
        (reverse("orgs:person_edit", args=[leader.pk]), {"full_name": "改名"}),
        (reverse("orgs:person_code", args=[leader.pk]), {}),
        (reverse("orgs:role_add", args=[leader.pk]), {"role": "supervisor"}),
        (reverse("orgs:role_remove", args=[leader.pk, "inspector"]), {}),
    ):
        for response in (client.get(url), client.post(url, data)):
            assert response.status_code == 302 and response.url == detail, url
    page = client.get(detail).content.decode()
    assert "级别高于您" in page
    leader.refresh_from_db()
    assert leader.full_name == "周建国" and leader.role_codes == {"leadership", "inspector"}
    assert not PasswordReset.objects.filter(person=leader).exists()


def test_the_quality_department_still_manages_its_own_rank_and_below(quality, person_with):
    """Issue 6 item 4: equal or lower ranks stay manageable."""
    colleague = person_with("quality_department")
    supervisor = person_with("supervisor")
    for person in (colleague, supervisor):
        services.person_update(person=person, actor=quality, phone="13700000000")
        assert services.password_reset_issue(person=person, actor=quality).code


def test_nobody_gives_or_takes_a_role_ranking_above_their_own(person_with, unit):
    """Issue 6 item 4: a role ranking above the actor's own cannot be given or taken away."""
    supervisor = person_with("supervisor")
    staff = person_with("service_staff")
    with pytest.raises(OrgError) as refused:
        services.role_assign(
            person=staff, role=Role.QUALITY_DEPARTMENT, scope=[unit], actor=supervisor
        )
    assert "role" in [e.field for e in refused.value.field_errors]
    services.role_assign(person=staff, role=Role.SERVICE_DESK, scope=[unit], actor=supervisor)
    assert not RoleAssignment.objects.filter(person=staff, role="quality_department").exists()


def test_an_import_refuses_to_change_a_person_ranking_above_the_importer(leader, quality, company):
    """Issue 6 item 4: the organisation import applies the same check, naming the row."""
    people = [[leader.username, "改名", "", "KF", "", "", "", "", "", ""]]
    plan = org_import_plan(user=quality, company=company, content=make_workbook(people=people))
    assert [(i.sheet, i.row, i.column) for i in plan.issues] == [("人员", 2, "用户名")]
    assert "公司高层" in plan.issues[0].message


def test_nobody_sets_another_persons_password(quality, person_with, unit, client):
    """Issue 6 item 4: there is no way to set someone else's password: not the person
    form, not the services, not the Django admin."""
    target = person_with("service_staff")
    form = PersonForm(units=Unit.objects.all())
    assert not any("password" in name for name in form.fields)
    with pytest.raises(OrgError):
        services.person_change_password(
            person=target, old_password=PASSWORD, new_password="Taken-over-2026", actor=quality
        )
    with pytest.raises(TypeError):
        services.person_update(person=target, actor=quality, password="Taken-over-2026")

    superuser = person_with(is_superuser=True, is_staff=True)
    client.force_login(superuser)
    url = reverse("admin:auth_user_password_change", args=[target.pk])
    for response in (
        client.get(url),
        client.post(url, {"password1": "Taken-over-2026", "password2": "Taken-over-2026"}),
    ):
        assert response.status_code == 302
        assert response.url == reverse("orgs:person_detail", args=[target.pk])
    target.refresh_from_db()
    assert target.check_password(PASSWORD)


def test_a_person_changes_their_own_password_knowing_the_current_one(signed_in):
    """Issue 6 item 4: everyone changes their own password on their own page, and only
    with the current one; they stay signed in, and the change is on the timeline."""
    client = signed_in("service_staff")
    person = client.person
    url = reverse("core:password_change")
    assert client.get(url).status_code == 200
    wrong = client.post(
        url,
        {
            "old_password": "not-it",
            "new_password1": "Mine-only-2026",
            "new_password2": "Mine-only-2026",
        },
    )
    assert wrong.status_code == 200 and "当前密码不正确" in wrong.content.decode()
    differ = client.post(
        url,
        {"old_password": PASSWORD, "new_password1": "Mine-only-2026", "new_password2": "x"},
    )
    assert differ.status_code == 200 and differ.context["form"].errors["new_password2"]
    weak = client.post(
        url, {"old_password": PASSWORD, "new_password1": "123", "new_password2": "123"}
    )
    assert weak.status_code == 200 and weak.context["form"].errors["new_password1"]
    person.refresh_from_db()
    assert person.check_password(PASSWORD)

    done = client.post(
        url,
        {
            "old_password": PASSWORD,
            "new_password1": "Mine-only-2026",
            "new_password2": "Mine-only-2026",
        },
    )
    assert done.status_code == 302
    person.refresh_from_db()
    assert person.check_password("Mine-only-2026")
    assert client.get(reverse("core:home")).status_code == 200  # still signed in
    assert Event.objects.filter(action="person.password_changed", actor=person).exists()
