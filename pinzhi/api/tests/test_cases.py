"""Running a case through the API (issue 8 item 5, CMP-1 … CMP-7): each operation does what
the case page or the tracking page does, refuses with the same reason, and is scoped to the
token."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pinzhi.complaints import services
from pinzhi.complaints.events import ComplaintEvent
from pinzhi.complaints.forms import SATISFACTION_REQUIRED
from pinzhi.complaints.models import Complaint, CustomerEscalation, Status
from pinzhi.complaints.workflow import COMPLAINT_WORKFLOW, SPECIAL_LIMIT_TOO_LATE
from pinzhi.deadlines.models import Deadline
from pinzhi.deadlines.selectors import deadlines_for
from pinzhi.deadlines.sweep import sweep
from pinzhi.lib.clock import now
from pinzhi.notify.models import Notification
from pinzhi.orgs.tests.factories import CompanyFactory, UnitFactory
from pinzhi.portal.forms import NOT_AN_IMAGE
from pinzhi.portal.services import NO_BREACH
from pinzhi.portal.tests.test_form import PNG
from pinzhi.timeline.models import Attachment, Event

WRITE, READ = "complaints:write", "complaints:read"
PROBLEM = "application/problem+json"


@pytest.fixture
def case(api_client, make_token, payload, org, clock):
    """case(**payload overrides) → a complaint registered through the API by a hotline token
    (write and read), with that token's client."""

    def make(**overrides):
        token, secret = make_token(WRITE, READ)
        client = api_client(secret)
        body = client.post("/api/complaints", payload(**overrides)).json()
        complaint = Complaint.objects.get(pk=body["id"])
        return SimpleNamespace(
            api=client, code=body["tracking_code"], complaint=complaint, token=token
        )

    return make


def resolve(org, complaint):
    """Route, sign, assign and resolve the case as the staff would."""
    letter = services.complaint_route(
        complaint=complaint, actor=org.quality, department=org.ab, head=org.head, request="请处理"
    )
    services.letter_acknowledge(letter=letter, actor=org.head)
    services.complaint_assign(
        complaint=complaint, actor=org.head, handler=org.handler, solution="加强夜间巡逻"
    )
    return services.complaint_resolve(complaint=complaint, actor=org.handler, resolution="已处理")


def ui_step(client, person, complaint, step, **data):
    """The same step taken on the case page: its status and its HTML."""
    client.force_login(person)
    response = client.post(
        reverse("complaints:act", args=[complaint.pk, step]), data, HTTP_HX_REQUEST="true"
    )
    client.logout()
    return response.status_code, response.content.decode()


def test_it_records_the_customer_contacted_and_staff_on_site(case, org):
    """Issue 8 item 5, CMP-4: the hotline reports the contact and the arrival on site of an
    urgent case; both limits are met."""
    c = case(severity="urgent")
    response = c.api.post(f"/api/complaints/{c.code}/contact", {"on_site": True})
    assert response.status_code == 200, response.content
    c.complaint.refresh_from_db()
    assert c.complaint.first_contact_at == now() and c.complaint.on_site_at == now()
    kinds = {d["kind"]: d["state"] for d in response.json()["deadlines"]}
    assert kinds["complaint.first_contact"] == kinds["complaint.on_site"] == Deadline.State.MET
    assert Event.objects.filter(action=ComplaintEvent.CONTACTED).count() == 1


def test_it_refuses_a_second_contact_with_the_case_page_s_reason(case, org, client):
    """Issue 8 item 5 (item 2's reasons): recording the contact again is refused with the
    reason the case page gives, and nothing is recorded."""
    c = case()
    assert c.api.post(f"/api/complaints/{c.code}/contact", {}).status_code == 200
    response = c.api.post(f"/api/complaints/{c.code}/contact", {})
    assert response.status_code == 409 and response["Content-Type"] == PROBLEM
    detail = response.json()["detail"]
    assert detail == str(services.ALREADY_CONTACTED)
    status, html = ui_step(client, org.desk, c.complaint, "record_contact")
    assert status == 409 and detail in html
    assert Event.objects.filter(action=ComplaintEvent.CONTACTED).count() == 1


