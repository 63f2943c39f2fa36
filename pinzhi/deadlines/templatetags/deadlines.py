from datetime import timedelta

from django import template

from pinzhi.deadlines import display
from pinzhi.lib.clock import now

register = template.Library()


@register.filter
def duration_words(value: timedelta) -> str:
    """{{ deadline.duration|duration_words }} → "2 days 3 hours"."""
    return display.duration_text(value) if value is not None else ""


@register.filter
def kind_label(kind: str) -> str:
    return display.kind_label(kind)


@register.filter
def level_label(level: str, kind: str = "") -> str:
    """{{ step.level|level_label:deadline.kind }}"""
    return display.level_label(level, kind=kind)


@register.simple_tag
def time_left(deadline) -> dict:
    """{% time_left deadline as left %}: {"overdue": bool, "text": "…"} as of now."""
    moment = now()
    if deadline.state == deadline.State.PAUSED and deadline.paused_at:
        moment = deadline.paused_at
    remaining = deadline.due_at - moment
    return {
        "overdue": remaining <= timedelta(0),
        "text": display.duration_text(abs(remaining)),
    }


@register.simple_tag
def night_text(deadline) -> str:
    """{% night_text deadline as night %}: 「将于夜间 23:40 到期」 for a running limit due at
    night (issue 8 item 1), "" otherwise."""
    if deadline.state not in (deadline.State.OPEN, deadline.State.BREACHED, deadline.State.PAUSED):
        return ""
    return display.night_text(deadline, now=now())
