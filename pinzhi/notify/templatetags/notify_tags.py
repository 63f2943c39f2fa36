"""Template tags of notifications (X-3), for the shell without a context processor:

{% load notify_tags %}
{% unread_count %}      the signed-in person's number of unread notifications
{% unread_badge %}      the bell with that number, re-polled by htmx every minute
"""

from django import template

from pinzhi.notify import selectors

register = template.Library()


def _user(context):
    request = context.get("request")
    return getattr(request, "user", None) if request is not None else context.get("user")


@register.simple_tag(takes_context=True)
def unread_count(context) -> int:
    user = _user(context)
    return selectors.unread_count(user) if user is not None else 0


@register.inclusion_tag("notify/partials/badge.html", takes_context=True)
def unread_badge(context) -> dict:
    user = _user(context)
    count = selectors.unread_count(user, cap=selectors.BADGE_CAP) if user is not None else 0
    return {"count": count, "cap": selectors.BADGE_CAP}
