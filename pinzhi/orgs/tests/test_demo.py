from pinzhi.orgs.demo import ACCOUNTS, DEMO_PASSWORD, load_demo_organisation
from pinzhi.orgs.models import Company, Person, RoleAssignment, Unit
from pinzhi.orgs.roles import Role


def test_it_builds_a_property_company_with_three_estates(db):
    """ORG-1: company → departments / estates → posts → people."""
    company = load_demo_organisation()
    units = Unit.objects.filter(company=company)
    assert units.filter(kind=Unit.Kind.ESTATE).count() == 3
    departments = set(units.filter(kind=Unit.Kind.DEPARTMENT).values_list("name", flat=True))
    assert {"客服部", "安保部", "保洁部", "绿化部", "工程部", "品质管理部"} <= departments
    assert units.get(is_quality_department=True).name == "品质管理部"
    assert Company.objects.filter(kind=Company.Kind.SUPPLIER, name__contains="保洁").exists()


def test_it_has_about_sixty_people_covering_every_role(db):
    """ORG-2: every role of the catalogue is held by someone."""
    load_demo_organisation()
    assert 55 <= Person.objects.count() <= 75
    held = set(RoleAssignment.objects.values_list("role", flat=True))
    assert held == {role.value for role in Role}


def test_the_listed_accounts_can_sign_in(client, db):
    load_demo_organisation()
    for account in ACCOUNTS:
        assert client.login(username=account.username, password=DEMO_PASSWORD), account
        client.logout()


def test_the_demo_passwords_are_set_by_the_system_not_by_a_person(db):
    """Issue 6 item 4: the demo loader gives the demo password through the system's own
    service, recorded on the timeline without an actor; nobody set it on a page."""
    from pinzhi.timeline.models import Event

    load_demo_organisation()
    events = Event.objects.filter(action="person.password_set")
    assert events.count() == Person.objects.count()
    assert not events.exclude(actor=None).exists() and events.first().reason == "demo"


def test_loading_twice_changes_nothing(db):
    load_demo_organisation()
    people = Person.objects.count()
    load_demo_organisation()
    assert Person.objects.count() == people
