"""Issue 7 item 2: one domain error, shown beside its field in a form, as a message on a page
(and, in `pinzhi/api/tests/test_problems.py`, as a problem document), always with the same
reason in the reader's language."""

import logging

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.test import override_settings
from django.urls import path
from django.utils import translation

from pinzhi.core.access import public_page
from pinzhi.deadlines.services import REASON_REQUIRED, DeadlineError
from pinzhi.deadlines.workflow import DEADLINE_WORKFLOW
from pinzhi.lib.errors import DomainError
from pinzhi.urls import urlpatterns as site_urls


class Conflict(DomainError):
    code = "test_conflict"
    status = 409


@public_page
def _refusing(request):
    raise Conflict(REASON_REQUIRED, action=DEADLINE_WORKFLOW.step("pause").participle)


@public_page
def _fine(request):
    return HttpResponse("ok")


urlpatterns = [
    *site_urls,
    path("test-refusing/", _refusing, name="test_refusing"),
    path("test-fine/", _fine, name="test_fine"),
]
pages = override_settings(ROOT_URLCONF=__name__)


class _Form(forms.Form):
    reason = forms.CharField(required=False)


def test_it_formats_the_reason_in_the_language_it_is_shown_in():
    """Issue 7 item 2: the message and its (lazy) parameters are put into words when shown."""
    error = DeadlineError(REASON_REQUIRED, action=DEADLINE_WORKFLOW.step("pause").participle)
    with translation.override("zh-hans"):
        assert error.reason == "请说明暂停该时限的原因。"
        assert str(error) == error.reason
    with translation.override("en"):
        assert error.reason == "Say why the deadline is paused."


def test_it_keeps_a_message_without_parameters_as_it_is():
    assert DomainError("100% sure").reason == "100% sure"


def test_it_carries_its_code_and_status_and_a_code_given_when_raised():
    assert (Conflict("x").code, Conflict("x").status) == ("test_conflict", 409)
    assert Conflict("x", code="other").code == "other"
    assert (DomainError("x").code, DomainError("x").status) == ("refused", 400)


def test_it_takes_a_status_given_when_raised_and_keeps_the_class_status_otherwise():
    """Issue 7 item 2: missing input (422) may share the class of step refusals (409)."""
    assert Conflict("x", status=422).status == 422
    assert Conflict("x").status == Conflict.status == 409
    assert Conflict("%(n)s left", status=422, n=2).reason == "2 left"
    combined = Conflict.several([Conflict("a", field="x"), Conflict("b")], status=422)
    assert (combined.status, combined.code) == (422, "test_conflict")
    assert Conflict.several([Conflict("a")]).status == 409


def test_it_adds_the_reason_beside_its_field():
    form = _Form({"reason": ""})
    assert form.is_valid()
    with translation.override("en"):
        DomainError(
            REASON_REQUIRED, field="reason", action=DEADLINE_WORKFLOW.step("meet").participle
        ).add_to_form(form)
    assert form.errors == {"reason": ["Say why the deadline is met."]}


def test_it_adds_the_reason_above_the_form_without_a_field_or_with_a_field_it_lacks():
    form = _Form({"reason": ""})
    assert form.is_valid()
    DomainError("no field").add_to_form(form)
    DomainError("unknown field", field="elsewhere").add_to_form(form)
    assert form.non_field_errors() == ["no field", "unknown field"]


def test_several_errors_each_go_beside_their_field():
    form = _Form({"reason": ""})
    assert form.is_valid()
    error = DomainError.several(
        [DomainError("first", field="reason"), DomainError("second", field=None)]
    )
    error.add_to_form(form)
    assert form.errors == {"reason": ["first"], "__all__": ["second"]}
    assert error.reason == "first second"
    assert [e.field for e in error.field_errors] == ["reason", None]


def test_a_django_validation_error_keeps_its_fields_and_parameters():
    error = DomainError.from_validation_error(
        ValidationError(
            {"code": ValidationError("%(n)s taken", params={"n": 3}), "__all__": ["broken"]}
        )
    )
    assert [(e.field, e.reason) for e in error.field_errors] == [
        ("code", "3 taken"),
        (None, "broken"),
    ]


def test_a_validation_error_can_be_given_a_status():
    error = Conflict.from_validation_error(
        ValidationError([ValidationError("%(n)s is too small", params={"n": 0}), "odd"]),
        status=422,
    )
    assert [(e.field, e.reason) for e in error.field_errors] == [
        (None, "0 is too small"),
        (None, "odd"),
    ]
    assert error.status == 422


@pytest.mark.django_db
@pages
def test_a_refusal_escaping_a_post_goes_back_to_the_page_it_came_from_with_the_message(client):
    """Issue 7 item 2: a DomainError a view lets escape is a message on the page it came
    from."""
    response = client.post("/test-refusing/", HTTP_REFERER="http://testserver/test-fine/?x=1")
    assert response.status_code == 302
    assert response["Location"] == "http://testserver/test-fine/?x=1"
    shown = [str(m) for m in response.wsgi_request._messages]
    assert shown == ["请说明暂停该时限的原因。"]


@pytest.mark.django_db
@pages
def test_a_refusal_without_a_page_to_go_back_to_is_shown_with_its_4xx_status_and_no_traceback(
    client, caplog
):
    """Issue 7 item 2: rendered, the refusal has the error's 4xx status, and is logged as one
    line without a traceback."""
    caplog.set_level(logging.INFO)
    for response in (
        client.get("/test-refusing/"),
        client.post("/test-refusing/", HTTP_REFERER="https://elsewhere.example/form/"),
    ):
        assert response.status_code == 409
        assert "请说明暂停该时限的原因。" in response.text
        assert 'data-testid="error-page"' in response.text
    assert any("test_conflict" in r.getMessage() for r in caplog.records)
    assert not [r for r in caplog.records if r.exc_info]


@pytest.mark.django_db
@pages
def test_an_htmx_request_reloads_its_page_to_show_the_refusal(client):
    response = client.post(
        "/test-refusing/", HTTP_HX_REQUEST="true", HTTP_REFERER="http://testserver/test-fine/"
    )
    assert response.status_code == 409
    assert response["HX-Redirect"] == "http://testserver/test-fine/"
    response = client.post("/test-refusing/", HTTP_HX_REQUEST="true")
    assert response["HX-Refresh"] == "true"
