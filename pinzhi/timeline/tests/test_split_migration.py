import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from pinzhi.orgs.tests.factories import CompanyFactory
from pinzhi.timeline.models import LEGACY_CHAIN, ChainHead, chain_key
from pinzhi.timeline.services import event_record
from pinzhi.timeline.verify import timeline_check

BEFORE = [("timeline", "0004_attachment_company")]
AFTER = [("timeline", "0005_chain_per_company")]


def latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes("timeline")


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_it_keeps_the_old_single_chain_verifiable_and_starts_company_chains_at_its_end():
    """Issue 7 item 7: migrating to one chain per company keeps every existing event in
    the legacy chain, verified as written, and records each company's genesis: the hash
    the legacy chain ended at."""
    company = CompanyFactory(name="甲物业有限公司")
    try:
        old = migrate(BEFORE)
        OldHead = old.get_model("timeline", "ChainHead")
        OldEvent = old.get_model("timeline", "Event")
        ContentType = old.get_model("contenttypes", "ContentType")
        from pinzhi.lib.clock import now
        from pinzhi.timeline.canonical import event_hash

        OldEvent.objects.all().delete()
        OldHead.objects.all().delete()
        content_type = ContentType.objects.get(app_label="orgs", model="company")
        prev = "0" * 64
        for seq in (1, 2, 3):
            at = now()
            digest = event_hash(
                seq=seq,
                prev_hash=prev,
                subject_type="orgs.company",
                object_id=str(company.pk),
                subject_repr=company.name,
                company_id=company.pk,
                actor_id=None,
                actor_name="",
                at=at,
                action="company.old",
                data={},
                before=None,
                after=None,
                reason="",
            )
            OldEvent.objects.create(
                content_type=content_type,
                object_id=str(company.pk),
                subject_repr=company.name,
                company_id=company.pk,
                at=at,
                action="company.old",
                seq=seq,
                prev_hash=prev,
                hash=digest,
            )
            prev = digest
        OldHead.objects.create(pk=1, seq=3, hash=prev)
    finally:
        migrate(AFTER)
    try:
        _after_the_split(company, prev)
    finally:
        migrate(latest())


def _after_the_split(company, prev):
    heads = {h.chain: (h.seq, h.hash) for h in ChainHead.objects.all()}
    assert heads == {
        LEGACY_CHAIN: (3, prev),
        "global": (0, prev),
        chain_key(company.pk): (0, prev),
    }
    migrate(latest())
    event = event_record(subject=company, action="company.new")
    assert (event.chain, event.seq, event.prev_hash) == (chain_key(company.pk), 1, prev)
    newcomer = CompanyFactory(name="乙物业有限公司")
    other = event_record(subject=newcomer, action="company.new")  # head made on demand
    assert (other.seq, other.prev_hash) == (1, prev)
    result = timeline_check()
    assert result.ok and result.events_checked == 5
