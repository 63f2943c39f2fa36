"""Each company has its own values of each pack's rules (issue 6 item 2, STD-5, ORG-2): the
pack's value is the default, a company's approved amendment changes that company's value
only, and nobody takes a step on another company's amendment."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from pinzhi.deadlines.services import deadline_open_for_rule
from pinzhi.orgs.tests.factories import CompanyFactory, PersonFactory, UnitFactory
from pinzhi.policy import services
from pinzhi.policy.models import RuleAmendment
from pinzhi.policy.selectors import amendments_visible_to, rule_value

NOW = datetime(2026, 4, 1, 8, 0, tzinfo=UTC)
KEY = "complaints.first_contact"


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def people_of(company):
    unit = UnitFactory(company=company)
    return {
        role: PersonFactory(unit=unit, roles=[role])
        for role in ("quality_department", "leadership")
    }


@pytest.fixture
def company_a(db):
    return CompanyFactory(name="甲物业")


@pytest.fixture
def company_b(db):
    return CompanyFactory(name="乙物业")


def amend(rule, people, *, value, effective_from=None):
    """Propose, review and approve within one company, as the pages do."""
    amendment = services.amendment_propose(
        rule=rule,
        value=value,
        effective_from=effective_from,
        reason="调整",
        proposed_by=people["quality_department"],
    )
    services.amendment_review(
        amendment=amendment, reviewer=people["quality_department"], note="可行"
    )
    return services.amendment_approve(amendment=amendment, approver=people["leadership"])


def test_an_amendment_changes_only_its_own_companys_value(first_contact, company_a, company_b):
    """Issue 6 item 2: B's quality department proposes and reviews, B's leader approves a
    10-hour first-contact limit; A's complaints keep the 30 minutes of the pack."""
    amend(first_contact, people_of(company_b), value=600)

    assert rule_value(KEY, pack="property", company=company_b) == timedelta(hours=10)
    assert rule_value(KEY, pack="property", company=company_a) == timedelta(minutes=30)
    assert rule_value(KEY, pack="property", company=None) == timedelta(minutes=30)


def test_the_next_deadline_of_each_company_follows_its_own_value(
    first_contact, company_a, company_b
):
    """Issue 6 item 2, CMP-4: a deadline opened for A's record counts A's value, one for B's
    record B's value."""
    amend(first_contact, people_of(company_b), value=600)
    unit_a, unit_b = UnitFactory(company=company_a), UnitFactory(company=company_b)

    due_a = deadline_open_for_rule(subject=unit_a, kind="t", rule_key=KEY, pack="property")
    due_b = deadline_open_for_rule(subject=unit_b, kind="t", rule_key=KEY, pack="property")

    assert due_a.due_at == NOW + timedelta(minutes=30)
    assert due_b.due_at == NOW + timedelta(hours=10)


def test_the_pack_default_applies_until_the_companys_value_takes_effect(first_contact, company_a):
    """STD-5: a case started before the company's value took effect keeps the default."""
    amend(first_contact, people_of(company_a), value=20, effective_from=NOW + timedelta(days=3))

    assert rule_value(KEY, pack="property", company=company_a) == timedelta(minutes=30)
    later = NOW + timedelta(days=3)
    assert rule_value(KEY, pack="property", company=company_a, at=later) == timedelta(minutes=20)


def test_an_operator_amends_the_default_of_companies_without_their_own(
    first_contact, company_a, company_b
):
    """Issue 6 item 2: an operator's amendment is the pack's default, even when the account is
    filed under a company; a company that chose its own value keeps it."""
    amend(first_contact, people_of(company_a), value=20)
    operator = PersonFactory(unit=UnitFactory(company=company_a), is_superuser=True)
    amend(first_contact, {"quality_department": operator, "leadership": operator}, value=45)

    assert rule_value(KEY, pack="property", company=company_a) == timedelta(minutes=20)
    assert rule_value(KEY, pack="property", company=company_b) == timedelta(minutes=45)


def test_reloading_the_pack_never_touches_a_companys_value(first_contact, company_a):
    """STD-5: loading a pack again is the default's business only."""
    amend(first_contact, people_of(company_a), value=20)

    report = services.pack_load(code="property")

    assert KEY in report.unchanged
    assert rule_value(KEY, pack="property", company=company_a) == timedelta(minutes=20)


def test_nobody_takes_a_step_on_another_companys_amendment(first_contact, company_a, company_b):
    """Issue 6 item 2: B's quality department and leader cannot review, approve, reject or
    withdraw A's amendment, and do not see it."""
    people_a, people_b = people_of(company_a), people_of(company_b)
    amendment = services.amendment_propose(
        rule=first_contact,
        value=20,
        effective_from=None,
        reason="提速",
        proposed_by=people_a["quality_department"],
    )
    with pytest.raises(services.AmendmentError, match="another company"):
        services.amendment_review(
            amendment=amendment, reviewer=people_b["quality_department"], note="x"
        )
    with pytest.raises(services.AmendmentError, match="another company"):
        services.amendment_reject(
            amendment=amendment, person=people_b["quality_department"], reason="x"
        )
    services.amendment_review(
        amendment=amendment, reviewer=people_a["quality_department"], note="可行"
    )
    with pytest.raises(services.AmendmentError, match="another company"):
        services.amendment_approve(amendment=amendment, approver=people_b["leadership"])
    assert not amendments_visible_to(people_b["leadership"]).exists()
    assert amendments_visible_to(people_a["leadership"]).get() == amendment


def test_the_pages_refuse_another_companys_amendment(client, first_contact, company_a, company_b):
    """Issue 6 item 2: on the pages another company's amendment is "not found"."""
    people_a, people_b = people_of(company_a), people_of(company_b)
    amendment = services.amendment_propose(
        rule=first_contact,
        value=20,
        effective_from=None,
        reason="提速",
        proposed_by=people_a["quality_department"],
    )
    client.force_login(people_b["quality_department"])

    review = client.post(reverse("policy:amendment_review", args=[amendment.pk]), {"text": "x"})
    listing = client.get(reverse("policy:amendments"))

    assert review.status_code == 404
    assert f"amendment-{amendment.pk}" not in listing.text
    assert RuleAmendment.objects.get().state == "proposed"


def test_the_rule_page_shows_the_viewers_company_value(client, first_contact, company_a, company_b):
    """Issue 6 item 2: each company reads its own value in force and its own history."""
    amend(first_contact, people_of(company_b), value=600)
    reader_a = people_of(company_a)["quality_department"]
    reader_b = people_of(company_b)["quality_department"]

    client.force_login(reader_a)
    page_a = client.get(reverse("policy:detail", args=[first_contact.pk])).text
    client.force_login(reader_b)
    page_b = client.get(reverse("policy:detail", args=[first_contact.pk])).text

    assert "600" not in page_a and 'data-testid="own-value"' not in page_a
    assert 'data-testid="own-value"' in page_b


def test_a_person_without_a_company_cannot_propose(first_contact):
    """Issue 6 item 2: a value without a company is everyone's default; only an operator
    changes it."""
    loner = PersonFactory(unit=None, company=None, roles=["quality_department"])
    with pytest.raises(services.AmendmentError, match="no company"):
        services.amendment_propose(
            rule=first_contact, value=20, effective_from=None, reason="x", proposed_by=loner
        )
