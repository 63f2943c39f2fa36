import pytest

from pinzhi.portal.tests.fixtures import clock, org  # noqa: F401 (fixtures)


@pytest.fixture
def make_token(org):
    """make_token("complaints:write") → (ApiToken, secret) of the org's company."""
    from pinzhi.api.services import api_token_create

    def make(*scopes, company=None):
        return api_token_create(
            name="热线系统", company=company or org.company, scopes=list(scopes), actor=org.quality
        )

    return make


@pytest.fixture
def api_client(client):
    """api_client(secret).post(path, json) etc. with the bearer token."""

    class Api:
        def __init__(self, secret):
            self.headers = {"Authorization": f"Bearer {secret}"} if secret else {}

        def get(self, path, **params):
            return client.get(path, params, headers=self.headers)

        def post(self, path, payload, **headers):
            return client.post(
                path, payload, content_type="application/json", headers={**self.headers, **headers}
            )

        def upload(self, path, data, **headers):
            """A multipart/form-data POST (files as SimpleUploadedFile values)."""
            return client.post(path, data, headers={**self.headers, **headers})

    return Api


@pytest.fixture
def payload(org):
    def make(**overrides):
        data = {
            "channel": "hotline",
            "category": "security",
            "content": "连续三晚没有看到保安巡逻，单车被偷。",
            "request": "加强夜间巡逻并调取监控",
            "customer_name": "李业主",
            "customer_phone": "13912345678",
            "customer_address": "翠湖花园3栋1单元502",
            "location_code": "CH",
        }
        data.update(overrides)
        return {k: v for k, v in data.items() if v is not None}

    return make
