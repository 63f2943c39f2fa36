"""ASM-11 in a real browser: the quality archive walked through at phone width (390 px), in
Chinese — one's own archive with its trend chart, a line manager's index and a staff
member's archive, the manager's own archive with their unit's figures — with no internal
code, English leftover or UTC time, nothing wider than the screen, and screenshots left in
/tmp/archive-*.png for the lead."""

import shutil
import subprocess
from datetime import date, timedelta
from decimal import Decimal

import pytest

from pinzhi.assessment.models import (
    Consequence,
    ConsequenceKind,
    EntryKind,
    ServiceStar,
    WorstServiceRating,
)
from pinzhi.assessment.services.ledger import entry_book, rule_applied
from pinzhi.assessment.tests.factories import complaint_verified
from pinzhi.complaints.tests.test_walk_phone_chinese import leftovers
from pinzhi.inspections.tests.factories import inspection_submitted, template_published
from pinzhi.lib.clock import now
from pinzhi.orgs.tests.factories import PASSWORD
from pinzhi.training.models import Attendance, Course, SessionStatus, TrainingSession

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = "/tmp"


def _history(org, clock):
    """李保洁's year so far: complaints in January (two) and February, daily records, a
    service star, a worst-service rating, a retraining, a course passed; an inspection of
    翠湖花园."""
    per_count = rule_applied("assessment.verified_complaint_per_count", company=org.company)
    for moment, n, title in (
        ("2026-01-08 10:00 +0800", 1, "楼道垃圾两天没清"),
        ("2026-01-21 16:00 +0800", 2, "电梯厅地面湿滑无警示"),
        ("2026-02-17 09:30 +0800", 1, "垃圾桶满溢未及时清运"),
    ):
        clock.move_to(moment)
        complaint = complaint_verified(staff=org.staff, title=title)
        entry_book(
            company=org.company,
            person=org.staff,
            kind=EntryKind.COMPLAINT,
            occurred_at=now(),
            points=n * per_count.value,
            applied=per_count,
            count=n,
            subject=complaint,
        )
    clock.move_to("2026-01-31 18:00 +0800")
    WorstServiceRating.objects.create(
        company=org.company,
        person=org.staff,
        unit=org.ch,
        month=date(2026, 1, 1),
        complaints=2,
        ordinal=1,
        created_at=now(),
        entry=entry_book(
            company=org.company,
            person=org.staff,
            kind=EntryKind.WORST_SERVICE,
            occurred_at=now(),
            amount=Decimal("-500"),
            reason="一月成立投诉两起，评为服务最差",
        ),
    )
    Consequence.objects.create(
        company=org.company,
        kind=ConsequenceKind.RETRAINING,
        person=org.staff,
        reason="服务最差，安排服务礼仪再培训",
        created_at=now(),
    )
    clock.move_to("2026-03-04 11:00 +0800")
    entry_book(
        company=org.company,
        person=org.staff,
        kind=EntryKind.DAILY_RECORD,
        occurred_at=now(),
        points=2,
        reason="主动帮助业主搬运重物，业主致谢",
        entered_by=org.supervisor,
    )
    ServiceStar.objects.create(
        company=org.company,
        unit=org.ch,
        month=date(2026, 2, 1),
        person=org.staff,
        streak=1,
        named_by=org.manager,
        named_at=now(),
        entry=entry_book(
            company=org.company,
            person=org.staff,
            kind=EntryKind.SERVICE_STAR,
            occurred_at=now() - timedelta(days=4),
            amount=Decimal("500"),
            count=1,
            reason="二月服务明星",
        ),
    )
    course = Course.objects.create(
        company=org.company, code="FW1", title="服务礼仪", topic="communication", hours=2
    )
    session = TrainingSession.objects.create(
        company=org.company,
        course=course,
        starts_at=now() - timedelta(days=2),
        ends_at=now() - timedelta(days=2) + timedelta(hours=2),
        status=SessionStatus.HELD,
    )
    Attendance.objects.create(
        session=session, person=org.staff, attended=True, score=Decimal("86"), passed=True
    )
    version = template_published(org.company)
    inspection_submitted(version=version, unit=org.ch, submitted_at=now(), results={})
    clock.move_to("2026-03-10 10:00 +0800")


class Walk:
    def __init__(self, page):
        self.page = page
        self.found: list[str] = []

    def sign_in(self, person):
        self.page.context.clear_cookies()
        self.page.goto("/signin/")
        self.page.fill("#id_username", person.username)
        self.page.fill("#id_password", PASSWORD)
        self.page.click("button[type=submit]")
        self.page.wait_for_url("**/")

    def look(self, name):
        text = self.page.inner_text("main") if self.page.locator("main").count() else ""
        text = text or self.page.inner_text("body")
        self.found += [f"{name} ({self.page.url}): {item}" for item in leftovers(text)]
        self.page.screenshot(path=f"{SHOTS}/archive-{name}.png", full_page=True)
        width = self.page.evaluate("document.documentElement.scrollWidth")
        if width > 390:
            self.found.append(f"{name}: the page is {width} px wide at 390 px")
        return text


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is missing")
def test_the_archive_reads_in_chinese_at_phone_width(page, org, clock):
    """ASM-11: the archive on a phone, in Chinese: the person's own (every entry with its
    reason and clause, the trend chart drawn), the line manager's index and view of their
    staff member, and the manager's own archive with their unit's figures."""
    _history(org, clock)
    page.set_viewport_size({"width": 390, "height": 844})
    walk = Walk(page)

    walk.sign_in(org.staff)
    page.goto("/assessment/archives/mine/")
    page.wait_for_selector("#archive-trend canvas")
    mine = walk.look("mine")
    assert "李保洁 的工作质量档案" in mine
    assert "主动帮助业主搬运重物，业主致谢" in mine
    assert "第5篇" in mine  # the clause of the complaint entries
    assert "逐月积分" in mine and "服务明星" in mine and "服务礼仪" in mine
    printed = page.request.get("/assessment/archives/mine/pdf/")
    assert printed.ok and printed.headers["content-type"] == "application/pdf"
    with open(f"{SHOTS}/archive-mine.pdf", "wb") as out:
        out.write(printed.body())
    text = subprocess.run(
        ["pdftotext", f"{SHOTS}/archive-mine.pdf", "-"], capture_output=True, text=True, check=True
    ).stdout
    joined = "".join(text.split())  # wrapped cells
    assert "李保洁" in joined and "主动帮助业主搬运重物" in joined
    walk.found += [f"PDF: {item}" for item in leftovers(text)]

    walk.sign_in(org.manager)
    page.goto("/assessment/archives/")
    index = walk.look("index")
    assert "李保洁" in index and "吴秩序" not in index
    page.get_by_role("link", name="李保洁").click()
    page.wait_for_selector("#archive-trend canvas")
    walk.look("staff-by-manager")
    page.goto("/assessment/archives/mine/")
    own = walk.look("manager")
    assert "所管理单位" in own and "翠湖花园" in own

    assert not walk.found, "\n".join(walk.found)
