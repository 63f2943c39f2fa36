"""Quality archives (ASM-11, 员工/管理人员工作质量档案): a person's year — complaints,
inspections, points with every entry's reason and clause, awards, training, results — read
by the person, their line managers and the company-wide roles, never by anyone else."""

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from pinzhi.assessment.models import (
    AssessmentPlan,
    AssessmentResult,
    Band,
    Consequence,
    ConsequenceKind,
    EntryKind,
    Level,
    ServiceStar,
    WorstServiceRating,
)
from pinzhi.assessment.selectors import archives
from pinzhi.assessment.services.ledger import entry_book, rule_applied
from pinzhi.assessment.tests.factories import complaint_verified
from pinzhi.inspections.tests.factories import inspection_submitted, template_published
from pinzhi.lib.clock import now
from pinzhi.rectification.models import Nonconformity
from pinzhi.training.models import (
    AssignmentReason,
    Attendance,
    Course,
    SessionStatus,
    TrainingAssignment,
    TrainingSession,
)


def complaint_entry(org, person, complaint, *, n=1):
    """The entry the ledger books for the n-th verified complaint of the month (二.2)."""
    applied = rule_applied("assessment.verified_complaint_per_count", company=org.company)
    return entry_book(
        company=org.company,
        person=person,
        kind=EntryKind.COMPLAINT,
        occurred_at=now(),
        points=n * applied.value,
        applied=applied,
        count=n,
        subject=complaint,
    )


def daily_record(org, person, points, reason, *, by=None):
    return entry_book(
        company=org.company,
        person=person,
        kind=EntryKind.DAILY_RECORD,
        occurred_at=now(),
        points=points,
        reason=reason,
        entered_by=by or org.manager,
    )


