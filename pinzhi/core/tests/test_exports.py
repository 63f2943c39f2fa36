"""Issue 9 item 4: the mechanism of exports written by a worker — written once, kept for
the person who asked until it expires, then deleted with its file; a writer's error or a
killed worker leaves a failed export and no file."""

from datetime import timedelta

import pytest
import time_machine
from django.core.files.storage import default_storage

from pinzhi.core import exports
from pinzhi.core.exports import (
    export_job_create,
    export_job_for,
    export_job_ready,
    export_job_run,
    export_jobs_purge,
    export_writer_register,
)
from pinzhi.core.models import ExportJob
from pinzhi.lib.clock import now

State = ExportJob.State


def _write(job, target, progress):
    for done in range(1, 4):
        progress(done)
    target.write(b"rows: " + ",".join(job.params["rows"]).encode())
    return 3


def _broken(job, target, progress):
    target.write(b"half a file")
    raise RuntimeError("the database went away")


@pytest.fixture(autouse=True)
def writers(monkeypatch):
    monkeypatch.setattr(exports, "_writers", {})
    export_writer_register("test", _write)
    export_writer_register("broken", _broken)


@pytest.fixture
def clock():
    with time_machine.travel("2026-11-23 09:00 +0800", tick=False) as traveller:
        yield traveller


@pytest.fixture
def requester(person_with):
    return person_with("quality_department")


def queued(requester, kind="test"):
    return export_job_create(
        kind=kind,
        requested_by=requester,
        params={"rows": ["a", "b"]},
        rows_total=3,
        filename="complaints.xlsx",
    )


def test_it_writes_an_export_once_and_keeps_it_for_the_hours_set(clock, requester, settings):
    """Issue 9 item 4: the job is claimed once (a second run of the task does nothing),
    the file kept through the storage and downloadable until PINZHI_EXPORT_KEEP_HOURS."""
    settings.PINZHI_EXPORT_KEEP_HOURS = 6
    job = queued(requester)
    assert export_job_run(job.token) == {"state": "done", "rows": 3}
    assert export_job_run(job.token) == {"state": "done"}
    job.refresh_from_db()
    assert job.state == State.DONE and job.rows_done == 3
    assert job.expires_at == now() + timedelta(hours=6)
    assert job.file.read() == b"rows: a,b"
    assert export_job_ready(job, at=now() + timedelta(hours=5))
    assert not export_job_ready(job, at=now() + timedelta(hours=6))


def test_an_expired_export_is_deleted_with_its_file(clock, requester, settings):
    """Issue 9 item 4: the clock's purge deletes the file of an export past its expiry and
    marks it expired; a week later the job itself is forgotten."""
    settings.PINZHI_EXPORT_KEEP_HOURS = 6
    job = queued(requester)
    export_job_run(job.token)
    job.refresh_from_db()
    name = job.file.name
    assert default_storage.exists(name)
    assert export_jobs_purge(at=now() + timedelta(hours=5)) == 0
    assert export_jobs_purge(at=now() + timedelta(hours=6)) == 1
    job.refresh_from_db()
    assert job.state == State.EXPIRED and not job.file.name
    assert not default_storage.exists(name)
    export_jobs_purge(at=now() + timedelta(days=8))
    assert not ExportJob.objects.exists()


def test_a_writer_error_fails_the_export_and_leaves_no_file(clock, requester):
    """Issue 9 item 4: a writer that fails leaves a FAILED export with a message for the
    person, and no file."""
    job = queued(requester, kind="broken")
    assert export_job_run(job.token) == {"state": "failed"}
    job.refresh_from_db()
    assert job.state == State.FAILED and job.error and not job.file.name
    assert not default_storage.exists(f"exports/broken/{job.token}/complaints.xlsx")


def test_an_export_whose_worker_was_killed_is_marked_failed(clock, requester, settings):
    """Issue 9 item 4: an export still running PINZHI_TASK_RUNNING_TIMEOUT_MINUTES after it
    started lost its worker; the purge marks it failed, so its page stops waiting."""
    job = queued(requester)
    ExportJob.objects.filter(pk=job.pk).update(state=State.RUNNING, started_at=now())
    minutes = settings.PINZHI_TASK_RUNNING_TIMEOUT_MINUTES
    export_jobs_purge(at=now() + timedelta(minutes=minutes - 1))
    job.refresh_from_db()
    assert job.state == State.RUNNING
    export_jobs_purge(at=now() + timedelta(minutes=minutes + 1))
    job.refresh_from_db()
    assert job.state == State.FAILED and job.error


def test_an_export_is_found_for_the_person_who_asked_only(clock, requester, person_with):
    """Issue 9 item 4: someone else's export does not exist for a person (404)."""
    from django.http import Http404

    job = queued(requester)
    assert export_job_for(requester, token=job.token) == job
    with pytest.raises(Http404):
        export_job_for(person_with("quality_department"), token=job.token)


def test_it_queues_the_task_once_the_transaction_commits(
    clock, requester, django_capture_on_commit_callbacks
):
    """Issue 9 item 4: the task is queued after the commit (a worker never looks for a
    job that is not there yet)."""
    with django_capture_on_commit_callbacks() as callbacks:
        queued(requester)
    assert len(callbacks) == 1


def test_the_purge_is_an_hourly_job_of_the_clock():
    """Issue 9 item 4: the clock deletes expired exports every hour."""
    from pinzhi.core.clock import periodic_jobs

    assert periodic_jobs["core.exports_purge"].every == timedelta(hours=1)
