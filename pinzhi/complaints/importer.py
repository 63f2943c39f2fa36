"""Import of historical complaints from CSV or XLSX (X-4, issue 3 item 7, CMP-6 archive),
on the shared tabular reader and import batch (issue 7 item 3).

Steps, each a function the views call:

1. `upload_store(uploaded_file, *, user)` reads the file with the shared reader
   (`pinzhi.core.tabular`: encoding UTF-8 with or without BOM else GBK/GB18030, the
   delimiter, the header row below any title row, merged cells, a sheet's blank tail) and
   keeps it as a planned `ImportBatch` of the uploader's company (`pinzhi.core.imports`: the
   upload through the storage API, the inspection in the batch's `meta`).
2. `guess_mapping(headers)`: each Pinzhi field ← a source column, guessed from known
   headers (CFPB, the Chinese forum files, common Chinese headers).
3. `rows_check(batch)`: every row parsed and validated without writing; `check_save`
   records the counts and the broken rows (line, column, value, reason) in the batch, for
   the check page and the downloadable error report.
4. `import_enqueue(batch)` claims the batch (once) and queues `import_run(token)` (the task
   `complaints_import`): the good rows are written in ONE transaction as closed archive
   records — no deadlines, no notifications — with `search_text` for the archive search;
   re-imports skip rows whose (source, source_id) exists; rows without an id column get a
   stable hash of their content as id. One timeline event per batch (on the company) and
   `complaint.imported` per record. The batch is marked applied in the same transaction.
   The repeat grouping of the imported period runs afterwards.
"""

import hashlib
import json
import logging
import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import islice
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import models
from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from pinzhi.complaints.events import ComplaintEvent
from pinzhi.complaints.models import Category, Channel, Complaint, Status
from pinzhi.complaints.text import fold, search_document
from pinzhi.core.imports import (
    error_row,
    import_batch_apply,
    import_batch_claim,
    import_batch_create,
    import_batch_fail,
    import_batch_plan,
    import_batch_progress,
    import_batch_read,
    import_batches_recent,
    json_safe,
)
from pinzhi.core.models import ImportBatch as Batch
from pinzhi.core.spreadsheets import SpreadsheetRefused
from pinzhi.core.tabular import Table, TabularSource, column_letter, tabular_open
from pinzhi.lib.clock import now
from pinzhi.orgs.models import Company, Person, Unit
from pinzhi.timeline.services import event_record, events_record

logger = logging.getLogger(__name__)

PREVIEW_ROWS = 8
PROGRESS_EVERY = 100
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_CONTENT = 20000
HEADER_MAX = 100
# Times before this year are misread cells, not complaints (and year 1 overflows when it
# is converted to UTC).
OLDEST_YEAR = 1900
# The batch's meta (headers, mapping, a short preview) is read on every visit to the import
# pages: never kept above this bound (issue 6 item 3).
MAX_STATE_BYTES = 2 * 1024 * 1024
# Above this many records the per-record `complaint.imported` events are left out: the batch
# event lists the ids instead (the chain stays readable, the import fast).
PER_RECORD_EVENTS_MAX = 10000

