"""Issue 8 item 6 ("what a new user met") and ORG-3, as the issue's closing evidence: a walk
in a real browser, in Chinese, at phone width (390 × 844), over a complaint that went through
its whole life, shows no internal code, database id, English leftover or UTC time — on the
case page, the lists, the home pages, the public tracking page and the printed forms — and the
customer never sees the internal handling note."""

import re
import shutil
import subprocess
from datetime import timedelta

import pytest
import time_machine

from pinzhi.complaints import services
from pinzhi.complaints.models import Callback
from pinzhi.deadlines.sweep import sweep
from pinzhi.lib.clock import now
from pinzhi.orgs.tests.factories import PASSWORD, person_in_role
from pinzhi.policy.models import Rule

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is missing"),
]

START = "2026-11-23 09:00 +0800"
INTERNAL_NOTE = "值班员已批评教育并扣当月绩效"
CUSTOMER_REPLY = "道闸已修好，车库巡逻已加密，感谢您的反映。"

# What may stay Latin in the Chinese UI: tracking and letter numbers, requirement IDs cited
# by the rules (CMP-4), the product's name, file kinds, encodings and units, the language
# switcher's own "English", and on the integration pages (API tokens, webhooks) the terms an
# integrator types (OpenAPI, the Authorization header, scopes such as complaints:read and
# standards:write). Anything else in Latin letters
# is an English leftover or an internal code.
ALLOWED_LATIN = re.compile(
    r"\bTS[0-9A-Z]{8}\b|\bLXH\d{6}-\d{4}\b|\bPinzhi\b|\b(PDF|Excel|CSV|XLSX|KB|MB|API|QR)\b|[A-Za-z]+@\S+"
    r"|\b(ASM|CMP|INS|NCR|OPS|ORG|RPT|SAT|STD|TRN|X)(-\d+)?\b|\.(xlsx|csv)\b|UTF-8|GBK|GB18030"
    r"|OpenAPI|/api/openapi\.json|Authorization: Bearer|\b[a-z_]+:(read|write)\b|Webhook"
    r"|\bJSON POST\b|^English$",
    re.MULTILINE,
)
LEFTOVERS = {
    "an ISO/UTC timestamp": re.compile(r"\d{4}-\d\d-\d\dT\d|\+00:00|\bUTC\b"),
    "a Python literal": re.compile(r"\b(True|False|None)\b"),
    "a snake_case code": re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b"),
    "a dotted code": re.compile(r"\b[a-z]+(?:\.[a-z_]+)+\b"),
    "a raw id change": re.compile(r"\b\d+\s*(?:→|->)\s*\d+\b"),
    "an English word": re.compile(r"[A-Za-z]{2,}"),
}


OTHER_PAGES = [
    ("rules", "/policy/"),
    ("amendments", "/policy/amendments/"),
    ("workflows", "/workflows/"),
    ("workflow", "/workflows/complaint/"),
    ("inbox", "/notifications/"),
    ("preferences", "/notifications/preferences/"),
    ("import", "/complaints/import/"),
    ("repeats", "/complaints/repeats/"),
    ("tokens", "/api/tokens/"),
    ("webhooks", "/notifications/webhooks/"),
    ("deliveries", "/notifications/deliveries/"),
    ("calendars", "/deadlines/calendars/"),
    ("my-queue", "/complaints/mine/"),
    ("department-queue", "/complaints/department/"),
    ("new-complaint", "/complaints/new/"),
]


def leftovers(text: str) -> list[str]:
    text = ALLOWED_LATIN.sub("", text)
    found = []
    for what, pattern in LEFTOVERS.items():
        for match in pattern.finditer(text):
            start = max(match.start() - 20, 0)
            context = text[start : match.end() + 20].replace("\n", " ⏎ ")
            found.append(f"{what}: {match.group(0)!r} in …{context}…")
    return found


def pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "form.pdf"
    path.write_bytes(content)
    result = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    )
    return result.stdout


class Walk:
    def __init__(self, page, tmp_path):
        self.page = page
        self.tmp_path = tmp_path
        self.found: list[str] = []

    def sign_in(self, person):
        self.page.context.clear_cookies()
        self.page.goto("/signin/")
        self.page.fill("#id_username", person.username)
        self.page.fill("#id_password", PASSWORD)
        self.page.click("button[type=submit]")
        self.page.wait_for_url("**/")

    def look(self, name, url=None):
        if url is not None:
            response = self.page.goto(url)
            if not response.ok:
                self.found.append(f"{name}: {url} answers {response.status}")
        text = self.page.inner_text("body")
        (self.tmp_path / f"{name}.txt").write_text(text)
        self.found += [f"{name} ({self.page.url}): {item}" for item in leftovers(text)]
        self.page.screenshot(path=str(self.tmp_path / f"{name}.png"), full_page=True)
        width = self.page.evaluate("document.documentElement.scrollWidth")
        if width > 390:
            self.found.append(f"{name}: the page is {width} px wide at 390 px")
        return text

    def read_pdf(self, name, url):
        response = self.page.request.get(url)
        assert response.ok, f"{url}: {response.status}"
        text = pdf_text(response.body(), self.tmp_path)
        (self.tmp_path / f"{name}.txt").write_text(text)
        self.found += [f"{name} (PDF): {item}" for item in leftovers(text)]
        return text


