"""Import of historical complaints from CSV or XLSX (X-4, issue 3 item 7, CMP-6 archive).

Steps, each a function the views call:

1. `upload_store(uploaded_file, *, user)` keeps the file under MEDIA_ROOT/complaint_imports/
   <random token>/ and inspects it (`inspect_file`): for CSV the encoding (UTF-8 with or
   without BOM, GBK, GB18030 — tried in that order), the delimiter and the header row; for
   XLSX the first sheet, read with openpyxl in read-only mode, stopping after a run of
   `EMPTY_RUN` empty rows (a sheet may claim 65,203 rows and hold 495).
2. `guess_mapping(headers)`: each Pinzhi field ← a source column, guessed from known
   headers (CFPB, the Chinese forum files, common Chinese headers).
3. `rows_check(batch)`: every row parsed and validated without writing; broken rows come
   back with their line number and reason.
4. `import_run(token)` (also the task `complaints_import`): the good rows are written in ONE
   transaction as closed archive records — no deadlines, no notifications — with
   `search_text` for the archive search; re-imports skip rows whose (source, source_id)
   exists; rows without an id column get a stable hash of their content as id. One
   timeline event per batch (on the company) and `complaint.imported` per record. Progress
   (rows done / total) is written to progress.json for the page that polls it; the broken
   rows go to errors.csv. The repeat grouping of the imported period runs afterwards.

The batch's state lives in small JSON files next to the upload, so the worker process and
the web process share it without a table, and progress is visible while the import's own
transaction is still open.
"""

import codecs
import csv
import hashlib
import json
import logging
import os
import re
import secrets
import shutil
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from pinzhi.complaints.events import ComplaintEvent
from pinzhi.complaints.models import Category, Channel, Complaint, Status
from pinzhi.complaints.text import fold, search_document
from pinzhi.core.spreadsheets import (
    SpreadsheetRefused,
    SpreadsheetUnreadable,
    csv_row,
    csv_rows,
    xlsx_open,
    xlsx_rows,
)
from pinzhi.lib.clock import now
from pinzhi.timeline.services import event_record

logger = logging.getLogger(__name__)

EMPTY_RUN = 50  # consecutive empty rows that end a sheet or file
PREVIEW_ROWS = 8
PROGRESS_EVERY = 100
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_CONTENT = 20000
HEADER_MAX = 100
# Times before this year are misread cells, not complaints (and year 1 overflows when it
# is converted to UTC).
OLDEST_YEAR = 1900
# The batch's JSON files (meta.json, progress.json) are read on every visit to the import
# pages: they hold headers, a short preview and at most 200 broken rows, far below
# this bound, which a file is never written or read above (issue 6 item 3).
MAX_STATE_BYTES = 2 * 1024 * 1024
# errors.csv lists at most this many broken rows (more means the mapping is wrong).
ERRORS_LISTED = 10_000
# Above this many records the per-record `complaint.imported` events are left out: the batch
# event lists the ids instead (the chain stays readable, the import fast).
PER_RECORD_EVENTS_MAX = 10000
ENCODINGS = [("utf-8-sig", "UTF-8"), ("gbk", "GBK"), ("gb18030", "GB18030")]

