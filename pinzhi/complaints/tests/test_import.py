"""X-4 (issue 3 item 7): import of historical complaints from CSV/XLSX with a column mapping;
every complete row imported, every broken row reported with line and reason, re-import
without duplicates; the real-file quirks (truncated CFPB record, padded xlsx claiming far
more rows than it holds, GBK)."""

import csv
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from pinzhi.complaints import importer
from pinzhi.complaints.models import Channel, Complaint, Status
from pinzhi.core.imports import import_batch_claim
from pinzhi.deadlines.models import Deadline
from pinzhi.notify.models import Notification
from pinzhi.timeline.models import Event

DATA = Path(__file__).parent / "data"


@pytest.fixture
def importing(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def english():
    """The reasons are checked in English (the msgids); the pages run in zh_Hans."""
    with translation.override("en"):
        yield


def upload(org, name: str, content: bytes) -> importer.Batch:
    return importer.upload_store(SimpleUploadedFile(name, content), user=org.quality)


def run(org, batch: importer.Batch, *, source="test", **options) -> dict:
    importer.mapping_save(
        batch,
        mapping=batch.meta["mapping"],
        extras=batch.meta["extras"],
        options={
            "company_id": org.company.pk,
            "location_id": None,
            "category": "other",
            "channel": "import",
            "source": source,
            **options,
        },
    )
    import_batch_claim(batch)
    return importer.import_run(batch.token)


def gbk_csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("gbk")


HEADER = ["投诉时间", "投诉人", "联系电话", "投诉主题", "投诉内容", "答复意见", "答复时间"]


def test_it_imports_the_cfpb_sample_and_reports_the_cut_off_record(clock, org, importing):
    """X-4 (issue item 7): the truncated last CFPB record is reported with its line, not a crash."""
    batch = upload(org, "cfpb.csv", (DATA / "cfpb_sample.csv").read_bytes())
    meta = batch.meta
    assert meta["encoding"] == "UTF-8" and meta["delimiter"] == "," and meta["header_line"] == 1
    headers = meta["headers"]
    mapped = {k: headers[v] for k, v in meta["mapping"].items() if v is not None}
    assert mapped["source_id"] == "Complaint ID"
    assert mapped["received_at"] == "Date received"
    assert mapped["title"] == "Issue"
    assert mapped["content"] == "Consumer complaint narrative"
    assert mapped["channel"] == "Submitted via"
    assert {headers[i] for i in meta["extras"]} >= {"Product", "Company", "State"}
    result = run(org, batch, source="cfpb")
    assert result["imported"] == 29 and result["reported"] == 1
    ((line, reason),) = result["broken"]
    assert "2 columns" in reason and "18" in reason
    text = (DATA / "cfpb_sample.csv").read_text("utf-8")
    assert text.splitlines()[line - 1].startswith('2023-07-17,"Credit reporting')
    complaint = Complaint.objects.get(source="cfpb", source_id="7523056")
    assert complaint.status == Status.CLOSED
    assert complaint.channel == Channel.WEB_FORM
    assert complaint.title == "Incorrect information on your report"
    assert "Company: EQUIFAX, INC." in complaint.content
    assert complaint.final_result == "Closed with explanation"
    assert str(timezone.localdate(complaint.received_at)) == "2023-08-25"
    assert "incorrect" in complaint.search_text.split()
    batch.refresh_from_db()
    ((error_line, column, _value, error_reason),) = batch.errors
    assert error_line == line and "cut off" in error_reason
    assert batch.state == batch.State.APPLIED
    assert not batch.upload  # the upload is dropped when done


def test_imported_records_are_archive_records_without_deadlines_or_notifications(
    clock, org, importing
):
    """X-4 (issue item 7): historical records start no time limits and notify nobody; one batch event
    plus complaint.imported per record."""
    result = run(org, upload(org, "cfpb.csv", (DATA / "cfpb_sample.csv").read_bytes()))
    assert result["imported"] == 29
    assert Deadline.objects.count() == 0
    assert Notification.objects.count() == 0
    assert Event.objects.filter(action="complaint.import_batch").count() == 1
    assert Event.objects.filter(action="complaint.imported").count() == 29
    assert not Event.objects.filter(action="complaint.registered").exists()


def test_a_re_import_creates_no_duplicates(clock, org, importing):
    """X-4 (issue item 7): source + source_id make a re-import idempotent."""
    content = (DATA / "cfpb_sample.csv").read_bytes()
    run(org, upload(org, "cfpb.csv", content), source="cfpb")
    again = run(org, upload(org, "cfpb.csv", content), source="cfpb")
    assert again["imported"] == 0 and again["skipped"] == 29 and again["reported"] == 1
    assert Complaint.objects.filter(source="cfpb").count() == 29


def test_it_strips_the_padding_and_stops_at_the_blank_tail_of_a_sheet(clock, org, importing):
    """X-4 (issue item 7): the forum xlsx claims many more rows than hold data; text padded with \\n\\t."""
    batch = upload(org, "taidi.xlsx", (DATA / "taidi_attach2.xlsx").read_bytes())
    headers = batch.meta["headers"]
    assert headers == ["留言编号", "留言用户", "留言主题", "留言时间", "留言详情", "一级分类"]
    mapping = batch.meta["mapping"]
    assert headers[mapping["customer_name"]] == "留言用户"
    assert headers[mapping["category"]] == "一级分类"
    result = run(org, batch, source="taidi2")
    assert result["imported"] == 30 and result["reported"] == 1
    ((line, reason),) = result["broken"]
    assert line == 32 and "line 4" in reason  # the same message filed under two categories
    complaint = Complaint.objects.get(source="taidi2", source_id="24")
    assert complaint.content.startswith("A3区大道西行便道")
    assert "\t" not in complaint.content
    assert "一级分类: 城乡建设" in complaint.content
    assert complaint.customer_name == "A00074011"
    assert timezone.localtime(complaint.received_at).isoformat() == "2020-01-06T12:09:38+08:00"
    assert "西湖" in complaint.search_text.split()


def test_a_reply_closes_the_record_with_the_reply_time_and_text(clock, org, importing):
    """X-4 (issue item 7): messages with an official reply are closed at the reply time, the reply being
    the final result."""
    batch = upload(org, "attach4.xlsx", (DATA / "taidi_attach4.xlsx").read_bytes())
    result = run(org, batch, source="taidi4")
    assert result["imported"] == 20 and result["reported"] == 0
    complaint = Complaint.objects.get(source="taidi4", source_id="2549")
    assert complaint.status == Status.CLOSED
    assert timezone.localtime(complaint.closed_at).isoformat() == "2019-05-10T14:56:53+08:00"
    assert complaint.answered_at == complaint.closed_at
    assert complaint.final_result.startswith("现将网友在平台")
    assert complaint.resolution == ""  # issue 8 item 6: the reply is the final result only


def test_it_puts_the_reply_and_the_handling_result_each_in_its_own_field(clock, org, importing):
    """Issue 8 item 6: an imported reply (答复意见) is the final result (最终结果) only; a
    column 处理结果 fills the handling's result (处理结果); neither is copied into the other."""
    header = ["投诉时间", "投诉人", "投诉主题", "处理结果", "答复意见", "答复时间"]
    rows = [
        header,
        [
            "2025-03-01 09:00",
            "王先生",
            "电梯停运",
            "维保单位更换了门机板",
            "电梯已恢复运行",
            "2025-03-02 10:00",
        ],
        ["2025-03-03 09:00", "李女士", "楼道灯不亮", "", "已安排电工检修", "2025-03-03 18:00"],
    ]
    batch = upload(org, "ledger.csv", gbk_csv(rows))
    mapping = batch.meta["mapping"]
    assert mapping["resolution"] == 3 and mapping["reply"] == 4
    assert run(org, batch, source="ledger")["imported"] == 2
    lift = Complaint.objects.get(source="ledger", title="电梯停运")
    assert lift.resolution == "维保单位更换了门机板"
    assert lift.final_result == "电梯已恢复运行"
    lamp = Complaint.objects.get(source="ledger", title="楼道灯不亮")
    assert lamp.resolution == "" and lamp.final_result == "已安排电工检修"


def test_the_finished_import_links_to_the_list_of_the_complaints_it_imported(
    clock, org, importing, client
):
    """Issue 8 item 6: the finished page links to the complaint list filtered to that
    import: the rows it created, not the ones an earlier import of the same source made
    (skipped this time), and the list names the file it shows."""
    lift = ["2025-03-01 09:00", "王先生", "13800000001", "电梯停运", "3栋电梯停运", "", ""]
    lamp = ["2025-03-03 09:00", "李女士", "13800000002", "楼道灯不亮", "5栋楼道灯不亮", "", ""]
    gate = ["2025-03-04 09:00", "赵先生", "13800000003", "道闸故障", "车库道闸打不开", "", ""]
    first = upload(org, "march.csv", gbk_csv([HEADER, lift]))
    run(org, first, source="ledger")
    clock.shift(60)
    second = upload(org, "march-more.csv", gbk_csv([HEADER, lift, lamp, gate]))
    assert run(org, second, source="ledger")["imported"] == 2
    client.force_login(org.quality)
    status = client.get(reverse("complaint_import:status", args=[second.token]))
    link = f"{reverse('complaints:list')}?batch={second.token}"
    assert f'href="{link}"' in status.content.decode()
    listed = client.get(link)
    titles = {c.title for c in listed.context["page_obj"].object_list}
    assert titles == {"楼道灯不亮", "道闸故障"}
    assert "march-more.csv" in listed.content.decode()
    first_list = client.get(f"{reverse('complaints:list')}?batch={first.token}")
    assert {c.title for c in first_list.context["page_obj"].object_list} == {"电梯停运"}
    unknown = client.get(f"{reverse('complaints:list')}?batch=nothing")
    assert unknown.status_code == 200 and not unknown.context["page_obj"].object_list


def test_it_reads_gbk_and_reports_each_broken_row_with_line_and_reason(clock, org, importing):
    """X-4 (issue item 7): GBK-encoded CSV; missing field, unparseable date, future date, text too long."""
    rows = [
        HEADER,
        ["2026-10-01 10:00", "张三", "13800000001", "电梯困人", "3栋电梯困人半小时", "", ""],
        ["2026/10/02", "李四", "13800000002", "噪音扰民", "楼上装修噪音", "已处理", "2026/10/03"],
        ["", "王五", "", "无时间", "缺少时间", "", ""],
        ["昨天", "赵六", "", "坏时间", "时间写错", "", ""],
        ["2027-01-01", "钱七", "", "未来", "日期在未来", "", ""],
        ["2026-10-05", "孙八", "", "长" * 201, "标题太长", "", ""],
        ["2026-10-06", "周九", "", "", "", "", ""],
    ]
    batch = upload(org, "gbk.csv", gbk_csv(rows))
    assert batch.meta["encoding"] == "GBK"
    assert batch.meta["headers"] == HEADER
    result = run(org, batch, source="gbk")
    assert result["imported"] == 2 and result["reported"] == 5
    reasons = dict(result["broken"])
    assert set(reasons) == {4, 5, 6, 7, 8}
    assert "missing required field" in reasons[4]
    assert "昨天" in reasons[5] and "not a date" in reasons[5]
    assert "future" in reasons[6]
    assert "201" in reasons[7] and "200" in reasons[7]
    assert "missing required field" in reasons[8]
    # Issue 7 item 3: each broken row is located by its column (header and letter) too.
    batch.refresh_from_db()
    located = {line: (column, value) for line, column, value, _reason in batch.errors}
    assert located[5] == ("投诉时间 (A)", "昨天") and located[7][0] == "投诉主题 (D)"
    noise = Complaint.objects.get(title="噪音扰民")
    assert noise.customer_phone == "13800000002"
    assert noise.final_result == "已处理" and timezone.localtime(noise.closed_at).day == 3
    lift = Complaint.objects.get(title="电梯困人")
    assert lift.closed_at == lift.received_at and lift.answered_at is None
    # No id column: a stable hash of the row's content is the source id.
    assert lift.source_id.startswith("h:")
    again = run(org, upload(org, "gbk.csv", gbk_csv(rows)), source="gbk")
    assert again["imported"] == 0 and again["skipped"] == 2


def test_it_detects_a_utf8_bom_and_a_semicolon_delimiter(clock, org, importing):
    text = "留言时间;留言主题;留言详情\n2026-09-01;路灯不亮;5栋门口路灯坏了\n"
    batch = upload(org, "bom.csv", b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert batch.meta["encoding"] == "UTF-8 (BOM)" and batch.meta["delimiter"] == ";"
    assert batch.meta["headers"][0] == "留言时间"
    assert run(org, batch)["imported"] == 1


def test_a_database_error_writes_none_of_the_rows(clock, org, importing, monkeypatch):
    """X-4 (issue item 7): the good rows are one transaction — all or none."""
    monkeypatch.setattr(importer, "PROGRESS_EVERY", 5)
    real = Complaint.objects.bulk_create
    calls = []

    def failing(objs, *args, **kwargs):
        calls.append(len(objs))
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return real(objs, *args, **kwargs)

    monkeypatch.setattr(Complaint.objects, "bulk_create", failing)
    batch = upload(org, "cfpb.csv", (DATA / "cfpb_sample.csv").read_bytes())
    with pytest.raises(RuntimeError):
        run(org, batch)
    assert Complaint.objects.count() == 0
    batch.refresh_from_db()
    assert batch.progress["state"] == "failed" and batch.state == batch.State.FAILED


def test_it_refuses_other_files_with_a_clear_message(org, importing):
    with pytest.raises(importer.ImportError_, match="xlsx"):
        upload(org, "old.xls", b"\xd0\xcf\x11\xe0")
    with pytest.raises(importer.ImportError_, match="Excel"):
        upload(org, "fake.xlsx", b"not a zip")
    with pytest.raises(importer.ImportError_):
        upload(org, "empty.csv", b"")


def test_the_import_pages_walk_upload_mapping_check_and_progress(clock, org, importing, client):
    """X-4 (issue item 7) through the pages: preview with guessed mapping, check, task, progress."""
    client.force_login(org.quality)
    response = client.post(
        reverse("complaint_import:upload"),
        {"file": SimpleUploadedFile("forum.xlsx", (DATA / "taidi_attach4.xlsx").read_bytes())},
    )
    assert response.status_code == 302
    mapping_url = response["Location"]
    token = mapping_url.rstrip("/").rsplit("/", 1)[-1]
    page = client.get(mapping_url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "景蓉华苑" in html  # the preview
    assert '<option value="2" selected>留言主题</option>' in html  # the guessed mapping
    form = page.context["form"]
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None:
            continue
        data[name] = [str(v) for v in value] if isinstance(value, list) else str(value)
    data["source"] = "forum"
    response = client.post(mapping_url, data)
    assert response.status_code == 302, response.context["form"].errors
    check = client.get(response["Location"])
    assert check.context["summary"]["good"] == 20
    response = client.post(reverse("complaint_import:start", args=[token]))
    assert response.status_code == 302
    status = client.get(reverse("complaint_import:status", args=[token]))
    assert 'data-testid="done"' in status.content.decode()
    assert Complaint.objects.filter(source="forum").count() == 20
    # A second start does nothing.
    client.post(reverse("complaint_import:start", args=[token]))
    assert Complaint.objects.filter(source="forum").count() == 20


def test_the_check_page_shows_broken_rows_and_the_report_downloads(clock, org, importing, client):
    client.force_login(org.quality)
    response = client.post(
        reverse("complaint_import:upload"),
        {"file": SimpleUploadedFile("cfpb.csv", (DATA / "cfpb_sample.csv").read_bytes())},
    )
    token = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    batch = importer.batch_get(token)
    form_data = {f"map_{k}": "" if v is None else str(v) for k, v in batch.meta["mapping"].items()}
    form_data.update(company=org.company.pk, category="other", channel="import", source="cfpb-web")
    response = client.post(reverse("complaint_import:mapping", args=[token]), form_data)
    check = client.get(response["Location"])
    assert check.context["summary"]["broken"] == 1
    ((line, reason),) = check.context["summary"]["broken_rows"]
    assert f"<td>{line}</td>" in check.content.decode()
    report = client.get(reverse("complaint_import:errors", args=[token]))
    assert report.status_code == 200
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(report.content)).worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["行号", "列", "单元格内容", "原因"]
    assert rows[1][0] == line and rows[1][3] == reason and "18" in reason


def test_a_mapping_without_a_date_or_text_is_refused(clock, org, importing, client):
    client.force_login(org.quality)
    content = "留言时间,留言主题\n2026-09-01,路灯不亮\n".encode()
    response = client.post(
        reverse("complaint_import:upload"), {"file": SimpleUploadedFile("a.csv", content)}
    )
    url = response["Location"]
    page = client.post(
        url,
        {
            "map_received_at": "",
            "map_title": "",
            "company": org.company.pk,
            "category": "other",
            "channel": "import",
            "source": "a",
        },
    )
    assert page.status_code == 400  # bad input is a 4xx (issue 6 item 8)
    with translation.override("zh-hans"):  # the page speaks the default language
        expected = [str(importer.NEED_DATE), str(importer.NEED_TEXT)]
    assert page.context["problems"] == expected


def test_import_pages_belong_to_the_quality_department_of_the_company(org, importing, client):
    """Access: the import is for the quality department only, and a batch for its company."""
    batch = upload(org, "a.csv", "留言时间,留言主题\n2026-09-01,路灯不亮\n".encode())
    client.force_login(org.committee)
    assert client.get(reverse("complaint_import:upload")).status_code == 403
    assert client.get(reverse("complaint_import:mapping", args=[batch.token])).status_code == 403
    from pinzhi.orgs.tests.factories import CompanyFactory, PersonFactory, UnitFactory

    elsewhere = CompanyFactory()
    stranger = PersonFactory(
        company=elsewhere,
        unit=UnitFactory(company=elsewhere, code="ELSE"),
        roles=["quality_department"],
    )
    client.force_login(stranger)
    # Issue 7 item 3: another company's batch does not exist for this person.
    assert client.get(reverse("complaint_import:mapping", args=[batch.token])).status_code == 404
    assert client.get(reverse("complaint_import:mapping", args=["x" * 32])).status_code == 404


REAL = Path("/work/shared/realdata")


@pytest.mark.skipif(not REAL.exists(), reason="the real files are not on this machine")
@pytest.mark.parametrize(
    "name,source,imported,reported",
    [
        ("cfpb_complaints_sample.csv", "cfpb", 2067, 1),
        # 495 rows hold data; 留言编号 37042 appears twice (line 312 repeats line 100 under
        # another 一级分类): imported once, the second reported.
        ("taidi2020_attach2.xlsx", "taidi2", 494, 1),
        ("taidi2020_attach4.xlsx", "taidi4", 120, 0),
    ],
)
def test_the_real_files_import(clock, org, importing, name, source, imported, reported):
    """X-4 (issue item 7) on the real files of ../shared/realdata (skipped where they are absent)."""
    batch = upload(org, name, (REAL / name).read_bytes())
    result = run(org, batch, source=source)
    print(
        f"\n{name}: {result['imported']} imported, {result['reported']} reported, "
        f"{result['seconds']} s, {result['groups']} topic groups "
        f"(grouping {result['grouping_seconds']} s)"
    )
    assert (result["imported"], result["reported"]) == (imported, reported)
    assert Complaint.objects.filter(source=source).count() == imported


def test_the_upload_page_lists_recent_imports_with_their_state(clock, org, importing, client):
    run(org, upload(org, "a.csv", "留言时间,留言主题\n2026-09-01,路灯不亮\n".encode()))
    client.force_login(org.quality)
    response = client.get(reverse("complaint_import:upload"))
    ((batch, progress, state),) = response.context["recent"]
    assert progress["imported"] == 1 and str(state) == "Done"
