"""X-3: the inbox, the unread badge, a person's channels, and the quality department's
webhook endpoints and delivery log."""

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from pinzhi.core.shell import tiles_for
from pinzhi.notify import selectors, services
from pinzhi.notify.models import ChannelPreference, Delivery, Notification, WebhookEndpoint
from pinzhi.notify.services import notify
from pinzhi.notify.tests.conftest import SECRET

pytestmark = pytest.mark.django_db


@pytest.fixture
def endpoint_for(endpoint_for, company):
    """The endpoints of these page tests belong to the signed-in people's company (ORG-2)."""

    def make(*args, **kwargs):
        kwargs.setdefault("company", company)
        return endpoint_for(*args, **kwargs)

    return make


def _notify(person, title="投诉已分派", url="/", **kwargs):
    (row,) = notify(recipients=[person], kind="complaint.assigned", title=title, url=url, **kwargs)
    return row


# Inbox --------------------------------------------------------------------------------------


def test_the_inbox_shows_only_my_own_notifications(signed_in, person_with):
    client = signed_in("complaint_handler")
    _notify(client.person, title="给我的")
    _notify(person_with("supervisor"), title="给别人的")

    response = client.get(reverse("notify:inbox"))

    assert response.status_code == 200
    assert "给我的" in response.text
    assert "给别人的" not in response.text


def test_the_inbox_puts_unread_first_and_filters(signed_in):
    client = signed_in("complaint_handler")
    old_unread = _notify(client.person, title="旧的未读")
    read = _notify(client.person, title="已读的")
    services.notification_mark_read(person=client.person, notification=read)

    everything = client.get(reverse("notify:inbox")).text
    unread_only = client.get(reverse("notify:inbox") + "?show=unread").text

    assert everything.index(old_unread.title) < everything.index(read.title)
    assert old_unread.title in unread_only
    assert read.title not in unread_only


def test_the_inbox_has_an_empty_state_and_pages(signed_in):
    client = signed_in("complaint_handler")
    assert 'data-testid="empty-inbox"' in client.get(reverse("notify:inbox")).text

    notify(recipients=[client.person], kind="deadline.breached", title="x")
    for _ in range(25):
        notify(recipients=[client.person], kind="deadline.breached", title="y")
    page_two = client.get(reverse("notify:inbox") + "?page=2")

    assert page_two.text.count('data-testid="notification"') == 1


def test_opening_a_notification_marks_it_read_and_follows_its_link(signed_in):
    client = signed_in("complaint_handler")
    row = _notify(client.person, url="/policy/")

    response = client.get(reverse("notify:open", args=[row.pk]))

    assert response.status_code == 302
    assert response["Location"] == "/policy/"
    row.refresh_from_db()
    assert row.read_at is not None


def test_it_does_not_follow_a_link_to_another_site(signed_in):
    client = signed_in("complaint_handler")
    row = _notify(client.person, url="https://evil.example.com/")

    response = client.get(reverse("notify:open", args=[row.pk]))

    assert response["Location"] == reverse("notify:inbox")


@pytest.mark.parametrize("name,method", [("notify:open", "get"), ("notify:read", "post")])
def test_another_persons_notification_is_not_found(signed_in, person_with, name, method):
    """X-3: a person sees only their own notifications."""
    client = signed_in("complaint_handler")
    theirs = _notify(person_with("supervisor"))

    response = getattr(client, method)(reverse(name, args=[theirs.pk]))

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_it_marks_one_notification_read(signed_in):
    client = signed_in("complaint_handler")
    row = _notify(client.person)

    response = client.post(reverse("notify:read", args=[row.pk]))

    assert response.status_code == 302
    row.refresh_from_db()
    assert row.read_at is not None


def test_marking_read_with_htmx_returns_the_item_and_refreshes_the_badge(signed_in):
    client = signed_in("complaint_handler")
    row = _notify(client.person)

    response = client.post(reverse("notify:read", args=[row.pk]), headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert response["HX-Trigger"] == "notifyChanged"
    assert 'data-unread="0"' in response.text


def test_marking_read_needs_a_post(signed_in):
    client = signed_in("complaint_handler")
    row = _notify(client.person)

    assert client.get(reverse("notify:read", args=[row.pk])).status_code == 405


def test_it_marks_all_my_notifications_read_and_no_one_elses(signed_in, person_with):
    client = signed_in("complaint_handler")
    _notify(client.person)
    _notify(client.person)
    other = _notify(person_with("supervisor"))

    response = client.post(reverse("notify:read_all"))

    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=client.person, read_at__isnull=True).exists()
    other.refresh_from_db()
    assert other.read_at is None


