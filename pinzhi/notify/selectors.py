"""Reads of the notifications app (X-3), each scoped to the person asking: a person sees
only their own inbox; the webhook endpoints and the delivery log are the quality
department's."""

from django.db.models import Case, IntegerField, QuerySet, Value, When

from pinzhi.lib.paging import capped_count
from pinzhi.notify.models import ChannelPreference, Delivery, Notification, WebhookEndpoint
from pinzhi.orgs.models import Person
from pinzhi.orgs.roles import Role

ADMIN_ROLES = frozenset({Role.QUALITY_DEPARTMENT.value})


def user_may_manage_webhooks(user: Person) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or user.role_codes & ADMIN_ROLES))


def notifications_visible_to(user: Person, *, show: str = "all") -> QuerySet[Notification]:
    """`user`'s own notifications, unread first, newest first; `show="unread"` keeps only
    the unread ones."""
    rows = Notification.objects.filter(recipient=user)
    if show == "unread":
        rows = rows.filter(read_at__isnull=True)
    return rows.annotate(
        read_rank=Case(
            When(read_at__isnull=True, then=Value(0)), default=Value(1), output_field=IntegerField()
        )
    ).order_by("read_rank", "-created_at", "-id")


# The navbar bell shows "99+" beyond this: it counts no further (issue 9 item 3: a head
# with hundreds of thousands of unread notices paid a full count on every page).
BADGE_CAP = 99


def unread_count(user: Person, *, cap: int | None = None) -> int:
    """`user`'s unread notifications; with `cap`, counted up to cap + 1 at most (a number
    above `cap` means "more than cap")."""
    if not user.is_authenticated:
        return 0
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    return unread.count() if cap is None else capped_count(unread, cap=cap)


def latest_unread(user: Person, *, limit: int = 5) -> list[Notification]:
    return list(
        Notification.objects.filter(recipient=user, read_at__isnull=True).order_by(
            "-created_at", "-id"
        )[:limit]
    )


def preference_of(person: Person) -> ChannelPreference:
    """The person's channel choices, or the unsaved defaults when they never chose."""
    return ChannelPreference.objects.filter(person=person).first() or ChannelPreference(
        person=person
    )


def endpoints_visible_to(user: Person) -> QuerySet[WebhookEndpoint]:
    """ORG-2: the endpoints of the user's company; a superuser sees all, global ones too."""
    if not user_may_manage_webhooks(user):
        return WebhookEndpoint.objects.none()
    if user.is_superuser:
        return WebhookEndpoint.objects.all()
    if user.company_id is None:
        return WebhookEndpoint.objects.none()
    return WebhookEndpoint.objects.filter(company_id=user.company_id)


def deliveries_visible_to(
    user: Person, *, status: str = "", channel: str = "", endpoint: int | None = None
) -> QuerySet[Delivery]:
    if not user_may_manage_webhooks(user):
        return Delivery.objects.none()
    rows = Delivery.objects.select_related("notification__recipient", "endpoint")
    if not user.is_superuser:
        # ORG-2: only the deliveries of notifications to the user's company's people.
        if user.company_id is None:
            return Delivery.objects.none()
        rows = rows.filter(notification__recipient__company_id=user.company_id)
    if status in Delivery.Status.values:
        rows = rows.filter(status=status)
    if channel in Delivery.Channel.values:
        rows = rows.filter(channel=channel)
    if endpoint:
        rows = rows.filter(endpoint_id=endpoint)
    return rows.order_by("-created_at", "-id")
