"""The quality department's API token page (CMP-1)."""

from django.urls import reverse

from pinzhi.api.models import ApiToken, token_digest
from pinzhi.orgs.tests.factories import PersonFactory


def test_it_creates_a_token_and_shows_it_once(client, org):
    client.force_login(org.quality)
    response = client.post(
        reverse("api:tokens"), {"name": "微信公众号", "scopes": ["complaints:write"]}
    )
    assert response.status_code == 200
    secret = response.context["secret"]
    token = ApiToken.objects.get()
    assert token.token_hash == token_digest(secret)
    assert token.scopes == ["complaints:write"] and token.company == org.company
    assert secret in response.content.decode()
    again = client.get(reverse("api:tokens")).content.decode()
    assert secret not in again and token.prefix in again


def test_it_explains_a_missing_name_or_permission(client, org):
    client.force_login(org.quality)
    response = client.post(reverse("api:tokens"), {"name": "", "scopes": []})
    assert {"name", "scopes"} <= set(response.context["form"].errors)
    assert not ApiToken.objects.exists()


def test_it_revokes_after_confirmation(client, org, make_token):
    token, _secret = make_token("complaints:write")
    client.force_login(org.quality)
    url = reverse("api:token_revoke", args=[token.pk])
    confirm = client.get(url)
    assert confirm.status_code == 200 and token.name in confirm.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is None
    assert client.post(url)["Location"] == reverse("api:tokens")
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == org.quality


def test_it_keeps_tokens_of_other_companies_out_of_reach(client, org, make_token):
    from pinzhi.orgs.tests.factories import CompanyFactory, UnitFactory

    other = CompanyFactory(name="别家物业")
    token, _secret = make_token("complaints:write", company=other)
    outsider = PersonFactory(unit=UnitFactory(company=other), roles=["quality_department"])
    client.force_login(org.quality)
    assert client.post(reverse("api:token_revoke", args=[token.pk])).status_code == 404
    client.force_login(outsider)
    assert [t.pk for t in client.get(reverse("api:tokens")).context["tokens"]] == [token.pk]


def test_only_the_quality_department_manages_tokens(client, org):
    client.force_login(org.desk)
    assert client.get(reverse("api:tokens")).status_code == 403


def test_a_refused_revocation_says_why_on_the_token_page(client, org, make_token):
    """Issue 7 item 2: the service's reason, through the one page mapping."""
    token, _secret = make_token("complaints:write")
    client.force_login(org.quality)
    url = reverse("api:token_revoke", args=[token.pk])
    client.post(url)
    response = client.post(url, follow=True)
    assert response.redirect_chain == [(reverse("api:tokens"), 302)]
    assert "该令牌已被吊销。" in response.content.decode()