def test_the_badge_counts_my_unread_notifications(signed_in, person_with):
    client = signed_in("complaint_handler")
    _notify(client.person)
    _notify(client.person)
    _notify(person_with("supervisor"))

    response = client.get(reverse("notify:badge"))

    assert response.status_code == 200
    assert 'data-testid="unread-count">2<' in response.text
    assert 'hx-get="/notifications/badge/"' in response.text


def test_the_badge_counts_no_further_than_it_shows(signed_in):
    """Issue 9 item 3: the bell says "99+" beyond 99 unread notifications, and counts at
    most 100 of them to say so (a full count on every page cost a busy head seconds)."""
    client = signed_in("complaint_handler")
    Notification.objects.bulk_create(
        Notification(
            recipient=client.person,
            kind="complaint.assigned",
            title=f"通知 {n}",
            url="/",
            created_at=timezone.now(),
        )
        for n in range(150)
    )

    response = client.get(reverse("notify:badge"))

    assert 'data-testid="unread-count">99+<' in response.text
    unread = Notification.objects.filter(recipient=client.person, read_at__isnull=True)
    assert selectors.unread_count(client.person, cap=selectors.BADGE_CAP) == 100
    assert selectors.unread_count(client.person) == unread.count() == 150


def test_the_unread_count_tag_counts_for_the_signed_in_person(person_with):
    person = person_with("complaint_handler")
    _notify(person)
    request = RequestFactory().get("/")
    request.user = person

    rendered = Template("{% load notify_tags %}[{% unread_count %}]").render(
        Context({"request": request})
    )

    assert rendered == "[1]"


def test_the_home_tile_shows_unread_notifications_only_when_there_are_some(person_with):
    person = person_with("complaint_handler")
    assert "notify-unread" not in [tile.key for tile, _ in tiles_for(person)]

    _notify(person, title="请尽快处理")

    shown = {tile.key: context for tile, context in tiles_for(person)}
    assert shown["notify-unread"]["count"] == 1
    assert shown["notify-unread"]["items"][0].title == "请尽快处理"


def test_the_home_page_renders_the_tile(signed_in):
    client = signed_in("complaint_handler")
    _notify(client.person, title="请尽快处理")

    response = client.get(reverse("core:home"))

    assert 'data-testid="tile-notify-unread"' in response.text
    assert "请尽快处理" in response.text


# Preferences --------------------------------------------------------------------------------


def test_a_person_chooses_their_channels(signed_in):
    """X-3: each person chooses channels."""
    client = signed_in("complaint_handler", email="me@example.com")

    response = client.post(reverse("notify:preferences"), {"webhook": "on"})

    assert response.status_code == 302
    preference = ChannelPreference.objects.get(person=client.person)
    assert (preference.email, preference.webhook) == (False, True)
    page = client.get(reverse("notify:preferences")).text
    assert "me@example.com" in page


def test_the_preferences_page_says_when_the_email_address_is_missing(signed_in):
    client = signed_in("complaint_handler", email="")

    response = client.get(reverse("notify:preferences"))

    assert response.status_code == 200
    assert "text-danger" in response.text.split('data-testid="email-address"')[1][:300]


# Webhook endpoints --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["notify:webhooks", "notify:webhook_create", "notify:deliveries"])
def test_only_the_quality_department_manages_webhooks(signed_in, name):
    assert signed_in("complaint_handler").get(reverse(name)).status_code == 403


def test_the_quality_department_reaches_the_webhook_pages(signed_in):
    client = signed_in("quality_department")
    for name in ("notify:webhooks", "notify:webhook_create", "notify:deliveries"):
        assert client.get(reverse(name)).status_code == 200


def test_other_roles_cannot_edit_test_or_deactivate_an_endpoint(signed_in, gateway, endpoint_for):
    endpoint = endpoint_for(gateway())
    client = signed_in("supervisor")

    assert client.get(reverse("notify:webhook_edit", args=[endpoint.pk])).status_code == 403
    assert client.post(reverse("notify:webhook_test", args=[endpoint.pk])).status_code == 403
    response = client.post(
        reverse("notify:webhook_set_active", args=[endpoint.pk]), {"active": "0"}
    )
    assert response.status_code == 403
    endpoint.refresh_from_db()
    assert endpoint.active


def test_the_quality_department_adds_an_endpoint(signed_in):
    client = signed_in("quality_department")

    response = client.post(
        reverse("notify:webhook_create"),
        {
            "name": "企业微信网关",
            "url": "https://gw.example.com/hook",
            "kinds": "deadline, complaint.assigned",
            "active": "on",
        },
    )

    endpoint = WebhookEndpoint.objects.get()
    assert response["Location"] == reverse("notify:webhook_edit", args=[endpoint.pk])
    assert endpoint.kinds == ["deadline", "complaint.assigned"]
    assert len(endpoint.secret) == 64
    page = client.get(response["Location"]).text
    assert endpoint.secret in page
    assert "X-Pinzhi-Signature" in page


