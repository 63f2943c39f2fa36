"""The API app's timeline events (issue 7, item 5)."""

from typing import Annotated, TypedDict

from django.utils.translation import gettext_lazy as _

from pinzhi.timeline.events import EventCode


class TokenCreated(TypedDict):
    token_id: Annotated[int, "the ApiToken's id"]
    name: Annotated[str, "the token's name"]
    scopes: Annotated[list, "the scopes it grants"]


class TokenRevoked(TypedDict):
    token_id: Annotated[int, "the ApiToken's id"]
    name: Annotated[str, "the token's name"]


class ApiEvent(EventCode):
    TOKEN_CREATED = (
        "api.token_created",
        _("API token created"),
        "When an administrator creates an API token for the company, on the company.",
        TokenCreated,
    )
    TOKEN_REVOKED = (
        "api.token_revoked",
        _("API token revoked"),
        "When an API token is revoked, on the company.",
        TokenRevoked,
    )