UNSUPPORTED_FILE = _("Upload a .csv or .xlsx file (an old .xls must be saved as .xlsx first).")
FILE_TOO_LARGE = _("The file is larger than 50 MB; split it into smaller files.")
UNREADABLE_ENCODING = _(
    "The file's encoding is not UTF-8, GBK or GB18030; save it as UTF-8 and upload it again."
)
UNREADABLE_XLSX = _("The file cannot be read as an Excel workbook (.xlsx).")
NO_HEADER = _("No header row with column names was found in the first rows.")
EMPTY_FILE = _("The file holds no rows.")
ROW_CUT = _("the record has %(found)s columns where the header has %(expected)s (cut off?)")
MISSING = _("missing required field “%(field)s”")
BAD_DATE = _("“%(value)s” in “%(field)s” is not a date")
FUTURE_DATE = _("“%(field)s” lies in the future")
TOO_LONG = _("“%(field)s” is %(length)s characters long; at most %(limit)s allowed")
BAD_EMAIL = _("“%(value)s” is not an e-mail address")
DUPLICATE_ID = _("the id “%(id)s” was already used by line %(line)s of this file")
REPLY_BEFORE = _("the reply time is before the time received")
NEED_TEXT = _("map a column to the subject or to the content")
NEED_DATE = _("map a column to the time received")
NUL_IN_FIELD = _(
    "“%(field)s” contains a NUL character (a zero byte), which cannot be stored; remove it"
)
STATE_TOO_BIG = _(
    "The file's header and first rows are too large to keep for the column mapping; check "
    "that the first row holds the column names."
)
ERRORS_NOT_LISTED = _("… and %(count)s further rows with problems, not listed")
IMPORT_FAILED = _("An unexpected error occurred; the system administrator finds it in the log.")
ANONYMOUS = _("Anonymous")
IMPORTED_RESULT = _("Imported historical record.")


# --- the fields a column can fill -------------------------------------------------------

FIELDS: list[tuple[str, object]] = [
    ("source_id", _("Source id (for re-imports)")),
    ("received_at", _("Received at")),
    ("title", pgettext_lazy("complaint", "Subject")),
    ("content", _("Complaint content")),
    ("request", _("Customer's request")),
    ("customer_name", _("Customer name")),
    ("customer_phone", _("Contact phone")),
    ("customer_email", _("E-mail")),
    ("customer_address", _("Address")),
    ("category", _("Category")),
    ("channel", _("Channel")),
    ("reply", _("Reply / final result")),
    ("replied_at", _("Replied at")),
    ("outcome", _("Outcome / status")),
]
FIELD_LABELS = dict(FIELDS)
LIMITS = {
    "title": 200,
    "content": MAX_CONTENT,
    "request": MAX_CONTENT,
    "reply": MAX_CONTENT,
    "customer_name": 60,
    "customer_phone": 40,
    "customer_email": 254,
    "customer_address": 200,
    "source_id": 80,
    "outcome": 500,
}
# Known headers, compared folded (lower case, simplified, without spaces and punctuation).
GUESSES: dict[str, list[str]] = {
    "source_id": ["complaintid", "留言编号", "投诉编号", "编号", "工单号", "id", "trackingcode"],
    "received_at": ["datereceived", "留言时间", "投诉时间", "受理时间", "来电时间", "日期"],
    "title": ["issue", "留言主题", "投诉主题", "主题", "标题", "subject", "title"],
    "content": [
        "consumercomplaintnarrative",
        "留言详情",
        "投诉内容",
        "内容",
        "详情",
        "narrative",
        "content",
        "description",
    ],
    "request": ["诉求", "客户诉求", "要求", "request"],
    "customer_name": ["留言用户", "投诉人", "客户姓名", "姓名", "客户", "customername", "name"],
    "customer_phone": ["联系电话", "电话", "手机", "phone", "telephone"],
    "customer_email": ["邮箱", "电子邮件", "email", "e-mail"],
    "customer_address": ["地址", "住址", "address"],
    "category": ["一级分类", "分类", "类别", "投诉类别", "category"],
    "channel": ["submittedvia", "渠道", "投诉渠道", "来源", "channel"],
    "reply": ["答复意见", "答复", "回复", "回复内容", "处理结果", "reply"],
    "replied_at": ["答复时间", "回复时间", "结案时间", "replytime"],
    "outcome": ["companyresponsetoconsumer", "处理状态", "状态", "status"],
}
# Columns worth keeping in the content as "header: value" lines when present.
EXTRA_GUESSES = ["product", "subproduct", "subissue", "company", "state", "二级分类", "三级分类"]

