"""Issue 9 item 7: `verify-timeline` walks only what changed since the last verified
point, and still finds tampering in the part already verified (block digests)."""

from io import StringIO

import pytest
from django.core.management import call_command

from pinzhi.orgs.events import OrgEvent
from pinzhi.timeline import checkpoints
from pinzhi.timeline.models import ChainCheckpoint, Event, chain_key
from pinzhi.timeline.services import event_record, verification_record
from pinzhi.timeline.tests.tampering import rehash, sql
from pinzhi.timeline.verify import ALTERED, DELETED, timeline_check

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def small_blocks(monkeypatch):
    monkeypatch.setattr(checkpoints, "CHECKPOINT_BLOCK", 4)


def record(company, n):
    return [event_record(subject=company, action=OrgEvent.COMPANY_UPDATED) for _ in range(n)]


def company_events(company):
    return Event.objects.filter(chain=chain_key(company.pk)).order_by("seq")


def test_a_new_run_reads_only_the_events_appended_since_the_last(company):
    """Issue 9 item 7: after a recorded run, the next one reads and hashes only the N
    events appended since, and finds the chain intact."""
    record(company, 9)
    first, _run = verification_record()
    assert first.ok and first.events_checked == Event.objects.count()
    checkpoint = ChainCheckpoint.objects.get(chain=chain_key(company.pk))
    assert checkpoint.seq == company_events(company).last().seq
    assert [b[:2] for b in checkpoint.blocks][:2] == [[0, 4], [1, 4]]
    record(company, 7)
    second, _run = verification_record()
    assert second.ok
    assert second.events_checked == 7
    assert verification_record()[0].events_checked == 0
    assert timeline_check(full=True).events_checked == Event.objects.count()


def test_tampering_in_the_verified_part_is_found_by_the_block_check(company):
    """Issue 9 item 7: a row edited behind the application's back before the checkpoint
    changes its block's digest; the chain is walked whole and the event is named."""
    events = record(company, 10)
    verification_record()
    target = events[2]
    sql("UPDATE timeline_event SET reason = %s WHERE id = %s", ["nothing happened", target.pk])
    result = timeline_check()
    assert [(f.kind, f.code, f.seq) for f in result.findings] == [
        (ALTERED, "hash_mismatch", target.seq)
    ]
    # And the failing chain's checkpoint is not moved past the tampering.
    before = ChainCheckpoint.objects.get(chain=chain_key(company.pk)).seq
    assert not verification_record()[0].ok
    assert ChainCheckpoint.objects.get(chain=chain_key(company.pk)).seq == before
    assert not timeline_check().ok


def test_a_rehashed_row_and_a_deleted_row_in_the_verified_part_are_found(company):
    """Issue 9 item 7: re-hashing an edited row, or deleting one, in the verified part is
    found as by a full walk."""
    events = record(company, 10)
    verification_record()
    sql("UPDATE timeline_event SET actor_name = %s WHERE id = %s", ["someone", events[1].pk])
    rehash(events[1].pk)
    sql("DELETE FROM timeline_event WHERE id = %s", [events[6].pk])
    codes = [(f.kind, f.code) for f in timeline_check().findings]
    assert codes == [(f.kind, f.code) for f in timeline_check(full=True).findings]
    assert ("inserted", "broken_link") in codes and (DELETED, "missing") in codes


def test_a_change_only_the_digest_sees_is_reported_by_block(company):
    """Issue 9 item 7: a payload rewritten behind the application's back to a form that
    hashes the same (1 stored as 1.0) is not what was verified: its block is named."""
    record(company, 2)
    target = event_record(subject=company, action="company.touched", data={"n": 1})
    record(company, 3)
    verification_record()
    sql("UPDATE timeline_event SET data = %s WHERE id = %s", ['{"n": 1.0}', target.pk])
    assert timeline_check(full=True).ok  # the event hash cannot see it
    findings = timeline_check().findings
    assert [(f.kind, f.code) for f in findings] == [(ALTERED, "block_changed")]
    block = (target.seq - 1) // 4
    assert findings[0].params["first"] == block * 4 + 1 <= target.seq
    assert target.seq <= findings[0].params["last"] <= (block + 1) * 4


def test_a_rewritten_checkpoint_event_sends_the_chain_to_a_full_walk(company):
    """Issue 9 item 7: the event the last run ended at must still carry the same hash."""
    events = record(company, 5)
    verification_record()
    sql("UPDATE timeline_event SET reason = %s WHERE id = %s", ["?", events[-1].pk])
    result = timeline_check()
    assert not result.ok
    assert result.events_checked == company_events(company).count()


def test_the_command_walks_everything_with_full(company):
    """Issue 9 item 7: `verify-timeline --full` keeps the whole check."""
    record(company, 5)
    call_command("verify-timeline", stdout=StringIO())
    out = StringIO()
    call_command("verify-timeline", "--full", "--json", stdout=out)
    assert f'"events_checked": {Event.objects.count()}' in out.getvalue()
    out = StringIO()
    call_command("verify-timeline", "--json", stdout=out)
    assert '"events_checked": 0' in out.getvalue()
