"""The one base of every refusal a service gives.

A service that refuses raises a `DomainError` (or a subclass named for its domain) with a
translatable message, the parameters the message names and, where the refusal concerns one
input, the form field it belongs to. The same error is shown beside the field in a form, as a
message on a page and as an RFC 9457 problem document in the API, always with the same
translated reason.
"""

from collections.abc import Mapping
from typing import Any

from django.utils.functional import Promise


class DomainError(Exception):
    """A refusal with a reason for the person who asked.

    `message` is a (lazy) translatable string, formatted with `params` when the error is shown,
    so the reason is given in the language of whoever reads it. `field` names the form field or
    API input the refusal concerns, if any. `code` names the kind of refusal for machines (the
    problem document's `type`) and `status` is the HTTP status an API answers with.
    """

    code = "refused"
    status = 400

    def __init__(
        self,
        message: str | Promise,
        /,
        *,
        field: str | None = None,
        code: str | None = None,
        **params: Any,
    ) -> None:
        self.message = message
        self.field = field
        self.params: Mapping[str, Any] = params
        if code is not None:
            self.code = code
        super().__init__(message)

    @property
    def reason(self) -> str:
        """The message in the active language, its parameters filled in."""
        text = str(self.message)
        return (
            text % {k: str(v) if isinstance(v, Promise) else v for k, v in self.params.items()}
            if self.params
            else text
        )

    def __str__(self) -> str:
        return self.reason

    def add_to_form(self, form: Any) -> None:
        """Show the reason beside its field in `form`, or above the form when the refusal
        concerns no field of it."""
        form.add_error(self.field if self.field in form.fields else None, self.reason)
