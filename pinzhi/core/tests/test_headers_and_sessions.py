"""Headers and sessions (issue 6 item 10): a Content-Security-Policy the pages satisfy,
no caching of signed-in pages, an idle timeout for sessions, and tasks left RUNNING by a
killed worker marked failed."""

import logging
import re
from datetime import timedelta
from pathlib import Path

import time_machine
from django.tasks import TaskResultStatus
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from pinzhi.core import clock
from pinzhi.core.middleware import SESSION_LAST_SEEN
from pinzhi.core.tasks import WORKER_LOST, tasks_fail_abandoned
from pinzhi.lib.clock import now

PACKAGE = Path(__file__).resolve().parents[2]
# Templates rendered to PDF by WeasyPrint, never served to a browser.
PDF_TEMPLATES = ("/templates/complaints/print/", "/core/templates/print_base.html")


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def test_pages_send_a_content_security_policy_without_inline_allowances(client, db):
    """Issue 6 item 10: scripts and styles only from Pinzhi itself or with the request's
    nonce; no 'unsafe-inline', no 'unsafe-eval'; no framing, no plugins."""
    response = client.get(reverse("core:login"))
    csp = policy(response)
    assert csp["default-src"] == ["'self'"]
    for directive in ("script-src", "style-src"):
        assert "'self'" in csp[directive]
        assert not {"'unsafe-inline'", "'unsafe-eval'", "*"} & set(csp[directive])
    assert csp["object-src"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"]


def test_a_page_with_an_inline_style_carries_its_nonce(signed_in):
    """Issue 6 item 10: the one inline style element (the printable QR cards) has the
    nonce the header allows."""
    client = signed_in("quality_department")
    response = client.get(reverse("portal:qr_codes"))
    nonce = re.search(r'<style nonce="([^"]+)"', response.content.decode()).group(1)
    assert f"'nonce-{nonce}'" in policy(response)["style-src"]


INLINE = [
    (
        re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*\bnonce=)(?![^>]*application/json)[^>]*>"),
        "inline script",
    ),
    (re.compile(r"<style(?![^>]*\bnonce=)[^>]*>"), "style element without nonce"),
    (re.compile(r"\son[a-z]+\s*=", re.IGNORECASE), "inline event handler"),
    (re.compile(r"\sstyle\s*="), "style attribute"),
    (re.compile(r"\shx-on", re.IGNORECASE), "hx-on handler (needs eval)"),
    (re.compile(r"javascript:", re.IGNORECASE), "javascript: URL"),
]


def test_no_template_has_inline_scripts_handlers_or_style_attributes():
    """Issue 6 item 10: what the policy would refuse never reaches a page: behaviour lives
    in static files (core/pinzhi.js), looks in classes (core/pinzhi.css)."""
    found = []
    for template in PACKAGE.glob("*/templates/**/*.html"):
        if any(part in str(template) for part in PDF_TEMPLATES):
            continue
        text = template.read_text(encoding="utf-8")
        for pattern, what in INLINE:
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{template.relative_to(PACKAGE)}:{line}: {what}")
    assert not found, "\n".join(found)


def test_signed_in_pages_are_not_stored_but_public_pages_and_static_files_may_be(signed_in, client):
    """Issue 6 item 10: `Cache-Control: no-store` on every page a signed-in person gets —
    not on public pages, not on static files."""
    anonymous = client.get(reverse("portal:landing"))
    assert "no-store" not in anonymous.get("Cache-Control", "")
    client = signed_in("quality_department")
    for name in ("core:home", "orgs:people", "core:password_change"):
        assert "no-store" in client.get(reverse(name))["Cache-Control"], name
    assert "no-store" not in client.get(reverse("portal:landing")).get("Cache-Control", "")
    static = client.get("/static/core/pinzhi.css")
    assert static.status_code == 200
    assert "no-store" not in static.get("Cache-Control", "")