def test_it_refuses_a_contact_before_the_complaint_was_received(case):
    c = case()
    earlier = (now() - timedelta(hours=1)).isoformat()
    response = c.api.post(f"/api/complaints/{c.code}/contact", {"at": earlier})
    assert response.status_code == 422 and response.json()["field"] == "at"


def test_it_grants_the_special_first_contact_limit_with_its_reason(case):
    """Issue 8 item 5, CMP-4: the special 4-hour limit, with the reason recorded."""
    c = case()
    response = c.api.post(
        f"/api/complaints/{c.code}/special-first-contact", {"reason": "业主出差，约定今晚回电"}
    )
    assert response.status_code == 200, response.content
    c.complaint.refresh_from_db()
    assert c.complaint.special_case_reason == "业主出差，约定今晚回电"
    first = deadlines_for(c.complaint).get(kind=services.FIRST_CONTACT)
    assert first.due_at == c.complaint.received_at + timedelta(hours=4)


def test_it_refuses_the_special_limit_once_the_30_minutes_passed_as_the_case_page_does(
    case, org, client, clock
):
    """Issue 8 item 5 (item 2): asked after the first-contact limit ran out, the API gives the
    same reason as the case page (409), and nothing is granted."""
    c = case()
    clock.shift(timedelta(minutes=31))
    sweep(now())
    response = c.api.post(f"/api/complaints/{c.code}/special-first-contact", {"reason": "业主外出"})
    assert response.status_code == 409
    detail = response.json()["detail"]
    assert detail == str(SPECIAL_LIMIT_TOO_LATE)
    status, html = ui_step(client, org.quality, c.complaint, "special_first_contact", reason="x")
    assert status == 409 and detail in html
    c.complaint.refresh_from_db()
    assert c.complaint.special_case_reason == ""


def test_it_adds_the_customer_s_follow_up_message(case, org):
    """Issue 8 item 5, CMP-2: a follow-up message goes on the case's history and its owner
    is told."""
    c = case()
    response = c.api.post(f"/api/complaints/{c.code}/messages", {"message": "今晚又没有巡逻"})
    assert response.status_code == 201, response.content
    event = Event.objects.get(action=ComplaintEvent.CUSTOMER_FOLLOWED_UP)
    assert event.reason == "今晚又没有巡逻" and event.data["attachment_id"] is None
    assert Notification.objects.filter(
        recipient=org.desk, kind="complaint.customer_followed_up"
    ).exists()


def test_it_refuses_a_follow_up_on_a_closed_case_with_the_workflow_s_reason(case, org):
    c = case()
    services.complaint_judge_not_established(
        complaint=c.complaint, actor=org.quality, explanation="经核实巡逻记录完整"
    )
    response = c.api.post(f"/api/complaints/{c.code}/messages", {"message": "我不同意"})
    assert response.status_code == 409
    c.complaint.refresh_from_db()
    refusal = COMPLAINT_WORKFLOW.refusal(c.complaint, "customer_follow_up", anyone=True)
    assert response.json()["detail"] == refusal.reason
    assert "不成立" in refusal.reason


def test_it_attaches_the_customer_s_photo(case):
    """Issue 8 item 5: a photo the customer sent is attached to the case."""
    c = case()
    photo = SimpleUploadedFile("bike.png", PNG, content_type="image/png")
    response = c.api.upload(
        f"/api/complaints/{c.code}/photos", {"photo": photo, "message": "单车被偷的位置"}
    )
    assert response.status_code == 201, response.content
    attachment = Attachment.objects.get()
    assert attachment.original_name == "bike.png" and attachment.object_id == str(c.complaint.pk)
    event = Event.objects.get(action=ComplaintEvent.CUSTOMER_FOLLOWED_UP)
    assert event.data["attachment_id"] == attachment.pk


