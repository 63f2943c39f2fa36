"""The roles of ORG-2. They are declared in `pinzhi.core.roles`, below every app, so that
the timeline and the shell read them without importing this app (docs/architecture.md,
Layers); the apps import them from here."""

from pinzhi.core.roles import (
    COMPANY_WIDE_ROLES,
    CONTRACTOR_ROLES,
    EXTERNAL_ROLES,
    ORG_ADMIN_ROLES,
    RANK_ORDER,
    REGISTRAR_ROLES,
    ROLE_RANK,
    RULE_READER_ROLES,
    STAFF_ROLES,
    SUPERUSER_ONLY_ROLES,
    SUPERUSER_RANK,
    Role,
    highest_role,
    rank_of,
)

__all__ = [
    "Role",
    "COMPANY_WIDE_ROLES",
    "ORG_ADMIN_ROLES",
    "EXTERNAL_ROLES",
    "STAFF_ROLES",
    "SUPERUSER_ONLY_ROLES",
    "REGISTRAR_ROLES",
    "CONTRACTOR_ROLES",
    "RULE_READER_ROLES",
    "RANK_ORDER",
    "ROLE_RANK",
    "SUPERUSER_RANK",
    "rank_of",
    "highest_role",
]
