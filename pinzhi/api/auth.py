"""The request's API token, looked up and counted once per request (issue 9 item 2).

Both the Idempotency-Key wrapper (`pinzhi.api.idempotency`, around the URL views) and the
API's bearer authentication (`pinzhi.api.api.TokenAuth`) need the token; it is looked up
once and remembered on the request. Its rate-limit hit is counted by the first of them,
before the wrapper opens its transaction, so that the bucket's row is not held locked until
the write commits (every request of the token would wait on it).
"""

from dataclasses import dataclass

from django.http import HttpRequest

from pinzhi.api import services
from pinzhi.api.models import ApiToken
from pinzhi.core import ratelimit

_ATTRIBUTE = "_pinzhi_api_token"


@dataclass(frozen=True)
class Counted:
    secret: str
    token: ApiToken | None
    verdict: ratelimit.Verdict | None


def bearer_secret(request: HttpRequest) -> str | None:
    scheme, _space, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return secret.strip()


def request_token(request: HttpRequest, secret: str) -> Counted:
    """The active token with `secret` and the verdict of its rate limit for this request
    (None for an unknown token), counted once however often it is asked for."""
    counted: Counted | None = getattr(request, _ATTRIBUTE, None)
    if counted is not None and counted.secret == secret:
        return counted
    token = services.api_token_authenticate(secret)
    verdict = services.api_request_count(token=token) if token is not None else None
    counted = Counted(secret=secret, token=token, verdict=verdict)
    setattr(request, _ATTRIBUTE, counted)
    return counted
