"""The overdue page, the calendars pages and the home tile (X-5, ORG-2 scoping)."""

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pinzhi.deadlines import tiles
from pinzhi.deadlines.models import Calendar, CalendarDay, RuleCalendar
from pinzhi.deadlines.services import deadline_open, rule_calendar
from pinzhi.deadlines.tests.conftest import minutes
from pinzhi.orgs.tests.factories import UnitFactory

LIST = reverse("deadlines:list")


@pytest.fixture
def other_unit(company):
    return UnitFactory(company=company, code="GC", name="工程部")


def open_overdue(subject, *, unit=None, owner=None, kind="complaint.first_contact"):
    return deadline_open(
        subject=subject,
        kind=kind,
        duration=minutes(30),
        unit=unit,
        owner=owner,
        start=None,
    )


def test_staff_see_their_own_and_their_units_deadlines(clock, signed_in, unit, other_unit):
    client = signed_in("complaint_handler")
    mine = open_overdue(other_unit, owner=client.person)
    in_unit = open_overdue(unit, unit=unit)
    elsewhere = open_overdue(other_unit, unit=other_unit)
    clock.shift(minutes(45))
    response = client.get(LIST)
    assert response.status_code == 200
    shown = set(response.context["page_obj"].object_list)
    assert shown == {mine, in_unit}
    assert elsewhere not in shown
    assert "15 minutes overdue" in response.content.decode()


def test_the_quality_department_sees_every_deadline(clock, signed_in, unit, other_unit):
    client = signed_in("quality_department")
    first = open_overdue(unit, unit=unit)
    second = open_overdue(other_unit, unit=other_unit)
    clock.shift(minutes(45))
    assert set(client.get(LIST).context["page_obj"].object_list) == {first, second}


def test_it_filters_by_state_and_kind(clock, signed_in, unit):
    client = signed_in("quality_department")
    late = open_overdue(unit, unit=unit, kind="complaint.first_contact")
    report = open_overdue(unit, unit=unit, kind="report.monthly")
    not_yet = deadline_open(
        subject=unit, kind="complaint.resolve", duration=timedelta(days=2), unit=unit
    )
    clock.shift(minutes(45))
    assert set(client.get(LIST).context["page_obj"].object_list) == {late, report}
    assert set(client.get(LIST, {"state": ""}).context["page_obj"].object_list) == {
        late,
        report,
        not_yet,
    }
    assert list(client.get(LIST, {"kind": "report"}).context["page_obj"].object_list) == [report]
    response = client.get(LIST, {"kind": "report"}, headers={"HX-Request": "true"})
    assert "deadlines/partials/overdue_table.html" in [t.name for t in response.templates]
    assert "<html" not in response.content.decode()


def test_it_pages_long_lists(clock, signed_in, unit):
    client = signed_in("quality_department")
    for _ in range(30):
        open_overdue(unit, unit=unit)
    clock.shift(minutes(45))
    response = client.get(LIST, {"page": 2})
    assert len(response.context["page_obj"].object_list) == 5


def test_an_empty_list_says_so(signed_in):
    response = signed_in("service_staff").get(LIST)
    assert 'data-testid="empty"' in response.content.decode()


def test_the_countdown_carries_the_due_time(clock, signed_in, unit):
    client = signed_in("quality_department")
    deadline = open_overdue(unit, unit=unit)
    response = client.get(LIST, {"state": ""})
    html = response.content.decode()
    assert deadline.due_at.isoformat() == "2026-03-02T02:30:00+00:00"
    assert 'data-countdown-due="2026-03-02T10:30:00+08:00"' in html
    assert "30 minutes left" in html
    assert "deadlines/countdown.js" in html


def test_the_home_tile_lists_my_overdue_deadlines(clock, person_with, unit):
    person = person_with("complaint_handler")
    assert tiles.my_overdue(person) is None
    open_overdue(unit, owner=person)
    assert tiles.my_overdue(person) is None  # not yet due
    clock.shift(minutes(31))
    tile = tiles.my_overdue(person)
    assert tile["count"] == 1


def test_the_home_page_shows_the_tile(clock, signed_in, unit):
    client = signed_in("complaint_handler")
    open_overdue(unit, owner=client.person)
    clock.shift(minutes(31))
    html = client.get(reverse("core:home")).content.decode()
    assert 'data-testid="tile-deadlines-overdue"' in html


# --- calendars -------------------------------------------------------------------------


def test_the_quality_department_creates_a_calendar(signed_in):
    client = signed_in("quality_department")
    response = client.post(
        reverse("deadlines:calendar_create"),
        {"code": "office", "name": "办公时间", "time_zone": "Asia/Shanghai"},
    )
    assert response.status_code == 302
    calendar = Calendar.objects.get(code="office")
    assert calendar.hours["0"] == [["09:00", "12:00"], ["13:30", "18:00"]]
    assert calendar.hours["6"] == []
    assert client.get(reverse("deadlines:calendars")).status_code == 200


def test_it_refuses_a_taken_code_and_an_unknown_zone(signed_in):
    client = signed_in("quality_department")
    Calendar.objects.create(code="office", name="x", company=client.person.company)
    response = client.post(
        reverse("deadlines:calendar_create"), {"code": "office", "name": "y", "time_zone": "Mars"}
    )
    assert response.status_code == 200
    assert "already exists" in response.content.decode()


@pytest.fixture
def office(unit):
    """A calendar of the company of the people `signed_in` makes."""
    return Calendar.objects.create(code="office", name="办公时间", company=unit.company)


