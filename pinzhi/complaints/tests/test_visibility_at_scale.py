"""Issue 9 item 3: the role-scoped visibility filter is written so that every branch is
index-served (no join of the letters, no `pk IN (…)` over the table). These tests prove it
shows every person exactly the rows the earlier formulation showed, on the demo's three
companies (every role, a contractor, a supervising body) with a few cross-company ties."""

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Q

from pinzhi.complaints import selectors
from pinzhi.complaints.models import OPEN_STATUSES, Complaint, ContactLetter
from pinzhi.orgs.models import Person, Unit
from pinzhi.orgs.roles import COMPANY_WIDE_ROLES, CONTRACTOR_ROLES
from pinzhi.orgs.selectors import contractor_scopes_of, units_visible_to
from pinzhi.policy.selectors import rule_cache_clear


def _earlier_visible(user):
    """The formulation before issue 9: a join of the letters under `pk IN (…)`."""
    if user.is_superuser:
        return Complaint.objects.all()
    codes = user.role_codes
    condition = Q(customer=user)
    if codes & selectors.STAFF_COMPLAINT_ROLES:
        condition |= (
            Q(registered_by=user) | Q(owner=user) | Q(handler=user) | Q(letters__to_person=user)
        )
    if codes & COMPANY_WIDE_ROLES and user.company_id:
        condition |= Q(company_id=user.company_id)
    if codes & selectors.SCOPED_ROLES:
        units = units_visible_to(user)
        condition |= Q(location__in=units) | Q(department__in=units)
    if codes & CONTRACTOR_ROLES:
        contracted = Q(pk__in=[])
        for scope in contractor_scopes_of(user):
            where = Q(pk__in=[])
            for unit in scope.units.all():
                where |= Q(company_id=unit.company_id) & (
                    Q(location__path__startswith=unit.path)
                    | Q(department__path__startswith=unit.path)
                )
            if scope.categories:
                where &= Q(category__in=scope.categories)
            contracted |= where
        condition |= contracted
    return Complaint.objects.filter(pk__in=Complaint.objects.filter(condition).values("pk"))


def _earlier_queue(user):
    return set(
        _earlier_visible(user)
        .filter(status__in=OPEN_STATUSES)
        .filter(
            Q(owner=user)
            | Q(handler=user)
            | Q(letters__to_person=user, letters__acknowledged_at=None)
        )
        .values_list("pk", flat=True)
    )


def _ids(queryset):
    return set(queryset.values_list("pk", flat=True))


@pytest.fixture(scope="module")
def demo_with_ties(django_db_setup, django_db_blocker):
    """The demo, with ties across companies: a person handling, owning and receiving the
    letter of a case of another company, and a customer account on one case. Loaded once
    for the module inside a transaction rolled back at its end (the tests only read)."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield _load_demo_with_ties()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            rule_cache_clear()


@pytest.fixture
def people(db, demo_with_ties):
    return demo_with_ties


def _load_demo_with_ties():
    call_command("load_demo", stdout=None)
    persons = list(Person.objects.filter(is_active=True).order_by("pk"))
    complaints = list(Complaint.objects.order_by("pk"))
    outsiders = [p for p in persons if p.company_id != complaints[0].company_id]
    if outsiders:
        Complaint.objects.filter(pk=complaints[0].pk).update(handler=outsiders[0])
        Complaint.objects.filter(pk=complaints[1].pk).update(owner=outsiders[-1])
        letter = ContactLetter.objects.first()
        if letter is not None:
            ContactLetter.objects.filter(pk=letter.pk).update(to_person=outsiders[1])
    Complaint.objects.filter(pk=complaints[2].pk).update(customer=persons[0])
    return list(Person.objects.filter(is_active=True).order_by("pk"))


def test_it_shows_every_person_the_same_complaints_as_before(people):
    """Issue 9 item 3: every person of the demo (every role, the contractor, the supervising
    body, people tied to another company's case) sees the same complaints as before."""
    assert Complaint.objects.exists()
    roles_seen = set()
    for person in people:
        roles_seen |= person.role_codes
        assert _ids(selectors.complaints_visible_to(person)) == _ids(_earlier_visible(person)), (
            person.username
        )
    assert roles_seen & CONTRACTOR_ROLES and roles_seen & COMPANY_WIDE_ROLES


def test_it_gives_every_person_the_same_queue_as_before(people):
    """Issue 9 item 3: my queue (open cases I own, handle or must sign for) is unchanged."""
    for person in people:
        assert _ids(selectors.queue_for_person(person)) == _earlier_queue(person), person.username


def test_it_gives_every_unit_queue_the_same_cases_as_before(people):
    """Issue 9 item 3: a department's queue (cases located in or routed to the unit or one
    below it) is unchanged for every person and every unit they see."""
    for person in people:
        for unit in units_visible_to(person):
            earlier = _ids(
                _earlier_visible(person)
                .filter(status__in=OPEN_STATUSES)
                .filter(
                    Q(department__path__startswith=unit.path)
                    | Q(location__path__startswith=unit.path)
                )
            )
            assert _ids(selectors.queue_for_unit(person, unit)) == earlier, (person, unit)


def test_it_keeps_the_scope_and_supervision_figures_the_same(people):
    """Issue 9 item 3: the complaints in an inspector's units and those a supervising body
    supervises are unchanged."""
    for person in people:
        units = units_visible_to(person)
        in_units = Q(location__in=units) | Q(department__in=units)
        assert _ids(selectors.complaints_in_scope(person)) == _ids(
            _earlier_visible(person).filter(in_units)
        )
        supervised = selectors.complaints_supervised_by(person)
        if supervised.query.is_empty():
            continue
        assert _ids(supervised) == _ids(Complaint.objects.filter(in_units))


def test_it_reads_the_visible_complaints_without_joining_the_letters(people):
    """Issue 9 item 3: the filter is one WHERE on the complaint table — no join, no
    `pk IN (SELECT …)` over the whole table — so each branch can use its index."""
    head = next(p for p in people if p.role_codes & selectors.SCOPED_ROLES)
    sql = str(selectors.complaints_visible_to(head).query).upper()
    assert " JOIN " not in sql
    assert f'"{Complaint._meta.db_table}"."ID" IN (SELECT' not in sql.replace("U0.", "")
    assert Unit.objects.exists()
