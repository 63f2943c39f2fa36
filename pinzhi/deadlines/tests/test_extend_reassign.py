from datetime import timedelta

import pytest
import time_machine

from pinzhi.deadlines import services
from pinzhi.deadlines.models import Deadline
from pinzhi.deadlines.services import DeadlineError
from pinzhi.timeline.models import Event

START = "2026-11-23 10:00 +0800"


@pytest.fixture
def deadline(unit):
    with time_machine.travel(START, tick=False):
        return services.deadline_open(
            subject=unit, kind="test.contact", duration=timedelta(minutes=30)
        )


def test_it_grants_a_longer_limit_before_the_deadline_runs_out(deadline, person_with):
    """CMP-4: a special case may take up to 4 hours, with a reason."""
    with time_machine.travel(START, tick=False) as traveller:
        traveller.shift(timedelta(minutes=20))
        services.deadline_extend(
            deadline=deadline, duration=timedelta(hours=4), reason="业主出差，约定下午联系"
        )
        deadline.refresh_from_db()
        assert deadline.due_at == deadline.started_at + timedelta(hours=4)
        assert deadline.next_escalation_at == deadline.due_at
        assert Event.objects.filter(action="deadline.extended", reason__contains="出差").exists()


def test_it_refuses_to_extend_a_breached_deadline(deadline):
    deadline.state = Deadline.State.BREACHED
    deadline.save()
    with pytest.raises(DeadlineError):
        services.deadline_extend(deadline=deadline, duration=timedelta(hours=4), reason="x")


def test_an_extension_needs_a_reason(deadline):
    with pytest.raises(DeadlineError):
        services.deadline_extend(deadline=deadline, duration=timedelta(hours=4), reason=" ")


def test_it_moves_a_running_deadline_to_another_owner(deadline, person_with):
    head = person_with("department_manager")
    services.deadline_reassign(deadline=deadline, owner=head)
    deadline.refresh_from_db()
    assert deadline.owner == head
    assert Event.objects.filter(action="deadline.reassigned").count() == 1
    services.deadline_reassign(deadline=deadline, owner=head)  # no change, no event
    assert Event.objects.filter(action="deadline.reassigned").count() == 1


def test_a_met_deadline_is_not_reassigned(deadline, person_with):
    services.deadline_meet(deadline=deadline, at=deadline.started_at)
    services.deadline_reassign(deadline=deadline, owner=person_with("inspector"))
    deadline.refresh_from_db()
    assert deadline.owner is None


def test_a_deadline_without_a_unit_is_seen_by_its_own_company_only(db, company, person_with):
    """ORG-2: a case with no unit (a web complaint) is not shown to other companies."""
    from pinzhi.deadlines.selectors import deadlines_visible_to
    from pinzhi.orgs.tests.factories import CompanyFactory, PersonFactory, UnitFactory

    subject = PersonFactory(unit=None, company=company)  # anything with a company
    deadline = services.deadline_open(subject=subject, kind="test.x", duration=timedelta(hours=1))
    assert deadline.company == company
    ours = person_with("quality_department")
    other_unit = UnitFactory(company=CompanyFactory())
    theirs = PersonFactory(unit=other_unit, roles=["quality_department"])
    assert deadline in deadlines_visible_to(ours)
    assert deadline not in deadlines_visible_to(theirs)
