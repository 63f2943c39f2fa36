"""Pages of the timeline (X-1): integrity (verification), the event list, downloads."""

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _

from pinzhi.core.access import SIGNED_IN, page
from pinzhi.core.shell import render_page
from pinzhi.lib.paging import CappedPaginator
from pinzhi.timeline import selectors
from pinzhi.timeline.models import Attachment
from pinzhi.timeline.tasks import timeline_verify
from pinzhi.timeline.verify import Finding, chain_labels

FILE_MISSING = _("The file of this attachment is missing from storage.")
VERIFICATION_QUEUED = _(
    "Verification queued: it runs in the background; reload this page to see its result."
)


@page(*selectors.INTEGRITY_ROLES)
def integrity(request):
    """The last verification of the hash chain; POST queues a verification (X-1), which
    walks the whole chain in the background, not in the web request."""
    if request.method == "POST":
        timeline_verify.enqueue(triggered_by_id=request.user.pk)
        messages.info(request, VERIFICATION_QUEUED)
        return redirect("timeline:integrity")
    last = selectors.last_verification()
    found = [Finding.from_dict(f) for f in last.findings] if last else []
    found, others = selectors.findings_visible_to(request.user, found)
    labels = chain_labels(f.chain for f in found)
    findings = [(f, labels[f.chain]) for f in found]  # each named in its company's chain
    return render(
        request,
        "timeline/integrity.html",
        {"last": last, "findings": findings, "other_findings": others},
    )


@page(*selectors.AUDIT_ROLES)
def events(request):
    """Recent events of every record, searchable and paginated. Issue 9 item 3: the pager
    counts at most COUNT_CAP events and pages on beyond them."""
    filters = selectors.events_filtered(request.user, request.GET)
    page_obj = CappedPaginator(filters.qs, 25).get_page(request.GET.get("page"))
    context = {"filters": filters, "page_obj": page_obj}
    return render_page(request, "timeline/events.html", context, partial="#results")


@page(SIGNED_IN)
def attachment_download(request, pk: int):
    """The file, as a download under its original name, for those allowed to see it;
    others get "not found" so that they cannot probe which attachments exist."""
    attachment = get_object_or_404(Attachment, pk=pk)
    if not selectors.attachment_may_download(request.user, attachment):
        raise Http404
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as error:
        raise Http404(FILE_MISSING) from error
    return FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.mime_type,
    )