CATEGORY_WORDS = {
    Category.ATTITUDE: ["态度"],
    Category.EFFICIENCY: ["效率", "拖延"],
    Category.SKILL: ["技能", "专业"],
    Category.ENVIRONMENT: ["环境", "卫生", "保洁"],
    Category.SECURITY: ["安全", "安保", "治安", "秩序"],
    Category.FACILITIES: ["设施", "维修", "设备"],
    Category.GREENING: ["绿化"],
    Category.CHARGES: ["收费", "费用"],
}
CHANNEL_WORDS = {
    Channel.WEB_FORM: ["web", "网上", "网站", "网络", "平台"],
    Channel.HOTLINE: ["phone", "电话", "热线"],
    Channel.EMAIL: ["email", "邮件"],
    Channel.WECHAT: ["微信", "wechat"],
    Channel.WALK_IN: ["来访", "walk"],
    Channel.SUGGESTION_BOX: ["意见箱"],
}
CLOSED_OUTCOMES = ["closed", "已办结", "已答复", "已回复", "已解决", "已结案", "办结"]


def _key(header: str) -> str:
    return re.sub(r"[\s_\-\?？:：()（）]+", "", fold(str(header or "")))


def guess_mapping(headers: list[str]) -> tuple[dict[str, int | None], list[int]]:
    """The automatic mapping: field → column index (or None), and the extra columns."""
    keys = [_key(h) for h in headers]
    mapping: dict[str, int | None] = {}
    taken: set[int] = set()
    for name, _label in FIELDS:
        mapping[name] = None
        for guess in GUESSES.get(name, []):
            guess = _key(guess)
            hit = next((i for i, k in enumerate(keys) if k == guess and i not in taken), None)
            if hit is not None:
                mapping[name] = hit
                taken.add(hit)
                break
    extras = [i for i, k in enumerate(keys) if k in EXTRA_GUESSES and i not in taken]
    return mapping, extras


# --- storage of a batch -------------------------------------------------------------------


def _root() -> Path:
    return Path(settings.MEDIA_ROOT) / "complaint_imports"


class BatchNotFound(LookupError):
    pass


class ImportError_(ValueError):
    """A file that cannot be imported at all, with a message for the person."""


@dataclass
class Batch:
    """One upload and its import: the files under complaint_imports/<token>/."""

    token: str
    meta: dict = field(default_factory=dict)

    @property
    def folder(self) -> Path:
        return _root() / self.token

    @property
    def upload_path(self) -> Path:
        return self.folder / ("upload." + self.meta["kind"])

    @property
    def errors_path(self) -> Path:
        return self.folder / "errors.csv"

    def save(self) -> None:
        _write_json(self.folder / "meta.json", self.meta)

    def progress(self) -> dict:
        try:
            return _read_json(self.folder / "progress.json")
        except (OSError, ValueError):
            return {}

    def progress_write(self, **values) -> None:
        data = self.progress()
        data.update(values)
        _write_json(self.folder / "progress.json", data)

    def delete_upload(self) -> None:
        try:
            self.upload_path.unlink()
        except OSError:
            pass


def _write_json(path: Path, data: dict) -> None:
    """Atomic: a reader sees the old or the new file, never half of one. Never larger than
    MAX_STATE_BYTES (ImportError_)."""
    text = json.dumps(data, ensure_ascii=False, default=str).encode("utf-8")
    if len(text) > MAX_STATE_BYTES:
        raise ImportError_(STATE_TOO_BIG)
    tmp = path.with_suffix(f".{secrets.token_hex(4)}.tmp")
    tmp.write_bytes(text)
    os.replace(tmp, path)


def _read_json(path: Path) -> dict:
    """A batch's JSON file; ValueError when it is larger than MAX_STATE_BYTES (it is then
    not parsed: these files are read on every visit to the import pages)."""
    with open(path, "rb") as source:
        text = source.read(MAX_STATE_BYTES + 1)
    if len(text) > MAX_STATE_BYTES:
        raise ValueError(f"{path} is larger than {MAX_STATE_BYTES} bytes")
    return json.loads(text)


def batch_get(token: str) -> Batch:
    if not re.fullmatch(r"[A-Za-z0-9_-]{20,64}", token or ""):
        raise BatchNotFound(token)
    batch = Batch(token)
    try:
        batch.meta = _read_json(batch.folder / "meta.json")
    except (OSError, ValueError):
        raise BatchNotFound(token) from None
    return batch


