"""Issue 7 item 2: every error of the API is an RFC 9457 problem document
(`application/problem+json`) with the reason in the request's language; a service's refusal
of any domain is a 4xx, never a server error."""

import pytest

from pinzhi.complaints.models import Complaint
from pinzhi.deadlines.services import REASON_REQUIRED, DeadlineError
from pinzhi.deadlines.workflow import DEADLINE_WORKFLOW
from pinzhi.lib.errors import DomainError
from pinzhi.policy.services import AmendmentError
from pinzhi.policy.workflow import MSG_ONLY_PROPOSER

WRITE, READ = "complaints:write", "complaints:read"
PROBLEM = "application/problem+json"


@pytest.fixture
def api(api_client, make_token, clock):
    _token, secret = make_token(WRITE)
    return api_client(secret)


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert {"type", "title", "status", "detail", "instance"} <= body.keys()
    assert body["status"] == status
    return body


@pytest.mark.parametrize(
    ("error", "detail"),
    [
        (
            DeadlineError(REASON_REQUIRED, action=DEADLINE_WORKFLOW.step("pause").participle),
            "请说明暂停该时限的原因。",
        ),
        (AmendmentError(MSG_ONLY_PROPOSER), None),
    ],
    ids=["deadline", "amendment"],
)
def test_a_deadline_or_policy_refusal_under_the_api_is_a_409_problem_not_a_500(
    api, payload, monkeypatch, error, detail
):
    """Issue 7 item 2: only ComplaintError was mapped; a deadline or policy refusal raised in
    an API call was a server error."""

    def refuse(**fields):
        raise error

    monkeypatch.setattr("pinzhi.complaints.services.complaint_register", refuse)
    body = _problem(api.post("/api/complaints", payload()), 409)
    assert body["type"] == f"urn:pinzhi:problem:{error.code}"
    assert body["title"] == "当前状态下不能执行"
    assert body["instance"] == "/api/complaints"
    assert body["detail"] == (detail or error.reason)
    assert not Complaint.objects.exists()


def test_a_refusal_about_a_field_names_it(api, payload, monkeypatch):
    def refuse(**fields):
        raise DomainError("bad title", field="title")

    monkeypatch.setattr("pinzhi.complaints.services.complaint_register", refuse)
    body = _problem(api.post("/api/complaints", payload()), 400)
    assert body["type"] == "urn:pinzhi:problem:refused"
    assert body["field"] == "title"
    assert body["errors"] == [{"field": "title", "detail": "bad title"}]


def test_a_missing_scope_is_a_403_problem(api):
    body = _problem(api.get("/api/complaints"), 403)
    assert body["type"] == "urn:pinzhi:problem:scope_missing"
    assert body["title"] == "无权访问"
    assert "complaints:read" in body["detail"]


def test_an_unknown_tracking_code_is_a_404_problem(api):
    body = _problem(api.get("/api/complaints/TS99999999"), 404)
    assert body["type"] == "urn:pinzhi:problem:not_found"
    assert body["detail"] == "贵公司没有使用此查询码的投诉。"
    assert body["instance"] == "/api/complaints/TS99999999"


def test_input_the_schema_refuses_is_a_422_problem_listing_each_field(api, payload):
    body = _problem(api.post("/api/complaints", payload(channel="fax", content="")), 422)
    assert body["type"] == "urn:pinzhi:problem:invalid_input"
    assert body["title"] == "输入无效"
    fields = {e["field"]: e for e in body["errors"]}
    assert {"channel", "content"} <= fields.keys()
    assert fields["channel"]["loc"] == ["body", "payload", "channel"]


def test_a_request_without_a_token_is_a_401_problem(api_client):
    response = api_client(None).get("/api/complaints")
    body = _problem(response, 401)
    assert body["type"] == "about:blank"
    assert body["title"] == "需要身份验证"
    assert response["WWW-Authenticate"] == "Bearer"


def test_the_reason_is_in_the_language_the_request_asks_for(client, make_token, clock):
    _token, secret = make_token(WRITE)
    response = client.get(
        "/api/complaints/TS99999999",
        headers={"Authorization": f"Bearer {secret}", "Accept-Language": "en"},
    )
    body = _problem(response, 404)
    assert body["title"] == "Not found"
    assert body["detail"] == "No complaint of your company has this tracking code."
    assert response["Content-Language"] == "en"


def test_the_schema_documents_the_problem_answers(client):
    schema = client.get("/api/openapi.json").json()
    assert "Problem" in schema["components"]["schemas"]
    answers = schema["paths"]["/api/complaints"]["post"]["responses"]
    for status in ("401", "403", "409", "422"):
        content = answers[status]["content"]
        assert list(content) == [PROBLEM]
        assert content[PROBLEM]["schema"]["$ref"].endswith("/Problem")
    assert list(answers["201"]["content"]) == ["application/json"]


def test_an_address_the_api_does_not_have_is_a_404_problem(api):
    body = _problem(api.get("/api/no-such-thing"), 404)
    assert body["type"] == "about:blank"
    assert body["instance"] == "/api/no-such-thing"


def test_a_missing_page_outside_the_api_is_still_the_shells_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "text/html" in response["Content-Type"]


def test_it_gives_each_field_s_reason_in_chinese_not_pydantic_s_english(api, payload, client):
    """Issue 7 item 2 (walk): the reason for each refused field, and for a body that is not
    JSON, is in the request's language, not pydantic's or django-ninja's English."""
    body = _problem(api.post("/api/complaints", payload(channel="fax", content=5)), 422)
    reasons = {error["field"]: error["detail"] for error in body["errors"]}
    assert reasons["content"] == "请填写文本。"
    assert reasons["channel"].startswith("请填写以下值之一：") and " or " not in reasons["channel"]
    missing = {k: v for k, v in payload().items() if k != "customer_name"}
    body = _problem(api.post("/api/complaints", missing), 422)
    assert body["errors"][0]["detail"] == "必填：缺少此字段。"
    body = _problem(api.get("/api/complaints", updated_since="abc"), 422)
    assert body["errors"][0]["detail"].startswith("请填写 ISO 8601 格式的日期时间")
    response = client.post(
        "/api/complaints", "{bad", content_type="application/json", headers=api.headers
    )
    assert _problem(response, 400)["detail"] == "无法读取请求体：请发送 JSON 对象。"