@pytest.mark.parametrize(
    "name,content", [("report.pdf", b"%PDF-1.4 hello"), ("fake.png", b"MZ\x90\x00 not a png")]
)
def test_it_checks_a_photo_as_the_public_form_does(case, name, content):
    """Issue 8 item 5: not an image, or content not matching its type: refused (422, field
    `photo`), nothing stored."""
    c = case()
    photo = SimpleUploadedFile(name, content)
    response = c.api.upload(f"/api/complaints/{c.code}/photos", {"photo": photo})
    assert response.status_code == 422, response.content
    assert response.json()["field"] == "photo"
    if name.endswith(".pdf"):
        assert response.json()["detail"] == str(NOT_AN_IMAGE)
    assert not Attachment.objects.exists()
    assert not Event.objects.filter(action=ComplaintEvent.CUSTOMER_FOLLOWED_UP).exists()


def test_it_reports_a_satisfied_callback_collected_by_phone(case, org):
    """Issue 8 item 5, CMP-5: a satisfied customer who confirms: the case is called back."""
    c = case()
    resolve(org, c.complaint)
    response = c.api.post(
        f"/api/complaints/{c.code}/callback",
        {"reached": True, "confirmed": True, "satisfaction": "satisfied", "feedback": "满意"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == Status.CALLED_BACK and response.json()["satisfied"]
    callback = c.complaint.callbacks.get()
    assert callback.method == "phone" and callback.by == c.token.created_by


def test_it_asks_for_the_satisfaction_of_a_reached_customer(case, org):
    c = case()
    resolve(org, c.complaint)
    response = c.api.post(f"/api/complaints/{c.code}/callback", {"reached": True})
    assert response.status_code == 422
    assert response.json()["detail"] == str(SATISFACTION_REQUIRED)


def test_it_refuses_a_callback_before_the_case_is_resolved_as_the_case_page_does(case, org, client):
    c = case()
    response = c.api.post(f"/api/complaints/{c.code}/callback", {"reached": False})
    assert response.status_code == 409
    detail = response.json()["detail"]
    status, html = ui_step(client, org.desk, c.complaint, "callback", method="phone")
    assert status == 409 and detail in html
    assert not c.complaint.callbacks.exists()


def test_it_rates_for_the_customer_once_resolved(case, org):
    """Issue 8 item 5, CMP-5/CMP-6: the rating the tracking page takes."""
    c = case()
    refused = c.api.post(f"/api/complaints/{c.code}/rating", {"rating": 5})
    assert refused.status_code == 409
    c.complaint.refresh_from_db()
    refusal = COMPLAINT_WORKFLOW.refusal(c.complaint, "customer_rate", anyone=True)
    assert refused.json()["detail"] == refusal.reason
    resolve(org, c.complaint)
    response = c.api.post(f"/api/complaints/{c.code}/rating", {"rating": 4, "comment": "及时"})
    assert response.status_code == 200, response.content
    c.complaint.refresh_from_db()
    assert (c.complaint.customer_rating, c.complaint.customer_comment) == (4, "及时")


def test_it_escalates_for_the_customer_only_once_a_limit_is_missed(case, org, clock):
    """Issue 8 item 5, CMP-7: within the limits the tracking page's reason; once the contact
    limit is missed the escalation reaches the group leader and the chairman."""
    c = case()
    refused = c.api.post(f"/api/complaints/{c.code}/escalation", {"reason": "没人联系我"})
    assert refused.status_code == 409
    assert refused.json()["detail"] == str(NO_BREACH)
    clock.shift(timedelta(minutes=31))
    sweep(now())
    response = c.api.post(f"/api/complaints/{c.code}/escalation", {"reason": "没人联系我"})
    assert response.status_code == 201, response.content
    assert CustomerEscalation.objects.get().reason == "没人联系我"


def test_it_looks_up_a_caller_s_open_complaints_by_phone(case, org, make_token, api_client):
    """Issue 8 item 5, CMP-2, ORG-3: only the company's open cases of that number; personal
    data in clear only to the token that sent the case (with complaints:read)."""
    mine = case()
    closed = case()
    services.complaint_judge_not_established(
        complaint=closed.complaint, actor=org.quality, explanation="不成立"
    )
    case(customer_phone="13800000000")
    response = mine.api.get("/api/caller-complaints", phone="13912345678")
    assert response.status_code == 200, response.content
    items = response.json()["items"]
    assert [i["tracking_code"] for i in items] == [mine.code]
    assert items[0]["customer"]["phone"] == "13912345678"
    _token, write_only = make_token(WRITE)
    masked = api_client(write_only).get("/api/caller-complaints", phone="13912345678").json()
    assert masked["items"][0]["customer"]["phone"] != "13912345678"
    other = CompanyFactory()
    _token, stranger = make_token(WRITE, READ, company=other)
    assert api_client(stranger).get("/api/caller-complaints", phone="13912345678").json() == {
        "count": 0,
        "items": [],
    }
    bad = mine.api.get("/api/caller-complaints", phone="12")
    assert bad.status_code == 422 and bad["Content-Type"] == PROBLEM


def test_it_lists_the_company_s_units_and_the_categories(case, org, make_token, api_client):
    """Issue 8 item 5: what an integration needs to fill its own forms."""
    UnitFactory(company=CompanyFactory(), code="ZZ", name="别家小区")
    _token, secret = make_token(WRITE)
    units = api_client(secret).get("/api/units").json()
    codes = {u["code"] for u in units}
    assert {"CH", "LY", "AB"} <= codes and "ZZ" not in codes
    estate = next(u for u in units if u["code"] == "CH")
    assert estate["parent_code"] == "HQ" and estate["name"] == "翠湖花园"
    vocabulary = api_client(secret).get("/api/categories").json()
    assert "security" in {c["code"] for c in vocabulary["categories"]}
    assert {"satisfied", "dissatisfied"} <= {c["code"] for c in vocabulary["satisfaction"]}


def test_it_keeps_every_case_step_to_the_token_s_scope_and_company(case, make_token, api_client):
    """Issue 8 item 5: a read-only token may not take a step; another company's token does
    not find the case."""
    c = case()
    _token, read_only = make_token(READ)
    assert api_client(read_only).post(f"/api/complaints/{c.code}/contact", {}).status_code == 403
    _token, stranger = make_token(WRITE, READ, company=CompanyFactory())
    response = api_client(stranger).post(f"/api/complaints/{c.code}/contact", {})
    assert response.status_code == 404
    c.complaint.refresh_from_db()
    assert c.complaint.first_contact_at is None


WRITES = [
    ("contact", {}),
    ("special-first-contact", {"reason": "业主出差"}),
    ("messages", {"message": "补充一句"}),
    ("escalation", {"reason": "没人联系我"}),
    ("callback", {"reached": True, "confirmed": True, "satisfaction": "satisfied"}),
    ("rating", {"rating": 4, "comment": "及时"}),
]


@pytest.mark.parametrize("operation,body", WRITES, ids=[w[0] for w in WRITES])
def test_it_replays_a_step_sent_again_with_the_same_idempotency_key(
    case, org, clock, operation, body
):
    """Issue 8 item 5: the same write sent again with its key is not done twice; the first
    answer comes back."""
    c = case()
    if operation == "escalation":
        clock.shift(timedelta(minutes=31))
        sweep(now())
    if operation in ("callback", "rating"):
        resolve(org, c.complaint)
    path = f"/api/complaints/{c.code}/{operation}"
    events = Event.objects.count()
    first = c.api.post(path, body, **{"Idempotency-Key": "call-0001"})
    assert first.status_code in (200, 201), first.content
    written = Event.objects.count()
    assert written > events
    again = c.api.post(path, body, **{"Idempotency-Key": "call-0001"})
    assert again.status_code == first.status_code
    assert again.content == first.content and again["Idempotent-Replayed"] == "true"
    assert Event.objects.count() == written
