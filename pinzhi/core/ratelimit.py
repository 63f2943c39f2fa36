"""One rate-limit mechanism for sign-in, the public forms and the API (issue 7 item 6): a
bucket per purpose and key (`core.models.RateBucket`) counting hits in a window.

The window opens with the first hit of a key. The hit that fills the bucket (the `limit`-th)
starts its window afresh, so that a full bucket stays closed for a whole window after the
last hit it counted (a lock-out lasts that long after the last failed sign-in), and a burst
at the end of one window cannot be followed at once by another. Every change is one
conditional UPDATE on the bucket's row, so concurrent hits on any worker process are counted
exactly, on SQLite and PostgreSQL alike. Expired buckets are purged by the clock.

Purposes and their limits are declared here, in one place, and read from settings (README,
configuration) each time, so that a changed setting holds at once."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F

from pinzhi.core.models import RateBucket
from pinzhi.lib.clock import now

KEY_LENGTH = 200


@dataclass(frozen=True)
class Purpose:
    """What is limited: at most the setting `limit_setting` hits of a key within the window
    (the setting `window_setting` in `unit`s, or the fixed `window`)."""

    name: str
    limit_setting: str
    window_setting: str = ""
    unit: timedelta = timedelta(minutes=1)
    window: timedelta = timedelta(0)

    @property
    def limit(self) -> int:
        return int(getattr(settings, self.limit_setting))

    @property
    def length(self) -> timedelta:
        if self.window_setting:
            return int(getattr(settings, self.window_setting)) * self.unit
        return self.window


SIGNIN_ACCOUNT = "signin.account"
SIGNIN_ADDRESS = "signin.address"
PUBLIC_SUBMIT_HOUR = "public.submit.hour"
PUBLIC_SUBMIT_DAY = "public.submit.day"
PUBLIC_TRACK_ADDRESS = "public.track.address"
PUBLIC_TRACK_CODE = "public.track.code"
API_TOKEN = "api.token"

PURPOSES: dict[str, Purpose] = {
    purpose.name: purpose
    for purpose in (
        # Failed sign-ins (and wrong one-time sign-in codes) of one account from one address.
        Purpose(SIGNIN_ACCOUNT, "PINZHI_SIGNIN_MAX_FAILURES", "PINZHI_SIGNIN_LOCK_MINUTES"),
        # Failed sign-ins from one address, whatever the usernames (issue 6 item 9).
        Purpose(SIGNIN_ADDRESS, "PINZHI_SIGNIN_ADDRESS_MAX_FAILURES", "PINZHI_SIGNIN_LOCK_MINUTES"),
        # CMP-1: complaints sent through the public form from one address.
        Purpose(PUBLIC_SUBMIT_HOUR, "PINZHI_PUBLIC_SUBMITS_PER_HOUR", window=timedelta(hours=1)),
        Purpose(PUBLIC_SUBMIT_DAY, "PINZHI_PUBLIC_SUBMITS_PER_DAY", window=timedelta(days=1)),
        # CMP-2: failed tracking checks from one address, and of one (normalised) code.
        Purpose(
            PUBLIC_TRACK_ADDRESS, "PINZHI_PUBLIC_TRACK_FAILURES_PER_HOUR", window=timedelta(hours=1)
        ),
        Purpose(
            PUBLIC_TRACK_CODE,
            "PINZHI_PUBLIC_TRACK_CODE_FAILURES_PER_HOUR",
            window=timedelta(hours=1),
        ),
        # Requests of one API token.
        Purpose(API_TOKEN, "PINZHI_API_REQUESTS_PER_MINUTE", window=timedelta(minutes=1)),
    )
}


@dataclass(frozen=True)
class Verdict:
    """Whether a key may go on; when not, until when it is refused."""

    allowed: bool
    until: datetime | None = None

    @property
    def retry_after(self) -> timedelta:
        if self.allowed or self.until is None:
            return timedelta(0)
        return max(self.until - now(), timedelta(0))


ALLOWED = Verdict(allowed=True)


def _key(key: str) -> str:
    return str(key)[:KEY_LENGTH]


def hit(purpose: str, key: str) -> Verdict:
    """Count one hit of `key` for `purpose`. Allowed while the bucket was not full before
    this hit; a hit on a full bucket is refused and not counted (it does not prolong the
    window)."""
    declared = PURPOSES[purpose]
    limit, window, key = declared.limit, declared.length, _key(key)
    moment = now()
    if limit < 1:
        return Verdict(allowed=False, until=moment + window)
    bucket = RateBucket.objects.filter(purpose=purpose, key=key)
    open_ = bucket.filter(expires_at__gt=moment)
    for _attempt in range(3):
        if open_.filter(count__lt=limit - 1).update(count=F("count") + 1):
            return ALLOWED
        # The hit that fills the bucket starts its window afresh.
        if open_.filter(count=limit - 1).update(count=F("count") + 1, expires_at=moment + window):
            return ALLOWED
        # The window has passed: this hit opens the next one.
        if bucket.filter(expires_at__lte=moment).update(count=1, expires_at=moment + window):
            return ALLOWED
        full = open_.values_list("expires_at", flat=True).first()
        if full is not None:
            return Verdict(allowed=False, until=full)
        try:
            with transaction.atomic():
                RateBucket.objects.create(
                    purpose=purpose, key=key, count=1, expires_at=moment + window
                )
            return ALLOWED
        except IntegrityError:
            continue  # another request made the bucket meanwhile: count on it
    raise RuntimeError(f"rate bucket {purpose} {key!r} could not be counted")


def peek(purpose: str, key: str) -> Verdict:
    """Whether the next hit of `key` for `purpose` would be allowed, counting nothing."""
    declared = PURPOSES[purpose]
    full = (
        RateBucket.objects.filter(
            purpose=purpose,
            key=_key(key),
            expires_at__gt=now(),
            count__gte=declared.limit,
        )
        .values_list("expires_at", flat=True)
        .first()
    )
    return ALLOWED if full is None else Verdict(allowed=False, until=full)


def count(purpose: str, key: str) -> int:
    """The hits of `key` counted in its open window (0 when none)."""
    counted = (
        RateBucket.objects.filter(purpose=purpose, key=_key(key), expires_at__gt=now())
        .values_list("count", flat=True)
        .first()
    )
    return counted or 0


def clear(purpose: str, key: str) -> None:
    """Forget the hits of `key` for `purpose` (a successful sign-in clears its failures)."""
    RateBucket.objects.filter(purpose=purpose, key=_key(key)).delete()


def purge(*, at: datetime) -> int:
    """Delete the buckets whose window has passed; returns how many."""
    deleted, _ = RateBucket.objects.filter(expires_at__lte=at).delete()
    return deleted