def batches_recent(*, company_id, limit: int = 10) -> list[Batch]:
    """The latest batches of a company, newest first (for the upload page)."""
    root = _root()
    if not root.exists():
        return []
    found = []
    for folder in root.iterdir():
        try:
            batch = batch_get(folder.name)
        except BatchNotFound:
            continue
        if batch.meta.get("company_id") == company_id:
            found.append(batch)
    found.sort(key=lambda b: b.meta.get("uploaded_at", ""), reverse=True)
    return found[:limit]


# --- reading -------------------------------------------------------------------------------


def _decode(data: bytes) -> tuple[str, str, str]:
    """Text, codec and label of `data`: UTF-8 (BOM or not), GBK, GB18030 in that order. A
    multi-byte character cut at the very end (a truncated file) does not disqualify."""
    for codec, label in ENCODINGS:
        decoder = codecs.getincrementaldecoder(codec)()
        try:
            text = decoder.decode(data, final=False)
        except UnicodeDecodeError:
            continue
        if codec == "utf-8-sig" and data.startswith(codecs.BOM_UTF8):
            label = "UTF-8 (BOM)"
        return text, codec, label
    raise ImportError_(UNREADABLE_ENCODING)


def _sniff_delimiter(text: str) -> str:
    sample = text[:16384]
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        counts = {d: sample.split("\n", 1)[0].count(d) for d in ",;\t|"}
        return max(counts, key=counts.get) if max(counts.values()) else ","


def clean_cell(value) -> object:
    """Strings stripped of the padding some exports add ("\\n\\t\\t…"), inner line breaks
    kept once; other values as they are."""
    if isinstance(value, str):
        value = value.replace("\r\n", "\n").replace("\xa0", " ")
        value = re.sub(r"[ \t]*\n[\s]*", "\n", value.strip())
        return value.replace("\t", " ")
    return value


def _empty(row) -> bool:
    return not any(c not in (None, "") and str(c).strip() for c in row)


def iter_records(path: Path, meta: dict):
    """(line number, cells) of every record of the file, header included; line numbers are
    the physical line a CSV record starts on, or the sheet's row number. Stops after
    `EMPTY_RUN` empty rows. Read within the shared reading limits (issue 6 item 3): a file
    over one raises ImportError_ naming the limit."""
    try:
        if meta["kind"] == "csv":
            text, _codec, _label = _decode(path.read_bytes())
            records = csv_rows(text, delimiter=meta["delimiter"])
            yield from _records(records)
            return
        try:
            workbook = xlsx_open(path)
        except SpreadsheetUnreadable as error:
            raise ImportError_(UNREADABLE_XLSX) from error
        try:
            sheet = workbook.active or workbook.worksheets[0]
            yield from _records(xlsx_rows(sheet))
        finally:
            workbook.close()
    except SpreadsheetRefused as error:
        raise ImportError_(error.message) from error


def _records(rows):
    empties = 0
    for number, row in rows:
        if _empty(row):
            empties += 1
            if empties >= EMPTY_RUN:
                return
            continue
        empties = 0
        yield number, [clean_cell(c) for c in row]


def inspect_file(path: Path, kind: str) -> dict:
    """Encoding, delimiter, header row, headers and the first rows of a stored upload."""
    info: dict = {"kind": kind, "encoding": "", "delimiter": ","}
    if kind == "csv":
        text, codec, label = _decode(path.read_bytes())
        info.update(encoding=label, codec=codec, delimiter=_sniff_delimiter(text))
    header_line, headers, rows = None, [], []
    for line, cells in iter_records(path, info):
        if header_line is None:
            if sum(1 for c in cells if c not in (None, "")) >= 2 or len(cells) == 1:
                header_line, headers = line, [str(c or "").strip() for c in cells]
            continue
        rows.append(cells)
        if len(rows) >= PREVIEW_ROWS:
            break
    if header_line is None:
        raise ImportError_(EMPTY_FILE)
    while headers and not headers[-1]:
        headers.pop()
    if not headers:
        raise ImportError_(NO_HEADER)
    headers = [h or gettext("Column %(n)s") % {"n": i + 1} for i, h in enumerate(headers)]
    # A header is a name, not a text: kept short, so the batch's meta.json stays small.
    headers = [h if len(h) <= HEADER_MAX else h[: HEADER_MAX - 1] + "…" for h in headers]
    info.update(header_line=header_line, headers=headers, preview=rows)
    return info


