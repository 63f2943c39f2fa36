"""Every error of the API is an RFC 9457 problem document (`application/problem+json`).

`type` names the kind of problem: `urn:pinzhi:problem:<code>` for a refusal of a service
(`pinzhi.lib.errors.DomainError`, its `code`), `about:blank` for a plain HTTP error (then
`title` is the status's name). `title` is the kind in words, `status` the HTTP status,
`detail` the reason in the request's language (the language cookie, else Accept-Language,
else simplified Chinese), `instance` the path asked for. Errors about inputs add `errors`, one
entry per field (`field`, `detail` and, where the input was looked for, `loc`); a refusal about
one field also names it in `field`.
"""

import math
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import translation
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from pinzhi.lib.errors import DomainError

CONTENT_TYPE = "application/problem+json"
URN = "urn:pinzhi:problem:"

TITLES = {
    400: _("Bad request"),
    401: _("Authentication required"),
    403: _("Not allowed"),
    404: _("Not found"),
    409: _("Not possible in the current state"),
    413: _("Request too large"),
    422: _("Invalid input"),
    429: _("Too many requests"),
}
TITLE_OTHER = _("Request refused")
INVALID_INPUT = _("The request has invalid input: see “errors” for each field.")
UNAUTHENTICATED = _("Send a valid API token: Authorization: Bearer <token>.")
NOT_FOUND = _("Nothing is found at this address.")
FORBIDDEN = _("This token may not do this.")
TOO_BIG = _("The request body is larger than %(limit)s bytes.")
MISSING_SCOPE = _("This token lacks the %(scope)s scope.")
TOO_MANY = _("Too many requests: at most %(limit)s a minute per token.")
BAD_BODY = _("The request body cannot be read: send a JSON object.")

# The reasons pydantic gives for a field, by its error type, in the reader's language; `ctx`
# fills the placeholders. Any other type: FIELD_INVALID with pydantic's own words.
_DATETIME = _("Give a date and time in ISO 8601, e.g. 2026-05-01T08:00:00+08:00.")
_DATE = _("Give a date as YYYY-MM-DD.")
_INTEGER = _("Give a whole number.")
_CHOICE = _("Give one of: %(expected)s.")
FIELD_REASONS = {
    "missing": _("Required: this field is missing."),
    "string_type": _("Give text."),
    "string_too_short": _("Give at least %(min_length)s characters."),
    "string_too_long": _("Give at most %(max_length)s characters."),
    "int_type": _INTEGER,
    "int_parsing": _INTEGER,
    "int_from_float": _INTEGER,
    "bool_type": _("Give true or false."),
    "bool_parsing": _("Give true or false."),
    "datetime_type": _DATETIME,
    "datetime_parsing": _DATETIME,
    "datetime_from_date_parsing": _DATETIME,
    "date_type": _DATE,
    "date_parsing": _DATE,
    "date_from_datetime_parsing": _DATE,
    "literal_error": _CHOICE,
    "enum": _CHOICE,
    "greater_than_equal": _("Give a value of at least %(ge)s."),
    "less_than_equal": _("Give a value of at most %(le)s."),
    "greater_than": _("Give a value above %(gt)s."),
    "less_than": _("Give a value below %(lt)s."),
    "extra_forbidden": _("This field is not known here."),
    "list_type": _("Give a list."),
    "dict_type": _("Give an object."),
    "model_type": _("Give an object."),
    "model_attributes_type": _("Give an object."),
}
FIELD_INVALID = _("This value is invalid (%(reason)s).")


class InvalidInput(DomainError):
    """Input the API refuses beyond its schema; `where` is the input's location before the
    field (("body", "payload") or ("path",))."""

    code = "invalid_input"
    status = 422

    def __init__(self, message, /, *, field=None, where=("body", "payload"), **params):
        super().__init__(message, field=field, **params)
        self.where = where


class ScopeMissing(DomainError):
    code = "scope_missing"
    status = 403


class NotFound(DomainError):
    code = "not_found"
    status = 404


class TooLarge(DomainError):
    code = "too_large"
    status = 413


class TooManyRequests(DomainError):
    """Over the token's rate limit; `retry_after` (a timedelta) goes into Retry-After."""

    code = "too_many_requests"
    status = 429

    def __init__(self, message, /, *, retry_after, **params):
        super().__init__(message, **params)
        self.retry_after = retry_after


class ProblemField(Schema):
    field: str | None = None
    detail: str
    loc: list[str | int] | None = None


