"""Model fields and constraints that many models declare alike.

`makemigrations` sees exactly the fields and constraints these return, so using them changes
no table. The company is named by its label ("orgs.Company"), never imported: lib knows no app.
"""

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

OnDelete = Any  # models.CASCADE, models.PROTECT, models.SET_NULL …


def optional_fk(
    to: Any,
    verbose_name: "StrOrPromise",
    *,
    on_delete: OnDelete = models.PROTECT,
    related_name: str = "+",
) -> Any:
    """A link that may be empty (null and blank)."""
    return models.ForeignKey(
        to,
        on_delete=on_delete,
        null=True,
        blank=True,
        related_name=related_name,
        verbose_name=verbose_name,
    )


def person_fk(
    verbose_name: "StrOrPromise", *, on_delete: OnDelete = models.PROTECT, related_name: str = "+"
) -> Any:
    """An optional link to a person (the user model): who did or owns something."""
    return optional_fk(
        settings.AUTH_USER_MODEL, verbose_name, on_delete=on_delete, related_name=related_name
    )


def company_fk(*, on_delete: OnDelete, related_name: str = "+") -> Any:
    """The company a record belongs to (ORG-2); empty: shared by every company, or the
    operator's own."""
    return optional_fk("orgs.Company", _("company"), on_delete=on_delete, related_name=related_name)


def unique_shared_and_per_company(
    *fields: str,
    shared_name: str,
    company_name: str,
    company_fields: Sequence[str] | None = None,
) -> list[models.BaseConstraint]:
    """`fields` unique among the records without a company (`shared_name`) and, separately,
    within each company (`company_name`, over `company_fields`: "company" then `fields`
    unless given in another order)."""
    return [
        models.UniqueConstraint(
            fields=list(fields),
            condition=models.Q(company__isnull=True),
            name=shared_name,
        ),
        models.UniqueConstraint(
            fields=list(company_fields or ["company", *fields]),
            condition=models.Q(company__isnull=False),
            name=company_name,
        ),
    ]
