"""Issue 6 items 3 and 6: uploaded spreadsheets are read within bounds, checked before
openpyxl unpacks anything, and the same bad file gets the same refusal from every importer;
exported text is never a formula. The bombs are built small, with the limits lowered
through settings, except one real high-ratio part (zlib packs "A"s about 1000:1)."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from openpyxl import Workbook, load_workbook

from pinzhi.core import spreadsheets
from pinzhi.core.spreadsheets import (
    SpreadsheetRefused,
    csv_row,
    csv_rows,
    csv_text,
    xlsx_append,
    xlsx_check,
    xlsx_open,
    xlsx_rows,
)
from pinzhi.core.tests.bombs import shared_string_xlsx_bytes, xlsx_bytes

MB = 1024 * 1024


@pytest.fixture(autouse=True)
def english():
    """The refusals are checked in English (the msgids)."""
    with translation.override("en"):
        yield


@pytest.fixture
def lax(settings):
    """No ratio or unpacked-size limit, so that the later checks are reached."""
    settings.PINZHI_IMPORT_MAX_RATIO = 10**9
    settings.PINZHI_IMPORT_MAX_UNPACKED_MB = 10**6
    return settings


def strings(*texts: str) -> bytes:
    return b"".join(f"<si><t>{text}</t></si>".encode() for text in texts)


def cell(ref: str, index: int) -> str:
    return f'<c r="{ref}" t="s"><v>{index}</v></c>'


def test_it_refuses_a_part_packed_a_thousand_to_one(monkeypatch):
    """Issue 6 item 3: a real bomb part (4 MB of "A" in a few KB) is refused by its ratio,
    naming the part and the limit, before openpyxl is called at all."""
    content = shared_string_xlsx_bytes(size=4 * MB)
    assert len(content) < 10_000
    monkeypatch.setattr("openpyxl.load_workbook", lambda *a, **k: pytest.fail("opened"))
    with pytest.raises(SpreadsheetRefused) as refused:
        xlsx_open(content)
    message = refused.value.message
    assert "xl/sharedStrings.xml" in message and "at most 100 times" in message
    assert "decompression bomb" in message


def test_it_refuses_a_workbook_unpacking_beyond_the_limit(settings):
    """Issue 6 item 3: the total unpacked size is bounded (PINZHI_IMPORT_MAX_UNPACKED_MB)."""
    settings.PINZHI_IMPORT_MAX_RATIO = 10**9
    settings.PINZHI_IMPORT_MAX_UNPACKED_MB = 1
    with pytest.raises(SpreadsheetRefused, match="unpacks to more than 1 MB"):
        xlsx_check(shared_string_xlsx_bytes(size=2 * MB))


def test_it_refuses_a_workbook_of_too_many_parts(settings):
    """Issue 6 item 3: the number of parts of the archive is bounded."""
    settings.PINZHI_IMPORT_MAX_PARTS = 5
    content = xlsx_bytes(rows=cell("A1", 0), shared_strings=strings("日期"))
    with pytest.raises(SpreadsheetRefused, match="more than 5 parts"):
        xlsx_check(content)


def test_it_refuses_a_text_longer_than_a_cell_before_openpyxl_reads_it(lax, monkeypatch):
    """Issue 6 item 3: with the ratio and size checks out of the way, streaming the parts
    still finds a text run longer than a cell may be, without parsing or holding it."""
    lax.PINZHI_IMPORT_MAX_CELL_CHARS = 100
    content = xlsx_bytes(rows=cell("A1", 0), shared_strings=strings("x" * 5000))
    monkeypatch.setattr("openpyxl.load_workbook", lambda *a, **k: pytest.fail("opened"))
    with pytest.raises(SpreadsheetRefused, match="longer than a cell may be \\(100"):
        xlsx_open(content)


def test_a_part_renamed_away_from_xml_is_scanned_all_the_same(lax, monkeypatch):
    """Issue 6 item 3: openpyxl finds the shared strings through the content types, not by
    their name; a workbook naming them "sharedStrings.bin" is scanned like any other."""
    lax.PINZHI_IMPORT_MAX_CELL_CHARS = 100
    content = xlsx_bytes(rows=cell("A1", 0), shared_strings=strings("x" * 5000))
    renamed = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(renamed, "w") as target:
        for info in source.infolist():
            data = source.read(info).replace(b"sharedStrings.xml", b"sharedStrings.bin")
            target.writestr(info.filename.replace("sharedStrings.xml", "sharedStrings.bin"), data)
    monkeypatch.setattr("openpyxl.load_workbook", lambda *a, **k: pytest.fail("opened"))
    with pytest.raises(SpreadsheetRefused, match="sharedStrings.bin"):
        xlsx_open(renamed.getvalue())


def test_pictures_are_not_scanned_as_text():
    """Issue 6 item 3: a picture is binary (an XML parser cannot read it), so a long run of
    bytes in it is no reason to refuse the workbook."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/media/image1.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 400_000)
    xlsx_check(buffer.getvalue())