def hours_post(**overrides):
    data = {"name": "办公时间", "time_zone": "Asia/Shanghai"}
    data |= {f"hours_{d}": "09:00-12:00, 13:30-18:00" for d in range(5)}
    data |= {"hours_5": "", "hours_6": ""}
    return data | overrides


def test_it_saves_working_hours(signed_in, office):
    client = signed_in("quality_department")
    response = client.post(
        reverse("deadlines:calendar_hours", args=[office.pk]),
        hours_post(hours_5="09:00-12:00"),
    )
    assert response.status_code == 302
    office.refresh_from_db()
    assert office.hours["5"] == [["09:00", "12:00"]]


def test_it_explains_bad_working_hours(signed_in, office):
    client = signed_in("quality_department")
    response = client.post(
        reverse("deadlines:calendar_hours", args=[office.pk]),
        hours_post(hours_2="18:00-09:00", time_zone="Nowhere/City"),
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "the end must be later than the start" in html
    office.refresh_from_db()
    assert office.hours["2"] == [["09:00", "12:00"], ["13:30", "18:00"]]


def test_it_shows_every_bad_row_of_an_upload(signed_in, office):
    client = signed_in("quality_department")
    upload = SimpleUploadedFile(
        "2026.csv",
        "日期,类型,名称\n2026-10-01,放假,国庆节\nabc,放假,x\n2026-10-10,开会,y\n".encode(),
    )
    response = client.post(reverse("deadlines:calendar_import", args=[office.pk]), {"file": upload})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Row 3: “abc” is not a date" in html
    assert "Row 4: “开会” is not a kind" in html
    assert not office.days.exists()


def test_an_upload_imports_the_year(signed_in, office):
    client = signed_in("quality_department")
    upload = SimpleUploadedFile("2026.csv", "日期,类型,名称\n2026-10-01,放假,国庆节\n".encode())
    response = client.post(reverse("deadlines:calendar_import", args=[office.pk]), {"file": upload})
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert "国庆节" in page.content.decode()


def test_days_are_added_and_removed_by_hand(signed_in, office):
    client = signed_in("quality_department")
    url = reverse("deadlines:calendar_day_add", args=[office.pk])
    response = client.post(url, {"date": "2027-01-01", "kind": "holiday", "name": "元旦"})
    assert response.status_code == 302
    day = office.days.get()
    response = client.post(url, {"date": "2027-01-01", "kind": "workday", "name": ""})
    assert response.status_code == 400
    assert "already in this calendar" in response.content.decode()
    client.post(reverse("deadlines:calendar_day_remove", args=[office.pk, day.pk]))
    assert not office.days.exists()


def test_a_rule_is_set_to_count_on_a_calendar(signed_in, office):
    """X-5: the working-time calendar is chosen per rule; the wall clock is the default."""
    client = signed_in("quality_department")
    assert (
        rule_calendar(
            pack="property", rule_key="complaints.general_resolution", company=office.company
        )
        is None
    )
    url = reverse("deadlines:calendar_rule", args=[office.pk])
    client.post(
        url, {"pack": "property", "rule_key": "complaints.general_resolution", "use": "calendar"}
    )
    assert (
        rule_calendar(
            pack="property", rule_key="complaints.general_resolution", company=office.company
        )
        == office
    )
    client.post(
        url, {"pack": "property", "rule_key": "complaints.general_resolution", "use": "wall"}
    )
    assert not RuleCalendar.objects.exists()


def test_leadership_reads_calendars_but_cannot_change_them(signed_in, office):
    client = signed_in("leadership")
    CalendarDay.objects.create(
        calendar=office, date=date(2026, 10, 1), kind="holiday", name="国庆节"
    )
    page = client.get(reverse("deadlines:calendar", args=[office.pk]), {"year": 2026})
    assert page.status_code == 200
    assert "国庆节" in page.content.decode()
    assert 'data-testid="import-form"' not in page.content.decode()
    response = client.post(reverse("deadlines:calendar_hours", args=[office.pk]), hours_post())
    assert response.status_code == 403


def test_the_pages_speak_chinese_by_default(clock, client, signed_in, unit, settings):
    """X-2: simplified Chinese is the default interface language."""
    from django.utils import translation

    from pinzhi.deadlines.services import DeadlineError, deadline_meet

    client = signed_in("quality_department")
    client.cookies.pop(settings.LANGUAGE_COOKIE_NAME)
    deadline = open_overdue(unit, unit=unit)
    clock.shift(minutes(45))
    html = client.get(LIST).content.decode()
    assert "超时时限" in html
    assert "已超时 15 分钟" in html
    deadline_meet(deadline=deadline)
    with pytest.raises(DeadlineError) as error:
        deadline_meet(deadline=deadline)
    # The reason is put into words when it is shown, in the reader's language (issue 7 item 2).
    with translation.override("zh-hans"):
        assert str(error.value) == "该时限当前为“已达成”，不能标记为达成。"


def test_it_names_the_rules_counting_on_a_calendar_by_their_names(signed_in, office):
    """Issue 8 item 6: the calendar page lists the rule's name (「一般投诉解决时限」; these
    tests read English), not its key."""
    from pinzhi.policy.services import pack_load

    pack_load(code="property")
    client = signed_in("quality_department")
    url = reverse("deadlines:calendar_rule", args=[office.pk])
    client.post(
        url, {"pack": "property", "rule_key": "complaints.general_resolution", "use": "calendar"}
    )
    page = client.get(reverse("deadlines:calendar", args=[office.pk])).content.decode()
    name = "General complaint resolution time limit"
    assert f'data-testid="rule-name">{name}</li>' in page
    assert "property/complaints.general_resolution" not in page
    assert f'<option value="complaints.general_resolution">{name}</option>' in page
