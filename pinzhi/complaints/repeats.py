"""Repeat complaints (CMP-8): the same customer, the same address or the same topic again
within the window of the policy pack."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pinzhi.complaints.models import Complaint
from pinzhi.policy.selectors import rule_value

REASONS = {
    "customer": _("same customer"),
    "address": _("same address"),
    "topic": _("same topic"),
}


def repeat_candidates(complaint: Complaint):
    """Earlier complaints of the same company within the repeat window."""
    window = rule_value(
        "complaints.repeat_window", pack=complaint.policy_pack, at=complaint.received_at
    )
    return Complaint.objects.filter(
        company=complaint.company,
        received_at__gte=complaint.received_at - window,
        received_at__lte=complaint.received_at,
    ).exclude(pk=complaint.pk)


def repeat_flag(complaint: Complaint) -> list[str]:
    """Mark `complaint` as a repeat of the latest earlier complaint by the same customer
    (phone, e-mail or account) or at the same address within the window; returns the
    reasons found (empty when it is not a repeat)."""
    earlier = repeat_candidates(complaint).order_by("-received_at")
    same_customer = Q(pk__in=[])
    if complaint.customer_phone:
        same_customer |= Q(customer_phone=complaint.customer_phone)
    if complaint.customer_email:
        same_customer |= Q(customer_email__iexact=complaint.customer_email)
    if complaint.customer_id:
        same_customer |= Q(customer_id=complaint.customer_id)
    reasons, first = [], None
    match = earlier.filter(same_customer).first()
    if match is not None:
        reasons.append("customer")
        first = match
    if complaint.customer_address.strip():
        match = earlier.filter(customer_address=complaint.customer_address.strip()).first()
        if match is not None:
            reasons.append("address")
            first = first or match
    if reasons:
        complaint.repeat_of = first
        complaint.repeat_reasons = reasons
        complaint.save(update_fields=["repeat_of", "repeat_reasons"])
    return reasons
