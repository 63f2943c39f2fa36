"""Issue 9 item 6: the import task reads the file twice instead of holding it (a first pass
that keeps the good rows' ids, a second that writes them a chunk at a time in the one
transaction), with the same records, events in the same order, skips and reports as the
import that held every row."""

import pytest

from pinzhi.complaints import importer
from pinzhi.complaints.models import Complaint
from pinzhi.complaints.tests.test_import import (  # noqa: F401  (a fixture)
    gbk_csv,
    importing,
    run,
    upload,
)
from pinzhi.timeline.models import Event

HEADER = ["编号", "投诉时间", "投诉人", "联系电话", "投诉主题", "投诉内容"]


def _rows(count: int) -> list[list[str]]:
    rows = [HEADER]
    for n in range(count):
        rows.append(
            [
                f"A{n:03d}",
                f"2025-03-{1 + n % 28:02d} 09:00",
                f"业主{n}",
                f"139{n:08d}",
                "噪音",
                f"楼上装修噪音第{n}次",
            ]
        )
    return rows


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of three rows, so that ten rows cross several chunk boundaries."""
    monkeypatch.setattr(importer, "PROGRESS_EVERY", 3)


@pytest.mark.usefixtures("importing", "small_chunks")
def test_it_imports_chunk_by_chunk_the_same_records_and_events(clock, org, monkeypatch):
    """Issue 9 item 6: ten good rows (one duplicate id, one bad date, one already imported)
    in chunks of three: every new record once, in file order, the batch's event before its
    records' events on the chain, the skipped and reported rows counted; no parsed row is
    kept for the whole file."""
    rows = _rows(10)
    rows.append(["A004", "2025-03-09 09:00", "业主", "13900000000", "噪音", "重复编号"])
    rows.append(["A099", "不是日期", "业主", "13900000000", "噪音", "日期不对"])
    run(org, upload(org, "first.csv", gbk_csv([HEADER, rows[3]])))  # A002 already there
    kept_rows = []
    original = importer.rows_check

    def check(batch, **kwargs):
        result = original(batch, **kwargs)
        kept_rows.append(len(result.rows))
        return result

    monkeypatch.setattr(importer, "rows_check", check)
    events_before = Event.objects.count()
    result = run(org, upload(org, "history.csv", gbk_csv(rows)))

    assert kept_rows == [0]
    assert (result["imported"], result["skipped"], result["reported"]) == (9, 1, 2)
    assert result["rows"] == 12
    imported = Complaint.objects.filter(source="test").exclude(source_id="A002").order_by("pk")
    assert [c.source_id for c in imported] == [f"A{n:03d}" for n in range(10) if n != 2]
    assert {c.content for c in imported} == {f"楼上装修噪音第{n}次" for n in range(10) if n != 2}
    events = list(Event.objects.order_by("pk")[events_before:].values_list("action", "object_id"))
    assert events[0][0] == "complaint.import_batch"
    assert [e for e in events if e[0] == "complaint.imported"] == [
        ("complaint.imported", str(c.pk)) for c in imported
    ]


@pytest.mark.usefixtures("importing", "small_chunks")
def test_a_file_failing_in_the_second_pass_leaves_nothing_written(clock, org, monkeypatch):
    """Issue 9 item 6: the import stays atomic: an error while the second pass writes its
    chunks (here, at the third chunk) leaves no record, no event and the batch failed."""
    calls = {"n": 0}
    original = Complaint.objects.bulk_create

    def failing(objs, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk full")
        return original(objs, *args, **kwargs)

    monkeypatch.setattr(Complaint.objects, "bulk_create", failing)
    events_before = Event.objects.count()
    with pytest.raises(RuntimeError):
        run(org, upload(org, "history.csv", gbk_csv(_rows(10))))
    assert not Complaint.objects.filter(source="test").exists()
    assert Event.objects.count() == events_before
