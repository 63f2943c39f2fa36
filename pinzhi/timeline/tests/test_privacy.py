"""ORG-3 on the timeline: no customer personal data in what every reader of the log sees."""

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from pinzhi.deadlines.models import Calendar
from pinzhi.orgs import services as org_services
from pinzhi.orgs.tests.factories import PersonFactory
from pinzhi.timeline.models import Event
from pinzhi.timeline.privacy import register_personal_data_rule
from pinzhi.timeline.services import event_record

pytestmark = pytest.mark.django_db

CUSTOMER_DATA = {
    "customer_name": "张三丰",
    "customer_phone": "13812345678",
    "customer_email": "zhangsan@example.com",
    "customer_address": "深圳市南山区阳光花园3栋2单元501室",
}


@pytest.fixture
def customer(unit):
    return PersonFactory(roles=("customer",), unit=unit, full_name="张三丰", phone="13812345678")


@pytest.fixture
def calendar(db):
    """A subject whose app registered no personal-data rule."""
    return Calendar.objects.create(code="kf", name="客服日历")


def render_history(subject, viewer) -> str:
    request = RequestFactory().get("/")
    request.user = viewer
    with translation.override("en"):
        return Template("{% load timeline %}{% timeline subject %}").render(
            Context({"subject": subject, "request": request})
        )


def test_it_stores_a_customer_subject_under_a_masked_name(customer):
    """ORG-3: the append-only log never holds a customer's real name as its subject."""
    event = event_record(subject=customer, action="person.updated")
    assert event.subject_repr == "张**"
    assert all("张三丰" not in e.subject_repr for e in Event.objects.all())


def test_it_masks_a_person_not_yet_known_to_be_staff(unit):
    """ORG-3: a person recorded before any role is given (a customer's account starts that
    way) is stored masked, because the event can never be corrected later."""
    person = org_services.person_create(
        username="resident1", full_name="李四", company=None, phone="13900001111"
    )
    event = Event.objects.get(action="person.created", object_id=str(person.pk))
    assert event.subject_repr == "李*"


def test_it_keeps_a_staff_subjects_name(person_with):
    """ORG-3 masks customers only: staff are named in the log."""
    staff = person_with("inspector", full_name="王巡检")
    assert event_record(subject=staff, action="person.updated").subject_repr == "王巡检"


def test_it_masks_a_customer_actor(customer, unit):
    """ORG-3: a customer acting (e.g. filing something) is not named in full either."""
    event = event_record(subject=unit, action="unit.touched", actor=customer)
    assert event.actor_name == "张**"
    assert event.actor == customer


def test_a_model_can_give_its_own_label(unit):
    """ORG-3: a model's `timeline_label` (property or method) is stored instead of str()."""
    unit.timeline_label = "KF-unit"
    assert event_record(subject=unit, action="unit.touched").subject_repr == "KF-unit"
    unit.timeline_label = lambda: "KF-method"
    assert event_record(subject=unit, action="unit.touched").subject_repr == "KF-method"


def test_the_event_log_does_not_show_or_find_a_customers_name(signed_in, customer):
    """ORG-3: leadership reading the log sees no customer name and cannot search by one."""
    event_record(subject=customer, action="person.updated", after={"phone": "13812345678"})
    client = signed_in("leadership")
    response = client.get(reverse("timeline:events"))
    assert "张三丰".encode() not in response.content
    assert "张**".encode() in response.content
    for text in ("张三丰", "13812345678"):
        assert not client.get(reverse("timeline:events"), {"q": text}).context["page_obj"]


def test_the_history_masks_personal_data_of_an_unknown_subject(calendar, person_with):
    """ORG-3: without a rule from the subject's app, only the quality department sees the
    personal data in before/after; leadership sees it masked."""
    event_record(subject=calendar, action="calendar.touched", before={}, after=CUSTOMER_DATA)
    html = render_history(calendar, person_with("leadership"))
    for value in CUSTOMER_DATA.values():
        assert value not in html
    assert "张**" in html and "138********" in html and "z***@example.com" in html
    assert "阳光花园3栋****" in html
    html = render_history(calendar, person_with("quality_department"))
    assert all(value in html for value in CUSTOMER_DATA.values())


def test_an_app_rule_decides_who_sees_its_records_personal_data(calendar, person_with):
    """ORG-3: `register_personal_data_rule` lets the owning app (e.g. complaints) show the
    data to the people handling the case — and hide it from everyone else."""
    handler = person_with("complaint_handler")
    quality = person_with("quality_department")
    event_record(subject=calendar, action="calendar.touched", after=CUSTOMER_DATA)
    register_personal_data_rule("deadlines.calendar", lambda user, subject: user == handler)
    try:
        assert "张三丰" in render_history(calendar, handler)
        assert "张三丰" not in render_history(calendar, quality)
    finally:
        from pinzhi.timeline import privacy

        privacy._rules.pop("deadlines.calendar")


def test_a_customers_own_data_is_masked_for_others_but_not_for_them(customer, person_with):
    """ORG-3: a customer's phone change is masked for staff reading the person's history,
    shown to the customer."""
    event_record(
        subject=customer,
        action="person.updated",
        before={"phone": "13800000000"},
        after={"phone": "13812345678"},
    )
    html = render_history(customer, person_with("leadership"))
    assert "13812345678" not in html and "138********" in html
    assert "13812345678" in render_history(customer, customer)


def test_a_units_name_is_not_taken_for_personal_data(unit, person_with):
    """ORG-3 masks people's names, not a unit's."""
    event_record(
        subject=unit, action="unit.updated", before={"name": "客服部"}, after={"name": "客服中心"}
    )
    html = render_history(unit, person_with("inspector"))
    assert "客服部" in html and "客服中心" in html


def test_the_history_names_fields_by_their_verbose_name(unit, person_with):
    """X-2: the field of a change is shown by its model's verbose name, not `full_name`."""
    event_record(
        subject=unit, action="unit.updated", before={"name": "客服部"}, after={"name": "客服中心"}
    )
    html = render_history(unit, person_with("quality_department"))
    assert ">Name</span>" in html
    with translation.override("zh-hans"):
        html = Template("{% load timeline %}{% timeline subject %}").render(
            Context({"subject": unit})
        )
    assert ">名称</span>" in html
