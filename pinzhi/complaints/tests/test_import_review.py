"""X-4 review fix: import idempotency is per company — the same file imported by two
companies gives each its own records; a re-import within a company still skips them."""

import pytest
from django.urls import reverse
from django.utils import translation

from pinzhi.complaints.models import Complaint, RepeatGroup
from pinzhi.complaints.tests.test_grouping import LIFT, LIFT2, other_customer
from pinzhi.complaints.tests.test_import import DATA, importing, run, upload  # noqa: F401, F811
from pinzhi.orgs.services import role_assign
from pinzhi.orgs.tests.factories import CompanyFactory, PersonFactory, UnitFactory


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def other_org(org):
    """A second operator company with its own quality-department person."""
    company = CompanyFactory()
    unit = UnitFactory(company=company, code="PZ2", name="品质部")
    person = PersonFactory(username="quality_b", unit=unit, company=company)
    role_assign(person=person, role="quality_department", scope=[])

    class Other:
        pass

    other = Other()
    other.company, other.quality = company, person
    return other


def test_two_companies_importing_the_same_file_both_get_their_rows(
    clock,
    org,
    other_org,
    importing,  # noqa: F811
):
    """X-4: source + source_id identify a record within a company, not across companies."""
    content = (DATA / "cfpb_sample.csv").read_bytes()
    first = run(org, upload(org, "cfpb.csv", content), source="cfpb")
    assert first["imported"] == 29
    second = run(other_org, upload(other_org, "cfpb.csv", content), source="cfpb")
    assert second["imported"] == 29 and second["skipped"] == 0
    assert Complaint.objects.filter(company=org.company).count() == 29
    assert Complaint.objects.filter(company=other_org.company).count() == 29
    again = run(other_org, upload(other_org, "cfpb.csv", content), source="cfpb")
    assert again["imported"] == 0 and again["skipped"] == 29
    assert Complaint.objects.count() == 58


@pytest.fixture
def group(clock, org, register):
    register(**LIFT, **other_customer(1))
    register(**LIFT2, **other_customer(2))
    return RepeatGroup.objects.first()


@pytest.mark.parametrize(
    "target",
    ["//evil.example/", "https://evil.example/x", "/\\evil.example", "javascript:alert(1)"],
)
def test_analyse_refuses_an_off_site_next(client, org, group, target):
    """CMP-8 review: `next` after recording an analysis never leaves the site."""
    client.force_login(org.committee)
    response = client.post(
        reverse("repeats:analyse", args=[group.pk]),
        {
            f"g{group.pk}-root_cause": "原因",
            f"g{group.pk}-corrective_action": "措施",
            "next": target,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('repeats:index')}#group-{group.pk}"


def test_analyse_follows_a_local_next(client, org, group):
    client.force_login(org.committee)
    back = reverse("repeats:index") + "?since=2026-01-01"
    response = client.post(
        reverse("repeats:analyse", args=[group.pk]),
        {f"g{group.pk}-root_cause": "原因", "next": back},
    )
    assert response["Location"] == f"{back}#group-{group.pk}"


def test_printing_takes_the_time_from_the_project_clock(clock, org, register, monkeypatch):
    """DESIGN 6: the "printed at" stamp comes from pinzhi.lib.clock, not timezone.now."""
    import inspect
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from pinzhi.complaints import printing
    from pinzhi.lib import clock as project_clock

    assert printing.now is project_clock.now
    assert "timezone.now" not in inspect.getsource(printing)
    fixed = datetime(2031, 2, 3, 4, 5, tzinfo=ZoneInfo("Asia/Shanghai"))
    monkeypatch.setattr(printing, "now", lambda: fixed)
    html = printing.complaint_record_html(register(), viewer=org.registrar)
    assert "2031-02-03 04:05" in html
