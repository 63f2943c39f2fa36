"""Decompression bombs for the import tests (issue 6 item 3), and the measurement of the
memory a process needs to refuse one.

`shared_string_xlsx(target, size=…)` writes a valid workbook whose first cell is one shared
string of `size` bytes of "A": zlib packs it about 1000:1, so 800 MB make a 0.8 MB file. It
streams, so building even the large one takes little memory.

Measure the peak memory of refusing the 800 MB bomb through each importer, each in a fresh
process (run from the project directory):

    .venv/bin/python -m pinzhi.core.tests.bombs

which prints, per importer, the file size, the refusal and the peak resident set size of the
process (`ru_maxrss`), next to a process that only loads Django and the importers.
"""

import io
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
    'Target="sharedStrings.xml"/></Relationships>'
)
SHEET = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    "<sheetData>{rows}</sheetData></worksheet>"
)
# A1 is shared string 0; B1 holds 类型 so that the header looks half right.
BOMB_ROWS = (
    '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>类型</t></is></c></row>'
)
SST_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)
SST_TAIL = b"</sst>"
MB = 1024 * 1024


def xlsx_parts(target, *, rows: str, shared_strings, sheet_name: str = "单位") -> None:
    """Write to `target` (a path or a binary file) a workbook of one sheet: `rows` is the
    XML inside <sheetData>, `shared_strings` the bytes inside <sst> (or an iterable of
    chunks of them, streamed)."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK.format(name=sheet_name))
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", SHEET.format(rows=rows))
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            part.write(SST_HEAD)
            chunks = [shared_strings] if isinstance(shared_strings, bytes) else shared_strings
            for chunk in chunks:
                part.write(chunk)
            part.write(SST_TAIL)


def xlsx_bytes(*, rows: str, shared_strings, sheet_name: str = "单位") -> bytes:
    buffer = io.BytesIO()
    xlsx_parts(buffer, rows=rows, shared_strings=shared_strings, sheet_name=sheet_name)
    return buffer.getvalue()


def _one_long_string(size: int):
    yield b"<si><t>"
    block = b"A" * MB
    left = size
    while left > 0:
        yield block[: min(left, MB)]
        left -= MB
    yield b"</t></si>"


def shared_string_xlsx(target, *, size: int, sheet_name: str = "单位") -> None:
    """A workbook whose cell A1 is one shared string of `size` bytes of "A" (streamed)."""
    xlsx_parts(target, rows=BOMB_ROWS, shared_strings=_one_long_string(size), sheet_name=sheet_name)


def shared_string_xlsx_bytes(*, size: int, sheet_name: str = "单位") -> bytes:
    buffer = io.BytesIO()
    shared_string_xlsx(buffer, size=size, sheet_name=sheet_name)
    return buffer.getvalue()


# --- the measurement ------------------------------------------------------------------------

REFUSE = {
    "calendar": """
from pinzhi.deadlines.importing import CalendarImportError, rows_read
try:
    rows_read("bomb.xlsx", content)
except CalendarImportError as error:
    print(error.problems[0])
""",
    "complaints": """
from django.core.files.uploadedfile import SimpleUploadedFile
from pinzhi.complaints import importer
class Uploader:
    pk, company_id = 1, 1
try:
    importer.upload_store(SimpleUploadedFile("bomb.xlsx", content), user=Uploader())
except importer.ImportError_ as error:
    print(error)
left = [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]
print("left on disk:", left)
""",
    "orgs": """
from pinzhi.orgs.spreadsheets import org_import_plan
plan = org_import_plan(user=None, company=None, content=content)
print(plan.issues[0].message)
""",
    "baseline": """
import pinzhi.deadlines.importing, pinzhi.complaints.importer, pinzhi.orgs.spreadsheets
import openpyxl
print("(nothing read)")
""",
}
PROLOGUE = """
import os, sys
from pathlib import Path
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pinzhi.settings")
django.setup()
from django.conf import settings
from django.utils import translation
translation.activate("zh-hans")
content = Path(sys.argv[1]).read_bytes()
"""


def _run(code: str, bomb: Path, env: dict) -> tuple[int, str]:
    """Run `code` in a fresh Python process; its peak RSS (KiB, from wait4) and output."""
    child = subprocess.Popen(
        [sys.executable, "-W", "ignore", "-c", PROLOGUE + code, str(bomb)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
    )
    output = child.stdout.read().decode()
    _pid, _status, usage = os.wait4(child.pid, 0)
    child.returncode = 0  # reaped by wait4
    return usage.ru_maxrss, " / ".join(output.strip().splitlines()[-2:])


def measure(size: int = 800 * MB) -> list[tuple[str, int, str]]:
    """Peak RSS (KiB) of a fresh process refusing a `size`-byte shared string through each
    importer (and of one that reads nothing)."""
    results = []
    with tempfile.TemporaryDirectory() as folder:
        bomb = Path(folder) / "bomb.xlsx"
        shared_string_xlsx(bomb, size=size)
        print(f"bomb: {bomb.stat().st_size / MB:.2f} MB file, shared string {size / MB:.0f} MB")
        env = {**os.environ, "PINZHI_MEDIA_ROOT": str(Path(folder) / "media")}
        for name, code in REFUSE.items():
            peak, output = _run(code, bomb, env)
            results.append((name, peak, output))
    return results


def main() -> None:
    size = int(sys.argv[1]) * MB if len(sys.argv) > 1 else 800 * MB
    for name, peak, output in measure(size):
        print(f"{name:11} peak RSS {peak / 1024:6.0f} MiB   {output}")


if __name__ == "__main__":
    main()
