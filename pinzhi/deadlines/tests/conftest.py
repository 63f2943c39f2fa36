from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from pinzhi.deadlines import escalation
from pinzhi.deadlines import sweep as sweep_module
from pinzhi.deadlines.models import Calendar, CalendarDay

# 2026-03-02 is a Monday; 10:00 in Shanghai is 02:00 UTC.
MONDAY_10 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    """The application clock, frozen at Monday 2 March 2026 10:00 Shanghai; move it with
    clock.move_to(...) or clock.shift(...)."""
    with time_machine.travel(MONDAY_10, tick=False) as traveller:
        yield traveller


@pytest.fixture
def subject(unit):
    """Any saved model can carry deadlines; a unit stands in for a complaint here."""
    return unit


@pytest.fixture
def sent(monkeypatch):
    """Notifications the sweep sends, captured instead of delivered: one `notify()`'s
    arguments per step, whether the step was taken alone or in a batch (issue 9 item 5)."""
    calls = []
    monkeypatch.setattr(sweep_module, "_notify", lambda **kwargs: calls.append(kwargs))
    monkeypatch.setattr(sweep_module, "_notify_many", lambda messages: calls.extend(messages))
    return calls


@pytest.fixture
def resolvers():
    """Register escalation resolvers for the test only; the apps' own registrations (the
    complaints app registers "complaint") come back afterwards."""
    saved = dict(escalation._resolvers)

    def register(prefix, resolve):
        escalation.register_escalation(prefix, resolve)

    yield register
    escalation._resolvers.clear()
    escalation._resolvers.update(saved)


@pytest.fixture
def office(db):
    """Mon–Fri 09:00–12:00 and 13:30–18:00 in Shanghai, with the 2026 May Day holiday
    (1–5 May) and its make-up Saturday (9 May)."""
    calendar = Calendar.objects.create(code="office", name="办公时间")
    for day in range(1, 6):
        CalendarDay.objects.create(
            calendar=calendar, date=datetime(2026, 5, day).date(), kind="holiday", name="劳动节"
        )
    CalendarDay.objects.create(
        calendar=calendar, date=datetime(2026, 5, 9).date(), kind="workday", name="调休上班"
    )
    return calendar


def minutes(n):
    return timedelta(minutes=n)


@pytest.fixture(autouse=True)
def _english(client, settings):
    """Messages are asserted in English; the Chinese catalogue has its own test."""
    from django.utils import translation

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield
