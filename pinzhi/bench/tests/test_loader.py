"""The bulk loader writes what the workflow writes (issue 9 item 1)."""

from collections import Counter

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction

from pinzhi.bench import loader
from pinzhi.complaints.models import Complaint, ContactLetter, Status
from pinzhi.complaints.text import search_document
from pinzhi.deadlines.models import Deadline
from pinzhi.timeline.models import Event
from pinzhi.timeline.verify import timeline_check

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the bulk loader writes with COPY (PostgreSQL)"
)
BULK = 50


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    """The demo (its thirty cases through the services) and 50 bulk complaints cloned
    from them, once for the module, in a transaction rolled back when the module ends."""
    from pinzhi.policy.selectors import rule_cache_clear

    if connection.vendor != "postgresql":
        pytest.skip("the bulk loader writes with COPY (PostgreSQL)")
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield loader.complaints_load(count=BULK, estates=1, batch=20, seed=3)
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            rule_cache_clear()


def _bulk() -> list[Complaint]:
    company = loader.demo_company()
    return list(Complaint.objects.filter(company=company).order_by("pk")[len(loader.CASES) :])


@needs_postgresql
@pytest.mark.django_db
def test_it_loads_a_chain_that_verifies(loaded):
    """issue 9 item 1: the bulk events continue the company's chain exactly as
    timeline.services links them, so verify-timeline finds nothing."""
    assert loaded.complaints == BULK
    result = timeline_check()
    assert result.ok, result.findings[:3]
    assert loaded.rows["timeline_event"] > BULK


@needs_postgresql
@pytest.mark.django_db
def test_it_writes_the_rows_in_the_proportions_of_the_workflow(loaded):
    """issue 9 item 1: each bulk complaint has the rows of a case that went as far through
    the services (its template), so the rows per complaint match the templates' mix."""
    company = loader.demo_company()
    templates = loader.templates_read(company)
    expected = loader.rows_per_case(templates, loader.STATUS_SHARES)
    for table, rows in loaded.rows.items():
        per_case = rows / BULK
        assert per_case == pytest.approx(expected[table], rel=0.35), table
    statuses = Counter(c.status for c in _bulk())
    assert statuses[Status.CLOSED] >= 0.8 * BULK


@needs_postgresql
@pytest.mark.django_db
def test_it_ties_every_row_to_its_own_complaint(loaded):
    """issue 9 item 1: a clone's deadlines, letters and events name its own complaint, its
    payloads are JSON objects whose deadline ids are its own deadlines, and its search
    text is what complaints.text.search_document makes."""
    # The demo's inspections and findings are numbered too: a subject is its type and its id.
    kind = ContentType.objects.get_for_model(Complaint)
    for complaint in _bulk():
        assert complaint.search_text == search_document(
            complaint.title, complaint.content, complaint.request
        )
        deadlines = set(
            Deadline.objects.filter(content_type=kind, object_id=str(complaint.pk)).values_list(
                "pk", flat=True
            )
        )
        assert deadlines
        events = Event.objects.filter(
            content_type=kind, object_id=str(complaint.pk), action__startswith="deadline."
        )
        for event in events:
            assert isinstance(event.data, dict)
            assert event.data["deadline_id"] in deadlines
            assert event.subject_repr == complaint.tracking_code
        for letter in ContactLetter.objects.filter(complaint=complaint):
            assert letter.number.startswith("LXH")
        if complaint.status == Status.CLOSED:
            assert complaint.closed_at > complaint.received_at


def test_it_gives_every_complaint_id_its_own_tracking_code():
    """issue 9 item 1: tracking codes from ids (an affine bijection) never repeat and use
    the application's alphabet."""
    codes = {loader.tracking_code(pk) for pk in range(1, 20001)}
    assert len(codes) == 20000
    assert all(len(c) == 10 and set(c[2:]) <= set(loader.ALPHABET) for c in codes)
