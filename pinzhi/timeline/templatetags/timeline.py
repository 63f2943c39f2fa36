from django import template

from pinzhi.timeline import selectors
from pinzhi.timeline.actions import action_label as _action_label

register = template.Library()


@register.simple_tag
def events_for(subject):
    """{% events_for complaint as events %} — the record's events, newest first."""
    return selectors.events_for(subject)


@register.simple_tag
def attachments_for(subject):
    """{% attachments_for complaint as attachments %}"""
    return selectors.attachments_for(subject)


@register.inclusion_tag("timeline/partials/events.html")
def timeline(subject):
    """{% timeline complaint %} — the record's history, ready to include in its page."""
    return {"events": selectors.events_for(subject)}


@register.filter
def action_label(code: str) -> str:
    return _action_label(code)
