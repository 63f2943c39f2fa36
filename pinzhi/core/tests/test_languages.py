import pytest
from django.conf import settings
from django.urls import reverse


@pytest.mark.parametrize(
    "language,text",
    [
        (None, "登录品质管理系统"),
        ("zh-hans", "登录品质管理系统"),
        ("zh-hant", "登入品質管理系統"),
        ("en", "Sign in to Pinzhi"),
    ],
)
def test_it_speaks_the_chosen_language(client, db, language, text):
    """X-2: simplified Chinese by default; traditional Chinese and English selectable."""
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("core:login"), headers={"accept-language": "en-US"})
    assert text in response.content.decode()


def test_the_browser_language_does_not_override_the_default(client, db):
    """X-2: simplified Chinese is the default whatever the office machine's browser says."""
    response = client.get(reverse("core:login"), headers={"accept-language": "en-US,en"})
    assert response["Content-Language"] == "zh-hans"