def test_it_refuses_a_document_type_declaration():
    """Issue 6 item 3: entity expansion needs a DOCTYPE, which no spreadsheet part has."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "xl/sharedStrings.xml",
            '<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY a "aaaa">]><sst>&a;</sst>',
        )
    with pytest.raises(SpreadsheetRefused, match="declares a document type"):
        xlsx_check(buffer.getvalue())


def test_it_refuses_more_shared_strings_than_the_cell_limit(settings):
    """Issue 6 item 3: openpyxl keeps every shared string in memory: their number is
    bounded by the cell limit before it loads them."""
    settings.PINZHI_IMPORT_MAX_CELLS = 3
    content = xlsx_bytes(rows=cell("A1", 0), shared_strings=strings("a", "b", "c", "d"))
    with pytest.raises(SpreadsheetRefused, match="more than 3 filled cells"):
        xlsx_check(content)


def test_a_shared_string_repeated_in_many_cells_counts_each_time(settings):
    """Issue 6 item 3: one shared string referenced by many cells is much text from a small
    file; the characters read are counted per cell (PINZHI_IMPORT_MAX_CHARS)."""
    settings.PINZHI_IMPORT_MAX_CHARS = 5000
    rows = "".join(f'<row r="{r}">{cell(f"A{r}", 0)}</row>' for r in range(1, 40))
    workbook = xlsx_open(xlsx_bytes(rows=rows, shared_strings=strings("x" * 200)))
    try:
        with pytest.raises(SpreadsheetRefused, match="more than 5000 characters") as refused:
            list(xlsx_rows(workbook.worksheets[0]))
    finally:
        workbook.close()
    assert refused.value.row == 26


def test_it_names_the_row_and_column_of_a_cell_too_long(settings):
    """Issue 6 item 3: a cell over PINZHI_IMPORT_MAX_CELL_CHARS is located."""
    settings.PINZHI_IMPORT_MAX_CELL_CHARS = 10
    rows = f'<row r="1">{cell("A1", 0)}</row><row r="2">{cell("A2", 0)}{cell("C2", 1)}</row>'
    workbook = xlsx_open(xlsx_bytes(rows=rows, shared_strings=strings("日期", "y" * 11)))
    try:
        with pytest.raises(SpreadsheetRefused) as refused:
            list(xlsx_rows(workbook.worksheets[0]))
    finally:
        workbook.close()
    assert (refused.value.row, refused.value.column) == (2, "C")
    assert refused.value.message == "Row 2, column C: the cell holds more than 10 characters."
    with pytest.raises(SpreadsheetRefused) as refused:
        list(csv_rows("a,b\nc,d\n\ne,0123456789x\n"))
    assert (refused.value.row, refused.value.column) == (4, "B")


def test_a_csv_field_beyond_the_csv_module_limit_is_refused_with_its_row():
    """Issue 6 item 8: a field over 128 KB made the csv module raise (a 500); now it is
    this row's refusal."""
    text = "a,b\n1,2\n3," + "x" * 140_000 + "\n"
    with pytest.raises(SpreadsheetRefused) as refused:
        list(csv_rows(text))
    assert refused.value.row == 3
    assert refused.value.message == "Row 3: a cell holds more than 32767 characters."


