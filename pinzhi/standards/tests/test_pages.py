"""The standards pages (STD-1 … STD-4): catalogue, a standard's steps, goals, SLAs,
commitments and the public commitments page."""

import pytest
from django.urls import reverse

from pinzhi.orgs.tests.factories import PASSWORD, PersonFactory
from pinzhi.standards import services
from pinzhi.standards.models import CommitmentState, ServiceItem, Standard, VersionState


@pytest.fixture
def catalogue(company, quality):
    services.catalogue_install_pack(company=company, actor=quality)
    return company


def _client_of(client, person):
    assert client.login(username=person.username, password=PASSWORD)
    return client


def test_it_lists_searches_and_filters_the_catalogue(client, catalogue, staff):
    """STD-1: every member of the staff reads the catalogue, searched and filtered by kind
    of service and dimension; a bad filter value is shown beside its field, not a 500."""
    client = _client_of(client, staff)
    page = client.get(reverse("standards:list"))
    assert page.status_code == 200
    assert page.content.decode().count('data-testid="standard-row"') == 16
    found = client.get(reverse("standards:list"), {"q": "失窃"}).content.decode()
    assert "SEC-03" in found and "CLN-01" not in found
    cleaning = client.get(reverse("standards:list"), {"category": "cleaning"}).content.decode()
    assert "CLN-01" in cleaning and "SEC-01" not in cleaning
    bad = client.get(reverse("standards:list"), {"dimension": "nonsense"})
    assert bad.status_code == 200


def test_it_shows_a_standard_with_its_source_review_date_and_versions(client, catalogue, staff):
    """STD-1, STD-2: the standard's page shows its measure, source, next review and
    history."""
    standard = Standard.objects.get(code="GRN-01")
    text = _client_of(client, staff).get(reverse("standards:detail", args=[standard.pk]))
    body = text.content.decode()
    assert "《物业管理公司服务工作制度》第1篇 二.1" in body
    assert 'data-testid="review-due"' in body and 'data-testid="version-row"' in body


def test_it_takes_a_new_standard_through_its_steps_on_the_pages(client, catalogue, quality):
    """STD-2: draft on the page → out for comments → a comment → submitted; a step the
    person may not take is refused on its page with the reason."""
    client = _client_of(client, quality)
    item = ServiceItem.objects.get(code="CS")
    response = client.post(
        reverse("standards:create"),
        {
            "item": item.pk,
            "code": "CS-20",
            "title": "前台等候不超过 5 分钟",
            "requirement": "业主到前台办理业务，等候不超过 5 分钟。",
            "dimension": "efficiency",
            "measure": "≤ 5 分钟",
        },
    )
    version = Standard.objects.get(code="CS-20").versions.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("standards:version", args=[version.pk])
    step = reverse("standards:step", args=[version.pk, "submit"])
    assert client.post(step).status_code == 409  # still a draft
    client.post(reverse("standards:step", args=[version.pk, "open_comments"]))
    refused = client.post(step)
    assert refused.status_code == 409 and "尚未记录任何意见" in refused.content.decode()
    client.post(
        reverse("standards:step", args=[version.pk, "comment"]),
        {"source": "user", "commenter_name": "业主 李先生", "text": "5 分钟合理。"},
    )
    assert client.post(step).status_code == 302
    version.refresh_from_db()
    assert version.state == VersionState.SUBMITTED
    page = client.get(reverse("standards:step", args=[version.pk, "approve"]))
    assert 'data-testid="step-refused"' in page.content.decode()


def test_it_refuses_a_bad_draft_beside_its_field(client, catalogue, quality):
    """STD-1: a taken code is refused beside the code field, with a 400 (in Chinese)."""
    client = _client_of(client, quality)
    item = ServiceItem.objects.get(code="CS")
    response = client.post(
        reverse("standards:create"),
        {"item": item.pk, "code": "CS-01", "title": "t", "requirement": "r", "dimension": "result"},
    )
    assert response.status_code == 400
    assert "已被使用" in response.content.decode()


