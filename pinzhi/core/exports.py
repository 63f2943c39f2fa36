"""Large exports written by a worker (issue 9 item 4). A page whose export is larger than
PINZHI_EXPORT_SYNC_MAX_ROWS does not write it in the web request: it queues an export job
and sends the person to the job's page, which shows the progress and then the download
link. The mechanism knows nothing of what is exported: an app registers a writer for its
kind (`export_writer_register`), as the complaint list does.

- `export_job_create` records a QUEUED job (what to export, for whom, in which language)
  and queues `export_run` once the transaction commits.
- `export_job_run` (the worker) claims the job with a conditional UPDATE (a second run of
  the same task does nothing), calls the writer into a temporary file — progress is stored
  every thousand rows — and keeps the file through Django's storage API (a web process on
  another machine serves it). A writer's error marks the job FAILED, with no file left.
- Only the person who asked downloads it (`export_job_for`: anyone else gets 404), until
  PINZHI_EXPORT_KEEP_HOURS after it was written; `export_jobs_purge` (the clock, hourly)
  then deletes the file, and marks failed a job whose worker was killed.
"""

from __future__ import annotations

import logging
import secrets
import tempfile
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.http import Http404
from django.tasks import task
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from pinzhi.core.models import ExportJob
from pinzhi.lib.clock import now

logger = logging.getLogger(__name__)

State = ExportJob.State

WRITE_FAILED = _("The export could not be written. Try again, or narrow the filters.")
WORKER_LOST = _("The worker writing the export stopped before it finished. Try again.")
# Expired jobs are forgotten this long after their file was deleted.
FORGET_AFTER = timedelta(days=7)

# A writer writes the job's rows to a binary file and returns how many; it calls
# `progress(rows_done)` now and then.
Writer = Callable[[ExportJob, Any, Callable[[int], None]], int]
_writers: dict[str, Writer] = {}


def export_writer_register(kind: str, writer: Writer) -> None:
    """An app names the writer of its exports of `kind` (at start-up, in `ready()`)."""
    _writers[kind] = writer


# --- writes --------------------------------------------------------------------------------


def export_job_create(
    *, kind: str, requested_by: Any, params: dict, rows_total: int, filename: str
) -> ExportJob:
    """Issue 9 item 4: a QUEUED export of `kind` for `requested_by`, written by a worker in
    the current language once the transaction commits."""
    if kind not in _writers:
        raise ValueError(f"no export writer registered for {kind!r}")
    at = now()
    job = ExportJob.objects.create(
        token=secrets.token_urlsafe(24),
        kind=kind,
        requested_by=requested_by,
        params=params,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        rows_total=rows_total,
        filename=filename[:200],
        created_at=at,
        updated_at=at,
    )
    token = job.token
    transaction.on_commit(lambda: _enqueue(token))
    return job


def _enqueue(token: str) -> None:
    export_run.enqueue(token)


def export_job_run(token: str) -> dict:
    """Issue 9 item 4: write the export `token` once (the job is claimed QUEUED → RUNNING
    with a conditional UPDATE), keep its file and mark it DONE until it expires; a writer's
    error marks it FAILED and leaves no file."""
    job = ExportJob.objects.filter(token=token).select_related("requested_by").first()
    if job is None:
        return {"state": "missing"}
    started = now()
    claimed = ExportJob.objects.filter(pk=job.pk, state=State.QUEUED).update(
        state=State.RUNNING, started_at=started, updated_at=started
    )
    if not claimed:
        return {"state": job.state}

    def progress(done: int) -> None:
        ExportJob.objects.filter(pk=job.pk).update(rows_done=done, updated_at=now())

    name = ""
    try:
        with tempfile.TemporaryFile() as spool:
            with translation.override(job.language or settings.LANGUAGE_CODE):
                rows = _writers[job.kind](job, spool, progress)
            spool.seek(0)
            job.file.save(job.filename, File(spool), save=False)
            name = job.file.name or ""
    except Exception:
        logger.exception("export %s (%s) failed", job.token, job.kind)
        if name:
            job.file.storage.delete(name)
        ExportJob.objects.filter(pk=job.pk).update(
            state=State.FAILED, error=str(WRITE_FAILED), finished_at=now(), updated_at=now()
        )
        return {"state": State.FAILED.value}
    finished = now()
    ExportJob.objects.filter(pk=job.pk, state=State.RUNNING).update(
        state=State.DONE,
        file=name,
        rows_done=rows,
        finished_at=finished,
        expires_at=finished + timedelta(hours=settings.PINZHI_EXPORT_KEEP_HOURS),
        updated_at=finished,
    )
    return {"state": State.DONE.value, "rows": rows}


def export_jobs_purge(*, at: datetime) -> int:
    """Issue 9 item 4: delete the files of the exports past their expiry (the job is marked
    EXPIRED, and forgotten a week later); mark FAILED an export still running
    PINZHI_TASK_RUNNING_TIMEOUT_MINUTES after it started (its worker was killed). Returns
    how many files were deleted."""
    lost = at - timedelta(minutes=settings.PINZHI_TASK_RUNNING_TIMEOUT_MINUTES)
    ExportJob.objects.filter(state=State.RUNNING, started_at__lt=lost).update(
        state=State.FAILED, error=str(WORKER_LOST), finished_at=at, updated_at=at
    )
    deleted = 0
    for job in list(ExportJob.objects.filter(state=State.DONE, expires_at__lte=at)[:1000]):
        taken = ExportJob.objects.filter(pk=job.pk, state=State.DONE).update(
            state=State.EXPIRED, file="", updated_at=at
        )
        if taken and job.file.name:
            job.file.storage.delete(job.file.name)
            deleted += 1
    ExportJob.objects.filter(
        state__in=[State.EXPIRED, State.FAILED], updated_at__lt=at - FORGET_AFTER
    ).delete()
    return deleted


@task
def export_run(token: str) -> dict:
    """Write a large export in the background (django.tasks; `pinzhi db_worker` runs it)."""
    return export_job_run(token)


@task
def exports_purge() -> dict:
    """Delete the exports past their expiry, with their files (the clock, hourly)."""
    return {"deleted": export_jobs_purge(at=now())}


# --- reads ---------------------------------------------------------------------------------


def export_job_for(user: Any, *, token: str) -> ExportJob:
    """The export `token` if `user` asked for it; else Http404 — someone else's export does
    not exist for this person (issue 9 item 4)."""
    job = ExportJob.objects.filter(token=token, requested_by_id=user.pk).first()
    if job is None:
        raise Http404("no such export")
    return job


def export_job_ready(job: ExportJob, *, at: datetime) -> bool:
    """Whether the file can be downloaded now."""
    return (
        job.state == State.DONE
        and bool(job.file.name)
        and (job.expires_at is None or job.expires_at > at)
    )