def archive_url(person, **query):
    url = reverse("assessment:archive", args=[person.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


@pytest.fixture
def history(org, clock):
    """李保洁 (staff, CH): a verified complaint in February, a daily record in March."""
    clock.move_to("2026-02-12 09:00 +0800")
    complaint = complaint_verified(staff=org.staff, title="王先生家门口楼道垃圾两天没清")
    complaint_entry(org, org.staff, complaint)
    clock.move_to("2026-03-05 15:00 +0800")
    daily_record(org, org.staff, -2, "工作服不整，未佩戴工牌")
    clock.move_to("2026-03-10 10:00 +0800")
    return complaint


def test_it_shows_a_person_their_own_archive_with_the_reason_and_clause_of_every_entry(
    client, org, history
):
    """ASM-11: a person sees their own archive, with the reason and clause of every entry."""
    client.force_login(org.staff)
    response = client.get(reverse("assessment:my_archive"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "李保洁" in html and "E001" in html
    assert "工作服不整，未佩戴工牌" in html
    # The complaint's entry names its rule's value and the clause of seed 004.
    assert "第5篇 二.2" in html
    assert history.tracking_code in html
    # The customer's name, in the complaint's subject, never reaches the archive (ORG-3).
    assert "楼道垃圾两天没清" in html
    assert "王先生" not in html
    entries = response.context["entry_rows"]
    assert [row.entry.points for row in entries] == [-5, -2]
    assert entries[0].rule  # the rule's name, not its key
    assert "assessment." not in html


def test_it_computes_each_months_score_as_base_plus_its_entries(client, org, history):
    """ASM-11 trend: each month's score is the pack's base (100) plus the month's points."""
    client.force_login(org.staff)
    response = client.get(reverse("assessment:my_archive"))
    figures = response.context["figures"]
    assert [(f.month, f.points, f.score) for f in figures] == [
        (date(2026, 1, 1), 0, 100),
        (date(2026, 2, 1), -5, 95),
        (date(2026, 3, 1), -2, 98),
    ]
    chart = json.loads(response.context["chart"] and json.dumps(response.context["chart"]))
    assert chart["score"] == [100, 95, 98]
    assert chart["labels"] == ["1月", "2月", "3月"]
    html = response.content.decode()
    assert 'id="archive-trend-data"' in html and "echarts.min.js" in html
    assert response.context["summary"].points == -7


def test_months_follow_shanghai_time(client, org, clock):
    """ASM-11: an entry of 2026-01-31 23:30 in Shanghai (15:30 UTC) counts in January."""
    clock.move_to("2026-01-31 23:30 +0800")
    daily_record(org, org.staff, -3, "交接班记录缺失")
    clock.move_to("2026-03-10 10:00 +0800")
    figures = archives.archive_months(org.staff, year=2026)
    assert figures[0].points == -3 and figures[1].points == 0


def test_a_line_manager_opens_the_archives_of_their_scope_only(client, org, history):
    """ASM-11: a line manager reads the archives of their scope's people, not others'."""
    client.force_login(org.manager)
    assert client.get(archive_url(org.staff)).status_code == 200
    assert client.get(archive_url(org.other)).status_code == 404
    assert client.get(reverse("assessment:archive_pdf", args=[org.other.pk])).status_code == 404


def test_a_member_of_staff_opens_no_one_elses_archive(client, org, history):
    """ASM-11: a person sees only their own archive."""
    client.force_login(org.other)
    assert client.get(archive_url(org.staff)).status_code == 403
    assert client.get(reverse("assessment:archives")).status_code == 403
    mine = client.get(reverse("assessment:my_archive"))
    assert mine.status_code == 200 and "李保洁" not in mine.content.decode()


def test_the_quality_department_and_leadership_read_everyones(client, org, history):
    """ASM-11: the quality department and leadership read every archive of the company."""
    for reader in (org.quality, org.leader):
        client.force_login(reader)
        assert client.get(archive_url(org.other)).status_code == 200
        assert client.get(archive_url(org.staff)).status_code == 200


def test_the_index_searches_by_name_and_filters_by_unit(client, org, history):
    """ASM-11: the index of archives, with search and unit filter."""
    client.force_login(org.quality)
    response = client.get(reverse("assessment:archives"))
    names = {p.full_name for p, _n in response.context["rows"]}
    assert {"李保洁", "吴秩序", "钱经理"} <= names
    staff_row = next(row for row in response.context["rows"] if row[0] == org.staff)
    assert staff_row[0].year_points == -7 and staff_row[1] == 1
    found = client.get(reverse("assessment:archives"), {"q": "吴秩"})
    assert [p.full_name for p, _n in found.context["rows"]] == ["吴秩序"]
    by_unit = client.get(reverse("assessment:archives"), {"unit": org.bjm.pk})
    assert [p.full_name for p, _n in by_unit.context["rows"]] == ["吴秩序"]
    nobody = client.get(reverse("assessment:archives"), {"q": "没有这个人"})
    assert 'data-testid="no-people"' in nobody.content.decode()


def test_a_line_managers_index_lists_their_scope(client, org, history):
    client.force_login(org.manager)
    response = client.get(reverse("assessment:archives"))
    names = {p.full_name for p, _n in response.context["rows"]}
    assert "李保洁" in names and "吴秩序" not in names


def test_a_person_with_nothing_yet_sees_empty_states(client, org):
    """ASM-11: empty states for a person with no record yet."""
    client.force_login(org.other)
    html = client.get(reverse("assessment:my_archive")).content.decode()
    for testid in (
        "no-entries",
        "no-complaints",
        "no-archive-unit-inspections",
        "no-stars",
        "no-ratings",
        "no-consequences",
        "no-training",
        "no-results",
    ):
        assert f'data-testid="{testid}"' in html, testid


def test_the_year_filter_shows_that_years_records(client, org, clock):
    """ASM-11: the archive is read by year; an invalid year is refused with a message."""
    clock.move_to("2025-11-20 10:00 +0800")
    daily_record(org, org.staff, -4, "去年的记录")
    clock.move_to("2026-03-10 10:00 +0800")
    client.force_login(org.staff)
    this_year = client.get(reverse("assessment:my_archive")).content.decode()
    assert "去年的记录" not in this_year
    last_year = client.get(reverse("assessment:my_archive"), {"year": 2025})
    assert "去年的记录" in last_year.content.decode()
    assert len(last_year.context["figures"]) == 12
    bad = client.get(reverse("assessment:my_archive"), {"year": "1999"})
    assert bad.status_code == 400
    assert "1999" in bad.content.decode()
    bad_pdf = client.get(reverse("assessment:my_archive_pdf"), {"year": "abc"})
    assert bad_pdf.status_code == 400 and "abc" in bad_pdf.content.decode()


def test_it_lists_awards_ratings_consequences_training_and_results(client, org, clock):
    """ASM-11: awards (service stars), worst-service ratings, consequences, training
    (attendance, scores, assignments) and quarterly results in the archive."""
    star_entry = entry_book(
        company=org.company,
        person=org.staff,
        kind=EntryKind.SERVICE_STAR,
        occurred_at=now(),
        amount=Decimal("1000"),
        count=2,
        reason="二月服务明星",
    )
    ServiceStar.objects.create(
        company=org.company,
        unit=org.ch,
        month=date(2026, 2, 1),
        person=org.staff,
        streak=2,
        entry=star_entry,
        named_by=org.manager,
        named_at=now(),
    )
    WorstServiceRating.objects.create(
        company=org.company,
        person=org.staff,
        unit=org.ch,
        month=date(2026, 1, 1),
        complaints=2,
        ordinal=1,
        created_at=now(),
    )
    Consequence.objects.create(
        company=org.company,
        kind=ConsequenceKind.RETRAINING,
        person=org.staff,
        reason="季度考核不合格，安排再培训",
        created_at=now(),
    )
    course = Course.objects.create(
        company=org.company, code="FW1", title="服务礼仪", topic="communication", hours=2
    )
    session = TrainingSession.objects.create(
        company=org.company,
        course=course,
        starts_at=now() - timedelta(days=3),
        ends_at=now() - timedelta(days=3, hours=-2),
        status=SessionStatus.HELD,
    )
    Attendance.objects.create(
        session=session, person=org.staff, attended=True, score=Decimal("86"), passed=True
    )
    TrainingAssignment.objects.create(
        company=org.company,
        person=org.staff,
        course=course,
        reason=AssignmentReason.RETRAINING,
        due_on=date(2026, 4, 30),
        created_at=now(),
    )
    plan = AssessmentPlan.objects.create(
        company=org.company,
        title="2026年第一季度考核",
        year=2026,
        quarter=1,
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 3, 31),
        created_by=org.quality,
        created_at=now(),
    )
    AssessmentResult.objects.create(
        plan=plan,
        level=Level.PERSON,
        person=org.staff,
        score=Decimal("58.50"),
        rank=9,
        band=Band.LAGGARD,
        passed=False,
    )
    client.force_login(org.staff)
    html = client.get(reverse("assessment:my_archive")).content.decode()
    for testid in (
        "archive-stars",
        "archive-ratings",
        "archive-consequences",
        "archive-attendances",
        "archive-assignments",
        "archive-results",
    ):
        assert f'data-testid="{testid}"' in html, testid
    assert "服务礼仪" in html and "86" in html
    assert "季度考核不合格，安排再培训" in html
    assert "2026年第一季度考核" in html and "58.50" in html
    assert "1000.00" in html


def test_an_inspectors_archive_lists_the_inspections_they_did(client, org, clock):
    """ASM-11: for an inspector, the inspections they did; for everyone, their unit's."""
    from pinzhi.orgs.tests.factories import person_in_role

    inspector = person_in_role("inspector", "inspector", org.pz, [org.ch])
    version = template_published(org.company)
    inspection_submitted(
        version=version, unit=org.ch, inspector=inspector, submitted_at=now(), results={}
    )
    client.force_login(inspector)
    html = client.get(reverse("assessment:my_archive")).content.decode()
    assert 'data-testid="archive-inspections-done"' in html
    client.force_login(org.staff)
    staff_page = client.get(reverse("assessment:my_archive"))
    assert staff_page.context["inspection_summary"].count == 1
    assert 'data-testid="archive-unit-inspections"' in staff_page.content.decode()
    assert staff_page.context["done"] is None


def test_a_managers_archive_adds_their_units_figures(client, org, clock, history):
    """ASM-11: a manager's archive adds their units' complaints, inspection average,
    rectification on time and their team's points."""
    version = template_published(org.company)
    inspection_submitted(version=version, unit=org.ch, submitted_at=now(), results={})
    for number, due, closed in (
        ("NC-1", now() - timedelta(days=5), now() - timedelta(days=6)),  # on time
        ("NC-2", now() - timedelta(days=4), now() - timedelta(days=1)),  # late
    ):
        Nonconformity.objects.create(
            company=org.company,
            unit=org.ch,
            number=number,
            source="inspection",
            title="楼道堆物",
            severity="minor",
            status=Nonconformity.Status.CLOSED,
            due_at=due,
            raised_at=due - timedelta(days=2),
            closed_at=closed,
        )
    client.force_login(org.manager)
    response = client.get(reverse("assessment:my_archive"))
    units = response.context["units"]
    ch = next(u for u in units if u.unit == org.ch)
    assert ch.complaints == 1
    assert ch.inspections == 1 and ch.inspection_average == Decimal("100.0")
    assert (ch.rectified_on_time, ch.rectifications_due) == (1, 2)
    assert ch.points == -7
    assert units[-1].unit is None  # the total
    assert 'data-testid="archive-units"' in response.content.decode()
    client.force_login(org.staff)
    assert client.get(reverse("assessment:my_archive")).context["units"] == []


def test_a_complaint_links_only_for_a_reader_who_may_open_it(client, org, history):
    """ASM-11: an entry links to its complaint where the reader may open the case."""
    client.force_login(org.quality)
    rows = client.get(archive_url(org.staff)).context["entry_rows"]
    assert rows[0].url == reverse("complaints:detail", args=[history.pk])
    client.force_login(org.other)
    # 吴秩序 cannot read 李保洁's archive at all; the selector itself gives no link either.
    assert archives.entry_rows(org.other, [rows[0].entry])[0].url == ""


@pytest.mark.skipif(
    __import__("shutil").which("pdftotext") is None, reason="poppler-utils is missing"
)
def test_it_exports_the_archive_to_pdf_with_the_persons_name(client, org, history, tmp_path):
    """ASM-11: the archive exports to PDF (WeasyPrint, CJK font): the person's name, the
    entry's reason and the clause are in it."""
    import re
    import subprocess

    client.force_login(org.manager)
    response = client.get(reverse("assessment:archive_pdf", args=[org.staff.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    path = tmp_path / "archive.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    text = re.sub(r"\s+", "", text)
    assert "李保洁" in text
    assert "工作服不整" in text
    assert "第5篇二.2" in text


def test_an_operators_superuser_without_a_company_gets_pages_not_errors(client, org, history):
    """ASM-11: an administrator of the operator (no company) opens the pages without error."""
    from pinzhi.orgs.tests.factories import PersonFactory

    admin = PersonFactory(username="root", is_superuser=True, company=None, unit=None)
    client.force_login(admin)
    assert client.get(reverse("assessment:my_archive")).status_code == 200
    assert client.get(reverse("assessment:archives")).status_code == 200
    assert client.get(archive_url(org.staff)).status_code == 200
