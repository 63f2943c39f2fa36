"""Issue 7 item 3: one reading pipeline for every tabular import. The reader finds the
encoding, the delimiter and the header row, reads merged cells, refuses an old .xls, reads a
sheet that claims far more rows than it holds in bounded time, and the same bad file gets the
same refusal from the organisation, complaint and calendar imports."""

import csv
import io
import re
import time
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from openpyxl import Workbook

from pinzhi.core import tabular
from pinzhi.core.spreadsheets import SpreadsheetRefused
from pinzhi.core.tabular import tabular_open
from pinzhi.core.tests.bombs import shared_string_xlsx_bytes
from pinzhi.lib.errors import DomainError

MB = 1024 * 1024
COMPLAINT_COLUMNS = ["投诉时间", "投诉人", "投诉主题", "投诉内容"]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def csv_bytes(rows, *, encoding="utf-8", delimiter=",") -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(workbook: Workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def read(content: bytes, filename: str, expected=COMPLAINT_COLUMNS):
    with tabular_open(content, filename=filename) as source:
        table = source.table(expected=expected)
        return source, table, list(table.rows)


def test_it_reads_a_gbk_csv_as_chinese_excel_saves_it():
    """Issue 7 item 3: Chinese Excel saves CSV as GBK; it is read right, not as mojibake."""
    content = csv_bytes(
        [COMPLAINT_COLUMNS, ["2025-03-01", "张三", "电梯故障", "3栋电梯困人"]], encoding="gbk"
    )
    source, table, rows = read(content, "台账.csv")
    assert source.encoding == "GBK" and source.delimiter == ","
    assert table.headers == COMPLAINT_COLUMNS
    assert rows == [(2, ["2025-03-01", "张三", "电梯故障", "3栋电梯困人"])]


def test_it_reads_gb18030_beyond_gbk():
    """Issue 7 item 3: a character outside GBK (a rare surname, 𠮷) is read as GB18030."""
    content = csv_bytes(
        [COMPLAINT_COLUMNS, ["2025-03-01", "𠮷先生", "噪音", "夜间施工"]], encoding="gb18030"
    )
    source, _table, rows = read(content, "a.csv")
    assert source.encoding == "GB18030" and rows[0][1][1] == "𠮷先生"


def test_it_reads_utf8_with_and_without_a_bom():
    """Issue 7 item 3: the BOM is not part of the first header."""
    rows = [COMPLAINT_COLUMNS, ["2025-03-01", "李四", "绿化", "草坪没人修剪"]]
    plain = csv_bytes(rows)
    for content, label in ((plain, "UTF-8"), (b"\xef\xbb\xbf" + plain, "UTF-8 (BOM)")):
        source, table, _rows = read(content, "a.csv")
        assert source.encoding == label and table.headers[0] == "投诉时间"


@pytest.mark.parametrize("delimiter", [";", "\t", ","])
def test_it_detects_the_delimiter(delimiter):
    """Issue 7 item 3: comma, tab and semicolon are detected; a full-width comma inside the
    text is not a delimiter."""
    rows = [COMPLAINT_COLUMNS, ["2025-03-01", "王五", "保洁，卫生", "楼道脏，没人扫，很久了"]]
    source, table, read_rows = read(csv_bytes(rows, delimiter=delimiter), "a.csv")
    assert source.delimiter == delimiter
    assert table.headers == COMPLAINT_COLUMNS
    assert read_rows[0][1][3] == "楼道脏，没人扫，很久了"


def test_a_full_width_comma_is_never_the_delimiter():
    """Issue 7 item 3: a one-column file of text with full-width commas stays one column."""
    content = "投诉内容\n门口，很吵\n路灯，坏了\n".encode()
    source, table, rows = read(content, "a.csv", expected=["投诉内容"])
    assert source.delimiter == "," and table.headers == ["投诉内容"]
    assert [cells for _line, cells in rows] == [["门口，很吵"], ["路灯，坏了"]]


def test_it_finds_the_header_below_a_title_row_and_blank_rows():
    """Issue 7 item 3: a title row such as 「2025年投诉台账」 and blank rows above the header
    are skipped; line numbers are those Excel shows."""
    content = "2025年投诉台账,,,\n,,,\n\n投诉时间,投诉人,投诉主题,投诉内容\n2025-01-02,张三,停车,车位被占\n"
    _source, table, rows = read(content.encode(), "a.csv")
    assert table.header_line == 4 and table.headers == COMPLAINT_COLUMNS
    assert rows == [(5, ["2025-01-02", "张三", "停车", "车位被占"])]
    assert table.locate(2) == "投诉主题 (C)"


def test_it_reads_merged_header_cells_and_merged_values_in_a_workbook():
    """Issue 7 item 3: a merged title over the header, a header merged down over two rows,
    and a value merged over several rows (copied into each)."""
    workbook = Workbook()
    ws = workbook.active
    ws.append(["2025年投诉台账"])
    ws.merge_cells("A1:D1")
    ws.append(["投诉时间", "投诉人", "投诉主题", "投诉内容"])
    ws.append([None, None, None, None])
    for column in "ABCD":
        ws.merge_cells(f"{column}2:{column}3")
    ws.append(["2025-01-02", "张三", "停车", "车位被占"])
    ws.append(["2025-01-03", None, "噪音", "装修"])
    ws.merge_cells("B4:B5")
    _source, table, rows = read(xlsx_bytes(workbook), "a.xlsx")
    assert table.header_line == 2 and table.headers == COMPLAINT_COLUMNS
    assert rows == [
        (4, ["2025-01-02", "张三", "停车", "车位被占"]),
        (5, ["2025-01-03", "张三", "噪音", "装修"]),
    ]


def test_an_old_xls_is_refused_telling_to_save_as_xlsx():
    """Issue 7 item 3: an OLE2 file (D0 CF 11 E0), whatever its name, gets one clear
    refusal."""
    for name in ("a.xls", "a.xlsx", "a.csv"):
        with pytest.raises(SpreadsheetRefused) as refused:
            tabular_open(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504, filename=name)
        assert "Excel 97–2003" in refused.value.reason and ".xlsx" in refused.value.reason
        assert isinstance(refused.value, DomainError)


def _phantom_sheet(real_rows: int, claimed: int) -> bytes:
    """A workbook whose sheet declares `claimed` rows and holds `claimed` row elements, of
    which only the first `real_rows` have cells (as some exports write them)."""
    workbook = Workbook()
    ws = workbook.active
    ws.append(COMPLAINT_COLUMNS)
    for n in range(real_rows):
        ws.append([f"2025-01-{n + 1:02}", "张三", "停车", f"第{n}条"])
    packed = io.BytesIO(xlsx_bytes(workbook))
    out = io.BytesIO()
    with zipfile.ZipFile(packed) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dest:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                text = re.sub(r'<dimension ref="[^"]+"', f'<dimension ref="A1:D{claimed}"', text)
                empty = "".join(f'<row r="{r}"/>' for r in range(real_rows + 2, claimed + 1))
                text = text.replace("</sheetData>", empty + "</sheetData>")
                data = text.encode()
            dest.writestr(info.filename, data)
    return out.getvalue()


@pytest.mark.parametrize("claimed", [65_000, 1_048_576])
def test_a_phantom_sheet_is_read_in_bounded_time(claimed, settings):
    """Issue 7 item 3: a sheet claiming 65,000 (or 1,048,576) rows with three real ones is
    read in a moment: trailing empty rows are ignored, the table ends after EMPTY_RUN of
    them."""
    settings.PINZHI_IMPORT_MAX_RATIO = 10**6
    content = _phantom_sheet(3, min(claimed, 65_000))
    if claimed > 65_000:  # only the dimension claims the rest
        content = content.replace(b"A1:D65000", b"A1:D1048576")
    started = time.monotonic()
    _source, table, rows = read(content, "a.xlsx")
    assert time.monotonic() - started < 3
    assert [line for line, _cells in rows] == [2, 3, 4]
    assert table.rows_scanned < 4 + tabular.EMPTY_RUN + tabular.HEADER_ROWS


def test_the_archive_limits_still_apply():
    """Issue 6 item 3 through the shared reader: a decompression bomb is refused, naming the
    part and the limit."""
    with pytest.raises(SpreadsheetRefused) as refused:
        tabular_open(shared_string_xlsx_bytes(size=2 * MB), filename="a.xlsx")
    assert "xl/sharedStrings.xml" in refused.value.reason and "100" in refused.value.reason


def _refusals(content: bytes, name: str) -> set[str]:
    """The refusal each of the three imports gives for the same file."""
    from pinzhi.complaints import importer
    from pinzhi.deadlines.importing import CalendarImportError, rows_read
    from pinzhi.orgs.spreadsheets import org_import_plan

    with translation.override("zh-hans"):
        with pytest.raises(CalendarImportError) as calendar:
            rows_read(name, content)
        with pytest.raises(importer.ImportError_) as complaints:
            upload = SimpleUploadedFile(name, content)
            importer.upload_store(upload, user=type("U", (), {"pk": 1, "company_id": 1}))
        plan = org_import_plan(user=None, company=None, content=content)
    return {calendar.value.problems[0], str(complaints.value), plan.issues[0].message}


@pytest.mark.parametrize(
    "name,content,fragment",
    [
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504, "97–2003"),
        ("renamed.xlsx", "投诉时间,投诉人\n".encode("gbk"), "不是 Excel 工作簿"),
        ("empty.xlsx", b"", "文件为空"),
        ("bomb.xlsx", shared_string_xlsx_bytes(size=2 * MB), "压缩炸弹"),
    ],
)
def test_the_same_bad_file_gets_the_same_refusal_from_every_import(
    db, settings, tmp_path, name, content, fragment
):
    """Issue 7 item 3: the organisation, complaint and calendar imports give the same text
    for the same bad file, and keep nothing of it."""
    settings.MEDIA_ROOT = tmp_path
    (message,) = _refusals(content, name)
    assert fragment in message
    assert not any(tmp_path.rglob("*"))
