"""Each company keeps its own working-time calendars and its own choice of calendar per rule;
the shipped public holidays are shared and read-only (issue 6 item 2, X-5, ORG-2)."""

from datetime import date

import pytest
from django.urls import reverse

from pinzhi.deadlines import services
from pinzhi.deadlines.models import Calendar, CalendarDay, RuleCalendar
from pinzhi.orgs.tests.factories import CompanyFactory, PersonFactory, UnitFactory

RULE = "complaints.general_resolution"


@pytest.fixture
def other_company(db):
    return CompanyFactory(name="乙物业")


@pytest.fixture
def theirs(other_company):
    calendar = services.calendar_create(company=other_company, code="office", name="乙办公")
    CalendarDay.objects.create(calendar=calendar, date=date(2026, 10, 1), kind="holiday")
    return calendar


@pytest.fixture
def shared(db):
    calendar = services.calendar_create(company=None, code="cn", name="国家法定节假日")
    CalendarDay.objects.create(calendar=calendar, date=date(2026, 10, 1), kind="holiday")
    return calendar


@pytest.fixture
def quality(signed_in):
    return signed_in("quality_department")


def edit_posts(calendar, day):
    """Every URL that changes a calendar, with a body each view accepts."""
    return [
        ("deadlines:calendar_hours", [calendar.pk], {"name": "x", "time_zone": "Asia/Shanghai"}),
        ("deadlines:calendar_day_add", [calendar.pk], {"date": "2026-12-31", "kind": "holiday"}),
        ("deadlines:calendar_day_remove", [calendar.pk, day.pk], {}),
        ("deadlines:calendar_import", [calendar.pk], {}),
    ]


def test_another_companys_calendar_is_not_found(quality, theirs):
    """Issue 6 item 2: B's calendar can be neither read nor changed by A, nor chosen for A's
    rules; it is not even listed."""
    day = theirs.days.get()
    assert quality.get(reverse("deadlines:calendar", args=[theirs.pk])).status_code == 404
    for name, args, body in edit_posts(theirs, day):
        assert quality.post(reverse(name, args=args), body).status_code == 404, name
    choose = {"pack": "property", "rule_key": RULE, "use": "calendar"}
    assert (
        quality.post(reverse("deadlines:calendar_rule", args=[theirs.pk]), choose).status_code
        == 404
    )
    assert "乙办公" not in quality.get(reverse("deadlines:calendars")).text
    theirs.refresh_from_db()
    assert theirs.name == "乙办公" and theirs.days.count() == 1
    assert not RuleCalendar.objects.exists()


def test_a_shared_calendar_is_read_only_but_may_be_chosen(quality, shared):
    """Issue 6 item 2: the shipped public holidays are shared: every company reads them and
    counts its rules on them; none changes them."""
    page = quality.get(reverse("deadlines:calendar", args=[shared.pk]))
    assert page.status_code == 200
    assert 'data-testid="shared-note"' in page.text
    assert 'data-testid="hours-form"' not in page.text
    for name, args, body in edit_posts(shared, shared.days.get()):
        assert quality.post(reverse(name, args=args), body).status_code == 403, name
    shared.refresh_from_db()
    assert shared.name == "国家法定节假日" and shared.days.count() == 1

    response = quality.post(
        reverse("deadlines:calendar_rule", args=[shared.pk]),
        {"pack": "property", "rule_key": RULE, "use": "calendar"},
    )

    assert response.status_code == 302
    choice = RuleCalendar.objects.get()
    assert (choice.company, choice.calendar) == (quality.person.company, shared)


def test_each_company_counts_a_rule_on_its_own_choice(company, other_company, shared):
    """Issue 6 item 2, X-5: A's choice of calendar for a rule does not move B's deadlines; an
    operator's choice is the default of companies without their own."""
    services.rule_calendar_set(company=company, pack="property", rule_key=RULE, calendar=shared)

    assert services.rule_calendar(pack="property", rule_key=RULE, company=company) == shared
    assert services.rule_calendar(pack="property", rule_key=RULE, company=other_company) is None

    office = services.calendar_create(company=None, code="office", name="办公")
    services.rule_calendar_set(company=None, pack="property", rule_key=RULE, calendar=office)
    assert services.rule_calendar(pack="property", rule_key=RULE, company=other_company) == office
    assert services.rule_calendar(pack="property", rule_key=RULE, company=company) == shared


def test_a_company_may_count_on_the_wall_clock_against_the_default(company, other_company):
    """X-5: a company that chooses the wall clock for a rule gets it, even where the
    operator's default names a calendar; the other companies keep the default."""
    office = services.calendar_create(company=None, code="office", name="办公")
    services.rule_calendar_set(company=None, pack="property", rule_key=RULE, calendar=office)
    services.rule_calendar_set(company=company, pack="property", rule_key=RULE, calendar=office)

    services.rule_calendar_set(company=company, pack="property", rule_key=RULE, calendar=None)

    assert services.rule_calendar(pack="property", rule_key=RULE, company=company) is None
    assert services.rule_calendar(pack="property", rule_key=RULE, company=other_company) == office


def test_a_company_cannot_choose_another_companys_calendar(company, theirs):
    """Issue 6 item 2: the service refuses it too, not only the page."""
    with pytest.raises(services.CalendarError) as error:
        services.rule_calendar_set(company=company, pack="property", rule_key=RULE, calendar=theirs)
    assert "another company" in str(error.value)


def test_codes_are_unique_within_a_company_only(company, other_company):
    """Issue 6 item 2: two companies may both call a calendar "office" without learning of
    each other."""
    services.calendar_create(company=other_company, code="office", name="乙")
    mine = services.calendar_create(company=company, code="office", name="甲")
    assert mine.company == company
    with pytest.raises(services.CalendarError):
        services.calendar_create(company=company, code="office", name="again")


def test_a_company_starts_its_own_calendar_from_the_shared_one(quality, shared):
    """Issue 6 item 2: to change the public holidays, a company copies them into its own."""
    response = quality.post(
        reverse("deadlines:calendar_create"),
        {"code": "ours", "name": "本公司", "time_zone": "Asia/Shanghai", "copy_from": shared.pk},
    )

    assert response.status_code == 302
    ours = Calendar.objects.get(code="ours")
    assert ours.company == quality.person.company
    assert list(ours.days.values_list("date", flat=True)) == [date(2026, 10, 1)]
    assert ours.hours == shared.hours


def test_an_operator_sees_and_changes_every_calendar(client, theirs, shared):
    """Issue 6 item 2: an operator (superuser) sees all and keeps the shared calendars."""
    operator = PersonFactory(unit=UnitFactory(), is_superuser=True)
    client.force_login(operator)
    listing = client.get(reverse("deadlines:calendars")).text
    assert "乙办公" in listing and "国家法定节假日" in listing
    response = client.post(
        reverse("deadlines:calendar_day_add", args=[shared.pk]),
        {"date": "2026-10-02", "kind": "holiday", "name": "国庆节"},
    )
    assert response.status_code == 302
    assert shared.days.count() == 2


def test_a_company_cannot_copy_another_companys_calendar(company, theirs):
    """Issue 6 item 2: the service refuses it too, not only the form's choices."""
    with pytest.raises(services.CalendarError) as error:
        services.calendar_create(company=company, code="copy", name="抄", copy_from=theirs)
    assert "another company" in str(error.value)
    assert not Calendar.objects.filter(code="copy").exists()
