"""Schedules, tasks and sampling draws through the API (INS-1, INS-3, INS-6): the same
services as the pages, the same refusals, scoped to the token's company."""

from datetime import timedelta

import pytest

from pinzhi.inspections import planning
from pinzhi.inspections.models import Inspection, Schedule
from pinzhi.inspections.tests.factories import template_published
from pinzhi.lib.clock import now
from pinzhi.orgs.tests.factories import CompanyFactory, UnitFactory

READ, WRITE = "schedules:read", "schedules:write"


@pytest.fixture
def version(org):
    return template_published(org.company, code="XJ")


def _body(org, **overrides):
    body = {
        "title": "翠湖花园周检",
        "template_code": "XJ",
        "rrule": "FREQ=WEEKLY;BYDAY=MO",
        "starts_at": (now() + timedelta(days=1)).replace(microsecond=0).isoformat(),
        "unit_codes": ["CH", "LY"],
        "due_within_hours": 24,
    }
    body.update(overrides)
    return body


def test_a_schedule_created_through_the_api_makes_its_tasks(org, version, make_token, api_client):
    """INS-1: the schedule is created as on the page and its window's tasks are made."""
    _token, secret = make_token(READ, WRITE)
    client = api_client(secret)
    response = client.post("/api/schedules", _body(org))
    assert response.status_code == 201, response.content
    schedule = Schedule.objects.get()
    assert response.json()["unit_codes"] == ["CH", "LY"]
    assert schedule.inspections.count() > 0
    tasks = client.get("/api/inspection-tasks", unit_code="CH").json()
    assert tasks and {t["unit_code"] for t in tasks} == {"CH"}


def test_an_inspector_of_the_unit_is_refused_beside_the_field(org, version, make_token, api_client):
    """INS-6: the same refusal as on the page, as a problem document naming the field."""
    from pinzhi.orgs.tests.factories import PersonFactory

    insider = PersonFactory(roles=("inspector",), unit=org.estate, company=org.company)
    _token, secret = make_token(WRITE)
    response = api_client(secret).post("/api/schedules", _body(org, inspector=insider.username))
    assert response.status_code == 422
    assert "INS-6" in response.json()["detail"]
    assert not Schedule.objects.exists()


def test_a_bad_rule_is_a_422_naming_the_rule(org, version, make_token, api_client):
    _token, secret = make_token(WRITE)
    response = api_client(secret).post("/api/schedules", _body(org, rrule="FREQ=SOMETIMES"))
    assert response.status_code == 422
    assert "FREQ=SOMETIMES" in response.json()["detail"]


def test_a_read_only_token_may_not_write(org, version, make_token, api_client):
    _token, secret = make_token(READ)
    response = api_client(secret).post("/api/schedules", _body(org))
    assert response.status_code == 403


def test_tasks_are_assigned_and_cancelled_through_the_api(org, version, make_token, api_client):
    """INS-6: re-assignment as on the page; a cancelled task cannot be cancelled again."""
    schedule = planning.schedule_create(
        company=org.company,
        title="日检",
        template=version.template,
        rrule="FREQ=DAILY",
        starts_at=now() + timedelta(days=1),
        units=[org.estate],
        due_within=timedelta(hours=8),
        actor=org.quality,
    )
    task = schedule.inspections.first()
    from pinzhi.orgs.tests.factories import PersonFactory

    outsider = PersonFactory(roles=("inspector",), unit=org.kf, company=org.company)
    _token, secret = make_token(READ, WRITE)
    client = api_client(secret)
    response = client.post(
        f"/api/inspection-tasks/{task.pk}/assign", {"inspector": outsider.username}
    )
    assert response.status_code == 200, response.content
    assert response.json()["inspector"] == outsider.username
    response = client.post(f"/api/inspection-tasks/{task.pk}/cancel", {"reason": "停电"})
    assert response.json()["status"] == "cancelled"
    again = client.post(f"/api/inspection-tasks/{task.pk}/cancel", {"reason": "停电"})
    assert again.status_code == 409
    assert Inspection.objects.get(pk=task.pk).status == "cancelled"


def test_another_companys_schedules_and_draws_are_not_found(org, version, make_token, api_client):
    from pinzhi.inspections.sampling import draw_make

    other = CompanyFactory(name="乙公司")
    unit = UnitFactory(company=other)
    draw = draw_make(company=other, units=[unit], percent=50, actor=None)
    _token, secret = make_token(READ)
    client = api_client(secret)
    assert client.get(f"/api/sampling-draws/{draw.pk}").status_code == 404
    assert client.get("/api/schedules").json() == []


def test_a_draw_reads_with_its_rerun(org, make_token, api_client):
    """INS-3: the record and whether re-running it gives the same units."""
    from pinzhi.inspections.sampling import draw_make

    draw = draw_make(
        company=org.company, units=[org.estate, org.other, org.kf], percent=50, actor=org.quality
    )
    _token, secret = make_token(READ)
    body = api_client(secret).get(f"/api/sampling-draws/{draw.pk}").json()
    assert body["seed"] == draw.seed and body["drawn"] == draw.drawn
    assert body["rerun_matches"] is True
