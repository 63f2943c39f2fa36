"""Error pages speak the interface language and give a way back (no English leftovers, no
internal detail)."""

import pytest
from django.test import Client
from django.urls import reverse

from pinzhi.deadlines.services import calendar_create


def test_a_missing_page_is_explained_in_chinese(signed_in):
    response = signed_in("quality_department").get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.text and 'data-testid="error-page"' in response.text


def test_a_refusal_says_why(signed_in):
    """Issue 6 item 2: a shared calendar is read-only, and the refusal says what to do."""
    client = signed_in("quality_department")
    shared = calendar_create(company=None, code="cn", name="国家法定节假日")
    response = client.post(
        reverse("deadlines:calendar_hours", args=[shared.pk]),
        {"name": "x", "time_zone": "Asia/Shanghai"},
    )
    assert response.status_code == 403
    assert "各公司共用" in response.text


def test_a_refusal_without_a_reason_names_the_rule(signed_in):
    response = signed_in("customer").get(reverse("policy:list"))
    assert response.status_code == 403
    assert "无权访问" in response.text


@pytest.mark.django_db
def test_a_server_error_page_needs_no_request_context():
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "系统出错了" in html


@pytest.mark.django_db
def test_a_malformed_request_is_explained_in_chinese(settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 2
    response = Client().post(reverse("portal:complaint"), {"a": 1, "b": 2, "c": 3})
    assert response.status_code == 400
    assert "无法处理该请求" in response.text


def test_it_logs_a_refusal_as_a_warning_without_a_traceback(signed_in, caplog):
    """Issue 7 item 4: a 403 is not logged as a server error with a traceback."""
    client = signed_in("customer")
    with caplog.at_level("WARNING", logger="django.request"):
        response = client.get(reverse("policy:list"))
    assert response.status_code == 403
    (record,) = [r for r in caplog.records if r.name == "django.request"]
    assert record.levelname == "WARNING"
    assert record.exc_info is None and "Traceback" not in caplog.text


def test_it_still_logs_a_server_error_with_its_traceback():
    """Issue 7 item 4: only client errors lose the traceback; a crash keeps it."""
    import logging

    from pinzhi.lib.logs import ClientErrorsWithoutTraceback

    try:
        raise RuntimeError("boom")
    except RuntimeError:
        import sys

        record = logging.LogRecord("django.request", logging.ERROR, "", 0, "x", (), sys.exc_info())
    record.status_code = 500
    assert ClientErrorsWithoutTraceback().filter(record) and record.exc_info is not None


@pytest.mark.django_db
def test_it_sends_browsers_asking_for_favicon_ico_to_the_icon():
    """Issue 7 item 4: a favicon, so browsers stop getting 404s."""
    response = Client().get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("core/favicon.svg")


@pytest.fixture
def production(settings):
    settings.DEBUG = False


def test_it_answers_a_refused_page_in_the_shell_in_chinese_with_a_way_home(production, signed_in):
    """Issue 8 item 6: a 403 is the shell's page, in Chinese, with a link to the start page."""
    response = signed_in("customer").get(reverse("policy:list"))
    assert response.status_code == 403
    assert 'data-testid="error-page"' in response.text and "无权" in response.text
    assert f'href="{reverse("core:home")}"' in response.text and "返回首页" in response.text
    assert "Forbidden" not in response.text


@pytest.mark.django_db
def test_it_shows_a_visitor_the_missing_page_in_the_public_shell(production):
    """Issue 8 item 6: without an account a 404 is the public shell (no staff navigation),
    in Chinese, with a link to the public start page."""
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    assert "未找到" in response.text and "Not Found" not in response.text
    assert f'href="{reverse("portal:landing")}"' in response.text
    assert 'id="sidenav"' not in response.text


@pytest.mark.django_db
def test_it_explains_an_expired_form_in_chinese_instead_of_djangos_csrf_page(production):
    """Issue 8 item 6: a form whose CSRF check fails gets the shell's page, in Chinese, not
    Django's bare "CSRF verification failed" page."""
    response = Client(enforce_csrf_checks=True).post(
        reverse("core:login"), {"username": "x", "password": "y"}
    )
    assert response.status_code == 403
    assert "页面已过期" in response.text and 'data-testid="error-page"' in response.text
    assert "CSRF verification failed" not in response.text and "CSRF验证失败" not in response.text


@pytest.mark.django_db
def test_it_names_the_shell_pages_as_the_error_handlers(production, rf):
    """Issue 8 item 6: 400, 403, 404 and 500 all answer with the shell's pages."""
    from django.core.exceptions import PermissionDenied

    from pinzhi import urls
    from pinzhi.core import errors

    assert urls.handler400 is errors.bad_request
    assert urls.handler403 is errors.permission_denied
    assert urls.handler500 is errors.server_error
    request = rf.get("/x/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    crash = urls.handler500(request)
    assert crash.status_code == 500 and "系统出错了" in crash.content.decode()
    refused = urls.handler403(request, PermissionDenied())
    assert refused.status_code == 403 and "返回首页" in refused.content.decode()