FILE_TOO_LARGE = _("The file is larger than 50 MB; split it into smaller files.")
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
    ("resolution", _("Result of the handling")),
    ("reply", _("Reply / final result")),
    ("replied_at", _("Replied at")),
    ("outcome", _("Outcome / status")),
]
FIELD_LABELS = dict(FIELDS)
LIMITS = {
    "title": 200,
    "content": MAX_CONTENT,
    "request": MAX_CONTENT,
    "resolution": MAX_CONTENT,
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
    # 处理结果 is the handling's result (the handling record's column of that name), 答复 the
    # answer the customer was given: the final result. Each fills its own field (issue 8
    # item 6), never both.
    "resolution": ["处理结果", "处理情况", "处理意见", "处理过程", "resolution"],
    "reply": ["答复意见", "答复", "答复内容", "回复", "回复内容", "最终结果", "reply"],
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


# --- the batch (pinzhi.core.imports) ---------------------------------------------------------

KIND = "complaints"


class ImportError_(SpreadsheetRefused):
    """A file that cannot be imported at all, with a message for the person (a DomainError,
    through the shared reader's refusal)."""

    code = "complaint_import_refused"


# Every guessed header, so that the shared reader finds the header row below a title row.
EXPECTED_HEADERS = [guess for guesses in GUESSES.values() for guess in guesses] + EXTRA_GUESSES


def batch_get(token: str) -> Batch:
    """The complaint import batch `token` (any company: for the worker)."""
    return Batch.objects.get(token=token, kind=KIND)


def batches_recent(*, company_id: int | None, limit: int = 10) -> list[Batch]:
    """The latest batches of a company, newest first (for the upload page)."""
    return import_batches_recent(company_id=company_id, kind=KIND, limit=limit)


def batch_complaints(
    queryset: models.QuerySet[Complaint], token: str
) -> models.QuerySet[Complaint]:
    """The complaints of `queryset` that the import batch `token` created (issue 8 item 6:
    the finished import links to them): its company's records of its source registered at
    the moment it wrote them (one time for the whole batch, kept in its progress); none for
    an unknown token. A batch finished before that time was kept gives its source's."""
    batch = Batch.objects.filter(token=token, kind=KIND).first()
    source = (batch.meta.get("options") or {}).get("source") if batch else None
    if batch is None or not source or batch.company_id is None:
        return queryset.none()
    queryset = queryset.filter(company_id=batch.company_id, source=source)
    written = batch.progress.get("registered_at")
    if written:
        queryset = queryset.filter(registered_at=datetime.fromisoformat(written))
    return queryset


def batch_name(token: str) -> str:
    """The file name of the complaint import batch `token` ("" when there is none)."""
    batch = Batch.objects.filter(token=token, kind=KIND).only("filename").first()
    return batch.filename if batch else ""


def meta_save(batch: Batch) -> None:
    batch.meta = json_safe(batch.meta)
    batch.updated_at = now()
    Batch.objects.filter(pk=batch.pk).update(meta=batch.meta, updated_at=batch.updated_at)


# --- reading -------------------------------------------------------------------------------


def clean_cell(value: Any) -> object:
    """Strings stripped of the padding some exports add ("\\n\\t\\t…"), inner line breaks
    kept once; other values as they are."""
    if isinstance(value, str):
        value = value.replace("\r\n", "\n").replace("\xa0", " ")
        value = re.sub(r"[ \t]*\n[\s]*", "\n", value.strip())
        return value.replace("\t", " ")
    return value


def _open(content: bytes, filename: str) -> TabularSource:
    try:
        return tabular_open(content, filename=filename)
    except SpreadsheetRefused as error:
        raise ImportError_(error.message, row=error.row, column=error.column) from error


def _table(source: TabularSource) -> Table:
    return source.table(expected=EXPECTED_HEADERS, key=_key)


def iter_records(batch: Batch) -> Iterator[tuple[int, list]]:
    """(line number, cells) of every data record below the header; line numbers are the
    physical line a CSV record starts on, or the sheet's row number (as Excel shows them).
    Read by the shared reader (pinzhi.core.tabular) within the shared reading limits: a
    file over one raises ImportError_ naming the limit."""
    with _open(import_batch_read(batch), batch.filename or "upload." + batch.meta["kind"]) as src:
        try:
            for line, cells in _table(src).rows:
                yield line, [clean_cell(c) for c in cells]
        except SpreadsheetRefused as error:
            raise ImportError_(error.message, row=error.row, column=error.column) from error


def inspect_file(content: bytes, filename: str) -> dict:
    """Encoding, delimiter, header row, headers and the first rows of an upload."""
    with _open(content, filename) as source:
        info: dict = {
            "kind": source.kind,
            "encoding": source.encoding,
            "delimiter": source.delimiter,
        }
        try:
            table = _table(source)
            rows = []
            for _line, cells in table.rows:
                rows.append([clean_cell(c) for c in cells])
                if len(rows) >= PREVIEW_ROWS:
                    break
        except SpreadsheetRefused as error:
            raise ImportError_(error.message, row=error.row, column=error.column) from error
    if table.header_line is None:
        raise ImportError_(EMPTY_FILE)
    headers = [str(clean_cell(h) or "").strip() for h in table.headers]
    if not headers:
        raise ImportError_(NO_HEADER)
    headers = [h or gettext("Column %(n)s") % {"n": i + 1} for i, h in enumerate(headers)]
    # A header is a name, not a text: kept short, so the batch's meta stays small.
    headers = [h if len(h) <= HEADER_MAX else h[: HEADER_MAX - 1] + "…" for h in headers]
    info.update(header_line=table.header_line, headers=headers, preview=rows)
    return info


def upload_store(uploaded_file: UploadedFile, *, user: Person) -> Batch:
    """Inspect an upload and keep it as a planned import batch of the uploader's company;
    raises ImportError_ (and keeps nothing) for a file that cannot be imported."""
    name = os.path.basename(uploaded_file.name or "")
    if uploaded_file.size and uploaded_file.size > MAX_UPLOAD_BYTES:
        raise ImportError_(FILE_TOO_LARGE)
    chunks, written = [], 0
    for chunk in uploaded_file.chunks():
        written += len(chunk)
        if written > MAX_UPLOAD_BYTES:
            raise ImportError_(FILE_TOO_LARGE)
        chunks.append(chunk)
    content = b"".join(chunks)
    info = inspect_file(content, name)
    preview = info.pop("preview")
    mapping, extras = guess_mapping(info["headers"])
    meta = dict(
        info,
        filename=name[:200],
        size=len(content),
        uploaded_by=user.pk,
        uploaded_at=now().isoformat(),
        company_id=user.company_id,
        step="uploaded",
        mapping=mapping,
        extras=extras,
        preview=[[_preview_cell(c) for c in row] for row in preview],
    )
    if len(json.dumps(meta, ensure_ascii=False, default=str)) > MAX_STATE_BYTES:
        raise ImportError_(STATE_TOO_BIG)
    # A person without a company (the operator): pk=None matches none, which django-stubs rejects.
    return import_batch_create(
        company=Company.objects.filter(pk=user.company_id).first(),  # type: ignore[misc]
        kind=KIND,
        created_by=user,
        filename=name,
        content=content,
        meta=meta,
    )


def _preview_cell(value: Any) -> str:
    text = _text(value)
    return text if len(text) <= 120 else text[:119] + "…"


# --- parsing and validating rows ----------------------------------------------------------


def _text(value: Any) -> str:
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


def parse_datetime(value: Any) -> datetime | None:
    """A time from a cell: a datetime/date, or text in a common format (naive times are
    local, in the project's time zone). None when it cannot be read."""
    result: datetime | None
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


def _match_choice(
    value: str, choices: type[models.TextChoices], words: dict[Any, list[str]], default: str
) -> str:
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
    column: str = ""  # "header (letter)" of the column concerned, when there is one


@dataclass
class CheckResult:
    rows: list[Row] = field(default_factory=list)
    broken: list[Broken] = field(default_factory=list)
    # The good rows counted (kept in `rows` only when asked: the check page needs counts).
    good: int = 0


def row_parse(line: int, cells: list, *, meta: dict, now_at: datetime) -> Row | Broken:
    """One record → the values of a complaint, or the reason it cannot be imported."""
    headers, mapping = meta["headers"], meta["mapping"]
    excerpt = " | ".join(_text(c) for c in cells[:4])[:200]
    if len(cells) < len(headers) and any(c not in (None, "") for c in cells):
        trailing = [i for i in mapping.values() if i is not None and i >= len(cells)]
        if trailing:
            reason = ROW_CUT % {"found": len(cells), "expected": len(headers)}
            return Broken(line, str(reason), excerpt)

    def get(name: str) -> Any:
        index = mapping.get(name)
        if index is None or index >= len(cells):
            return None
        return cells[index]

    def where(name: str | None = None, index: int | None = None) -> str:
        index = mapping.get(name) if index is None else index
        if index is None:
            return ""
        header = headers[index] if index < len(headers) else ""
        return f"{header} ({column_letter(index)})" if header else column_letter(index)

    # Issue 6 item 8: a NUL in any column the record is made of (the database refuses it),
    # and any field over its column's length, is this row's problem, not a server error.
    used = [(name, index) for name, index in mapping.items() if index is not None]
    used += [(None, index) for index in meta.get("extras", [])]
    for name, index in used:
        if index < len(cells) and "\x00" in _text(cells[index]):
            label = FIELD_LABELS[name] if name else headers[index]
            return Broken(
                line,
                str(NUL_IN_FIELD % {"field": label}),
                excerpt.replace("\x00", ""),
                where(index=index),
            )
    values: dict = {}
    for name, _label in FIELDS:
        if name not in ("source_id", "received_at", "replied_at"):
            values[name] = _text(get(name))
    for name, limit in LIMITS.items():
        text = values.get(name, "")
        if len(text) > limit:
            reason = TOO_LONG % {"field": FIELD_LABELS[name], "length": len(text), "limit": limit}
            return Broken(line, str(reason), excerpt, where(name))
    received = get("received_at")
    if _text(received) == "":
        reason = MISSING % {"field": FIELD_LABELS["received_at"]}
        return Broken(line, str(reason), excerpt, where("received_at"))
    values["received_at"] = parse_datetime(received)
    if values["received_at"] is None or values["received_at"].year < OLDEST_YEAR:
        reason = BAD_DATE % {"value": _text(received)[:40], "field": FIELD_LABELS["received_at"]}
        return Broken(line, str(reason), _text(received), where("received_at"))
    if values["received_at"] > now_at:
        reason = FUTURE_DATE % {"field": FIELD_LABELS["received_at"]}
        return Broken(line, str(reason), _text(received), where("received_at"))
    replied = get("replied_at")
    values["replied_at"] = None
    if _text(replied):
        values["replied_at"] = parse_datetime(replied)
        if values["replied_at"] is None or values["replied_at"].year < OLDEST_YEAR:
            reason = BAD_DATE % {"value": _text(replied)[:40], "field": FIELD_LABELS["replied_at"]}
            return Broken(line, str(reason), _text(replied), where("replied_at"))
        if values["replied_at"] < values["received_at"] - timedelta(days=1):
            return Broken(line, str(REPLY_BEFORE), _text(replied), where("replied_at"))
    if not values["title"] and not values["content"]:
        name = "title" if mapping.get("title") is not None else "content"
        reason = MISSING % {"field": FIELD_LABELS[name]}
        return Broken(line, str(reason), excerpt, where(name))
    if values["customer_email"]:
        try:
            validate_email(values["customer_email"])
        except ValidationError:
            reason = BAD_EMAIL % {"value": values["customer_email"][:60]}
            return Broken(line, str(reason), values["customer_email"], where("customer_email"))
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


def rows_checked(batch: Batch, *, now_at: datetime) -> Iterator[tuple[Row | Broken, int]]:
    """Every record of the batch parsed and validated with its current mapping, in file
    order, as (Row or Broken, line); writes nothing. Duplicate ids in the file are reported
    at their second occurrence. A generator: the rows are read from the file as they are
    checked (issue 9 item 6), and two passes with the same `now_at` give the same rows."""
    meta = batch.meta
    seen: dict[str, int] = {}
    id_index = meta["mapping"].get("source_id")
    id_column = ""
    if id_index is not None and id_index < len(meta["headers"]):
        id_column = f"{meta['headers'][id_index]} ({column_letter(id_index)})"
    for line, cells in iter_records(batch):
        parsed = row_parse(line, cells, meta=meta, now_at=now_at)
        if isinstance(parsed, Row):
            if parsed.source_id in seen:
                shown = parsed.source_id if not parsed.source_id.startswith("h:") else "—"
                reason = DUPLICATE_ID % {"id": shown, "line": seen[parsed.source_id]}
                excerpt = " | ".join(_text(c) for c in cells[:4])[:200]
                parsed = Broken(line, str(reason), excerpt, id_column)
            else:
                seen[parsed.source_id] = line
        yield parsed, line


def rows_check(
    batch: Batch,
    *,
    on_row: Callable[[int], object] | None = None,
    keep_rows: bool = True,
    now_at: datetime | None = None,
    ids: list[str] | None = None,
) -> CheckResult:
    """Parse and validate every record of the batch with its current mapping (see
    `rows_checked`); writes nothing. With `keep_rows=False` (the check in a web request, and
    the import's first pass) the good rows are counted, not kept: the largest allowed file
    then stays well within a worker's memory (issue 9 items 4 and 6); their ids are
    appended to `ids` when given."""
    result = CheckResult()
    for parsed, line in rows_checked(batch, now_at=now_at or now()):
        if isinstance(parsed, Row):
            result.good += 1
            if keep_rows:
                result.rows.append(parsed)
            if ids is not None:
                ids.append(parsed.source_id)
        else:
            result.broken.append(parsed)
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
    batch.meta.update(mapping=mapping, extras=extras, options=options, step="mapped")
    batch.meta.pop("check", None)
    meta_save(batch)
    return mapping_errors(batch.meta)


def check_save(batch: Batch, check: CheckResult, *, shown: int = 200) -> None:
    """Record the check in the batch (issue 7 item 3): the counts, the first `shown`
    broken rows for the check page, and every broken row (line, column, value, reason) for
    the error report; the batch's step becomes "checked"."""
    batch.meta["check"] = {
        "good": check.good,
        "broken": len(check.broken),
        "broken_rows": [[b.line, b.reason] for b in check.broken[:shown]],
    }
    batch.meta["step"] = "checked"
    errors_write(batch, check.broken)


def errors_write(batch: Batch, broken: list[Broken]) -> None:
    """The broken rows as the batch's per-row errors (the .xlsx error report writes every
    cell as text, issue 6 item 6: the excerpt is the file's own text)."""
    import_batch_plan(
        batch,
        errors=[error_row(b.line, b.column, b.excerpt, b.reason) for b in broken],
        counts={"good": batch.meta.get("check", {}).get("good", 0), "broken": len(broken)},
        meta=batch.meta,
    )


# --- the import -----------------------------------------------------------------------


def _closed(values: dict) -> tuple[datetime, str]:
    """When the archive record closed and its final result: the reply's time and text when
    the file has them, else the time received and the outcome given (or a note). The
    reply is the final result only; the handling's result comes from its own column."""
    closed_at = values["replied_at"] or values["received_at"]
    final = values["reply"] or values["outcome"] or str(IMPORTED_RESULT)
    return closed_at, final


def _complaint_from(
    row: Row,
    *,
    company: Company,
    location: Unit | None,
    source: str,
    actor: Person | None,
    at: datetime,
) -> Complaint:
    v = row.values
    closed_at, final_result = _closed(v)
    outcome = fold(v["outcome"])
    replied = bool(v["reply"] or v["replied_at"]) or any(w in outcome for w in CLOSED_OUTCOMES)
    # Issue 8 item 6: the reply is the final result (最终结果), not also the handling's
    # result (处理结果), which only a column of its own fills.
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
        resolution=v["resolution"],
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
    """Import the good rows of a claimed batch (see the module docstring), atomically and
    once (`pinzhi.core.imports.import_batch_apply`). Returns the summary also kept in the
    batch's progress: imported, skipped (already there), reported, seconds, state.

    Issue 9 item 6: the file is read twice, never held: a first pass checks it and keeps
    only the good rows' ids (to find those already imported); the second, in the import's
    one transaction, writes the rows and their events a chunk at a time. Only the new
    records' ids are kept, for their meanings and the regrouping, read back in chunks."""
    from pinzhi.complaints.grouping import groups_rebuild

    started = time.monotonic()
    batch = batch_get(token)
    meta, options = batch.meta, batch.meta["options"]
    import_batch_progress(batch, state="running", done=0, total=0, phase="reading")
    outcome: dict = {}
    try:
        company = Company.objects.get(pk=options["company_id"])
        location_id = options.get("location_id") or None  # None: no location
        location = Unit.objects.filter(pk=location_id).first()  # type: ignore[misc]
        actor = Person.objects.filter(pk=meta.get("uploaded_by")).first()
        source = options["source"]
        at = now()
        ids: list[str] = []
        check = rows_check(batch, keep_rows=False, now_at=at, ids=ids)
        errors_write(batch, check.broken)
        existing: set[str] = set()
        for start in range(0, len(ids), 500):
            existing.update(
                Complaint.objects.filter(
                    company=company, source=source, source_id__in=ids[start : start + 500]
                ).values_list("source_id", flat=True)
            )
        todo_ids = [i for i in ids if i not in existing]
        todo = set(todo_ids)
        del ids
        total = len(todo_ids)
        import_batch_progress(batch, total=total, phase="importing")

        def good_rows() -> Iterator[Row]:
            for parsed, _line in rows_checked(batch, now_at=at):
                if isinstance(parsed, Row) and parsed.source_id in todo:
                    yield parsed

        def apply(_locked: Batch) -> dict:
            per_record = total <= PER_RECORD_EVENTS_MAX
            summary = {
                "file": meta.get("filename", ""),
                "source": source,
                "batch": token,
                "imported": total,
                "skipped": len(existing),
                "reported": len(check.broken),
            }
            if not per_record:
                summary["source_ids"] = todo_ids
            created_ids: list[int] = []
            first, last = None, None
            rows = good_rows()
            while chunk := [
                _complaint_from(
                    row, company=company, location=location, source=source, actor=actor, at=at
                )
                for row in islice(rows, PROGRESS_EVERY)
            ]:
                created = Complaint.objects.bulk_create(chunk)
                if created and not created[0].pk:  # backends that do not return ids
                    created = list(
                        Complaint.objects.filter(
                            source=source, source_id__in=[c.source_id for c in created]
                        )
                    )
                if not created_ids:
                    # The batch's event precedes its records' on the chain, as it always has.
                    event_record(
                        subject=company,
                        action=ComplaintEvent.IMPORT_BATCH,
                        actor=actor,
                        data=summary,
                        company=company,
                    )
                if per_record:
                    events_record(
                        subjects=created,
                        action=ComplaintEvent.IMPORTED,
                        company=company,
                        actor=actor,
                        data_for=lambda complaint: {
                            "source": source,
                            "source_id": complaint.source_id,
                            "batch": token,
                        },
                    )
                created_ids.extend(c.pk for c in created)
                low = min(c.received_at for c in created)
                high = max(c.received_at for c in created)
                first = low if first is None else min(first, low)
                last = high if last is None else max(last, high)
            if not created_ids:
                event_record(
                    subject=company,
                    action=ComplaintEvent.IMPORT_BATCH,
                    actor=actor,
                    data=summary,
                    company=company,
                )
            outcome.update(created=created_ids, first=first, last=last)
            return {"imported": len(created_ids), "skipped": len(existing)}

        import_batch_apply(batch, apply, from_state=Batch.State.APPLYING)
        created_ids = outcome["created"]
        import_batch_progress(batch, phase="grouping", done=len(created_ids))
        grouping = None
        if created_ids:
            # CMP-8: the meaning vectors of the new records, computed here in the worker
            # and stored, before the regrouping locks the period's complaints; read back
            # and encoded a batch at a time.
            from pinzhi.complaints.meaning import BATCH, meanings_ensure

            for start in range(0, len(created_ids), BATCH):
                meanings_ensure(
                    list(
                        Complaint.objects.filter(pk__in=created_ids[start : start + BATCH])
                        .only("pk", "title", "content", "meaning")
                        .order_by("pk")
                    )
                )
            grouping = groups_rebuild(
                company=company, since=outcome["first"], until=outcome["last"], actor=actor
            ).as_dict()
    except Exception as error:
        # The person sees why when it is about the file, never a raw database error (issue
        # 6 item 8); the transaction has written nothing.
        if isinstance(error, ImportError_):
            shown = str(error)
        else:
            logger.exception("complaint import %s failed", token)
            shown = str(IMPORT_FAILED)
        import_batch_fail(batch, error=shown)
        raise
    result = {
        "state": "done",
        "phase": "",
        "imported": len(created_ids),
        "skipped": len(existing),
        "reported": len(check.broken),
        "rows": check.good + len(check.broken),
        "broken": [[b.line, b.reason] for b in check.broken[:200]],
        "seconds": round(time.monotonic() - started, 2),
        "groups": grouping["groups"] if grouping else 0,
        # Every record of the batch was registered at this moment: the list's filter by
        # batch finds them by it (`batch_complaints`).
        "registered_at": at.isoformat(),
        "grouping_seconds": grouping["seconds"] if grouping else 0,
    }
    import_batch_progress(batch, **result)
    return result


@task
def complaints_import(token: str) -> dict:
    """The background import of one batch (django.tasks; `pinzhi db_worker` runs it)."""
    return import_run(token)


def import_enqueue(batch: Batch) -> None:
    """Claim a checked batch (once: a second start raises ImportAlreadyApplied) and queue
    its import; with the immediate backend it runs at once."""
    import_batch_claim(batch)
    import_batch_progress(batch, state="queued", done=0, total=0, phase="")
    complaints_import.enqueue(batch.token)
