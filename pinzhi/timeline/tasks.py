"""Background work of the timeline, enqueued by the clock process: the daily integrity
check (X-1), also enqueued from the integrity page, and the hourly sweep of attachment files
left behind by rolled-back transactions."""

from django.tasks import task

from pinzhi.timeline import services


@task
def timeline_verify(triggered_by_id: int | None = None) -> dict:
    """Verify the whole hash chain and keep the result for the integrity page (X-1);
    `triggered_by_id` is the person who asked for it on the page."""
    from django.contrib.auth import get_user_model

    triggered_by = None
    if triggered_by_id is not None:
        triggered_by = get_user_model().objects.filter(pk=triggered_by_id).first()
    result, run = services.verification_record(triggered_by=triggered_by)
    return {
        "ok": result.ok,
        "events_checked": result.events_checked,
        "findings": len(result.findings),
        "verification_id": run.pk,
    }


@task
def attachments_purge_orphans() -> dict:
    """Delete attachment files that no attachment row refers to, older than an hour (X-1)."""
    deleted = services.attachments_purge_orphans()
    return {"deleted": len(deleted)}


@task
def timeline_link_pending() -> dict:
    """Link the events left unlinked by a process killed between its transaction's commit
    and the link that follows it (issue 9 item 2)."""
    return {"linked": services.events_link_pending()}