def test_a_bad_kind_prefix_is_named_in_the_error(signed_in):
    client = signed_in("quality_department")

    response = client.post(
        reverse("notify:webhook_create"),
        {"name": "gw", "url": "https://gw.example.com/", "kinds": "deadline, Bad Kind!"},
    )

    assert response.status_code == 400
    assert "Bad" in response.text
    assert not WebhookEndpoint.objects.exists()


def test_a_url_that_is_not_http_is_refused(signed_in):
    client = signed_in("quality_department")

    response = client.post(
        reverse("notify:webhook_create"), {"name": "gw", "url": "file:///etc/passwd"}
    )

    assert response.status_code == 400
    assert 'data-testid="error-url"' in response.text


def test_editing_keeps_the_secret_unless_a_new_one_is_given(signed_in, gateway, endpoint_for):
    endpoint = endpoint_for(gateway())
    client = signed_in("quality_department")
    url = reverse("notify:webhook_edit", args=[endpoint.pk])

    client.post(url, {"name": "renamed", "url": endpoint.url, "kinds": "", "active": "on"})
    endpoint.refresh_from_db()
    assert (endpoint.name, endpoint.secret) == ("renamed", SECRET)

    client.post(url, {"name": "renamed", "url": endpoint.url, "secret": "new-one"})
    endpoint.refresh_from_db()
    assert (endpoint.secret, endpoint.active) == ("new-one", False)


def test_the_name_of_an_endpoint_is_unique(signed_in, gateway, endpoint_for):
    endpoint_for(gateway(), name="gw")
    client = signed_in("quality_department")

    response = client.post(
        reverse("notify:webhook_create"), {"name": "gw", "url": "https://x.example.com/"}
    )

    assert response.status_code == 400
    assert 'data-testid="error-name"' in response.text


def test_the_quality_department_deactivates_an_endpoint(signed_in, gateway, endpoint_for):
    endpoint = endpoint_for(gateway())
    client = signed_in("quality_department")

    client.post(reverse("notify:webhook_set_active", args=[endpoint.pk]), {"active": "0"})

    endpoint.refresh_from_db()
    assert endpoint.active is False


def test_the_send_test_button_reaches_the_gateway(signed_in, gateway, endpoint_for):
    server = gateway()
    endpoint = endpoint_for(server, active=False)
    client = signed_in("quality_department")

    response = client.post(reverse("notify:webhook_test", args=[endpoint.pk]), follow=True)

    assert len(server.requests) == 1
    assert server.requests[0].verified
    assert server.requests[0].json["kind"] == "notify.test"
    assert "HTTP 200" in response.text
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.SENT


def test_a_failed_test_is_reported_and_not_retried(signed_in, gateway, endpoint_for):
    endpoint = endpoint_for(gateway(statuses=[500]))
    client = signed_in("quality_department")

    response = client.post(reverse("notify:webhook_test", args=[endpoint.pk]), follow=True)

    assert "HTTP 5xx" in response.text
    assert "gateway trouble" not in response.text
    (delivery,) = Delivery.objects.all()
    assert (delivery.status, delivery.next_attempt_at) == (Delivery.Status.FAILED, None)


def test_the_delivery_log_filters_by_status(signed_in, person_with, gateway, endpoint_for):
    endpoint_for(gateway(statuses=[500]))
    handler = person_with("complaint_handler", email="")
    _notify(handler, title="第一条")
    first = Delivery.objects.get(channel=Delivery.Channel.WEBHOOK)
    services.delivery_send(delivery_id=first.pk)
    client = signed_in("quality_department")

    failed = client.get(reverse("notify:deliveries") + "?status=failed").text
    skipped = client.get(reverse("notify:deliveries") + "?status=skipped").text
    everything = client.get(reverse("notify:deliveries")).text

    assert failed.count('data-testid="delivery"') == 1
    assert 'data-status="failed"' in failed
    assert skipped.count('data-testid="delivery"') == 1
    assert everything.count('data-testid="delivery"') == 3
    assert "第一条" in everything


def test_the_delivery_log_answers_htmx_with_the_table(signed_in):
    client = signed_in("quality_department")

    response = client.get(reverse("notify:deliveries"), headers={"HX-Request": "true"})

    assert 'data-testid="no-deliveries"' in response.text
    assert "<html" not in response.text


def test_the_unread_badge_tag_renders_the_polled_bell(person_with):
    person = person_with("complaint_handler")
    _notify(person)
    request = RequestFactory().get("/")
    request.user = person

    rendered = Template("{% load notify_tags %}{% unread_badge %}").render(
        Context({"request": request})
    )

    assert 'data-testid="unread-count">1<' in rendered
    assert 'hx-trigger="every 60s' in rendered