def test_it_reads_at_most_the_column_limit(settings):
    settings.PINZHI_IMPORT_MAX_COLUMNS = 3
    assert list(csv_rows("a,b,c,d,e\n")) == [(1, ["a", "b", "c"])]
    workbook = Workbook()
    workbook.active.append(list("abcde"))
    buffer = io.BytesIO()
    workbook.save(buffer)
    opened = xlsx_open(buffer.getvalue())
    assert list(xlsx_rows(opened.worksheets[0])) == [(1, ("a", "b", "c"))]
    opened.close()


def test_the_same_bomb_gets_the_same_refusal_from_every_importer(db, settings, tmp_path):
    """Issue 6 item 3: calendar, complaint and organisation imports share one reader."""
    from pinzhi.complaints import importer
    from pinzhi.deadlines.importing import CalendarImportError, rows_read
    from pinzhi.orgs.spreadsheets import org_import_plan

    settings.MEDIA_ROOT = tmp_path
    content = shared_string_xlsx_bytes(size=2 * MB)
    with translation.override("zh-hans"):
        with pytest.raises(CalendarImportError) as calendar:
            rows_read("days.xlsx", content)
        with pytest.raises(importer.ImportError_) as complaints:
            upload = SimpleUploadedFile("old.xlsx", content)
            importer.upload_store(upload, user=type("U", (), {"pk": 1, "company_id": 1}))
        plan = org_import_plan(user=None, company=None, content=content)
    messages = {calendar.value.problems[0], str(complaints.value), plan.issues[0].message}
    assert len(messages) == 1
    (message,) = messages
    assert "xl/sharedStrings.xml" in message and "100" in message and "压缩炸弹" in message
    assert not any(tmp_path.rglob("*.xlsx"))


# --- writing (issue 6 item 6) -------------------------------------------------------------

FORMULAS = ["=2+3", '=HYPERLINK("http://evil.example/","点我")', "#N/A", "+1", "-1", "@SUM(A1)"]


@pytest.mark.parametrize("write_only", [True, False])
def test_text_that_looks_like_a_formula_is_written_verbatim_as_text(write_only):
    """Issue 6 item 6: every exported string is a text cell, shown exactly as it was."""
    workbook = Workbook(write_only=write_only)
    sheet = workbook.create_sheet() if write_only else workbook.active
    xlsx_append(sheet, [*FORMULAS, "bell\x07", 42])
    buffer = io.BytesIO()
    workbook.save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        assert b"<f>" not in archive.read(next(n for n in archive.namelist() if "sheet" in n))
    cells = list(load_workbook(buffer).worksheets[0].iter_rows())[0]
    assert [c.value for c in cells] == [*FORMULAS, "bell\ufffd", 42]
    assert [c.data_type for c in cells] == ["s"] * 7 + ["n"]


def test_a_csv_cell_that_a_spreadsheet_would_run_gets_a_quote():
    """Issue 6 item 6: CSV injection (OWASP): = + - @ tab and CR lead to a quote; the rest
    of the text is kept verbatim, numbers are left alone."""
    assert csv_text("=2+3") == "'=2+3"
    assert csv_text("+86 138") == "'+86 138"
    assert csv_text("-x") == "'-x"
    assert csv_text("@cmd") == "'@cmd"
    assert csv_text("\t=1") == "'\t=1"
    assert csv_text("＝1+1") == "'＝1+1"
    assert csv_text("a=b") == "a=b"
    assert csv_row([3, -2, None, "nul\x00"]) == [3, -2, "", "nul\ufffd"]


def test_the_limits_come_from_settings(settings):
    settings.PINZHI_IMPORT_MAX_CELL_CHARS = 7
    assert spreadsheets.import_limits().cell_chars == 7
