"""The one base of every refusal a service gives.

A service that refuses raises a `DomainError` (or a subclass named for its domain) with a
translatable message, the parameters the message names and, where the refusal concerns one
input, the form field it belongs to. The same error is shown beside the field in a form, as a
message on a page (`pinzhi.core.errors`) and as an RFC 9457 problem document in the API
(`pinzhi.api.problems`), always with the same translated reason.

The message is formatted only when the error is shown, so the reason is given in the language
of whoever reads it, not of whoever happened to raise it.
"""

from collections.abc import Iterable, Mapping
from typing import Any, Self

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.functional import Promise


class DomainError(Exception):
    """A refusal with a reason for the person who asked.

    `message` is a (lazy) translatable string, formatted with `params` when the error is shown,
    so the reason is given in the language of whoever reads it. `field` names the form field or
    API input the refusal concerns, if any. `code` names the kind of refusal for machines (the
    problem document's `type`) and `status` is the HTTP status an API answers with: 409 for a
    step the record's state does not allow, 403 for a person who may not, 404 for something
    that is not there, 422 (or 400) for input that is not valid.

    `code` and `status` are the class's unless given when raised: a refusal for missing input
    (`status=422`) may share the class of the step refusals around it (409). (So neither is a
    name a message can use for a parameter.)

    An error about several fields at once (`DomainError.several`) carries them in `errors`;
    its reason is theirs, one after the other.
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
        status: int | None = None,
        **params: Any,
    ) -> None:
        self.message = message
        self.field = field
        self.params: Mapping[str, Any] = params
        self.errors: tuple[DomainError, ...] = ()
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        super().__init__(message)

    @classmethod
    def several(
        cls,
        errors: Iterable["DomainError"],
        /,
        *,
        code: str | None = None,
        status: int | None = None,
    ) -> Self:
        """One error of this class standing for `errors` (each about its own field): the first
        gives the message and field, all of them are shown. `errors` must not be empty."""
        errors = tuple(errors)
        if not errors:
            raise ValueError("DomainError.several needs at least one error")
        first = errors[0]
        combined = cls(first.message, field=first.field, code=code, status=status, **first.params)
        if len(errors) > 1:
            combined.errors = errors
        return combined

    @classmethod
    def from_validation_error(
        cls,
        error: ValidationError,
        /,
        *,
        code: str | None = None,
        status: int | None = None,
    ) -> Self:
        """The refusal Django's `ValidationError` (a model's `full_clean`, a value parser)
        describes, as an error of this class: each message keeps its field and parameters."""
        found = []
        if hasattr(error, "error_dict"):
            for field, field_errors in error.error_dict.items():
                for one in field_errors:
                    found.append(
                        cls(
                            one.message,
                            field=None if field == NON_FIELD_ERRORS else field,
                            **(one.params or {}),
                        )
                    )
        else:
            for one in error.error_list:
                found.append(cls(one.message, **(one.params or {})))
        return cls.several(found, code=code, status=status)

    @property
    def reason(self) -> str:
        """The message in the active language, its parameters filled in."""
        if self.errors:
            return " ".join(error.reason for error in self.errors)
        text = str(self.message)
        return (
            text % {k: str(v) if isinstance(v, Promise) else v for k, v in self.params.items()}
            if self.params
            else text
        )

    @property
    def field_errors(self) -> tuple["DomainError", ...]:
        """Each refusal this error stands for (itself, or the several it combines)."""
        return self.errors or (self,)

    def __str__(self) -> str:
        return self.reason

    def add_to_form(self, form: Any) -> None:
        """Show the reason beside its field in `form`, or above the form when the refusal
        concerns no field of it."""
        for error in self.field_errors:
            form.add_error(error.field if error.field in form.fields else None, error.reason)
