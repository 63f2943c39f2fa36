"""One hash chain per company (issue 7, item 7): verified per chain, each company's
tampering named in its own chain."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import translation

from pinzhi.orgs.tests.factories import CompanyFactory
from pinzhi.timeline.canonical import stored_event_hash
from pinzhi.timeline.models import GENESIS_HASH, LEGACY_CHAIN, ChainHead, Event, chain_key
from pinzhi.timeline.services import (
    chain_genesis,
    event_record,
    events_record,
    verification_record,
)
from pinzhi.timeline.tests.tampering import rehash, sql
from pinzhi.timeline.verify import ALTERED, timeline_check

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_companies():
    a = CompanyFactory(name="甲物业有限公司")
    b = CompanyFactory(name="乙物业有限公司")
    events_a = [event_record(subject=a, action=f"company.step{i}") for i in range(4)]
    events_b = [event_record(subject=b, action=f"company.step{i}") for i in range(3)]
    return a, b, events_a, events_b


def test_it_keeps_one_chain_per_company(two_companies):
    """Issue 7 item 7: each company's events form their own chain, numbered from 1 and
    linked only to that company's events."""
    a, b, events_a, events_b = two_companies
    for company, events in ((a, events_a), (b, events_b)):
        assert {e.chain for e in events} == {chain_key(company.pk)}
        assert [e.seq for e in events] == list(range(1, len(events) + 1))
        assert events[0].prev_hash == chain_genesis()
        assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]
    heads = {h.chain: (h.seq, h.hash) for h in ChainHead.objects.all()}
    assert heads[chain_key(a.pk)] == (4, events_a[-1].hash)
    assert heads[chain_key(b.pk)] == (3, events_b[-1].hash)
    assert timeline_check().ok


def test_it_keeps_events_without_a_company_in_the_global_chain(two_companies):
    a, _b, _ea, _eb = two_companies
    event = event_record(subject=a, action="operator.note", company=None)
    assert event.chain == "global" and event.company_id is None
    assert timeline_check().ok


def test_it_names_the_altered_event_of_one_company_and_leaves_the_other_intact(two_companies):
    """Issue 7 item 7, X-1: per-company verification names the event altered in one
    company's chain; the other company's chain is reported intact."""
    a, b, events_a, events_b = two_companies
    target = events_a[1]
    sql("UPDATE timeline_event SET reason = 'x' WHERE id = %s", [target.pk])
    result = timeline_check()
    assert [(f.kind, f.chain, f.seq, f.event_id) for f in result.findings] == [
        (ALTERED, chain_key(a.pk), target.seq, target.pk)
    ]
    reports = {c.company_id: c for c in result.chains}
    assert (reports[a.pk].ok, reports[a.pk].problems, reports[a.pk].events_checked) == (
        False,
        1,
        4,
    )
    assert (reports[b.pk].ok, reports[b.pk].events_checked) == (True, 3)

    out = StringIO()
    with pytest.raises(SystemExit), translation.override("en"):
        call_command("verify-timeline", "--no-record", stdout=out)
    text = out.getvalue()
    assert f"ALTERED   #{target.seq} (id {target.pk}) company.step1" in text
    assert "[Company 甲物业有限公司]" in text
    assert "Company 乙物业有限公司: 3 events, intact." in text
    assert "Company 甲物业有限公司: 4 events, 1 problem(s)." in text


def test_it_reports_a_company_chain_emptied_by_its_head(two_companies):
    """X-1: deleting every event of one company is caught by that company's chain head."""
    a, b, _ea, _eb = two_companies
    sql("DELETE FROM timeline_event WHERE chain = %s", [chain_key(b.pk)])
    findings = timeline_check().findings
    assert [(f.code, f.chain, f.params) for f in findings] == [
        ("missing_tail", chain_key(b.pk), {"first": 1, "last": 3})
    ]


def test_it_names_an_intact_event_moved_into_another_company_chain(two_companies):
    """X-1: the chain column is not hashed, but the company is: an event moved into
    another company's chain is named there, and its own chain misses it."""
    a, b, events_a, _eb = two_companies
    moved = events_a[-1]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE timeline_event SET chain = %s WHERE id = %s", [chain_key(b.pk), moved.pk]
        )
    findings = timeline_check().findings
    assert (chain_key(b.pk), "wrong_chain", moved.pk) in {
        (f.chain, f.code, f.event_id) for f in findings
    }
    assert (chain_key(a.pk), "missing_tail") in {(f.chain, f.code) for f in findings}


