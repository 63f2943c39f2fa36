"""Issue 9 item 4: an export larger than PINZHI_EXPORT_SYNC_MAX_ROWS is written by a worker:
the person is sent to the export's page (progress, then the link); the file holds the same
cells as an export downloaded at once, masked for a viewer who may not see the customer."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from pinzhi.core.exports import export_job_run
from pinzhi.core.models import ExportJob
from pinzhi.orgs.tests.factories import person_in_role


def sheet(content: bytes) -> list[list]:
    book = load_workbook(io.BytesIO(content))
    return [[cell.value for cell in row] for row in book.active.iter_rows()]


@pytest.fixture
def listed(clock, org, register):
    register()
    register(customer_phone="13600000001", content="水管爆裂，业主王先生13600000001")
    register(customer_phone="13600000002", title="门禁卡失灵")


@pytest.mark.parametrize("viewer", ["quality", "committee"])
def test_a_large_export_is_written_by_the_worker_with_the_same_cells(
    clock, org, client, listed, settings, django_capture_on_commit_callbacks, viewer
):
    """Issue 9 item 4, ORG-3: above the limit the export is queued and its page shows it
    waiting; once the worker has run, the page shows the link, and the file holds the same
    cells as the export downloaded at once — in clear for the quality department, masked
    for the committee."""
    user = getattr(org, viewer)
    client.force_login(user)
    at_once = sheet(b"".join(client.get(reverse("complaints:export")).streaming_content))
    settings.PINZHI_EXPORT_SYNC_MAX_ROWS = 2
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("complaints:export"), {"ordering": "-received_at"})
    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("core:export_job", args=[job.token])
    assert job.state == ExportJob.State.QUEUED and job.rows_total == 3
    assert job.requested_by == user and job.params == {"ordering": ["-received_at"]}
    page = client.get(response["Location"]).content.decode()
    assert "等待" in page and "hx-trigger" in page

    assert export_job_run(job.token) == {"state": "done", "rows": 3}
    status = client.get(reverse("core:export_status", args=[job.token])).content.decode()
    assert reverse("core:export_download", args=[job.token]) in status
    assert "hx-trigger" not in status
    download = client.get(reverse("core:export_download", args=[job.token]))
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    assert sheet(b"".join(download.streaming_content)) == at_once
    masked = any("136********" in str(value) for row in at_once for value in row)
    assert masked == (viewer == "committee")


def test_the_export_page_shows_the_progress(clock, org, client, listed, settings):
    """Issue 9 item 4: while the worker writes, the page shows rows written of the total."""
    settings.PINZHI_EXPORT_SYNC_MAX_ROWS = 1
    client.force_login(org.quality)
    client.get(reverse("complaints:export"))
    job = ExportJob.objects.get()
    ExportJob.objects.filter(pk=job.pk).update(state=ExportJob.State.RUNNING, rows_done=2)
    status = client.get(reverse("core:export_status", args=[job.token])).content.decode()
    assert "2" in status and "3" in status and 'data-width-percent="66"' in status


def test_only_the_person_who_asked_downloads_the_export(clock, org, client, listed, settings):
    """Issue 9 item 4, ORG-3: the export's page, status and file are the requester's only:
    anyone else — even the quality department — gets 404."""
    settings.PINZHI_EXPORT_SYNC_MAX_ROWS = 1
    client.force_login(org.committee)
    client.get(reverse("complaints:export"))
    job = ExportJob.objects.get()
    export_job_run(job.token)
    for other in (org.quality, person_in_role("inspector", "inspector", org.hq, [org.estate])):
        client.force_login(other)
        for name in ("core:export_job", "core:export_status", "core:export_download"):
            assert client.get(reverse(name, args=[job.token])).status_code == 404
    client.force_login(org.committee)
    assert client.get(reverse("core:export_download", args=[job.token])).status_code == 200


def test_a_queued_export_holds_the_filtered_list(clock, org, client, register, settings):
    """Issue 9 item 4: the worker writes the list the export was asked from, with its
    filters."""
    register()
    register(customer_phone="13600000001", severity="urgent", content="水管爆裂")
    register(customer_phone="13600000002", severity="urgent", content="电梯困人")
    settings.PINZHI_EXPORT_SYNC_MAX_ROWS = 1
    client.force_login(org.quality)
    client.get(reverse("complaints:export"), {"severity": "urgent"})
    job = ExportJob.objects.get()
    assert export_job_run(job.token)["rows"] == 2
    job.refresh_from_db()
    rows = sheet(job.file.read())
    assert len(rows) == 3