def upload_store(uploaded_file, *, user) -> Batch:
    """Keep an upload under a random token and inspect it; raises ImportError_."""
    name = uploaded_file.name or ""
    kind = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if kind not in ("csv", "xlsx", "txt"):
        raise ImportError_(UNSUPPORTED_FILE)
    if kind == "txt":
        kind = "csv"
    if uploaded_file.size and uploaded_file.size > MAX_UPLOAD_BYTES:
        raise ImportError_(FILE_TOO_LARGE)
    batch = Batch(secrets.token_urlsafe(24))
    batch.folder.mkdir(parents=True, exist_ok=True)
    batch.meta = {"kind": kind}
    # Whatever goes wrong, a refused upload leaves nothing behind (issue 6 items 3, 8).
    try:
        written = 0
        with open(batch.upload_path, "wb") as out:
            for chunk in uploaded_file.chunks():
                written += len(chunk)
                if written > MAX_UPLOAD_BYTES:
                    raise ImportError_(FILE_TOO_LARGE)
                out.write(chunk)
        info = inspect_file(batch.upload_path, kind)
        preview = info.pop("preview")
        mapping, extras = guess_mapping(info["headers"])
        batch.meta.update(
            info,
            filename=os.path.basename(name)[:200],
            size=uploaded_file.size,
            uploaded_by=user.pk,
            uploaded_at=now().isoformat(),
            company_id=user.company_id,
            state="uploaded",
            mapping=mapping,
            extras=extras,
            preview=[[_preview_cell(c) for c in row] for row in preview],
        )
        batch.save()
    except BaseException:
        shutil.rmtree(batch.folder, ignore_errors=True)
        raise
    return batch


def _preview_cell(value) -> str:
    text = _text(value)
    return text if len(text) <= 120 else text[:119] + "…"


# --- parsing and validating rows ----------------------------------------------------------


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return str(value).strip()


DATE_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%Y.%m.%d",
    "%Y%m%d",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日",
    "%Y-%m-%dT%H:%M:%S",
]


def parse_datetime(value) -> datetime | None:
    """A time from a cell: a datetime/date, or text in a common format (naive times are
    local, in the project's time zone). None when it cannot be read."""
    if isinstance(value, datetime):
        result = value
    elif isinstance(value, date):
        result = datetime(value.year, value.month, value.day)
    else:
        text = re.sub(r"\s+", " ", _text(value))
        if not text:
            return None
        result = None
        try:
            result = datetime.fromisoformat(text)
        except ValueError:
            for pattern in DATE_FORMATS:
                try:
                    result = datetime.strptime(text, pattern)
                    break
                except ValueError:
                    continue
        if result is None:
            return None
    if timezone.is_naive(result):
        result = timezone.make_aware(result, timezone.get_current_timezone())
    return result


def _match_choice(value: str, choices, words: dict, default: str) -> str:
    if not value:
        return default
    key = fold(value).strip()
    for choice in choices:
        if key in (choice.value, fold(str(choice.label))):
            return choice.value
    for choice, hints in words.items():
        if any(hint in key for hint in hints):
            return choice.value
    return default


@dataclass
class Row:
    line: int
    values: dict
    source_id: str


@dataclass
class Broken:
    line: int
    reason: str
    excerpt: str = ""


@dataclass
class CheckResult:
    rows: list[Row] = field(default_factory=list)
    broken: list[Broken] = field(default_factory=list)


