"""`Idempotency-Key` on every write of the API (issue 8 item 5).

An integration that lost the answer to a write (a timeout, a dropped connection) sends it
again with the same `Idempotency-Key` header: the write is not done twice, the first answer
is sent again (with `Idempotent-Replayed: true`). The same key with a different request
(another operation, another body) is refused with a 422 problem document. Keys belong to the
token that sent them and are kept PINZHI_API_IDEMPOTENCY_HOURS; only successful answers are
kept, since a refused write changed nothing and may simply be sent again.

The wrapper sits around the API's URL views (`pinzhi.api.urls`), so it covers every write
operation, present and future, without each operation having to remember it.
"""

import hashlib
import json
import re
from collections.abc import Callable
from functools import wraps

from django.core.exceptions import RequestDataTooBig
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI

from pinzhi.api import auth, problems, services
from pinzhi.api.models import ApiToken
from pinzhi.lib.locks import name_lock

HEADER = "Idempotency-Key"
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Visible ASCII, at most 255 characters: a UUID, or the integration's own request id.
KEY_PATTERN = r"^[!-~]{1,255}$"
_KEY = re.compile(KEY_PATTERN)

BAD_KEY = _(
    "An Idempotency-Key is 1 to 255 visible ASCII characters (letters, digits, punctuation), "
    "for example a UUID."
)
KEY_REUSED = _(
    "This Idempotency-Key was already used for a different request (another operation or "
    "another body). Use a new key for a new request."
)
DESCRIPTION = (
    "Optional. Send a unique value (e.g. a UUID) with each write; when the answer is lost, "
    "send the same request again with the same key: the write is not repeated and the first "
    "answer is returned again (header `Idempotent-Replayed: true`). The same key with a "
    "different request is refused (422, type `urn:pinzhi:problem:idempotency_key_reused`). "
    "Keys belong to the token and are kept for PINZHI_API_IDEMPOTENCY_HOURS (24 h by "
    "default); only successful answers are kept."
)


def _bearer(request: HttpRequest) -> ApiToken | None:
    """The request's token, counted against its rate limit now, outside the transaction
    (`pinzhi.api.auth`); None when unknown or over its limit (the API then answers)."""
    secret = auth.bearer_secret(request)
    if secret is None:
        return None
    counted = auth.request_token(request, secret)
    if counted.verdict is None or not counted.verdict.allowed:
        return None
    return counted.token


def fingerprint(request: HttpRequest) -> str:
    """SHA-256 of what makes a request the same request: its method, path, query and body
    (a JSON body canonicalised; a multipart body as its fields and its files' names and
    content, whatever boundary the client chose)."""
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.path}\n".encode("utf-8", "surrogatepass"))
    for name in sorted(request.GET):
        digest.update(repr((name, request.GET.getlist(name))).encode("utf-8", "surrogatepass"))
    if request.content_type == "multipart/form-data":
        for name in sorted(request.POST):
            pair = (name, request.POST.getlist(name))
            digest.update(repr(pair).encode("utf-8", "surrogatepass"))
        for name in sorted(request.FILES):
            for upload in request.FILES.getlist(name):
                digest.update(repr((name, upload.name, upload.size)).encode("utf-8", "replace"))
                for chunk in upload.chunks():
                    digest.update(chunk)
                upload.seek(0)
        return digest.hexdigest()
    body = request.body
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"))
        digest.update(canonical.encode("utf-8", "surrogatepass"))
    except ValueError:
        digest.update(body)
    return digest.hexdigest()


def idempotent(view: Callable[..., HttpResponse], *, api: NinjaAPI) -> Callable[..., HttpResponse]:
    """Wrap one of `api`'s URL views so that its writes honour the Idempotency-Key header."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        key = request.headers.get(HEADER)
        if request.method not in WRITES or key is None:
            return view(request, *args, **kwargs)
        if not _KEY.match(key):
            return _refuse(api, request, BAD_KEY, code="invalid_idempotency_key")
        token = _bearer(request)
        if token is None:
            return view(request, *args, **kwargs)  # the API answers 401
        try:
            digest = fingerprint(request)
        except (RequestDataTooBig, ValueError):
            return view(request, *args, **kwargs)  # the API answers 413 / 400
        with transaction.atomic():
            # A retry that arrives before the first attempt with its key has finished waits
            # for it, then gets its answer; the token's other writes do not wait (issue 9).
            name_lock(
                f"api.idempotency:{token.pk}:{key}",
                fallback=lambda: ApiToken.objects.select_for_update().filter(pk=token.pk).first(),
            )
            stored = services.idempotency_find(token=token, key=key)
            if stored is not None:
                if stored.fingerprint != digest:
                    return _refuse(api, request, KEY_REUSED, code="idempotency_key_reused")
                response = HttpResponse(
                    bytes(stored.body), status=stored.status_code, content_type=stored.content_type
                )
                response["Idempotent-Replayed"] = "true"
                return response
            response = view(request, *args, **kwargs)
            if 200 <= response.status_code < 300 and not response.streaming:
                services.idempotency_store(
                    token=token,
                    key=key,
                    fingerprint=digest,
                    method=request.method or "",
                    path=request.path,
                    status_code=response.status_code,
                    content_type=response.get("Content-Type", "application/json"),
                    body=response.content,
                )
            return response

    return wrapper


def _refuse(api: NinjaAPI, request: HttpRequest, message, *, code: str) -> HttpResponse:
    return problems.domain_error(
        api,
        request,
        problems.InvalidInput(message, field=HEADER, code=code, where=("header",)),
    )


def document(schema: dict) -> dict:
    """Say in the OpenAPI schema that every write takes an Idempotency-Key header."""
    for path in schema.get("paths", {}).values():
        for method, operation in path.items():
            if method.upper() not in WRITES:
                continue
            operation.setdefault("parameters", []).append(
                {
                    "in": "header",
                    "name": HEADER,
                    "required": False,
                    "description": DESCRIPTION,
                    "schema": {"type": "string", "pattern": KEY_PATTERN, "maxLength": 255},
                }
            )
            responses = operation.setdefault("responses", {})
            if 422 not in responses and "422" not in responses:
                responses[422] = {"description": "Invalid input, or an Idempotency-Key reused."}
    return schema