def test_a_session_ends_after_the_idle_timeout(signed_in, settings):
    """Issue 6 item 10: after PINZHI_SESSION_IDLE_HOURS without a request the person is
    signed out, with a message; activity keeps the session alive; the time of the last
    request is written at most once a minute, not on every request."""
    settings.PINZHI_SESSION_IDLE_HOURS = 8
    home = reverse("core:home")
    with time_machine.travel("2026-11-21 09:00 +0800", tick=False) as traveller:
        client = signed_in("service_staff")
        assert client.get(home).status_code == 200
        first_seen = client.session[SESSION_LAST_SEEN]
        traveller.shift(30)
        assert client.get(home).status_code == 200
        assert client.session[SESSION_LAST_SEEN] == first_seen  # not rewritten
        traveller.shift(timedelta(hours=7, minutes=50))
        assert client.get(home).status_code == 200  # still active: the clock restarts
        assert client.session[SESSION_LAST_SEEN] > first_seen
        traveller.shift(timedelta(hours=8, minutes=1))
        response = client.get(home)
        assert response.status_code == 302
        assert response.url.startswith(reverse("core:login"))
        signin = client.get(response.url)
        assert "8 小时未操作" in signin.content.decode()
        assert "_auth_user_id" not in client.session


def test_the_idle_timeout_defaults_to_eight_hours():
    """Issue 6 item 10: the default, and a stored session that outlives it only slightly."""
    from pinzhi import settings as defaults

    assert defaults.PINZHI_SESSION_IDLE_HOURS == 8
    assert 8 * 3600 < defaults.SESSION_COOKIE_AGE <= 8 * 3600 + 600


def _task(*, status, started_at):
    return DBTaskResult.objects.create(
        status=status,
        started_at=started_at,
        args_kwargs={"args": [], "kwargs": {}},
        task_path="pinzhi.timeline.tasks.timeline_verify",
        backend_name="default",
        run_after=started_at,
        worker_ids=["worker-a"],
        exception_class_path="",
        traceback="",
    )


def test_tasks_left_running_by_a_killed_worker_are_marked_failed(db, settings, caplog):
    """Issue 6 item 10: a task still RUNNING PINZHI_TASK_RUNNING_TIMEOUT_MINUTES after it
    started is marked FAILED (WorkerLost) by the clock's recovery job, and logged; a task
    running for less is left alone; running the job again changes nothing."""
    settings.PINZHI_TASK_RUNNING_TIMEOUT_MINUTES = 120
    assert "core.tasks_recover_abandoned" in clock.periodic_jobs
    with time_machine.travel("2026-11-21 09:00 +0800", tick=False):
        abandoned = _task(status=TaskResultStatus.RUNNING, started_at=now() - timedelta(hours=3))
        busy = _task(status=TaskResultStatus.RUNNING, started_at=now() - timedelta(minutes=30))
        done = _task(status=TaskResultStatus.SUCCESSFUL, started_at=now() - timedelta(hours=5))
        with caplog.at_level(logging.WARNING, logger="pinzhi.core.tasks"):
            assert tasks_fail_abandoned(now=now()) == [str(abandoned.pk)]
        assert str(abandoned.pk) in caplog.text
        assert tasks_fail_abandoned(now=now()) == []
    abandoned.refresh_from_db()
    assert abandoned.status == TaskResultStatus.FAILED
    assert abandoned.exception_class_path == WORKER_LOST and abandoned.finished_at is not None
    assert "worker-a" in abandoned.traceback
    assert DBTaskResult.objects.get(pk=busy.pk).status == TaskResultStatus.RUNNING
    assert DBTaskResult.objects.get(pk=done.pk).status == TaskResultStatus.SUCCESSFUL


def test_the_recovery_job_runs_from_the_clock(db, settings):
    """Issue 6 item 10: the clock enqueues the recovery job like every periodic job."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.PINZHI_TASK_RUNNING_TIMEOUT_MINUTES = 60
    abandoned = _task(status=TaskResultStatus.RUNNING, started_at=now() - timedelta(hours=2))
    saved = dict(clock.periodic_jobs)
    try:
        for name in list(clock.periodic_jobs):
            if name != "core.tasks_recover_abandoned":
                del clock.periodic_jobs[name]
        assert clock.enqueue_due(now=now()) == ["core.tasks_recover_abandoned"]
    finally:
        clock.periodic_jobs.clear()
        clock.periodic_jobs.update(saved)
    assert DBTaskResult.objects.get(pk=abandoned.pk).status == TaskResultStatus.FAILED
