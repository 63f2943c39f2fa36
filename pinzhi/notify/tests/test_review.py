"""Review fix (ORG-2, X-3): webhook endpoints belong to a company; a company's endpoints
receive only its people's notifications, and its quality department sees only its own
endpoints and deliveries. Endpoints without a company are global gateways (superusers)."""

import pytest
from django.urls import reverse

from pinzhi.notify import services
from pinzhi.notify.models import Delivery, WebhookEndpoint
from pinzhi.notify.services import notify
from pinzhi.orgs.services import role_assign
from pinzhi.orgs.tests.factories import CompanyFactory, PersonFactory, UnitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def dummy_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def other_company():
    return CompanyFactory(name="别家物业有限公司")


@pytest.fixture
def outsider(other_company):
    """A complaint handler of the other company."""
    unit = UnitFactory(company=other_company, code="KF2", name="客服部")
    person = PersonFactory(company=other_company, unit=unit, username="outsider")
    role_assign(person=person, role="complaint_handler", scope=[unit])
    return person


def endpoint(name, company=None):
    return services.webhook_endpoint_create(
        name=name, url=f"https://{name}.example/hook", kinds=[], company=company
    )


def webhook_targets(person) -> set[str]:
    return set(
        Delivery.objects.filter(
            channel=Delivery.Channel.WEBHOOK, notification__recipient=person
        ).values_list("endpoint__name", flat=True)
    )


def test_it_delivers_only_to_the_recipients_company_and_the_global_gateways(
    company, other_company, person_with, outsider
):
    """ORG-2: one company's gateway never receives another company's notifications."""
    endpoint("mine", company)
    endpoint("theirs", other_company)
    endpoint("global")
    insider = person_with("complaint_handler")

    notify(recipients=[insider, outsider], kind="complaint.assigned", title="t")

    assert webhook_targets(insider) == {"mine", "global"}
    assert webhook_targets(outsider) == {"theirs", "global"}


def test_an_endpoint_created_in_the_ui_belongs_to_the_creators_company(signed_in, company):
    client = signed_in("quality_department")
    response = client.post(
        reverse("notify:webhook_create"),
        {"name": "企业微信网关", "url": "https://gw.example.com/hook", "kinds": "", "active": "on"},
    )
    assert response.status_code == 302
    assert WebhookEndpoint.objects.get().company == company


def test_two_companies_may_give_their_endpoints_the_same_name(company, other_company):
    endpoint("sms", company)
    endpoint("sms", other_company)
    with pytest.raises(services.WebhookError):
        endpoint("sms", company)
    assert WebhookEndpoint.objects.filter(name="sms").count() == 2


def test_the_webhook_list_shows_only_my_companys_endpoints(signed_in, company, other_company):
    """ORG-2: the quality department manages its own company's gateways only."""
    endpoint("mine", company)
    theirs = endpoint("theirs", other_company)
    glob = endpoint("global")
    client = signed_in("quality_department")

    page = client.get(reverse("notify:webhooks"))
    assert [e.name for e in page.context["endpoints"]] == ["mine"]
    for other in (theirs, glob):
        assert client.get(reverse("notify:webhook_edit", args=[other.pk])).status_code == 404
        response = client.post(reverse("notify:webhook_set_active", args=[other.pk]))
        assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.active


def test_the_delivery_log_shows_only_my_companys_deliveries(
    signed_in, company, other_company, person_with, outsider
):
    """ORG-2: the delivery log names recipients; another company's stay hidden."""
    endpoint("mine", company)
    endpoint("theirs", other_company)
    endpoint("global")
    insider = person_with("complaint_handler", email="in@example.com")
    outsider.email = "out@example.com"
    outsider.save()
    notify(recipients=[insider, outsider], kind="complaint.assigned", title="t")
    client = signed_in("quality_department")

    rows = client.get(reverse("notify:deliveries")).context["page_obj"].object_list
    assert rows and {d.notification.recipient_id for d in rows} == {insider.pk}
    assert {d.endpoint.name for d in rows if d.endpoint} == {"mine", "global"}


def test_a_superuser_sees_every_endpoint_and_delivery(
    client, company, other_company, person_with, outsider
):
    endpoint("mine", company)
    endpoint("theirs", other_company)
    endpoint("global")
    notify(recipients=[person_with("complaint_handler"), outsider], kind="x.y", title="t")
    admin = PersonFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(admin)

    names = [e.name for e in client.get(reverse("notify:webhooks")).context["endpoints"]]
    assert sorted(names) == ["global", "mine", "theirs"]
    log = client.get(reverse("notify:deliveries")).context["page_obj"].paginator.count
    assert log == Delivery.objects.count() > 0