def test_it_anchors_each_chain_at_each_verification(two_companies):
    """X-1: a later run checks each chain's end against the last verification."""
    a, b, events_a, _eb = two_companies
    _result, run = verification_record()
    assert run.heads[chain_key(a.pk)] == [4, events_a[-1].hash]
    target = events_a[-1]
    sql("UPDATE timeline_event SET reason = 'x' WHERE id = %s", [target.pk])
    new = rehash(target.pk)
    ChainHead.objects.filter(chain=target.chain).update(hash=new)
    findings = timeline_check().findings
    assert [(f.code, f.event_id) for f in findings] == [("anchor_mismatch", target.pk)]


def _legacy_event(seq: int, prev_hash: str, subject) -> Event:
    """An event as the single global chain wrote it before the split."""
    from django.contrib.contenttypes.models import ContentType

    from pinzhi.lib.clock import now

    content_type = ContentType.objects.get_for_model(subject)
    event = Event(
        chain=LEGACY_CHAIN,
        content_type=content_type,
        object_id=str(subject.pk),
        subject_repr=str(subject),
        company_id=subject.pk,
        at=now(),
        action="company.old",
        seq=seq,
        prev_hash=prev_hash,
    )
    event.hash = stored_event_hash(event)
    event.save(force_insert=True)
    return event


def test_it_verifies_the_legacy_chain_and_starts_new_chains_at_its_end(company):
    """Issue 7 item 7: events recorded before the split stay one chain, verified as they
    were written; every new chain begins at the hash the legacy chain ended at."""
    Event.objects.all().delete()
    ChainHead.objects.all().delete()
    first = _legacy_event(1, GENESIS_HASH, company)
    second = _legacy_event(2, first.hash, company)
    ChainHead.objects.create(chain=LEGACY_CHAIN, seq=2, hash=second.hash)
    new = event_record(subject=company, action="company.new")
    assert (new.chain, new.seq, new.prev_hash) == (chain_key(company.pk), 1, second.hash)
    result = timeline_check()
    assert result.ok and result.events_checked == 3
    assert [c.chain for c in result.chains] == [LEGACY_CHAIN, chain_key(company.pk)]

    sql("UPDATE timeline_event SET action = 'x' WHERE id = %s", [first.pk])
    findings = timeline_check().findings
    assert [(f.chain, f.event_id, f.kind) for f in findings] == [(LEGACY_CHAIN, first.pk, ALTERED)]


def test_the_command_reports_each_chain_in_json(two_companies):
    a, b, _ea, _eb = two_companies
    out = StringIO()
    call_command("verify-timeline", "--json", "--no-record", stdout=out)
    chains = {c["company_id"]: c for c in json.loads(out.getvalue())["chains"]}
    assert chains[a.pk]["events_checked"] == 4 and chains[b.pk]["ok"] is True


def test_the_integrity_page_shows_each_company_only_its_own_findings(two_companies, client):
    """Issue 6 item 11, ORG-2: a problem in A's chain is named to A's quality department;
    B's sees its own chain intact and only a count of problems elsewhere."""
    from django.urls import reverse

    from pinzhi.orgs import services as orgs
    from pinzhi.orgs.tests.factories import PersonFactory, UnitFactory

    a, b, events_a, _events_b = two_companies
    sql("UPDATE timeline_event SET reason = 'x' WHERE id = %s", [events_a[1].pk])
    verification_record()
    pages = {}
    for company in (a, b):
        reader = PersonFactory(unit=UnitFactory(company=company))
        orgs.role_assign(person=reader, role="quality_department", scope=[])
        client.force_login(reader)
        pages[company.pk] = client.get(reverse("timeline:integrity")).text

    assert 'data-testid="findings"' in pages[a.pk] and a.name in pages[a.pk]
    assert 'data-testid="findings"' not in pages[b.pk]
    assert a.name not in pages[b.pk] and 'data-testid="other-findings"' in pages[b.pk]


def test_it_appends_many_events_in_one_go_as_it_would_one_by_one(two_companies):
    """Issue 7 items 3 and 7: an import's events are appended with the chain's head moved
    once, numbered and hashed exactly as one by one, and verify as intact."""
    a, _b, events_a, _eb = two_companies
    units = [CompanyFactory(name=f"丙{i}") for i in range(5)]
    assert events_record(
        subjects=units, action="company.imported", company=a, data_for=lambda u: {"n": u.pk}
    ) == len(units)
    added = list(Event.objects.filter(chain=chain_key(a.pk), seq__gt=4).order_by("seq"))
    assert [e.seq for e in added] == [5, 6, 7, 8, 9]
    assert added[0].prev_hash == events_a[-1].hash
    assert [e.object_id for e in added] == [str(u.pk) for u in units]
    assert [e.data for e in added] == [{"n": u.pk} for u in units]
    assert ChainHead.objects.get(chain=chain_key(a.pk)).hash == added[-1].hash
    assert timeline_check().ok
