import pytest
from django.db import connection
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation

from pinzhi.core.shell import nav_for
from pinzhi.timeline.models import Verification
from pinzhi.timeline.services import event_record
from pinzhi.timeline.views import VERIFICATION_QUEUED

pytestmark = pytest.mark.django_db


@pytest.fixture
def events(unit, person_with):
    actor = person_with("quality_department", full_name="李质检")
    return [
        event_record(subject=unit, action="unit.created", actor=actor, reason="新建"),
        event_record(
            subject=unit,
            action="unit.updated",
            actor=actor,
            before={"name": "客服部"},
            after={"name": "客户服务部"},
            reason="更名",
        ),
    ]


@pytest.mark.parametrize("role", ["quality_department", "leadership"])
def test_the_integrity_page_shows_that_nothing_was_verified_yet(signed_in, role):
    response = signed_in(role).get(reverse("timeline:integrity"))
    assert response.status_code == 200
    assert b'data-testid="never-verified"' in response.content


@pytest.mark.parametrize("role", ["inspector", "quality_committee", "customer"])
def test_the_integrity_page_is_closed_to_other_roles(signed_in, role):
    assert signed_in(role).get(reverse("timeline:integrity")).status_code == 403


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


def test_verify_now_runs_the_verifier_and_shows_the_result(signed_in, events, immediate_tasks):
    """X-1: the quality department can verify the chain on demand."""
    client = signed_in("quality_department")
    response = client.post(reverse("timeline:integrity"), follow=True)
    run = Verification.objects.get()
    assert run.ok and run.triggered_by == client.person
    assert run.events_checked >= 2
    assert f'data-testid="events-checked">{run.events_checked}<'.encode() in response.content


def test_verify_now_queues_the_verification_instead_of_running_it(signed_in, events, settings):
    """X-1: the page does not walk the chain inside the web request: it enqueues the
    `timeline_verify` task, says so, and keeps showing the last result."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    from django.tasks import default_task_backend

    client = signed_in("quality_department")
    previous = Verification.objects.create(
        at=events[0].at, ok=True, events_checked=1, head_seq=events[0].seq, head_hash="a" * 64
    )
    response = client.post(reverse("timeline:integrity"), follow=True)
    assert list(Verification.objects.all()) == [previous]  # nothing ran in the request
    [queued] = default_task_backend.results
    assert queued.task.name == "timeline_verify"
    assert queued.kwargs == {"triggered_by_id": client.person.pk}
    assert b'data-testid="last-verification"' in response.content
    with translation.override(response.wsgi_request.LANGUAGE_CODE):
        assert str(VERIFICATION_QUEUED) in response.content.decode()


def test_the_integrity_page_names_a_tampered_event(signed_in, events, immediate_tasks):
    """X-1: after a row is edited in the database, the page names the event."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE timeline_event SET reason = 'x' WHERE id = %s", [events[0].pk])
    client = signed_in("quality_department")
    response = client.post(reverse("timeline:integrity"), follow=True)
    assert not Verification.objects.get().ok
    table = response.content.decode().split('data-testid="findings"')[1]
    assert f"#{events[0].seq}" in table and "unit.created" in table
    assert f"公司 {events[0].company.name}" in table  # named in its company's chain


@pytest.mark.parametrize("role", ["quality_department", "leadership", "quality_committee"])
def test_the_event_log_lists_events_for_audit_roles(signed_in, events, role):
    response = signed_in(role).get(reverse("timeline:events"))
    assert response.status_code == 200
    assert "客服部".encode() in response.content
    assert "李质检".encode() in response.content


def test_the_event_log_is_closed_to_staff(signed_in):
    assert signed_in("inspector").get(reverse("timeline:events")).status_code == 403


def test_the_event_log_filters_by_action_actor_text_and_date(signed_in, events):
    client = signed_in("quality_department")
    url = reverse("timeline:events")
    today = timezone.localdate(events[0].at).isoformat()
    found = client.get(url, {"action": "unit.upd"}).context["page_obj"].object_list
    assert [e.pk for e in found] == [events[1].pk]
    found = client.get(url, {"q": "新建"}).context["page_obj"].object_list
    assert [e.pk for e in found] == [events[0].pk]
    assert not client.get(url, {"actor": "nobody"}).context["page_obj"].object_list
    assert len(client.get(url, {"actor": "李质检", "date_from": today}).context["page_obj"]) == 2
    response = client.get(url, {"date_from": "2099-01-01"})
    assert b'data-testid="empty"' in response.content


def test_the_event_log_explains_reversed_dates(signed_in, events):
    client = signed_in("quality_department")
    response = client.get(
        reverse("timeline:events"), {"date_from": "2025-02-01", "date_to": "2025-01-01"}
    )
    assert b'data-testid="filter-errors"' in response.content


def test_the_event_log_answers_htmx_with_the_results_only(signed_in, events):
    client = signed_in("quality_department")
    response = client.get(reverse("timeline:events"), headers={"HX-Request": "true"})
    assert response.content.decode().strip().startswith('<div id="results">')


def test_the_event_log_paginates(signed_in, unit):
    for i in range(30):
        event_record(subject=unit, action=f"unit.step{i}")
    client = signed_in("quality_department")
    response = client.get(reverse("timeline:events"), {"page": 2})
    assert response.context["page_obj"].number == 2


def test_the_partial_renders_a_subjects_history_newest_first(unit, events):
    html = Template("{% load timeline %}{% timeline unit %}").render(Context({"unit": unit}))
    assert html.index("更名") < html.index("新建")
    assert "客户服务部" in html and "李质检" in html


def test_the_partial_has_an_empty_state(company):
    html = Template(
        "{% load timeline %}{% events_for c as events %}"
        "{% include 'timeline/partials/events.html' %}"
    ).render(Context({"c": company}))
    assert 'data-testid="no-events"' in html


def test_the_audit_section_is_in_the_navigation(person_with):
    entries = [e.url_name for _section, es in nav_for(person_with("leadership")) for e in es]
    assert {"timeline:events", "timeline:integrity"} <= set(entries)
    entries = [e.url_name for _section, es in nav_for(person_with("inspector")) for e in es]
    assert "timeline:events" not in entries
