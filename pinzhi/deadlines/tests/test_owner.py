"""A limit's first notice goes to whoever owns it at the breach, and a limit due at night says
so (issue 8 item 1; CMP-4, CMP-7, X-3)."""

from datetime import UTC, datetime

from django.urls import reverse

from pinzhi.deadlines.escalation import OWNER, escalation_recipients
from pinzhi.deadlines.services import deadline_open, deadline_reassign
from pinzhi.deadlines.sweep import sweep
from pinzhi.deadlines.tests.conftest import minutes
from pinzhi.lib.clock import now
from pinzhi.orgs.tests.factories import UnitFactory
from pinzhi.policy.services import pack_load

LADDER = [{"after": 0, "level": OWNER}, {"after": 1800, "level": "department_head"}]


def open_limit(subject, **kwargs):
    kwargs.setdefault("ladder", LADDER)
    return deadline_open(subject=subject, kind="case.contact", duration=minutes(30), **kwargs)


def test_it_tells_the_owner_at_the_moment_of_the_breach(clock, unit, person_with, sent):
    """CMP-7, X-3 (issue 8 item 1): a limit moved to another owner is breached at its new
    owner, who is told at the breach; the earlier owner is not."""
    first, head = person_with("complaint_handler"), person_with("department_manager")
    deadline = open_limit(unit, owner=first, unit=unit)
    deadline_reassign(deadline=deadline, owner=head)
    clock.shift(minutes(31))
    sweep(now())
    assert [call["recipients"] for call in sent] == [[head]]


def test_it_tells_the_holders_of_the_owning_role_in_scope_when_nobody_owns_the_limit(
    clock, company, unit, person_with, sent
):
    """X-3 (issue 8 item 1): a limit without an owner person belongs to the holders of its
    owning role whose scope covers its unit; holders elsewhere are not told."""
    elsewhere = UnitFactory(company=company, code="GC", name="工程部")
    desk = person_with("service_desk")
    person_with("service_desk", unit=elsewhere)
    deadline = open_limit(unit, unit=unit, owner_role="service_desk")
    assert escalation_recipients(deadline, OWNER) == [desk]
    clock.shift(minutes(31))
    sweep(now())
    assert [call["recipients"] for call in sent] == [[desk]]


def test_it_says_a_limit_due_at_night_on_the_overdue_list_in_local_time(
    clock, signed_in, unit, sent, settings
):
    """X-3 (issue 8 item 1): 23:40 Shanghai time (15:40 UTC) is in the night hours of the
    pack (organisation.night_begins 22, night_ends 6): the list and the notice say so."""
    pack_load(code="property")
    clock.move_to(datetime(2026, 3, 2, 15, 10, tzinfo=UTC))
    client = signed_in("quality_department")
    client.cookies.pop(settings.LANGUAGE_COOKIE_NAME)  # the default language: Chinese
    open_limit(unit, unit=unit, owner=client.person)
    page = client.get(reverse("deadlines:list"), {"state": "open"}).content.decode()
    assert "将于夜间 23:40 到期" in page
    clock.shift(minutes(31))
    sweep(now())
    assert "23:40" in sent[0]["body"] and "夜间" in sent[0]["body"]
    page = client.get(reverse("deadlines:list")).content.decode()
    assert "已于夜间 23:40 到期" in page
