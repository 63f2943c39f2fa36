"""Home tiles of the organisation app."""

from pinzhi.orgs import selectors


def attention(user) -> dict | None:
    """For the quality department: licences expired or expiring within the pack's warning
    period (ORG-4) and active people without any role; None when there is nothing."""
    licences = list(selectors.licences_expiring(user)[:5])
    licence_count = selectors.licences_expiring(user).count()
    roleless = selectors.people_without_role(user)
    roleless_count = roleless.count()
    if not licence_count and not roleless_count:
        return None
    for company in licences:
        company.licence_state = selectors.licence_status(company)  # type: ignore[attr-defined]
    return {
        "licences": licences,
        "licence_count": licence_count,
        "roleless": list(roleless.order_by("username")[:5]),
        "roleless_count": roleless_count,
    }
