"""Issue 7 item 6: one rate-limit mechanism, a bucket per purpose and key, for sign-in, the
public forms and the API."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection

from pinzhi.core import clock, ratelimit
from pinzhi.core.models import RateBucket
from pinzhi.lib.clock import now

API, SIGNIN = ratelimit.API_TOKEN, ratelimit.SIGNIN_ADDRESS
START = "2026-11-21 09:00:00 +0800"


@pytest.fixture
def limits(settings):
    settings.PINZHI_API_REQUESTS_PER_MINUTE = 3
    settings.PINZHI_SIGNIN_ADDRESS_MAX_FAILURES = 2
    settings.PINZHI_SIGNIN_LOCK_MINUTES = 15
    return settings


def hits(purpose, key, times):
    return [ratelimit.hit(purpose, key).allowed for _ in range(times)]


def test_it_allows_up_to_the_limit_and_refuses_the_next_hit(db, limits):
    """Issue 7 item 6: a bucket takes `limit` hits in its window, then refuses."""
    with time_machine.travel(START, tick=False):
        assert hits(API, "7", 4) == [True, True, True, False]
        refused = ratelimit.hit(API, "7")
        assert not refused.allowed
        assert refused.until == now() + timedelta(minutes=1)
        assert refused.retry_after == timedelta(minutes=1)


def test_it_opens_a_new_window_when_the_window_has_passed(db, limits):
    """Issue 7 item 6: window rollover — the count starts again after the window."""
    with time_machine.travel(START, tick=False) as traveller:
        assert hits(API, "7", 2) == [True, True]
        traveller.shift(61)
        assert hits(API, "7", 4) == [True, True, True, False]
        assert ratelimit.count(API, "7") == 3


def test_a_full_bucket_stays_closed_a_whole_window_after_its_last_hit(db, limits):
    """Issue 7 item 6: the hit that fills the bucket starts its window afresh, so a lock-out
    lasts the window after the last failure, and no second burst follows at a window's
    end."""
    with time_machine.travel(START, tick=False) as traveller:
        assert hits(SIGNIN, "10.0.0.1", 1) == [True]
        traveller.shift(14 * 60)
        assert hits(SIGNIN, "10.0.0.1", 1) == [True]
        assert ratelimit.peek(SIGNIN, "10.0.0.1").until == now() + timedelta(minutes=15)
        traveller.shift(2 * 60)  # past the first hit's window, within the last one's
        assert not ratelimit.peek(SIGNIN, "10.0.0.1").allowed
        traveller.shift(14 * 60)
        assert ratelimit.peek(SIGNIN, "10.0.0.1").allowed


def test_a_refused_hit_does_not_prolong_the_lock(db, limits):
    """Issue 7 item 6: hits on a full bucket are refused and not counted."""
    with time_machine.travel(START, tick=False) as traveller:
        hits(SIGNIN, "10.0.0.1", 2)
        until = ratelimit.peek(SIGNIN, "10.0.0.1").until
        traveller.shift(10 * 60)
        assert ratelimit.hit(SIGNIN, "10.0.0.1").until == until
        assert ratelimit.count(SIGNIN, "10.0.0.1") == 2


def test_two_keys_are_counted_apart(db, limits):
    """Issue 7 item 6: one key's hits do not count against another's."""
    assert hits(API, "7", 4) == [True, True, True, False]
    assert hits(API, "8", 3) == [True, True, True]


def test_two_purposes_are_counted_apart(db, limits):
    """Issue 7 item 6: the same key under two purposes has two buckets with their own
    limits."""
    assert hits(SIGNIN, "10.0.0.1", 3) == [True, True, False]
    assert hits(API, "10.0.0.1", 3) == [True, True, True]


def test_peek_counts_nothing_and_clear_forgets_the_key(db, limits):
    """Issue 7 item 6: a successful sign-in clears the account's failures."""
    hits(API, "7", 3)
    assert not ratelimit.peek(API, "7").allowed
    assert ratelimit.count(API, "7") == 3
    ratelimit.clear(API, "7")
    assert ratelimit.peek(API, "7").allowed
    assert hits(API, "7", 1) == [True]


def test_a_limit_changed_in_the_settings_holds_at_once(db, limits):
    hits(API, "7", 3)
    limits.PINZHI_API_REQUESTS_PER_MINUTE = 5
    assert hits(API, "7", 3) == [True, True, False]


def test_every_purpose_reads_its_limit_from_the_settings_with_the_old_defaults():
    """Issue 7 item 6: the limits of the three old tables, kept: sign-in 5 per account and
    address and 20 per address in 15 minutes; the public form 5 an hour and 20 a day per
    address; failed tracking checks 10 an hour per address and 5 per code; the API 120 a
    minute per token."""
    from pinzhi import settings as defaults

    declared = {
        name: (getattr(defaults, p.limit_setting), p.window_setting or p.window)
        for name, p in ratelimit.PURPOSES.items()
    }
    hour = timedelta(hours=1)
    assert declared == {
        "signin.account": (5, "PINZHI_SIGNIN_LOCK_MINUTES"),
        "signin.address": (20, "PINZHI_SIGNIN_LOCK_MINUTES"),
        "public.submit.hour": (5, hour),
        "public.submit.day": (20, timedelta(days=1)),
        "public.track.address": (10, hour),
        "public.track.code": (5, hour),
        "api.token": (3000, timedelta(minutes=1)),  # issue 9 item 2: a hotline's bursts
    }
    assert defaults.PINZHI_SIGNIN_LOCK_MINUTES == 15


def test_the_clock_purges_the_buckets_whose_window_has_passed(db, limits):
    """Issue 7 item 6: expired buckets are deleted by a periodic job of the clock."""
    assert clock.periodic_jobs["core.ratelimit_purge"].every == timedelta(hours=1)
    with time_machine.travel(START, tick=False) as traveller:
        hits(API, "old", 1)
        traveller.shift(10 * 60)
        hits(SIGNIN, "10.0.0.1", 1)
        assert ratelimit.purge(at=now()) == 1
        assert list(RateBucket.objects.values_list("key", flat=True)) == ["10.0.0.1"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs concurrent writers (PostgreSQL)"
)
def test_concurrent_hits_are_counted_exactly(settings):
    """Issue 7 item 6: hits from many connections at once are each counted once, and
    exactly `limit` of them are allowed."""
    settings.PINZHI_API_REQUESTS_PER_MINUTE = 25
    workers, per_worker = 8, 5
    barrier = threading.Barrier(workers)
    verdicts, errors = [], []

    def worker():
        try:
            barrier.wait()
            for _ in range(per_worker):
                verdicts.append(ratelimit.hit(API, "7").allowed)
        except BaseException as error:  # reported by the test, not lost in the thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert verdicts.count(True) == 25
    assert verdicts.count(False) == workers * per_worker - 25
    assert ratelimit.count(API, "7") == 25
    assert RateBucket.objects.filter(purpose=API).count() == 1
