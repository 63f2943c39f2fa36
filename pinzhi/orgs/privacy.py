"""ORG-3 for person records: whether a person is masked as a customer, and a person's
field as a list or an export may show it. The masking itself is `pinzhi.lib.privacy`'s;
this module knows the roles, which the library below the apps does not.
"""

from typing import Any

from pinzhi.lib.privacy import CUSTOMER_ROLE, as_text, customer_field
from pinzhi.orgs.roles import STAFF_ROLES

PERSONAL_FIELDS = {"full_name": "name", "phone": "phone", "email": "email", "address": "address"}


def is_customer(person: Any) -> bool:
    """ORG-3: whether a person's record is masked as a customer's. A person holding the
    customer role is one; so is anyone outside the organisation — no company, no unit —
    who holds no staff role (someone imported without a role, a customer before their role
    is given): when in doubt, mask. Superusers are never customers."""
    if getattr(person, "is_superuser", False):
        return False
    codes = set(getattr(person, "role_codes", None) or ())
    if CUSTOMER_ROLE in codes:
        return True
    in_organisation = bool(getattr(person, "company_id", None) or getattr(person, "unit_id", None))
    return not in_organisation and not codes & set(STAFF_ROLES)


def person_field(person: Any, field: str, *, viewer: Any = None, may_see: bool = False) -> str:
    """ORG-3: a field of a person record as a list or an export may show it. Staff data is
    shown as is; a customer's name, phone, e-mail and address are masked unless the viewer
    is that customer or `may_see` says the viewer handles their case."""
    value = getattr(person, field, "")
    if field not in PERSONAL_FIELDS or not is_customer(person):
        return as_text(value)
    own = viewer is not None and getattr(viewer, "pk", None) == getattr(person, "pk", object())
    return customer_field(value, kind=PERSONAL_FIELDS[field], may_see=may_see or own)
