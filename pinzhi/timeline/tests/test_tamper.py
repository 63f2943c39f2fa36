import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import translation

from pinzhi.timeline.models import ChainHead
from pinzhi.timeline.services import event_record, verification_record
from pinzhi.timeline.tests.tampering import forge, rehash, sql
from pinzhi.timeline.verify import ALTERED, DELETED, INSERTED, timeline_check

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(unit, person_with):
    actor = person_with("quality_department")
    return [
        event_record(subject=unit, action=f"unit.step{i}", actor=actor, reason=f"step {i}")
        for i in range(5)
    ]


def test_it_passes_an_intact_chain(chain):
    """X-1: an untouched timeline verifies without findings."""
    result = timeline_check()
    assert result.ok
    assert result.findings == []
    assert result.events_checked >= len(chain)
    assert result.head_seq == chain[-1].seq


def test_it_names_a_row_edited_in_the_database(chain):
    """X-1: a closed record cannot be silently altered — editing an event's row with SQL is
    reported as ALTERED, naming that event."""
    target = chain[2]
    sql("UPDATE timeline_event SET reason = %s WHERE id = %s", ["nothing happened", target.pk])
    findings = timeline_check().findings
    assert [(f.kind, f.seq, f.event_id, f.action) for f in findings] == [
        (ALTERED, target.seq, target.pk, "unit.step2")
    ]
    assert findings[0].subject == "客服部"


def test_it_names_an_edited_row_whose_hash_was_recomputed(chain):
    """X-1: re-hashing an edited row breaks the link from the next event."""
    target = chain[1]
    sql("UPDATE timeline_event SET actor_name = %s WHERE id = %s", ["someone else", target.pk])
    rehash(target.pk)
    findings = timeline_check().findings
    assert [(f.kind, f.seq, f.code) for f in findings] == [(INSERTED, chain[2].seq, "broken_link")]
    assert findings[0].params == {"prev_seq": target.seq}
    assert f"#{target.seq}" in findings[0].message


def test_it_names_a_rehashed_last_event_against_the_chain_head(chain):
    """X-1: the chain head still holds the original hash of the last event."""
    sql("UPDATE timeline_event SET reason = %s WHERE id = %s", ["?", chain[-1].pk])
    rehash(chain[-1].pk)
    findings = timeline_check().findings
    assert [(f.kind, f.event_id, f.code) for f in findings] == [
        (ALTERED, chain[-1].pk, "head_mismatch")
    ]


def test_it_reports_a_deleted_row(chain):
    """X-1: deleting an event with SQL is reported as DELETED, naming the missing number."""
    target = chain[2]
    sql("DELETE FROM timeline_event WHERE id = %s", [target.pk])
    findings = timeline_check().findings
    assert [(f.kind, f.code, f.params) for f in findings] == [
        (DELETED, "missing", {"first": target.seq, "last": target.seq, "next_seq": target.seq + 1})
    ]


def test_it_reports_rows_deleted_from_the_end(chain):
    """X-1: deleting the newest events is caught by the chain head."""
    sql(
        "DELETE FROM timeline_event WHERE chain = %s AND seq >= %s",
        [chain[3].chain, chain[3].seq],
    )
    findings = timeline_check().findings
    assert [(f.kind, f.code, f.params) for f in findings] == [
        (DELETED, "missing_tail", {"first": chain[3].seq, "last": chain[4].seq})
    ]


def test_it_reports_a_forged_row_appended_at_the_end(chain):
    """X-1: a row inserted behind the application's back is reported as INSERTED, even
    with a correctly computed hash."""
    last = chain[-1]
    forged = forge(
        last,
        action="complaint.verified",
        seq=last.seq + 1,
        prev_hash=last.hash,
        hash="0" * 64,
    )
    rehash(forged.pk)
    findings = timeline_check().findings
    assert [(f.kind, f.event_id, f.action, f.code) for f in findings] == [
        (INSERTED, forged.pk, "complaint.verified", "beyond_head")
    ]


