"""Issue 8 item 6: staff, registrars, supervisors and inspectors read the rules in force that
bind them — read-only, with the menu entry — while amending them stays with the quality
department, department managers, the quality committee and leadership (STD-5)."""

import pytest
from django.urls import reverse

from pinzhi.core.shell import nav_for
from pinzhi.policy import services
from pinzhi.policy.selectors import amendments_visible_to

READERS = ["service_staff", "complaint_handler", "service_desk", "supervisor", "inspector"]


@pytest.mark.parametrize("role", READERS)
def test_it_lets_the_staff_read_the_rules_that_bind_them(signed_in, first_contact, role):
    """Issue 8 item 6: each of these roles opens the rule list and a rule, sees the figure in
    force and its clause, and finds the entry in the menu."""
    client = signed_in(role)
    listing = client.get(reverse("policy:list"))
    assert listing.status_code == 200 and "30 分钟" in listing.text
    detail = client.get(reverse("policy:detail", args=[first_contact.pk]))
    assert detail.status_code == 200
    assert 'data-testid="read-only"' in detail.text
    assert 'data-testid="propose-form"' not in detail.text
    entries = {entry.url_name for _, entries in nav_for(client.person) for entry in entries}
    assert "policy:list" in entries and "policy:amendments" not in entries


@pytest.mark.parametrize("role", READERS)
def test_it_keeps_amending_the_rules_from_the_readers(signed_in, person_with, first_contact, role):
    """Issue 8 item 6, STD-5: a reader proposes nothing, opens no amendment page and sees no
    proposed amendment of the rule."""
    services.amendment_propose(
        rule=first_contact,
        value=20,
        effective_from=None,
        reason="提速",
        proposed_by=person_with("quality_department"),
    )
    client = signed_in(role)
    assert client.get(reverse("policy:amendments")).status_code == 403
    response = client.post(
        reverse("policy:propose", args=[first_contact.pk]), {"value": 20, "reason": "x"}
    )
    assert response.status_code == 403
    assert not amendments_visible_to(client.person).exists()
