"""Issue 9 item 4: the check of an import in a web request counts the good rows without
keeping them (the largest allowed file held every parsed row: 390 MB), with the same
counts and broken rows as the check that keeps them for the worker's import."""

import pytest

from pinzhi.complaints import importer
from pinzhi.complaints.tests.test_import import (  # noqa: F401  (a fixture)
    HEADER,
    gbk_csv,
    importing,
    upload,
)


@pytest.mark.usefixtures("importing")
def test_the_web_check_counts_the_same_rows_without_keeping_them(clock, org):
    """Issue 9 item 4: `rows_check(keep_rows=False)` gives the same good count and broken
    rows as the full check, and keeps no parsed row."""
    rows = [HEADER]
    for n in range(30):
        rows.append(
            [f"2025-03-{1 + n % 28:02d}", f"业主{n}", f"139{n:08d}", "噪音", "楼上装修噪音", "", ""]
        )
    rows.append(["不是日期", "业主", "13900000000", "噪音", "楼上装修噪音", "", ""])
    batch = upload(org, "history.csv", gbk_csv(rows))
    importer.mapping_save(
        batch,
        mapping=batch.meta["mapping"],
        extras=batch.meta["extras"],
        options={
            "company_id": org.company.pk,
            "location_id": None,
            "category": "other",
            "channel": "import",
            "source": "test",
        },
    )
    kept = importer.rows_check(batch)
    counted = importer.rows_check(batch, keep_rows=False)
    assert counted.good == kept.good == len(kept.rows) == 30
    assert counted.rows == []
    assert [(b.line, b.reason) for b in counted.broken] == [(b.line, b.reason) for b in kept.broken]
    assert len(counted.broken) == 1
    importer.check_save(batch, counted)
    assert batch.meta["check"]["good"] == 30