def row_parse(line: int, cells: list, *, meta: dict, now_at: datetime) -> Row | Broken:
    """One record → the values of a complaint, or the reason it cannot be imported."""
    headers, mapping = meta["headers"], meta["mapping"]
    excerpt = " | ".join(_text(c) for c in cells[:4])[:200]
    if len(cells) < len(headers) and any(c not in (None, "") for c in cells):
        trailing = [i for i in mapping.values() if i is not None and i >= len(cells)]
        if trailing:
            reason = ROW_CUT % {"found": len(cells), "expected": len(headers)}
            return Broken(line, str(reason), excerpt)

    def get(name):
        index = mapping.get(name)
        if index is None or index >= len(cells):
            return None
        return cells[index]

    # Issue 6 item 8: a NUL in any column the record is made of (the database refuses it),
    # and any field over its column's length, is this row's problem, not a server error.
    used = [(name, index) for name, index in mapping.items() if index is not None]
    used += [(None, index) for index in meta.get("extras", [])]
    for name, index in used:
        if index < len(cells) and "\x00" in _text(cells[index]):
            label = FIELD_LABELS[name] if name else headers[index]
            return Broken(line, str(NUL_IN_FIELD % {"field": label}), excerpt.replace("\x00", ""))
    values: dict = {}
    for name, _label in FIELDS:
        if name not in ("source_id", "received_at", "replied_at"):
            values[name] = _text(get(name))
    for name, limit in LIMITS.items():
        text = values.get(name, "")
        if len(text) > limit:
            reason = TOO_LONG % {"field": FIELD_LABELS[name], "length": len(text), "limit": limit}
            return Broken(line, str(reason), excerpt)
    received = get("received_at")
    if _text(received) == "":
        return Broken(line, str(MISSING % {"field": FIELD_LABELS["received_at"]}), excerpt)
    values["received_at"] = parse_datetime(received)
    if values["received_at"] is None or values["received_at"].year < OLDEST_YEAR:
        reason = BAD_DATE % {"value": _text(received)[:40], "field": FIELD_LABELS["received_at"]}
        return Broken(line, str(reason), excerpt)
    if values["received_at"] > now_at:
        return Broken(line, str(FUTURE_DATE % {"field": FIELD_LABELS["received_at"]}), excerpt)
    replied = get("replied_at")
    values["replied_at"] = None
    if _text(replied):
        values["replied_at"] = parse_datetime(replied)
        if values["replied_at"] is None or values["replied_at"].year < OLDEST_YEAR:
            reason = BAD_DATE % {"value": _text(replied)[:40], "field": FIELD_LABELS["replied_at"]}
            return Broken(line, str(reason), excerpt)
        if values["replied_at"] < values["received_at"] - timedelta(days=1):
            return Broken(line, str(REPLY_BEFORE), excerpt)
    if not values["title"] and not values["content"]:
        field_name = FIELD_LABELS["title" if mapping.get("title") is not None else "content"]
        return Broken(line, str(MISSING % {"field": field_name}), excerpt)
    if values["customer_email"]:
        try:
            validate_email(values["customer_email"])
        except ValidationError:
            return Broken(line, str(BAD_EMAIL % {"value": values["customer_email"][:60]}), excerpt)
    extras = []
    for index in meta.get("extras", []):
        if index < len(cells) and _text(cells[index]):
            extras.append(f"{headers[index]}: {_text(cells[index])}")
    category_text = values["category"]
    values["category"] = _match_choice(
        category_text, Category, CATEGORY_WORDS, meta["options"]["category"]
    )
    if category_text and category_text not in (values["category"],):
        extras.insert(0, f"{headers[mapping['category']]}: {category_text}")
    values["channel"] = _match_choice(
        values["channel"], Channel, CHANNEL_WORDS, meta["options"]["channel"]
    )
    if not values["title"]:
        first_line = values["content"].split("\n", 1)[0]
        values["title"] = first_line if len(first_line) <= 60 else first_line[:59] + "…"
    content = values["content"] or values["title"]
    if extras:
        content = content + "\n\n" + "\n".join(extras)
    values["content"] = content[:MAX_CONTENT]
    values["customer_name"] = values["customer_name"] or str(ANONYMOUS)
    source_id = _text(get("source_id"))
    if len(source_id) > LIMITS["source_id"]:
        source_id = ""  # too long to keep: the row's content hash identifies it instead
    if not source_id:
        digest = hashlib.sha256("\x1f".join(_text(c) for c in cells).encode()).hexdigest()
        source_id = "h:" + digest[:40]
    return Row(line, values, source_id)


