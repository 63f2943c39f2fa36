import pytest

from pinzhi.portal.tests.fixtures import clock, org  # noqa: F401 (fixtures)


@pytest.fixture
def form_data(org):
    def make(**overrides):
        data = {
            "customer_name": "李业主",
            "customer_phone": "139 1234 5678",
            "customer_email": "",
            "customer_address": "翠湖花园3栋1单元502",
            "category": "security",
            "content": "连续三晚没有看到保安巡逻，单车被偷。",
            "request": "加强夜间巡逻并调取监控",
            "consent": "on",
            "website": "",
        }
        data.update(overrides)
        return {k: v for k, v in data.items() if v is not None}

    return make
