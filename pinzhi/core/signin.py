"""Sign-in limits (issue 6 items 4 and 9) on the shared rate-limit mechanism (issue 7
item 6): failures of one account from one address lock that pair out, and failures from one
address, whatever the usernames, pause signing in from it. A wrong one-time sign-in code
counts as a failed sign-in."""

from datetime import datetime

from pinzhi.core import ratelimit


def _account_key(username: str, ip_address: str | None) -> str:
    return f"{ip_address or '-'} {username}"


def signin_locked_until(*, username: str, ip_address: str | None = None) -> datetime | None:
    """The end of the lock on `username` signing in from `ip_address`, or None: locked after
    PINZHI_SIGNIN_MAX_FAILURES failures of that (username, address) pair within
    PINZHI_SIGNIN_LOCK_MINUTES, until that long after the last one. Keyed on the pair, so
    that nobody can lock someone else's account out from their own address."""
    return ratelimit.peek(ratelimit.SIGNIN_ACCOUNT, _account_key(username, ip_address)).until


def signin_address_locked_until(*, ip_address: str | None) -> datetime | None:
    """The end of the lock on any sign-in from `ip_address`, or None (issue 6 item 9): locked
    after PINZHI_SIGNIN_ADDRESS_MAX_FAILURES failures from that address within
    PINZHI_SIGNIN_LOCK_MINUTES whatever the usernames, until that long after the last one,
    so that one address cannot try a password on account after account."""
    if not ip_address:
        return None
    return ratelimit.peek(ratelimit.SIGNIN_ADDRESS, ip_address).until


def signin_record_failure(*, username: str, ip_address: str | None) -> None:
    """Count a failed sign-in (or a wrong one-time code) against both limits."""
    ratelimit.hit(ratelimit.SIGNIN_ACCOUNT, _account_key(username, ip_address))
    if ip_address:
        ratelimit.hit(ratelimit.SIGNIN_ADDRESS, ip_address)


def signin_clear_failures(*, username: str, ip_address: str | None) -> None:
    """Forget the failures of `username` from `ip_address` after a successful sign-in (or a
    redeemed code) from there. The address's own count stays: signing in to one account
    does not wipe the failures the address had on others."""
    ratelimit.clear(ratelimit.SIGNIN_ACCOUNT, _account_key(username, ip_address))