def rows_check(batch: Batch, *, on_row=None) -> CheckResult:
    """Parse and validate every record of the batch with its current mapping; writes
    nothing. Duplicate ids in the file are reported at their second occurrence."""
    result = CheckResult()
    meta, seen = batch.meta, {}
    now_at = now()
    header_line = meta["header_line"]
    for line, cells in iter_records(batch.upload_path, meta):
        if line <= header_line:
            continue
        parsed = row_parse(line, cells, meta=meta, now_at=now_at)
        if isinstance(parsed, Row):
            if parsed.source_id in seen:
                shown = parsed.source_id if not parsed.source_id.startswith("h:") else "—"
                reason = DUPLICATE_ID % {"id": shown, "line": seen[parsed.source_id]}
                parsed = Broken(line, str(reason), " | ".join(_text(c) for c in cells[:4])[:200])
            else:
                seen[parsed.source_id] = line
        (result.rows if isinstance(parsed, Row) else result.broken).append(parsed)
        if on_row:
            on_row(line)
    return result


def mapping_errors(meta: dict) -> list[str]:
    errors = []
    mapping = meta["mapping"]
    if mapping.get("received_at") is None:
        errors.append(str(NEED_DATE))
    if mapping.get("title") is None and mapping.get("content") is None:
        errors.append(str(NEED_TEXT))
    return errors


def mapping_save(batch: Batch, *, mapping: dict, extras: list[int], options: dict) -> list[str]:
    """Keep the person's mapping and options (company, location, default category and
    channel, source name); returns what is missing (empty when the mapping is usable)."""
    batch.meta.update(mapping=mapping, extras=extras, options=options, state="mapped")
    batch.save()
    return mapping_errors(batch.meta)