class Problem(Schema):
    """An RFC 9457 problem document."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    field: str | None = None
    errors: list[ProblemField] | None = None


def _language(request: HttpRequest) -> str:
    return translation.get_language_from_request(request) or settings.LANGUAGE_CODE


def problem(
    api: NinjaAPI,
    request: HttpRequest,
    *,
    status: int,
    detail: Any,
    type: str = "about:blank",
    field: str | None = None,
    errors: list[dict] | None = None,
) -> HttpResponse:
    """The problem document answering `request`, its texts in the request's language."""
    language = _language(request)
    with translation.override(language):
        body: dict[str, Any] = {
            "type": type,
            "title": str(TITLES.get(status, TITLE_OTHER)),
            "status": status,
            "detail": str(detail),
            "instance": request.path,
        }
        if field is not None:
            body["field"] = field
        if errors:
            body["errors"] = [
                {k: str(v) if k == "detail" else v for k, v in e.items()} for e in errors
            ]
    response = api.create_response(request, body, status=status)
    response["Content-Type"] = CONTENT_TYPE
    response["Content-Language"] = language
    return response


def domain_error(api: NinjaAPI, request: HttpRequest, error: DomainError) -> HttpResponse:
    """A service's refusal: its code, status and reason (with its field, if any)."""
    language = _language(request)
    with translation.override(language):
        errors = [
            {"field": one.field, "detail": one.reason, **_loc(one)}
            for one in error.field_errors
            if one.field is not None
        ]
        response = problem(
            api,
            request,
            status=error.status,
            detail=error.reason,
            type=URN + error.code,
            field=error.field,
            errors=errors,
        )
    if (retry_after := getattr(error, "retry_after", None)) is not None:
        response["Retry-After"] = str(math.ceil(retry_after.total_seconds()))
    return response


def _loc(error: DomainError) -> dict:
    where = getattr(error, "where", None)
    return {"loc": [*where, error.field]} if where else {}


def validation_error(api: NinjaAPI, request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """Input the schema refuses (422): each field with pydantic's reason and its location."""
    errors = []
    for error in exc.errors:
        loc = [part for part in error.get("loc", ()) if isinstance(part, (str, int))]
        named = [part for part in loc if isinstance(part, str)]
        detail = _field_reason(error)
        errors.append({"field": named[-1] if named else None, "detail": detail, "loc": loc})
    return problem(
        api,
        request,
        status=422,
        detail=INVALID_INPUT,
        type=URN + "invalid_input",
        errors=errors,
    )


def _field_reason(error: dict) -> Any:
    """pydantic's reason for one field in the reader's language (a lazy text)."""
    reason = FIELD_REASONS.get(error.get("type", ""))
    ctx = {k: str(v) for k, v in (error.get("ctx") or {}).items()}
    if "expected" in ctx:  # pydantic's "'a', 'b' or 'c'": no English "or" in the list
        ctx["expected"] = ctx["expected"].replace(" or ", ", ")
    if reason is not None:
        try:
            return lazy_format(reason, ctx)
        except (KeyError, TypeError, ValueError):
            pass
    return lazy_format(FIELD_INVALID, {"reason": error.get("msg", "")})


def lazy_format(message: Any, params: dict) -> Any:
    """`message % params`, translated when it is turned into text (inside `problem`)."""
    if "%(" in str(message):
        str(message) % params  # fails now, not later, when a placeholder is not in `params`
    return lazy(lambda: str(message) % params if "%(" in str(message) else str(message), str)()


def http_error(api: NinjaAPI, request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc, AuthenticationError):
        response = problem(api, request, status=401, detail=UNAUTHENTICATED)
        response["WWW-Authenticate"] = "Bearer"
        return response
    if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
        # django-ninja's words for a body that is not JSON.
        return problem(api, request, status=400, detail=BAD_BODY)
    return problem(api, request, status=exc.status_code, detail=str(exc))


def install(api: NinjaAPI) -> None:
    """Answer every error of `api` with a problem document."""
    api.add_exception_handler(DomainError, partial(domain_error, api))
    api.add_exception_handler(ValidationError, partial(validation_error, api))
    api.add_exception_handler(HttpError, partial(http_error, api))
    api.add_exception_handler(Http404, lambda r, e: problem(api, r, status=404, detail=NOT_FOUND))
    api.add_exception_handler(
        PermissionDenied, lambda r, e: problem(api, r, status=403, detail=FORBIDDEN)
    )
    # Issue 6 item 8: a body over DATA_UPLOAD_MAX_MEMORY_SIZE gets a problem document too.
    api.add_exception_handler(
        RequestDataTooBig,
        lambda r, e: domain_error(
            api, r, TooLarge(TOO_BIG, limit=settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        ),
    )


def document_problems(schema: dict) -> dict:
    """Say in the OpenAPI schema that every 4xx answer is `application/problem+json`."""
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            for status, answer in operation.get("responses", {}).items():
                content = answer.get("content", {})
                if str(status).startswith("4") and "application/json" in content:
                    answer["content"] = {CONTENT_TYPE: content["application/json"]}
    return schema
