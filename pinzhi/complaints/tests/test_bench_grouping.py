"""Benchmark of the regrouping of 10,000 complaints (an import's grouping phase, CMP-8).
Run with `make bench` (or `pytest -m bench pinzhi/complaints`); PINZHI_BENCH_COMPLAINTS sets
the count. The texts are real hotel reviews (ChnSentiCorp, from ../shared/realdata when it
is there, else the labelled set repeated); their meaning vectors are stored beforehand, as
the import task stores them, so this measures the grouping itself.

Measured on the 2-core development machine (November 2026, shared with other jobs):
  before (pure-Python TF-IDF leader clustering): about 500 s for a 10,000-record import
  after (stored vectors, numpy, 10,000 reviews, machine at load 12): the combined vectors
  7.6 s, the clustering 6.1 s (the stored search_text spares jieba's 59 s)
  with clause vectors and concept words (30 November, load 5, the test suite running
  alongside): 17.3 s in all (86 topics)
Encoding the vectors is the import task's own cost, before the regrouping: 15–50 ms a
complaint on this machine (about 100 ms at load 7, 1,000 reviews in 50 s), one batch per
import; the clause vectors double it (batched, 30 November: 1.9 ms a text whole, 4.2 ms
with its clauses)."""

import csv
import os
import time
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest

from pinzhi.complaints import grouping, meaning
from pinzhi.complaints.models import Complaint
from pinzhi.complaints.text import search_document
from pinzhi.complaints.topic_quality import DATA
from pinzhi.lib.clock import now

pytestmark = pytest.mark.bench

TOTAL = int(os.environ.get("PINZHI_BENCH_COMPLAINTS", "10000"))
REALDATA = Path(__file__).resolve().parents[3] / ".." / "shared" / "realdata"


def texts(count: int) -> list[str]:
    source = REALDATA / "ChnSentiCorp_htl_all.csv"
    if not source.exists():
        source = DATA / "topics_hotel_reviews.csv"
    with open(source, encoding="utf-8", newline="") as f:
        found = [row.get("review") or row.get("text") or "" for row in csv.DictReader(f)]
    return [found[i % len(found)] for i in range(count)]


def test_bench_regrouping_of_an_import(real_meaning, org, capsys):
    reviews = texts(TOTAL)
    distinct = sorted(set(reviews))
    # Vectors of the distinct texts, computed once (the import task's part, not measured).
    vectors = dict(
        zip(distinct, meaning.vectors([t[: meaning.TEXT_CHARS] for t in distinct]), strict=True)
    )
    start = now() - timedelta(days=60)
    rows = [
        Complaint(
            company=org.company,
            channel="hotline",
            category="security",
            title=text[:30],
            content=text,
            customer_name="客户",
            received_at=start + timedelta(minutes=n),
            registered_at=start + timedelta(minutes=n),
            status="closed",
            policy_pack="property",
            source="bench",
            source_id=str(n),
            search_text=search_document(text[:30], text),
            meaning=meaning.to_bytes(vectors[text]),
        )
        for n, text in enumerate(reviews)
    ]
    Complaint.objects.bulk_create(rows, batch_size=1000)
    began = time.monotonic()
    result = grouping.groups_rebuild(company=org.company, since=start, until=now())
    seconds = time.monotonic() - began
    with capsys.disabled():
        print(
            f"\nregrouping {TOTAL} complaints: {seconds:.1f} s "
            f"({result.groups} topics, {result.grouped} grouped)"
        )
    assert result.complaints == TOTAL
    assert np.isfinite(seconds)
