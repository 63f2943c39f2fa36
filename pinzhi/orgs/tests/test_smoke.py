"""Every organisation page renders, for a manager and for a scoped reader."""

import pytest
from django.urls import reverse

from pinzhi.orgs.models import Company
from pinzhi.orgs.tests.factories import CompanyFactory, PersonFactory, PostFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(tree, person_with, company):
    post = PostFactory(unit=tree["XQ1"], code="GJ", name="管家")
    staff = person_with("service_staff", unit=tree["XQ1"], post=post, phone="13700001111")
    customer = person_with("customer", unit=tree["XQ1"], full_name="王小明")
    supplier = CompanyFactory(name="保洁公司", kind=Company.Kind.SUPPLIER, operator=company)
    return {"post": post, "staff": staff, "customer": customer, "supplier": supplier, **tree}


def pages(world):
    return [
        reverse("orgs:tree"),
        reverse("orgs:unit_detail", args=[world["XQ1"].pk]),
        reverse("orgs:people"),
        reverse("orgs:person_detail", args=[world["staff"].pk]),
        reverse("orgs:person_detail", args=[world["customer"].pk]),
        reverse("orgs:companies"),
        reverse("orgs:company_detail", args=[world["supplier"].pk]),
        reverse("orgs:transfer"),
    ]


def manage_pages(world):
    return [
        reverse("orgs:unit_create") + f"?parent={world['XQ1'].pk}",
        reverse("orgs:unit_edit", args=[world["XQ1"].pk]),
        reverse("orgs:post_create", args=[world["XQ1"].pk]),
        reverse("orgs:post_edit", args=[world["post"].pk]),
        reverse("orgs:person_create") + f"?unit={world['XQ1'].pk}",
        reverse("orgs:person_edit", args=[world["staff"].pk]),
        reverse("orgs:person_code", args=[world["staff"].pk]),
        reverse("orgs:role_add", args=[world["staff"].pk]),
        reverse("orgs:role_remove", args=[world["staff"].pk, "service_staff"]),
        reverse("orgs:company_create"),
        reverse("orgs:company_edit", args=[world["supplier"].pk]),
        reverse("orgs:import_upload"),
    ]


def test_every_page_renders_for_the_quality_department(signed_in, world):
    client = signed_in("quality_department")
    for url in pages(world) + manage_pages(world):
        assert client.get(url).status_code == 200, url


def test_a_scoped_reader_gets_pages_in_scope_and_nothing_to_manage(signed_in, world):
    client = signed_in("inspector", unit=world["WY"])
    for url in pages(world):
        if "companies/" in url and url != reverse("orgs:companies"):
            continue  # the supplier is not the inspector's business
        assert client.get(url).status_code == 200, url
    for url in manage_pages(world):
        assert client.get(url).status_code == 403, url
    assert client.get(reverse("orgs:unit_detail", args=[world["KF"].pk])).status_code == 404


def test_it_shows_a_customers_record_masked_to_readers_and_in_full_to_managers(
    signed_in, world, client
):
    """ORG-3: outside the people who manage it, a customer's record is masked."""
    url = reverse("orgs:person_detail", args=[world["customer"].pk])
    reader = signed_in("department_manager", unit=world["WY"])
    html = reader.get(url).content.decode()
    assert "王小明" not in html and "王**" in html
    reader.logout()
    manager = signed_in("quality_department")
    assert "王小明" in manager.get(url).content.decode()


def test_it_does_not_let_the_quality_department_take_over_a_superuser(signed_in, world):
    admin = PersonFactory(unit=world["KF"], is_superuser=True, is_staff=True)
    client = signed_in("quality_department")
    assert client.get(reverse("orgs:person_edit", args=[admin.pk])).status_code == 404
    assert client.get(reverse("orgs:role_add", args=[admin.pk])).status_code == 404


def test_a_superuser_without_company_sees_every_company(client, world):
    admin = PersonFactory(unit=None, company=None, is_superuser=True, is_staff=True)
    client.force_login(admin)
    for url in pages(world) + manage_pages(world):
        assert client.get(url).status_code == 200, url
    assert client.get(reverse("orgs:export")).status_code == 200