def test_it_sets_and_shows_goals(client, company, unit, quality):
    """STD-3: the quality department sets a unit's goal and adjusts it from a later date;
    the page shows the goal in force and the one to come."""
    client = _client_of(client, quality)
    for target, day in [("90", "2026-01-01"), ("95", "2099-01-01")]:
        response = client.post(
            reverse("standards:goal_set"),
            {
                "unit": unit.pk,
                "metric": "satisfaction_rate",
                "period": "quarter",
                "target": target,
                "effective_from": day,
            },
        )
        assert response.status_code == 302
    body = client.get(reverse("standards:goals")).content.decode()
    assert "≥ 90" in body and 'data-testid="goal-upcoming"' in body
    bad = client.post(
        reverse("standards:goal_set"),
        {
            "unit": unit.pk,
            "metric": "satisfaction_rate",
            "period": "quarter",
            "target": "120",
            "effective_from": "2026-03-01",
        },
    )
    assert bad.status_code == 400 and "0 到 100 之间" in bad.content.decode()


def test_it_shows_a_goal_with_nothing_to_come(client, company, unit, quality):
    """STD-3: a goal in force with no later version is listed (the walk-through found the
    goals page answering 500 when a row had nothing to come)."""
    client = _client_of(client, quality)
    response = client.post(
        reverse("standards:goal_set"),
        {
            "unit": unit.pk,
            "metric": "satisfaction_rate",
            "period": "quarter",
            "target": "90",
            "effective_from": "2026-01-01",
        },
    )
    assert response.status_code == 302
    page = client.get(reverse("standards:goals"))
    assert page.status_code == 200 and "≥ 90" in page.content.decode()


def test_it_records_an_sla_on_its_page(client, company, quality):
    """STD-3: an SLA per customer contract is recorded and listed."""
    client = _client_of(client, quality)
    response = client.post(
        reverse("standards:sla_create"),
        {
            "customer": "某银行",
            "contract_number": "YW-2026-01",
            "valid_from": "2026-01-01",
            "response_minutes": "15",
        },
    )
    assert response.status_code == 302
    assert "某银行" in client.get(reverse("standards:slas")).content.decode()


def test_it_publishes_commitments_on_the_public_page(client, company, quality):
    """STD-4: a commitment appears on the public page, under the company's name, only once
    published; taken off, it is gone again."""
    client = _client_of(client, quality)
    client.post(
        reverse("standards:commitment_create"),
        {"post_name": "门卫", "text": "文明服务，礼貌待客。\n主动服务。"},
    )
    commitment = company.commitments.get()
    assert "礼貌待客" not in client.get(reverse("portal:commitments")).content.decode()
    client.post(reverse("standards:commitment_publish", args=[commitment.pk]))
    commitment.refresh_from_db()
    assert commitment.state == CommitmentState.PUBLISHED
    public = client.get(reverse("portal:commitments")).content.decode()
    assert "礼貌待客" in public and "门卫" in public
    client.post(reverse("standards:commitment_withdraw", args=[commitment.pk]))
    assert "礼貌待客" not in client.get(reverse("portal:commitments")).content.decode()


def test_it_keeps_suppliers_and_customers_out_of_the_catalogue(client, catalogue):
    """STD-1: the catalogue is the staff's; a supplier's and a customer's account are
    refused."""
    for role in ("supplier", "customer"):
        person = PersonFactory(roles=(role,))
        client.logout()
        assert _client_of(client, person).get(reverse("standards:list")).status_code == 403


def test_it_shows_the_pages_in_chinese(client, catalogue, quality):
    """The pages read in simplified Chinese (the default language)."""
    from django.utils import translation

    with translation.override("zh-hans"):
        client = _client_of(client, quality)
        body = client.get(reverse("standards:list"), HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert "服务标准" in body.content.decode()


def test_it_offers_the_review_on_the_standard_page_to_the_quality_department_only(
    client, catalogue, quality, staff
):
    """STD-2: the quality department confirms a standard at its review from its page; the
    staff read it without steps."""
    standard = Standard.objects.get(code="GRN-01")
    url = reverse("standards:detail", args=[standard.pk])
    assert 'data-testid="action-review"' in _client_of(client, quality).get(url).content.decode()
    client.logout()
    assert 'data-testid="action-review"' not in _client_of(client, staff).get(url).content.decode()
