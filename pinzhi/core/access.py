"""Page access rules (ORG-2). Every view is wrapped by exactly one of these decorators, and
the access-matrix test fails for a URL whose view has none.

    @page(Role.QUALITY_DEPARTMENT, Role.LEADERSHIP)   only these roles
    @page(SIGNED_IN)                                  any signed-in person
    @public_page                                      no account needed
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

SIGNED_IN = "signed_in"
PUBLIC = "public"


def user_may(user: Any, roles: frozenset[str]) -> bool:
    """Whether `user` passes an access rule made of role codes (or SIGNED_IN / PUBLIC)."""
    if PUBLIC in roles:
        return True
    if not user.is_authenticated:
        return False
    if SIGNED_IN in roles or user.is_superuser:
        return True
    return bool(user.role_codes & roles)


def page(*roles: str) -> Callable:
    if not roles:
        raise ValueError("page() needs at least one role, or SIGNED_IN")
    allowed = frozenset(roles)

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not user_may(request.user, allowed):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.access_roles = allowed  # type: ignore[attr-defined]
        return wrapped

    return decorator


def public_page(view: Callable) -> Callable:
    view.access_roles = frozenset({PUBLIC})  # type: ignore[attr-defined]
    return view
