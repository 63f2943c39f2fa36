"""The account services behind the shell's own pages (changing one's password, setting it
with a one-time sign-in code) and its daily purge of expired codes.

The shell sits below the apps (docs/architecture.md, Layers): the app that owns people
(`orgs`) registers its services here in its AppConfig.ready, as apps register their tiles.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class AccountServices:
    # change_password(*, person, old_password, new_password, actor)
    change_password: Callable[..., Any]
    # redeem_code(*, username, code, password, ip_address) -> the person
    redeem_code: Callable[..., Any]
    # purge_codes(*, at) -> how many were deleted
    purge_codes: Callable[..., int]


_services: list[AccountServices] = []


def register_account_services(services: AccountServices) -> None:
    _services[:] = [services]


def account_services() -> AccountServices:
    if not _services:
        raise LookupError("no app registered the account services (orgs is not installed)")
    return _services[0]


def purge_expired_codes(*, at: datetime) -> int:
    return account_services().purge_codes(at=at)
