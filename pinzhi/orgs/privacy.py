"""ORG-3 for person records: a person's field as a list or an export may show it. The
masking itself is `pinzhi.lib.privacy`'s; whether a person is masked as a customer is
decided by their roles (`pinzhi.core.roles.is_customer`, re-exported here).
"""

from typing import Any

from pinzhi.core.roles import is_customer
from pinzhi.lib.privacy import as_text, customer_field

__all__ = ["PERSONAL_FIELDS", "is_customer", "person_field"]

PERSONAL_FIELDS = {"full_name": "name", "phone": "phone", "email": "email", "address": "address"}


def person_field(person: Any, field: str, *, viewer: Any = None, may_see: bool = False) -> str:
    """ORG-3: a field of a person record as a list or an export may show it. Staff data is
    shown as is; a customer's name, phone, e-mail and address are masked unless the viewer
    is that customer or `may_see` says the viewer handles their case."""
    value = getattr(person, field, "")
    if field not in PERSONAL_FIELDS or not is_customer(person):
        return as_text(value)
    own = viewer is not None and getattr(viewer, "pk", None) == getattr(person, "pk", object())
    return customer_field(value, kind=PERSONAL_FIELDS[field], may_see=may_see or own)
