"""ORG-2 on the timeline: each event belongs to a company's log; readers see their own."""

import pytest
from django.db import connection
from django.urls import reverse

from pinzhi.deadlines.models import Calendar
from pinzhi.orgs.models import Company
from pinzhi.orgs.tests.factories import CompanyFactory, PersonFactory, PostFactory, UnitFactory
from pinzhi.timeline.selectors import events_visible_to
from pinzhi.timeline.services import event_record
from pinzhi.timeline.verify import ALTERED, timeline_check

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_company(db):
    return CompanyFactory(name="别家物业有限公司")


@pytest.fixture
def supplier(company):
    return CompanyFactory(name="保洁外包有限公司", kind=Company.Kind.SUPPLIER, operator=company)


def test_it_files_each_event_under_its_subjects_company(company, unit, other_company):
    """ORG-2: the company comes from the subject — a company itself, a record's company,
    a post's unit's company."""
    post = PostFactory(unit=unit)
    person = PersonFactory(unit=unit)
    assert event_record(subject=company, action="company.touched").company == company
    assert event_record(subject=unit, action="unit.touched").company == company
    assert event_record(subject=post, action="post.touched").company == company
    assert event_record(subject=person, action="person.touched").company == company
    assert event_record(subject=unit, action="unit.x", company=other_company).company == (
        other_company
    )
    assert event_record(subject=unit, action="unit.x", company=None).company is None


def test_a_subject_without_a_company_is_filed_under_the_actors(person_with):
    """ORG-2: a record of no company (a calendar) goes to the acting person's log."""
    calendar = Calendar.objects.create(code="kf", name="客服日历")
    actor = person_with("quality_department")
    assert event_record(subject=calendar, action="calendar.x", actor=actor).company_id == (
        actor.company_id
    )
    assert event_record(subject=calendar, action="calendar.x").company_id is None


def test_audit_roles_read_only_their_companys_log(
    person_with, unit, company, other_company, supplier
):
    """ORG-2: leadership of one company does not read another company's events; it does
    read those of the external companies it works with."""
    own = event_record(subject=unit, action="unit.touched")
    foreign = event_record(subject=UnitFactory(company=other_company), action="unit.touched")
    external = event_record(subject=supplier, action="company.touched")
    reader = person_with("leadership")
    visible = set(events_visible_to(reader).values_list("pk", flat=True))
    assert {own.pk, external.pk} <= visible
    assert foreign.pk not in visible
    outsider = PersonFactory(roles=("leadership",), unit=UnitFactory(company=other_company))
    visible = set(events_visible_to(outsider).values_list("pk", flat=True))
    assert foreign.pk in visible and own.pk not in visible and external.pk not in visible


def test_superusers_read_every_companys_log(unit, other_company):
    own = event_record(subject=unit, action="unit.touched")
    foreign = event_record(subject=other_company, action="company.touched")
    admin = PersonFactory(is_superuser=True, unit=None, company=None)
    assert {own.pk, foreign.pk} <= set(events_visible_to(admin).values_list("pk", flat=True))


def test_an_audit_role_without_a_company_reads_nothing(unit):
    """ORG-2: no company, no log — not the events that have no company either."""
    event_record(subject=unit, action="unit.touched", company=None)
    reader = PersonFactory(roles=("quality_department",), unit=None, company=None)
    assert not events_visible_to(reader).exists()


def test_the_event_log_page_hides_another_companys_events(signed_in, unit, other_company):
    """ORG-2: the page is scoped like the selector."""
    event_record(subject=UnitFactory(company=other_company, name="别家客服部"), action="unit.x")
    event_record(subject=unit, action="unit.touched")
    response = signed_in("quality_department").get(reverse("timeline:events"))
    assert "客服部".encode() in response.content
    assert "别家客服部".encode() not in response.content


def test_moving_an_event_to_another_company_is_reported(unit, other_company):
    """X-1, ORG-2: the company is sealed in the hash: re-filing an event is an alteration."""
    event = event_record(subject=unit, action="unit.touched")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE timeline_event SET company_id = %s WHERE id = %s", [other_company.pk, event.pk]
        )
    assert [(f.kind, f.event_id) for f in timeline_check().findings] == [(ALTERED, event.pk)]
