"""The page of an export written by a worker (issue 9 item 4): its progress, polled by htmx
until it is written, then the download link — for the person who asked for it only."""

from django.http import FileResponse, Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from pinzhi.core.access import SIGNED_IN, page
from pinzhi.core.exports import export_job_for, export_job_ready
from pinzhi.core.models import ExportJob
from pinzhi.lib.clock import now

CONTENT_TYPES = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".csv": "text/csv",
}


def _context(job: ExportJob) -> dict:
    total = job.rows_total or 0
    percent = min(100, int(job.rows_done * 100 / total)) if total else 0
    return {
        "job": job,
        "State": ExportJob.State,
        "percent": 100 if job.state == ExportJob.State.DONE else percent,
        "ready": export_job_ready(job, at=now()),
        "finished": job.state
        in (ExportJob.State.DONE, ExportJob.State.FAILED, ExportJob.State.EXPIRED),
    }


@page(SIGNED_IN)
@require_GET
def export_job_page(request, token: str):
    """The export's progress, then its download link."""
    job = export_job_for(request.user, token=token)
    return render(request, "core/exports/job.html", _context(job))


@page(SIGNED_IN)
@require_GET
def export_job_status(request, token: str):
    """The status part of the page, which polls itself until the export is finished."""
    job = export_job_for(request.user, token=token)
    return render(request, "core/exports/partials/status.html", _context(job))


@page(SIGNED_IN)
@require_GET
def export_job_download(request, token: str):
    """The written file, to the person who asked for it, until it expires."""
    job = export_job_for(request.user, token=token)
    if not export_job_ready(job, at=now()):
        raise Http404("the export is not ready or has expired")
    suffix = job.filename[job.filename.rfind(".") :].lower() if "." in job.filename else ""
    return FileResponse(
        job.file.open("rb"),
        as_attachment=True,
        filename=job.filename,
        content_type=CONTENT_TYPES.get(suffix, "application/octet-stream"),
    )
