from django import template
from django.contrib.contenttypes.models import ContentType

from pinzhi.timeline import display, privacy, selectors
from pinzhi.timeline.actions import action_label as _action_label

register = template.Library()


def _viewer(context):
    request = context.get("request")
    if request is not None and hasattr(request, "user"):
        return request.user
    return context.get("timeline_viewer") or context.get("user")


@register.simple_tag
def events_for(subject):
    """{% events_for complaint as events %} — the record's events, newest first."""
    return selectors.events_for(subject)


@register.simple_tag
def attachments_for(subject):
    """{% attachments_for complaint as attachments %}"""
    return selectors.attachments_for(subject)


@register.inclusion_tag("timeline/partials/events.html", takes_context=True)
def timeline(context, subject):
    """{% timeline complaint %} — the record's history, ready to include in its page;
    customers' personal data masked unless the viewer may see it (ORG-3)."""
    return {
        "events": selectors.events_for(subject),
        "timeline_subject": subject,
        "timeline_viewer": _viewer(context),
    }


def _personal_data(context, event):
    """(may the viewer see the personal data of the event's subject, the subject when it is
    the page's), once per subject and render."""
    cache = context.render_context.setdefault("timeline_personal_data", {})
    key = (event.content_type_id, event.object_id)
    if key not in cache:
        subject = context.get("timeline_subject")
        if subject is not None and (
            ContentType.objects.get_for_model(subject).pk != event.content_type_id
            or str(subject.pk) != event.object_id
        ):
            subject = None
        if subject is None:
            # Read once per subject and render, for the rule and the names it holds.
            subject = event.subject
        cache[key] = (privacy.personal_data_visible(_viewer(context), event, subject), subject)
    return cache[key]


@register.simple_tag(takes_context=True)
def event_changes(context, event):
    """{% event_changes event as changes %} — (field label, before, after) of each changed
    field: labels, names and local times, never codes, ids or keys (X-2, issue 8 item 6,
    `timeline.display`), personal data masked unless the viewer may see that subject's,
    inside free text too (ORG-3)."""
    may_see, subject = _personal_data(context, event)
    # The records the changes name (a person, a unit), read once per render.
    references = context.render_context.setdefault("timeline_references", {})
    return privacy.changes_shown(
        event, may_see=may_see, subject=subject, references=references.setdefault(may_see, {})
    )


@register.simple_tag(takes_context=True)
def event_reason(context, event):
    """{% event_reason event as reason %} — the event's reason, personal data inside it
    masked unless the viewer may see that subject's (ORG-3)."""
    may_see, subject = _personal_data(context, event)
    return privacy.reason_shown(event, may_see=may_see, subject=subject)


@register.filter
def action_label(code: str) -> str:
    return _action_label(code)


@register.filter
def event_about(event) -> str:
    """{{ event|event_about }} — what the event is about, beside its label (which of a
    case's time limits), as its code declares; "" when nothing (issue 8 item 6)."""
    return display.event_about(event)
