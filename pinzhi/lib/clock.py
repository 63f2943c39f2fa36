"""The one place code asks for the current time, so tests can move the clock (DESIGN 6)."""

from datetime import datetime

from django.utils import timezone


def now() -> datetime:
    return timezone.now()
