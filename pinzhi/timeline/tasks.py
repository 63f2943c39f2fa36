"""Background work of the timeline: the daily integrity check (X-1), enqueued by the
clock process."""

from django.tasks import task

from pinzhi.timeline.services import verification_record


@task
def timeline_verify() -> dict:
    """Verify the whole hash chain and keep the result for the integrity page (X-1)."""
    result, run = verification_record()
    return {
        "ok": result.ok,
        "events_checked": result.events_checked,
        "findings": len(result.findings),
        "verification_id": run.pk,
    }