def test_it_reports_a_row_replaced_by_a_forgery(chain):
    """X-1: a row deleted and forged in its place (the unique sequence number forbids a
    second row with the same number) is reported, naming the forged event."""
    target = chain[2]
    sql("DELETE FROM timeline_event WHERE id = %s", [target.pk])
    forged = forge(
        target,
        action="unit.forged",
        seq=target.seq,
        prev_hash=chain[1].hash,
        hash="f" * 64,
    )
    findings = timeline_check().findings
    assert [(f.kind, f.seq, f.event_id, f.action) for f in findings] == [
        (ALTERED, target.seq, forged.pk, "unit.forged")
    ]


def test_it_names_a_correctly_hashed_forgery_by_the_broken_link_after_it(chain):
    """X-1: even a forgery with a valid hash cannot be linked from the next event."""
    target = chain[2]
    sql("DELETE FROM timeline_event WHERE id = %s", [target.pk])
    forged = forge(
        target,
        action="unit.forged",
        seq=target.seq,
        prev_hash=chain[1].hash,
        hash="f" * 64,
    )
    rehash(forged.pk)
    findings = timeline_check().findings
    assert [(f.kind, f.seq, f.code, f.params) for f in findings] == [
        (INSERTED, chain[3].seq, "broken_link", {"prev_seq": target.seq})
    ]


def test_it_reports_a_rewritten_history_against_an_earlier_verification(chain):
    """X-1: once a verification has anchored the chain's end, rewriting that event and
    everything after it (head included) is still reported."""
    verification_record()
    target = chain[-1]
    sql("UPDATE timeline_event SET reason = %s WHERE id = %s", ["rewritten", target.pk])
    new = rehash(target.pk)
    ChainHead.objects.filter(chain=target.chain).update(hash=new)
    findings = timeline_check().findings
    assert [(f.kind, f.event_id, f.code) for f in findings] == [
        (ALTERED, target.pk, "anchor_mismatch")
    ]


def test_the_command_exits_0_for_an_intact_chain(chain):
    out = StringIO()
    with translation.override("en"):
        call_command("verify-timeline", stdout=out)
    assert "the timeline is intact" in out.getvalue()


def test_the_command_exits_1_and_names_the_altered_event(chain):
    """X-1: `pinzhi verify-timeline` names the edited event and fails."""
    target = chain[3]
    sql("UPDATE timeline_event SET action = %s WHERE id = %s", ["unit.nothing", target.pk])
    out = StringIO()
    with pytest.raises(SystemExit) as exit_info, translation.override("en"):
        call_command("verify-timeline", stdout=out)
    assert exit_info.value.code == 1
    assert f"ALTERED   #{target.seq} (id {target.pk}) unit.nothing" in out.getvalue()


def test_the_command_reports_json(chain):
    sql("DELETE FROM timeline_event WHERE id = %s", [chain[1].pk])
    out = StringIO()
    with pytest.raises(SystemExit):
        call_command("verify-timeline", "--json", "--no-record", stdout=out)
    report = json.loads(out.getvalue())
    assert report["ok"] is False
    assert [f["kind"] for f in report["findings"]] == [DELETED]
    assert report["findings"][0]["params"]["first"] == chain[1].seq


def test_the_daily_task_keeps_the_result(chain):
    """X-1: the clock's daily task verifies the chain and keeps the result."""
    from pinzhi.timeline.models import Verification
    from pinzhi.timeline.tasks import timeline_verify

    sql("UPDATE timeline_event SET reason = %s WHERE id = %s", ["x", chain[0].pk])
    outcome = timeline_verify.call()
    run = Verification.objects.get(pk=outcome["verification_id"])
    assert outcome["ok"] is False and outcome["findings"] == 1
    assert run.findings[0]["event_id"] == chain[0].pk