def test_a_walk_in_chinese_at_phone_width_meets_no_code_id_english_or_utc_time(
    page, org, register, tmp_path
):
    """Issue 8 item 6 (case history, letter, tracking page, dropdowns, titles) and ORG-3 (the
    inspector's masked view): nothing internal on the pages a new user opens on a phone."""
    page.set_viewport_size({"width": 390, "height": 844})
    page.set_default_timeout(20_000)
    inspector = person_in_role("inspector", "inspector", org.hq, [org.estate])
    with time_machine.travel(START, tick=True) as traveller:
        complaint = register(title="李业主反映夜间巡逻不到位")
        late = register(title="电梯困人无人处理", content="电梯困人二十分钟没有人来。")
        letter = services.complaint_route(
            complaint=complaint,
            actor=org.registrar,
            department=org.ab,
            head=org.head,
            request="请核查车库道闸并联系业主",
        )
        services.complaint_allow_special_first_contact(
            complaint=complaint, actor=org.head, reason="业主出差，下午方可联系"
        )
        services.letter_acknowledge(letter=letter, actor=org.head)
        services.complaint_hand_over(
            complaint=complaint, actor=org.registrar, to_person=org.quality, note="交质量部跟进"
        )
        services.complaint_assign(
            complaint=complaint,
            actor=org.head,
            handler=org.handler,
            solution="更换道闸电机，加派车库巡逻",
            staff_involved=org.guard,
        )
        services.complaint_record_contact(complaint=complaint, actor=org.handler, on_site=True)
        services.complaint_resolve(
            complaint=complaint,
            actor=org.handler,
            resolution=INTERNAL_NOTE,
            customer_reply=CUSTOMER_REPLY,
        )
        # The other complaint is left alone: its first-contact limit runs out.
        traveller.shift(timedelta(hours=2))
        sweep(now())
        services.complaint_callback(
            complaint=complaint,
            actor=org.registrar,
            reached=True,
            confirmed=True,
            satisfaction=Callback.Satisfaction.SATISFIED,
            feedback="巡逻明显多了",
        )
        services.complaint_close(
            complaint=complaint,
            actor=org.quality,
            final_result="道闸已修复，业主满意",
            evaluation="处理及时",
        )

        # The countdowns run in the browser: its clock reads the server's.
        page.clock.install(time=now())
        walk = Walk(page, tmp_path)
        case = f"/complaints/{complaint.pk}/"
        walk.sign_in(org.quality)
        walk.look("quality-home", "/")
        history = walk.look("quality-case", case)
        assert "240 分钟" not in history and "首次联系时限：" in history  # words, 「：」
        walk.look("quality-list", "/complaints/")
        walk.look("quality-overdue", "/deadlines/")
        repeat = walk.look("quality-late-case", f"/complaints/{late.pk}/")
        assert "相同之处：客户、地址" in repeat
        walk.read_pdf("letter", f"/complaints/print/letter/{letter.pk}.pdf")
        walk.read_pdf("handling", f"/complaints/print/{complaint.pk}/handling.pdf")
        walk.read_pdf("record", f"/complaints/print/{complaint.pk}/record.pdf")
        # The other staff pages a new user clicks through.
        rule = Rule.objects.get(key="complaints.first_contact_special_max")
        for name, url in OTHER_PAGES + [("rule", f"/policy/rules/{rule.pk}/")]:
            walk.look(name, url)

        walk.sign_in(org.head)
        walk.look("head-home", "/")
        walk.look("head-case", case)
        walk.look("head-list", "/complaints/")
        walk.look("head-overdue", "/deadlines/")

        walk.sign_in(inspector)
        walk.look("inspector-home", "/")
        inspected = walk.look("inspector-case", case)
        walk.look("inspector-list", "/complaints/")
        assert "13912345678" not in inspected and "李业主" not in inspected
        printed = walk.read_pdf(
            "inspector-handling", f"/complaints/print/{complaint.pk}/handling.pdf"
        )
        assert "13912345678" not in printed and "李业主" not in printed
        # The earlier complaint's title, named on the repeat's page, is masked too.
        assert "李业主" not in walk.look("inspector-late-case", f"/complaints/{late.pk}/")

        page.context.clear_cookies()
        page.goto("/public/track/")
        page.locator("[name=tracking_code]").fill(complaint.tracking_code)
        page.locator("[name=phone_last4]").fill("5678")
        page.locator("[data-testid=track-form] button[type=submit]").click()
        page.wait_for_url("**/track/status/")
        public = walk.look("tracking")
        assert CUSTOMER_REPLY in public
        assert INTERNAL_NOTE not in public

    assert not walk.found, "\n".join(walk.found)