def errors_write(batch: Batch, broken: list[Broken]) -> None:
    """errors.csv: the first ERRORS_LISTED broken rows, every cell safe to open in a
    spreadsheet (issue 6 item 6: the excerpt is the file's own text)."""
    with open(batch.errors_path, "w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow([gettext("Line"), gettext("Reason"), gettext("Beginning of the row")])
        for item in broken[:ERRORS_LISTED]:
            writer.writerow(csv_row([item.line, item.reason, item.excerpt]))
        if len(broken) > ERRORS_LISTED:
            more = len(broken) - ERRORS_LISTED
            writer.writerow(csv_row(["", str(ERRORS_NOT_LISTED % {"count": more}), ""]))


# --- the import -----------------------------------------------------------------------


def _closed(values: dict) -> tuple[datetime, str]:
    """When the archive record closed and its final result: the reply's time and text when
    the file has them, else the time received and the outcome given (or a note)."""
    closed_at = values["replied_at"] or values["received_at"]
    final = values["reply"] or values["outcome"] or str(IMPORTED_RESULT)
    return closed_at, final


def _complaint_from(row: Row, *, company, location, source: str, actor, at) -> Complaint:
    v = row.values
    closed_at, final_result = _closed(v)
    outcome = fold(v["outcome"])
    replied = bool(v["reply"] or v["replied_at"]) or any(w in outcome for w in CLOSED_OUTCOMES)
    return Complaint(
        company=company,
        location=location,
        channel=v["channel"],
        category=v["category"],
        title=v["title"],
        content=v["content"],
        request=v["request"],
        customer_name=v["customer_name"],
        customer_phone=v["customer_phone"],
        customer_email=v["customer_email"],
        customer_address=v["customer_address"],
        received_at=v["received_at"],
        registered_at=at,
        registered_by=actor,
        status=Status.CLOSED,
        resolution=v["reply"],
        resolved_at=v["replied_at"],
        answered_at=v["replied_at"] if replied else None,
        final_result=final_result,
        closed_at=closed_at,
        closed_by=actor,
        source=source,
        source_id=row.source_id,
        search_text=search_document(v["title"], v["content"], v["request"]),
        policy_pack=company.policy_pack or "property",
    )


def import_run(token: str) -> dict:
    """Import the good rows of a checked batch (see the module docstring). Returns the
    summary also kept in progress.json: imported, skipped (already there), reported,
    seconds, state."""
    from pinzhi.complaints.grouping import groups_rebuild
    from pinzhi.orgs.models import Company, Person, Unit

    started = time.monotonic()
    batch = batch_get(token)
    meta, options = batch.meta, batch.meta["options"]
    batch.progress_write(state="running", done=0, total=0, phase="reading")
    try:
        company = Company.objects.get(pk=options["company_id"])
        location = Unit.objects.filter(pk=options.get("location_id") or None).first()
        actor = Person.objects.filter(pk=meta.get("uploaded_by")).first()
        source = options["source"]
        check = rows_check(batch)
        errors_write(batch, check.broken)
        existing: set[str] = set()
        ids = [row.source_id for row in check.rows]
        for start in range(0, len(ids), 500):
            existing.update(
                Complaint.objects.filter(
                    company=company, source=source, source_id__in=ids[start : start + 500]
                ).values_list("source_id", flat=True)
            )
        todo = [row for row in check.rows if row.source_id not in existing]
        total = len(todo)
        batch.progress_write(total=total, phase="importing")
        at = now()
        created: list[Complaint] = []
        with transaction.atomic():
            for start in range(0, total, PROGRESS_EVERY):
                chunk = [
                    _complaint_from(
                        row, company=company, location=location, source=source, actor=actor, at=at
                    )
                    for row in todo[start : start + PROGRESS_EVERY]
                ]
                created.extend(Complaint.objects.bulk_create(chunk))
                batch.progress_write(done=len(created))
            if created and not created[0].pk:  # backends that do not return ids
                created = list(
                    Complaint.objects.filter(
                        source=source, source_id__in=[c.source_id for c in created]
                    )
                )
            per_record = len(created) <= PER_RECORD_EVENTS_MAX
            summary = {
                "file": meta.get("filename", ""),
                "source": source,
                "batch": token,
                "imported": len(created),
                "skipped": len(existing),
                "reported": len(check.broken),
            }
            if not per_record:
                summary["source_ids"] = [c.source_id for c in created]
            event_record(
                subject=company,
                action=ComplaintEvent.IMPORT_BATCH,
                actor=actor,
                data=summary,
                company=company,
            )
            if per_record:
                for complaint in created:
                    event_record(
                        subject=complaint,
                        action=ComplaintEvent.IMPORTED,
                        actor=actor,
                        data={"source": source, "source_id": complaint.source_id, "batch": token},
                    )
        batch.progress_write(phase="grouping")
        grouping = None
        if created:
            times = [c.received_at for c in created]
            grouping = groups_rebuild(
                company=company, since=min(times), until=max(times), actor=actor
            ).as_dict()
    except Exception as error:
        # The person sees why when it is about the file, never a raw database error (issue
        # 6 item 8); the transaction has written nothing.
        if isinstance(error, ImportError_):
            shown = str(error)
        else:
            logger.exception("complaint import %s failed", token)
            shown = str(IMPORT_FAILED)
        batch.progress_write(state="failed", error=shown[:500], phase="")
        batch.meta["state"] = "failed"
        batch.save()
        raise
    result = {
        "state": "done",
        "phase": "",
        "imported": len(created),
        "skipped": len(existing),
        "reported": len(check.broken),
        "rows": len(check.rows) + len(check.broken),
        "broken": [[b.line, b.reason] for b in check.broken[:200]],
        "seconds": round(time.monotonic() - started, 2),
        "groups": grouping["groups"] if grouping else 0,
        "grouping_seconds": grouping["seconds"] if grouping else 0,
    }
    batch.progress_write(**result)
    batch.meta["state"] = "done"
    batch.save()
    batch.delete_upload()
    return result


@task
def complaints_import(token: str) -> dict:
    """The background import of one batch (django.tasks; `pinzhi db_worker` runs it)."""
    return import_run(token)


def import_enqueue(batch: Batch) -> None:
    """Queue the import of a checked batch; with the immediate backend it runs at once."""
    batch.meta["state"] = "queued"
    batch.save()
    batch.progress_write(state="queued", done=0, total=0, phase="")
    complaints_import.enqueue(batch.token)
