"""Excel (.xlsx) export and import of the organisation tree and its people (ORG-1, ORG-2,
X-4).

The workbook has three sheets, whose names and headers are always the Chinese canonical
ones below, whatever the interface language (a file exported in English must import in
Chinese and back). On import, the English names are accepted as aliases, header cells may
carry a trailing "*", extra columns are ignored and reported, and a title row or merged
header cells above the header are skipped.

    单位  单位编码* | 单位名称* | 类型* | 上级单位编码 | 质量管理部门 | 启用
    岗位  单位编码* | 岗位编码* | 岗位名称* | 岗位职责
    人员  用户名* | 姓名* | 工号 | 单位编码 | 岗位编码 | 电话 | 电子邮箱 | 角色 | 角色范围 | 启用

A person with several roles has one row per role (or per group of roles sharing a scope:
角色 may list several roles); the person's own columns must then agree on every row.
Roles are given by code or by their label (Chinese, traditional Chinese or English),
scopes as unit codes separated by "," "，" "、" or ";". Booleans read 是/否 (also Y/N,
true/false, 1/0); an empty 启用 means active.

An import is planned first (`org_import_plan`, no writes): every row is classified as
create / update / unchanged, and every problem is reported with its sheet, row number,
column and reason. `org_import_apply` re-plans inside one transaction and writes
everything, or nothing if there is a single problem. Rows are upserted by unit code,
(unit code, post code) and username, so importing the same file twice changes nothing; an
import never deletes or revokes anything. People created by an import cannot sign in
until they set their own password with a one-time sign-in code issued on their page.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Prefetch, Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from pinzhi.core import tabular
from pinzhi.core.imports import (
    ImportAlreadyApplied,
    ImportNotPlanned,
    error_row,
    import_batch_apply,
    import_batch_create,
    import_batch_discard,
    import_batch_plan,
    import_batch_read,
)
from pinzhi.core.models import ImportBatch
from pinzhi.core.spreadsheets import (
    Limits,
    SpreadsheetRefused,
    XlsxTable,
    import_limits,
)
from pinzhi.lib import privacy
from pinzhi.lib.clock import now
from pinzhi.lib.errors import DomainError
from pinzhi.orgs import services
from pinzhi.orgs.events import OrgEvent
from pinzhi.orgs.models import Company, Person, Post, RoleAssignment, Unit
from pinzhi.orgs.privacy import person_field
from pinzhi.orgs.roles import ROLE_RANK, SUPERUSER_ONLY_ROLES, Role, rank_of
from pinzhi.orgs.selectors import people_visible_to, units_visible_to
from pinzhi.orgs.validators import normalise_phone, phone_is_valid

# --- messages --------------------------------------------------------------------------

# The file-level refusals are the shared reader's, the same for every import.
FILE_EMPTY = tabular.FILE_EMPTY
FILE_NOT_XLSX = tabular.FILE_NOT_XLSX
FILE_OLD_XLS = tabular.FILE_OLD_XLS
NO_KNOWN_SHEET = _("The workbook has none of the sheets %(sheets)s.")
MORE_ISSUES = _(
    "… and %(count)s more problems not listed: fix the ones above and upload the file again."
)
# A file can hold millions of bad values; the preview lists this many problems and counts
# the rest, so that neither memory nor the stored preview grows with the file.
MAX_ISSUES = 500
SHEET_MISSING = _("Sheet not in the file: nothing to import from it.")
SHEET_EMPTY = _("The sheet is empty.")
HEADER_NOT_FOUND = _("No header row found; expected the columns %(columns)s.")
COLUMN_MISSING = _("Required column “%(column)s” is missing.")
COLUMN_TWICE = _("The column appears twice (also in column %(other)s).")
REQUIRED = _("This field is required.")
TOO_LONG = _("Longer than %(max)d characters.")
BAD_CODE = _("A code cannot contain spaces, “/” or list separators (, ， 、 ;).")
BAD_BOOLEAN = _("“%(value)s” is not yes or no (是/否).")
UNKNOWN_KIND = _("Unknown unit type “%(value)s”; use one of: %(choices)s.")
DUPLICATE_UNIT = _("Unit code %(code)s appears twice (first in row %(row)d).")
UNIT_OUT_OF_SCOPE = _("Unit %(code)s exists but is outside your scope.")
UNKNOWN_PARENT = _("Unknown parent unit code %(code)s.")
PARENT_CYCLE = _("Cycle in the parent units: %(cycle)s.")
UNIT_TOO_DEEP = _(
    "The unit would sit too deep in the tree: the path of unit codes down to it would be "
    "%(length)s characters long, at most %(max)s."
)
UNKNOWN_UNIT = _("Unknown unit code %(code)s.")
DUPLICATE_POST = _("Post %(code)s of unit %(unit)s appears twice (first in row %(row)d).")
UNKNOWN_POST = _("Unknown post %(code)s in unit %(unit)s.")
POST_WITHOUT_UNIT = _("A post needs the unit code too (post codes are unique per unit).")
BAD_USERNAME = _("Letters, digits and @ . + - _ only.")
BAD_PHONE = _("“%(value)s” is not a phone number (mobile 13812345678 or landline 0755-12345678).")
BAD_EMAIL = _("“%(value)s” is not an e-mail address.")
UNKNOWN_ROLE = _("Unknown role “%(value)s”; use one of: %(choices)s.")
DUPLICATE_ROLE = _("Role %(role)s given twice for %(username)s (first in row %(row)d).")
SCOPE_WITHOUT_ROLE = _("A scope is given but no role.")
PERSON_CONFLICT = _("Differs from row %(row)d: a person's columns must be the same on each row.")
USERNAME_TAKEN = _("Username %(username)s belongs to a person outside your organisation.")
TOO_MANY_ROWS = _(
    "The sheet %(sheet)s has more than %(max)d rows; split it into several files of at most "
    "%(max)d rows each."
)
ROLE_SUPERUSER_ONLY = _(
    "Only a system administrator can give the role %(role)s; remove it from this row or "
    "ask a system administrator."
)
OWN_ROLES = _("You cannot change your own roles (%(role)s) by an import.")

# --- the format ------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # Chinese canonical header, written on export
    aliases: tuple[str, ...] = ()
    required: bool = False
    max_length: int | None = None


@dataclass(frozen=True)
class SheetFormat:
    key: str
    name: str
    aliases: tuple[str, ...]
    columns: tuple[Column, ...]


UNITS = SheetFormat(
    "units",
    "单位",
    ("units", "unit", "組織", "單位"),
    (
        Column("code", "单位编码", ("code", "unit code", "编码", "單位編碼"), True, 40),
        Column("name", "单位名称", ("name", "unit name", "名称", "單位名稱"), True, 120),
        Column("kind", "类型", ("kind", "type", "单位类型", "類型"), True),
        Column("parent", "上级单位编码", ("parent", "parent code", "上级编码", "上級單位編碼")),
        Column(
            "is_quality_department",
            "质量管理部门",
            ("quality department", "质量部门", "質量管理部門"),
        ),
        Column("is_active", "启用", ("active", "是否启用", "啟用")),
    ),
)
POSTS = SheetFormat(
    "posts",
    "岗位",
    ("posts", "post", "崗位"),
    (
        Column("unit", "单位编码", ("unit code", "unit", "單位編碼"), True, 40),
        Column("code", "岗位编码", ("post code", "code", "崗位編碼"), True, 40),
        Column("name", "岗位名称", ("post name", "name", "崗位名稱"), True, 120),
        Column("duties", "岗位职责", ("duties", "职责", "崗位職責")),
    ),
)
PEOPLE = SheetFormat(
    "people",
    "人员",
    ("people", "persons", "staff", "人員"),
    (
        Column("username", "用户名", ("username", "user name", "账号", "用戶名"), True, 150),
        Column("full_name", "姓名", ("full name", "name"), True, 60),
        Column("employee_no", "工号", ("employee no.", "employee number", "工號"), False, 40),
        Column("unit", "单位编码", ("unit code", "unit", "單位編碼"), False, 40),
        Column("post", "岗位编码", ("post code", "post", "崗位編碼"), False, 40),
        Column("phone", "电话", ("phone", "手机", "手机号", "電話"), False, 40),
        Column("email", "电子邮箱", ("e-mail", "email", "邮箱", "電子郵箱"), False, 254),
        Column("roles", "角色", ("roles", "role")),
        Column("scope", "角色范围", ("scope", "范围", "角色範圍")),
        Column("is_active", "启用", ("active", "是否启用", "啟用")),
    ),
)
SHEETS = (UNITS, POSTS, PEOPLE)

# The Chinese canonical label of each role and unit kind, written on export and listed in
# the template whatever the interface language; on import the labels in every language,
# the codes and the common synonyms below (GLOSSARY) are accepted too.
ROLE_LABELS: dict[str, str] = {
    Role.LEADERSHIP: "公司高层",
    Role.QUALITY_COMMITTEE: "质量委员会",
    Role.QUALITY_DEPARTMENT: "质量管理部",
    Role.DEPARTMENT_MANAGER: "部门经理",
    Role.SUPERVISOR: "专业主管",
    Role.UNIT_QUALITY_ADMIN: "兼职质量管理员",
    Role.INSPECTOR: "监督检查人员",
    Role.SERVICE_DESK: "服务台",
    Role.COMPLAINT_HANDLER: "投诉处理责任人",
    Role.SERVICE_STAFF: "服务人员",
    Role.SUPPLIER: "外包供方",
    Role.CUSTOMER: "客户",
    Role.SUPERVISING_BODY: "监督机构",
}
KIND_LABELS: dict[str, str] = {
    Unit.Kind.DEPARTMENT: "部门",
    Unit.Kind.OFFICE: "管理处",
    Unit.Kind.ESTATE: "小区",
    Unit.Kind.SITE: "场所",
    Unit.Kind.PROJECT: "项目",
    Unit.Kind.WINDOW: "服务窗口",
    Unit.Kind.TEAM: "班组",
}
ROLE_ALIASES = {
    **{label: role for role, label in ROLE_LABELS.items()},
    "领导小组": Role.LEADERSHIP,
    "服务质量监督管理委员会": Role.QUALITY_COMMITTEE,
    "品质部": Role.QUALITY_DEPARTMENT,
    "主管": Role.SUPERVISOR,
    "巡检员": Role.INSPECTOR,
    "检查员": Role.INSPECTOR,
    "投诉处理人": Role.COMPLAINT_HANDLER,
    "员工": Role.SERVICE_STAFF,
    "供方": Role.SUPPLIER,
    "供应商": Role.SUPPLIER,
    "业主": Role.CUSTOMER,
    "住户": Role.CUSTOMER,
}
KIND_ALIASES = {
    **{label: kind for kind, label in KIND_LABELS.items()},
    "窗口": Unit.Kind.WINDOW,
}
TRUE_WORDS = {"是", "y", "yes", "true", "1", "启用", "啟用", "√", "✓", "有效"}
FALSE_WORDS = {"否", "n", "no", "false", "0", "停用", "禁用", "×", "无效"}
LIST_SEPARATORS = re.compile(r"[,，、;；]")
BAD_CODE_CHARS = re.compile(r"[\s/,，、;；]")
IMPORT_TTL = timedelta(hours=1)
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# Reading limits: a tiny file can claim a million rows (one formatted cell far down), so
# the reader stops after this many empty rows in a row, refuses sheets longer than
# MAX_ROWS, and reads at most MAX_COLUMNS columns and MAX_MERGED merged ranges.
MAX_EMPTY_RUN = tabular.EMPTY_RUN
MAX_ROWS = 20_000
MAX_COLUMNS = 100
HEADER_ROWS = tabular.HEADER_ROWS
KIND = "orgs"
# What the stored plan keeps of a problem's message and of a row's key (issue 6 item 3).
MAX_MESSAGE = 500
MAX_KEY_SHOWN = 200


def _norm(text: Any) -> str:
    """Header and label comparison: case-, space- and '*'-insensitive."""
    return re.sub(r"[\s*＊:：]", "", str(text)).replace("（", "(").replace("）", ")").casefold()


def _label(value: Any, language: str = "zh-hans") -> str:
    with translation.override(language):
        return str(value)


def _choice_lookup(
    choices: Iterable[tuple[str, Any]], aliases: Mapping[str, str]
) -> dict[str, str]:
    lookup = {_norm(alias): code for alias, code in aliases.items()}
    for code, label in choices:
        for language in ("en", "zh-hant", "zh-hans"):
            lookup[_norm(_label(label, language))] = code
        lookup[_norm(code)] = code
    return lookup


def _choices_text(labels: dict) -> str:
    return "、".join(labels.values())


# --- plans -----------------------------------------------------------------------------


@dataclass
class Issue:
    """One problem, located as precisely as the file allows."""

    sheet: str
    row: int | None
    column: str
    message: str

    def __post_init__(self) -> None:
        # A message may quote a cell: kept short, since the plan is stored with the upload
        # and one long shared string may fill thousands of cells (issue 6 item 3).
        if len(self.message) > MAX_MESSAGE:
            self.message = self.message[: MAX_MESSAGE - 1] + "…"


@dataclass
class RowPlan:
    row: int
    key: str
    action: str  # "create", "update" or "unchanged"
    values: dict[str, Any]
    changes: list[str] = field(default_factory=list)


@dataclass
class SheetPlan:
    format: SheetFormat
    present: bool = False
    rows: list[RowPlan] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    note: str = ""
    # Rows the reader went through (data and empty), header included: bounded by the
    # reading limits whatever the file claims.
    rows_scanned: int = 0

    @property
    def name(self) -> str:
        return self.format.name

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def to_create(self) -> int:
        return self.count("create")

    @property
    def to_update(self) -> int:
        return self.count("update")

    @property
    def unchanged(self) -> int:
        return self.count("unchanged")

    @property
    def changed_rows(self) -> list[RowPlan]:
        return [row for row in self.rows if row.action != "unchanged"]


@dataclass
class ImportPlan:
    sheets: list[SheetPlan]
    issues: list[Issue] = field(default_factory=list)
    # Depth of each unit of the file in the tree as it will be: parents are written first.
    depths: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.issues

    @property
    def has_changes(self) -> bool:
        return any(sheet.changed_rows for sheet in self.sheets)

    @property
    def digest(self) -> str:
        """Identifies what this plan would write, to confirm only what was previewed."""
        payload = [
            [sheet.format.key, [[r.key, r.action, r.values] for r in sheet.rows]]
            for sheet in self.sheets
        ]
        text = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    def sheet(self, key: str) -> SheetPlan:
        return next(sheet for sheet in self.sheets if sheet.format.key == key)


def plan_summary(plan: ImportPlan) -> dict:
    """What the preview of `plan` shows, as JSON (kept with the pending upload so that
    the preview does not read the file again)."""
    return {
        "issues": [[i.sheet, i.row, i.column, i.message] for i in plan.issues],
        "sheets": [
            {
                "key": sheet.format.key,
                "present": sheet.present,
                "note": sheet.note,
                "ignored_columns": sheet.ignored_columns,
                "rows": [[r.row, r.key[:MAX_KEY_SHOWN], r.action, r.changes] for r in sheet.rows],
            }
            for sheet in plan.sheets
        ],
    }


def plan_from_summary(summary: dict) -> ImportPlan:
    """The plan a preview shows, rebuilt from `plan_summary` (without the row values)."""
    formats = {fmt.key: fmt for fmt in SHEETS}
    sheets = [
        SheetPlan(
            format=formats[data["key"]],
            present=data["present"],
            note=data["note"],
            ignored_columns=list(data["ignored_columns"]),
            rows=[
                RowPlan(row=row, key=key, action=action, values={}, changes=list(changes))
                for row, key, action, changes in data["rows"]
            ],
        )
        for data in summary["sheets"]
    ]
    return ImportPlan(sheets=sheets, issues=[Issue(*issue) for issue in summary["issues"]])


class ImportAlreadyDone(ImportAlreadyApplied):
    """The pending upload was confirmed already (by a concurrent request)."""


IMPORT_REJECTED = _("The file has errors; nothing was imported.")


class ImportRejected(DomainError):
    """The file has problems (see plan.issues) or changed meaning since its preview."""

    code = "org_import_rejected"

    def __init__(self, plan: ImportPlan, *, stale: bool = False):
        super().__init__(IMPORT_REJECTED)
        self.plan = plan
        self.stale = stale


# --- reading a workbook ----------------------------------------------------------------


def _limits() -> Limits:
    """The shared reading limits, reading at most MAX_COLUMNS columns."""
    return dataclasses.replace(import_limits(), columns=MAX_COLUMNS)


def _open_workbook(content: bytes) -> tabular.TabularSource:
    """The workbook through the shared reader (issue 7 item 3): an old .xls, a CSV renamed
    to .xlsx, an empty file or a workbook over the reading limits is refused with the same
    text as by every other import (SpreadsheetRefused)."""
    return tabular.tabular_open(
        content, filename="upload.xlsx", kinds=(tabular.XLSX,), limits=_limits()
    )


def cell_text(value: Any, *, numeric_code: bool = False) -> str:
    """A cell as text: 13800138000.0 → "13800138000", dates as ISO, full-width spaces
    trimmed. `numeric_code` also repairs codes and phones stored as text like "1001.0"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).replace("\u3000", " ").replace("\u00a0", " ").strip()
    if numeric_code and re.fullmatch(r"\d+\.0+", text):
        text = text.split(".")[0]
    return text


def _empty(row: Iterable[Any]) -> bool:
    return all(value is None or (isinstance(value, str) and not value.strip()) for value in row)


def _read_sheet(
    source: tabular.TabularSource, title: str, fmt: SheetFormat, plan: SheetPlan, issues: list
) -> list:
    """The data rows of a sheet as (row number, {column key: text}) pairs, read by the
    shared reader (the header among the first rows, merged cells, the blank tail ended);
    refuses more than MAX_ROWS rows, so that a small file claiming a million rows costs
    nothing."""
    lookup: dict[str, Column] = {}
    for column in fmt.columns:
        for name in (column.header, column.key, *column.aliases):
            lookup.setdefault(_norm(name), column)
    table = source.table(title, expected=list(lookup), key=_norm)
    found: dict[int, Column] = {}
    for c, value in enumerate(table.raw_headers, start=1):
        if value is not None and _norm(value) in lookup:
            found[c] = lookup[_norm(value)]
    plan.rows_scanned = table.rows_scanned
    if not found:
        if table.header_line is None and next(iter(table.rows), None) is None:
            plan.note = str(SHEET_EMPTY)
        else:
            columns = "、".join(column.header for column in fmt.columns if column.required)
            issues.append(Issue(fmt.name, 1, "", str(HEADER_NOT_FOUND % {"columns": columns})))
        plan.rows_scanned = table.rows_scanned
        return []
    best_row = table.header_line
    assert best_row is not None  # the columns were found in the header row
    positions: dict[str, int] = {}
    for c, column in sorted(found.items()):
        if column.key in positions:
            other = get_column_letter(positions[column.key])
            issues.append(
                Issue(fmt.name, best_row, column.header, str(COLUMN_TWICE % {"other": other}))
            )
            continue
        positions[column.key] = c
    for c, value in enumerate(table.raw_headers, start=1):
        if c not in found and value not in (None, ""):
            plan.ignored_columns.append(cell_text(value))
    missing = [c for c in fmt.columns if c.required and c.key not in positions]
    for column in missing:
        issues.append(
            Issue(
                fmt.name, best_row, column.header, str(COLUMN_MISSING % {"column": column.header})
            )
        )
    if missing:  # the rows cannot be read meaningfully; the missing column says it all
        return []

    rows, empty_run = [], 0
    for r, row in table.rows:
        values = {}
        for column in fmt.columns:
            position = positions.get(column.key)
            raw = row[position - 1] if position is not None and position - 1 < len(row) else None
            values[column.key] = cell_text(
                raw, numeric_code=column.key not in ("name", "full_name")
            )
        if not any(values.values()):
            empty_run += 1
            if empty_run >= MAX_EMPTY_RUN:
                break
            continue
        empty_run = 0
        if r - best_row > MAX_ROWS:
            issues.append(
                Issue(fmt.name, r, "", str(TOO_MANY_ROWS % {"sheet": fmt.name, "max": MAX_ROWS}))
            )
            plan.rows_scanned = table.rows_scanned
            return []
        rows.append((r, values))
    plan.rows_scanned = table.rows_scanned
    if not rows and plan.note == "":
        plan.note = str(SHEET_EMPTY)
    return rows


# --- planning --------------------------------------------------------------------------


def _bool(value: str, *, default: bool, issue: Callable[[str], None]) -> bool:
    if value == "":
        return default
    if value.casefold() in TRUE_WORDS:
        return True
    if value.casefold() in FALSE_WORDS:
        return False
    issue(str(BAD_BOOLEAN % {"value": value}))
    return default


def _split(value: str) -> list[str]:
    return [part.strip() for part in LIST_SEPARATORS.split(value) if part.strip()]


def _header(fmt: SheetFormat, key: str) -> str:
    return next(column.header for column in fmt.columns if column.key == key)


class _Planner:
    def __init__(self, *, user: Person, company: Company) -> None:
        self.user = user
        self.company = company
        self.issues: list[Issue] = []
        self.issues_not_listed = 0
        self.units = {u.code: u for u in Unit.objects.filter(company=company)}
        self.visible_unit_ids = set(
            units_visible_to(user).filter(company=company).values_list("pk", flat=True)
        )
        self.posts = {(p.unit.code, p.code): p for p in Post.objects.filter(unit__company=company)}
        self.kinds = _choice_lookup(Unit.Kind.choices, KIND_ALIASES)
        self.roles = _choice_lookup(Role.choices, ROLE_ALIASES)
        self.file_units: dict[str, RowPlan] = {}
        self.file_posts: dict[tuple[str, str], RowPlan] = {}
        self.code_by_id = {unit.pk: code for code, unit in self.units.items()}
        self.depth: dict[str, int] = {}

    def issue(self, fmt: SheetFormat, row: int | None, key: str) -> Callable[[str], None]:
        header = _header(fmt, key) if key else ""

        def add(message: str) -> None:
            if len(self.issues) < MAX_ISSUES:
                self.issues.append(Issue(fmt.name, row, header, message))
            else:
                self.issues_not_listed += 1

        return add

    def _check_text(self, fmt: SheetFormat, row: int, values: dict[str, str], key: str) -> str:
        column = next(c for c in fmt.columns if c.key == key)
        value = values[key]
        if column.required and not value:
            self.issue(fmt, row, key)(str(REQUIRED))
        if column.max_length and len(value) > column.max_length:
            self.issue(fmt, row, key)(str(TOO_LONG % {"max": column.max_length}))
        return value

    def _check_code(self, fmt: SheetFormat, row: int, values: dict[str, str], key: str) -> str:
        value = self._check_text(fmt, row, values, key)
        if value and BAD_CODE_CHARS.search(value):
            self.issue(fmt, row, key)(str(BAD_CODE))
        return value

    def known_unit(self, code: str) -> bool:
        return code in self.file_units or code in self.units

    # units

    def plan_units(self, plan: SheetPlan, rows: list[tuple[int, dict[str, str]]]) -> None:
        first_row: dict[str, int] = {}
        for r, values in rows:
            code = self._check_code(UNITS, r, values, "code")
            name = self._check_text(UNITS, r, values, "name")
            kind = ""
            if values["kind"]:
                kind = self.kinds.get(_norm(values["kind"]), "")
                if not kind:
                    self.issue(UNITS, r, "kind")(
                        str(
                            UNKNOWN_KIND
                            % {
                                "value": values["kind"],
                                "choices": _choices_text(KIND_LABELS),
                            }
                        )
                    )
            else:
                self.issue(UNITS, r, "kind")(str(REQUIRED))
            parent = self._check_code(UNITS, r, values, "parent")
            is_qd = _bool(
                values["is_quality_department"],
                default=False,
                issue=self.issue(UNITS, r, "is_quality_department"),
            )
            active = _bool(
                values["is_active"], default=True, issue=self.issue(UNITS, r, "is_active")
            )
            if not code:
                continue
            if code in first_row:
                self.issue(UNITS, r, "code")(
                    str(DUPLICATE_UNIT % {"code": code, "row": first_row[code]})
                )
                continue
            first_row[code] = r
            existing = self.units.get(code)
            if existing is not None and existing.pk not in self.visible_unit_ids:
                self.issue(UNITS, r, "code")(str(UNIT_OUT_OF_SCOPE % {"code": code}))
            row_plan = RowPlan(
                row=r,
                key=code,
                action="create",
                values={
                    "code": code,
                    "name": name,
                    "kind": kind,
                    "parent": parent,
                    "is_quality_department": is_qd,
                    "is_active": active,
                },
            )
            if existing is not None:
                current = {
                    "code": existing.code,
                    "name": existing.name,
                    "kind": existing.kind,
                    "parent": existing.parent.code if existing.parent is not None else "",
                    "is_quality_department": existing.is_quality_department,
                    "is_active": existing.is_active,
                }
                row_plan.changes = [
                    _header(UNITS, k) for k in current if current[k] != row_plan.values[k]
                ]
                row_plan.action = "update" if row_plan.changes else "unchanged"
            self.file_units[code] = row_plan
            plan.rows.append(row_plan)
        # Parents: known, and no cycles once the file is applied over the database.
        for row_plan in self.file_units.values():
            parent = row_plan.values["parent"]
            if parent and not self.known_unit(parent):
                self.issue(UNITS, row_plan.row, "parent")(str(UNKNOWN_PARENT % {"code": parent}))
        self._final_tree()
        order = {code: index for index, code in enumerate(self.file_units)}
        for cycle in self.cycles:
            # Reported once, on the row of its unit that comes first in the file.
            start = min((c for c in cycle if c in order), key=order.__getitem__)
            at = cycle.index(start)
            chain = cycle[at:] + cycle[:at]
            row = self.file_units[start].row
            text = " → ".join([*chain, start])
            self.issue(UNITS, row, "parent")(str(PARENT_CYCLE % {"cycle": text}))
        # Issue 6 item 8: the materialised path is a bounded column; a unit that would sit
        # too deep is this row's problem, not a database error (for a unit not in the file,
        # moved down with its parent, the row of its nearest ancestor in the file).
        limit = Unit._meta.get_field("path").max_length
        assert limit is not None  # a CharField
        reported: set[int] = set()
        for code, length in self.path_length.items():
            if length <= limit:
                continue
            nearest = self.file_units.get(self.nearest_in_file.get(code) or "")
            if nearest is None or nearest.row in reported:
                continue
            reported.add(nearest.row)
            self.issue(UNITS, nearest.row, "parent")(
                str(UNIT_TOO_DEEP % {"length": length, "max": limit})
            )

    def _final_parent(self, code: str) -> str:
        if code in self.file_units:
            return self.file_units[code].values["parent"]
        unit = self.units.get(code)
        if unit is None or not unit.parent_id:
            return ""
        parent_code = self.code_by_id.get(unit.parent_id)
        if parent_code:
            return parent_code
        assert unit.parent is not None  # parent_id is set
        return unit.parent.code

    def _final_tree(self) -> None:
        """Every unit's place once the file is applied, each unit walked once (a chain of
        thousands of units stays cheap): `cycles` (lists of codes, child before parent),
        and per code not on or under a cycle `depth`, `path_length` (of its materialised
        path "/A/B/") and `nearest_in_file` (itself or its nearest ancestor in the file)."""
        self.cycles: list[list[str]] = []
        self.depth = {}
        self.path_length: dict[str, int] = {}
        self.nearest_in_file: dict[str, str] = {}
        done: set[str] = set()
        for first in [*self.file_units, *self.units]:
            stack: list[str] = []
            on_stack: dict[str, int] = {}
            current = first
            while current and current not in done and current not in on_stack:
                on_stack[current] = len(stack)
                stack.append(current)
                current = self._final_parent(current)
            if current in on_stack:
                self.cycles.append(stack[on_stack[current] :])
                stack = stack[: on_stack[current]]  # under the cycle: no place
                done.update(self.cycles[-1])
                done.update(stack)
                continue
            for code in reversed(stack):
                parent = self._final_parent(code)
                if parent and parent not in self.depth:  # unknown, or on/under a cycle
                    if parent in done or self.known_unit(parent):
                        done.add(code)
                        continue
                if parent and parent in self.depth:
                    self.depth[code] = self.depth[parent] + 1
                    self.path_length[code] = self.path_length[parent] + len(code) + 1
                    ancestor = self.nearest_in_file[parent]
                else:
                    self.depth[code] = 0
                    self.path_length[code] = len(code) + 2
                    ancestor = ""
                self.nearest_in_file[code] = code if code in self.file_units else ancestor
                done.add(code)

    def final_depth(self, code: str) -> int:
        return self.depth.get(code, 0)

    # posts

    def known_post(self, unit: str, code: str) -> bool:
        return (unit, code) in self.file_posts or (unit, code) in self.posts

    def plan_posts(self, plan: SheetPlan, rows: list[tuple[int, dict[str, str]]]) -> None:
        for r, values in rows:
            unit = self._check_code(POSTS, r, values, "unit")
            code = self._check_code(POSTS, r, values, "code")
            name = self._check_text(POSTS, r, values, "name")
            duties = values["duties"]
            if unit and not self.known_unit(unit):
                self.issue(POSTS, r, "unit")(str(UNKNOWN_UNIT % {"code": unit}))
            elif unit in self.units and self.units[unit].pk not in self.visible_unit_ids:
                self.issue(POSTS, r, "unit")(str(UNIT_OUT_OF_SCOPE % {"code": unit}))
            if not (unit and code):
                continue
            key = (unit, code)
            if key in self.file_posts:
                self.issue(POSTS, r, "code")(
                    str(
                        DUPLICATE_POST
                        % {"code": code, "unit": unit, "row": self.file_posts[key].row}
                    )
                )
                continue
            row_plan = RowPlan(
                row=r,
                key=f"{unit}/{code}",
                action="create",
                values={"unit": unit, "code": code, "name": name, "duties": duties},
            )
            existing = self.posts.get(key)
            if existing is not None:
                current = {"name": existing.name, "duties": existing.duties}
                row_plan.changes = [
                    _header(POSTS, k) for k in current if current[k] != row_plan.values[k]
                ]
                row_plan.action = "update" if row_plan.changes else "unchanged"
            self.file_posts[key] = row_plan
            plan.rows.append(row_plan)

    # people

    def plan_people(self, plan: SheetPlan, rows: list[tuple[int, dict[str, str]]]) -> None:
        usernames = {values["username"] for _r, values in rows if values["username"]}
        existing_people = {
            p.username: p
            for p in Person.objects.filter(username__in=usernames)
            .select_related("unit", "post", "post__unit")
            .prefetch_related(
                Prefetch(
                    "role_assignments",
                    queryset=RoleAssignment.objects.prefetch_related("scope"),
                )
            )
        }
        visible = set(
            people_visible_to(self.user)
            .filter(username__in=usernames)
            .values_list("username", flat=True)
        )
        person_keys = ("full_name", "employee_no", "unit", "post", "phone", "email", "is_active")
        people: dict[str, RowPlan] = {}
        role_rows: dict[tuple[str, str], int] = {}
        validate_username = UnicodeUsernameValidator()
        for r, values in rows:
            username = self._check_text(PEOPLE, r, values, "username")
            if username:
                try:
                    validate_username(username)
                except ValidationError:
                    self.issue(PEOPLE, r, "username")(str(BAD_USERNAME))
            full_name = self._check_text(PEOPLE, r, values, "full_name")
            employee_no = self._check_text(PEOPLE, r, values, "employee_no")
            unit = self._check_code(PEOPLE, r, values, "unit")
            post = self._check_code(PEOPLE, r, values, "post")
            if unit and not self.known_unit(unit):
                self.issue(PEOPLE, r, "unit")(str(UNKNOWN_UNIT % {"code": unit}))
            if post and not unit:
                self.issue(PEOPLE, r, "post")(str(POST_WITHOUT_UNIT))
            elif post and self.known_unit(unit) and not self.known_post(unit, post):
                self.issue(PEOPLE, r, "post")(str(UNKNOWN_POST % {"code": post, "unit": unit}))
            phone = self._check_text(PEOPLE, r, values, "phone")
            existing = existing_people.get(username)
            # An exported customer's masked data (ORG-3) keeps the stored value.
            if existing is not None:
                if full_name and full_name == privacy.mask_name(existing.full_name):
                    full_name = existing.full_name
                if phone and "*" in phone and phone == privacy.mask_phone(existing.phone):
                    phone = existing.phone
            if phone and "*" not in phone:
                if phone_is_valid(phone):
                    phone = normalise_phone(phone)
                else:
                    self.issue(PEOPLE, r, "phone")(str(BAD_PHONE % {"value": phone}))
            elif phone:
                self.issue(PEOPLE, r, "phone")(str(BAD_PHONE % {"value": phone}))
            email = self._check_text(PEOPLE, r, values, "email")
            if existing is not None and email and email == privacy.mask_email(existing.email):
                email = existing.email
            elif email:
                try:
                    validate_email(email)
                except ValidationError:
                    self.issue(PEOPLE, r, "email")(str(BAD_EMAIL % {"value": email}))
            active = _bool(
                values["is_active"], default=True, issue=self.issue(PEOPLE, r, "is_active")
            )
            roles = []
            for name in _split(values["roles"]):
                role = self.roles.get(_norm(name))
                if role is None:
                    self.issue(PEOPLE, r, "roles")(
                        str(UNKNOWN_ROLE % {"value": name, "choices": _choices_text(ROLE_LABELS)})
                    )
                else:
                    roles.append(role)
            scope = _split(values["scope"])
            for code in scope:
                if not self.known_unit(code):
                    self.issue(PEOPLE, r, "scope")(str(UNKNOWN_UNIT % {"code": code}))
            if scope and not values["roles"]:
                self.issue(PEOPLE, r, "scope")(str(SCOPE_WITHOUT_ROLE))
            if not username:
                continue
            if existing is not None and (
                username not in visible
                or (existing.company_id not in (None, self.company.pk))
                or existing.is_superuser
            ):
                self.issue(PEOPLE, r, "username")(str(USERNAME_TAKEN % {"username": username}))
            person_values = {
                "full_name": full_name,
                "employee_no": employee_no,
                "unit": unit,
                "post": post,
                "phone": phone,
                "email": email,
                "is_active": active,
            }
            row_plan = people.get(username)
            if row_plan is None:
                row_plan = RowPlan(
                    row=r,
                    key=username,
                    action="create",
                    values={"username": username, **person_values, "roles": {}},
                )
                people[username] = row_plan
                plan.rows.append(row_plan)
            else:
                for key in person_keys:
                    if row_plan.values[key] != person_values[key]:
                        self.issue(PEOPLE, r, key)(str(PERSON_CONFLICT % {"row": row_plan.row}))
            for role in roles:
                if (username, role) in role_rows:
                    self.issue(PEOPLE, r, "roles")(
                        str(
                            DUPLICATE_ROLE
                            % {
                                "role": ROLE_LABELS[role],
                                "username": username,
                                "row": role_rows[(username, role)],
                            }
                        )
                    )
                    continue
                role_rows[(username, role)] = r
                row_plan.values["roles"][role] = sorted(set(scope))
        for username, row_plan in people.items():
            existing = existing_people.get(username)
            self._check_role_changes(row_plan, existing, role_rows)
            if existing is None:
                continue
            current = {
                "full_name": existing.full_name,
                "employee_no": existing.employee_no,
                "unit": existing.unit.code if existing.unit_id else "",
                "post": existing.post.code if existing.post_id else "",
                "phone": existing.phone,
                "email": existing.email,
                "is_active": existing.is_active,
            }
            changes = [_header(PEOPLE, k) for k in current if current[k] != row_plan.values[k]]
            held = {
                a.role: sorted(u.code for u in a.scope.all() if u.company_id == self.company.pk)
                for a in existing.role_assignments.all()
            }
            for role, scope in row_plan.values["roles"].items():
                if held.get(role) != scope:
                    changes.append(f"{_header(PEOPLE, 'roles')}: {ROLE_LABELS[role]}")
            row_plan.changes = changes
            row_plan.action = "update" if changes else "unchanged"
            if changes:
                # Issue 6 item 4: the same rank check as the person pages.
                try:
                    services.check_may_change_person(actor=self.user, person=existing)
                except services.OrgChangeNotAllowed as error:
                    self.issue(PEOPLE, row_plan.row, "username")(error.reason)

    def _check_role_changes(
        self, row_plan: RowPlan, existing: Person | None, role_rows: dict[tuple[str, str], int]
    ) -> None:
        """ORG-2: an import applies the same limits as the role pages: only a superuser
        gives the leadership or quality committee role, or changes their own roles. A role
        held already with the same scope is no change (re-importing an export is fine)."""
        if self.user.is_superuser:
            return
        held = {}
        if existing is not None:
            held = {
                a.role: sorted(u.code for u in a.scope.all() if u.company_id == self.company.pk)
                for a in existing.role_assignments.all()
            }
        for role, scope in row_plan.values["roles"].items():
            if held.get(role) == scope:
                continue
            row = role_rows.get((row_plan.key, role), row_plan.row)
            if role in SUPERUSER_ONLY_ROLES:
                self.issue(PEOPLE, row, "roles")(
                    str(ROLE_SUPERUSER_ONLY % {"role": ROLE_LABELS[role]})
                )
            elif existing is not None and existing.pk == self.user.pk:
                self.issue(PEOPLE, row, "roles")(str(OWN_ROLES % {"role": ROLE_LABELS[role]}))
            elif ROLE_RANK[role] > rank_of(self.user):
                self.issue(PEOPLE, row, "roles")(
                    str(services.ROLE_RANKS_ABOVE % {"role": ROLE_LABELS[role]})
                )


def org_import_plan(*, user: Person, company: Company, content: bytes) -> ImportPlan:
    """Read an organisation workbook and say what importing it would do, and every
    problem with its sheet, row and column (ORG-1, ORG-2). Writes nothing."""
    plan = ImportPlan(sheets=[SheetPlan(format=fmt) for fmt in SHEETS])
    try:
        source = _open_workbook(content)
    except SpreadsheetRefused as error:
        plan.issues.append(Issue("", None, "", error.reason))
        return plan
    by_name = {_norm(title): title for title in source.sheet_names}
    planner = _Planner(user=user, company=company)
    tables = {}
    with source:
        for sheet_plan in plan.sheets:
            fmt = sheet_plan.format
            title = next(
                (by_name[_norm(n)] for n in (fmt.name, *fmt.aliases) if _norm(n) in by_name),
                None,
            )
            if title is None:
                sheet_plan.note = str(SHEET_MISSING)
                continue
            sheet_plan.present = True
            try:
                tables[fmt.key] = _read_sheet(source, title, fmt, sheet_plan, planner.issues)
            except SpreadsheetRefused as error:  # over a reading limit: nothing more is read
                plan.issues = [Issue(fmt.name, error.row, error.column, error.reason)]
                return plan
    if not tables:
        names = "、".join(fmt.name for fmt in SHEETS)
        planner.issues.append(Issue("", None, "", str(NO_KNOWN_SHEET % {"sheets": names})))
    planner.plan_units(plan.sheet("units"), tables.get("units", []))
    planner.plan_posts(plan.sheet("posts"), tables.get("posts", []))
    planner.plan_people(plan.sheet("people"), tables.get("people", []))
    plan.issues = planner.issues
    if planner.issues_not_listed:
        more = MORE_ISSUES % {"count": planner.issues_not_listed}
        plan.issues.append(Issue("", None, "", str(more)))
    plan.depths = {code: planner.final_depth(code) for code in planner.file_units}
    return plan


@transaction.atomic
def org_import_apply(
    *,
    user: Person,
    company: Company,
    content: bytes,
    expected_digest: str | None = None,
    filename: str = "",
) -> ImportPlan:
    """Import an organisation workbook in one transaction (ORG-1, ORG-2): everything, or
    nothing if any row has a problem. The plan is made again here, against the data as it
    is now; if `expected_digest` is given and the plan differs from the previewed one, the
    import is refused as stale. Raises ImportRejected."""
    plan = org_import_plan(user=user, company=company, content=content)
    if not plan.ok:
        raise ImportRejected(plan)
    if expected_digest is not None and plan.digest != expected_digest:
        raise ImportRejected(plan, stale=True)

    def unit_by_code(code: str) -> Unit | None:
        return Unit.objects.get(company=company, code=code) if code else None

    units = sorted(plan.sheet("units").changed_rows, key=lambda r: (plan.depths[r.key], r.row))
    for row in units:
        v = row.values
        fields = {
            "name": v["name"],
            "kind": v["kind"],
            "parent": unit_by_code(v["parent"]),
            "is_quality_department": v["is_quality_department"],
            "is_active": v["is_active"],
        }
        existing = Unit.objects.filter(company=company, code=v["code"]).first()
        if existing is None:
            services.unit_create(company=company, code=v["code"], actor=user, **fields)
        else:
            services.unit_update(unit=existing, actor=user, **fields)
    for row in plan.sheet("posts").changed_rows:
        v = row.values
        post_unit = Unit.objects.get(company=company, code=v["unit"])  # planned: never empty
        existing_post = Post.objects.filter(unit=post_unit, code=v["code"]).first()
        if existing_post is None:
            services.post_create(
                unit=post_unit, code=v["code"], name=v["name"], duties=v["duties"], actor=user
            )
        else:
            services.post_update(post=existing_post, name=v["name"], duties=v["duties"], actor=user)
    for row in plan.sheet("people").changed_rows:
        v = row.values
        unit = unit_by_code(v["unit"])
        post = Post.objects.get(unit=unit, code=v["post"]) if v["post"] else None
        fields = {
            "full_name": v["full_name"],
            "employee_no": v["employee_no"],
            "unit": unit,
            "post": post,
            "phone": v["phone"],
            "email": v["email"],
            "is_active": v["is_active"],
        }
        person = Person.objects.filter(username=v["username"]).first()
        if person is None:
            person = services.person_create(
                username=v["username"], company=company, actor=user, **fields
            )
        else:
            if person.company_id is None:
                fields["company"] = company
            person = services.person_update(person=person, actor=user, **fields)
        held = {a.role: a for a in person.role_assignments.prefetch_related("scope")}
        for role, codes in v["roles"].items():
            scope = list(Unit.objects.filter(company=company, code__in=codes))
            assignment = held.get(role)
            if assignment is not None:
                scope += [u for u in assignment.scope.all() if u.company_id != company.pk]
            services.role_assign(person=person, role=role, scope=scope, actor=user)
    services._record(
        subject=company,
        action=OrgEvent.ORG_IMPORTED,
        actor=user,
        reason=filename,
        data={
            sheet.format.key: {
                "create": sheet.to_create,
                "update": sheet.to_update,
                "unchanged": sheet.unchanged,
            }
            for sheet in plan.sheets
        },
    )
    return plan


def org_import_confirm(*, user: Person, pending: ImportBatch, expected_digest: str) -> ImportPlan:
    """Import a pending upload once (ORG-1, ORG-2, issue 7 item 3): the batch is applied
    with `import_batch_apply` — its row locked and checked, the import and the batch's
    APPLIED state in one transaction — so that of two concurrent confirmations the second
    waits for the first and is then refused (ImportAlreadyDone). If the import is rejected,
    the transaction is rolled back and the batch stays planned. Raises ImportAlreadyDone or
    ImportRejected."""
    outcome: dict = {}

    def apply(batch: ImportBatch) -> dict:
        assert batch.company is not None  # an organisation batch belongs to its company
        plan = org_import_apply(
            user=user,
            company=batch.company,
            content=import_batch_read(batch),
            expected_digest=expected_digest,
            filename=batch.filename,
        )
        outcome["plan"] = plan
        return {
            sheet.format.key: {"create": sheet.to_create, "update": sheet.to_update}
            for sheet in plan.sheets
        }

    try:
        import_batch_apply(pending, apply)
    except (ImportAlreadyApplied, ImportNotPlanned) as error:
        raise ImportAlreadyDone(error.message) from error
    return outcome["plan"]


# --- keeping an upload between preview and confirmation --------------------------------


def _plan_errors(plan: ImportPlan) -> list[list]:
    """The plan's problems as the batch's per-row errors (line, column, value, reason)."""
    return [
        error_row(
            issue.row, " · ".join(p for p in (issue.sheet, issue.column) if p), "", issue.message
        )
        for issue in plan.issues
    ]


def org_import_replan(*, pending: ImportBatch, plan: ImportPlan) -> None:
    """Keep `plan` as what the batch's preview shows and what its confirmation applies."""
    import_batch_plan(
        pending,
        plan=plan_summary(plan),
        errors=_plan_errors(plan),
        counts={
            sheet.format.key: {"create": sheet.to_create, "update": sheet.to_update}
            for sheet in plan.sheets
        },
        meta={**pending.meta, "digest": plan.digest},
    )


def org_import_stash(
    *,
    owner: Person,
    company: Company,
    filename: str,
    content: bytes,
    plan_digest: str,
    summary: dict | None = None,
    plan: ImportPlan | None = None,
) -> ImportBatch:
    """Keep an uploaded workbook as a planned import batch (issue 7 item 3) until it is
    confirmed; batches not confirmed within IMPORT_TTL are no longer offered, and the clock
    purges them."""
    batch = import_batch_create(
        company=company,
        kind=KIND,
        created_by=owner,
        filename=filename,
        content=content,
        meta={"digest": plan_digest},
    )
    if plan is not None:
        org_import_replan(pending=batch, plan=plan)
    else:
        import_batch_plan(batch, plan=summary or {})
    return batch


def org_import_pending(*, owner: Person, token: str | None) -> ImportBatch | None:
    """The owner's planned upload under `token`, unless it has expired."""
    if not token:
        return None
    return (
        ImportBatch.objects.filter(
            kind=KIND,
            token=str(token)[:64],
            created_by=owner,
            state=ImportBatch.State.PLANNED,
            created_at__gte=now() - IMPORT_TTL,
        )
        .select_related("company")
        .first()
    )


def org_import_discard(*, pending: ImportBatch) -> None:
    import_batch_discard(pending)


# --- writing workbooks -----------------------------------------------------------------


def _new_sheet(workbook: Workbook, fmt: SheetFormat) -> XlsxTable:
    """A sheet in the import format: the shared table (frozen, filtered header, measured
    widths; issue 8 item 6) with every cell stored as text, so that Excel keeps codes like
    001 and phone numbers as typed, and a name like "=2+3" stays a name, never a formula
    (issue 6 item 6)."""
    return XlsxTable(
        workbook,
        title=fmt.name,
        headers=[column.header for column in fmt.columns],
        number_format="@",
    )


def _append_text_row(table: XlsxTable, values: list[Any]) -> None:
    table.append(["" if v is None else v for v in values])


def _yes_no(value: bool) -> str:
    return "是" if value else "否"


def _to_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def org_workbook_export(*, user: Person, company: Company) -> bytes:
    """The units, posts and people of `company` that `user` sees, as one workbook in the
    import format (X-4). Customers' personal data is masked (ORG-3); importing the file
    again changes nothing."""
    workbook = Workbook(write_only=True)
    ws = _new_sheet(workbook, UNITS)
    units = list(
        units_visible_to(user).filter(company=company).select_related("parent").order_by("path")
    )
    for unit in units:
        _append_text_row(
            ws,
            [
                unit.code,
                unit.name,
                KIND_LABELS[unit.kind],
                unit.parent.code if unit.parent is not None else "",
                _yes_no(unit.is_quality_department),
                _yes_no(unit.is_active),
            ],
        )
    ws.close()
    ws = _new_sheet(workbook, POSTS)
    for post in (
        Post.objects.filter(unit__in=units).select_related("unit").order_by("unit__path", "code")
    ):
        _append_text_row(ws, [post.unit.code, post.code, post.name, post.duties])
    ws.close()
    ws = _new_sheet(workbook, PEOPLE)
    people = (
        people_visible_to(user)
        .filter(Q(company=company) | Q(unit__company=company))
        .select_related("unit", "post")
        .prefetch_related(
            Prefetch(
                "role_assignments",
                queryset=RoleAssignment.objects.order_by("role").prefetch_related("scope"),
            )
        )
        .order_by("unit__path", "username")
    )
    for person in people:
        person_columns = [
            person.username,
            person_field(person, "full_name", viewer=user),
            person.employee_no,
            person.unit.code if person.unit is not None else "",
            person.post.code if person.post is not None else "",
            person_field(person, "phone", viewer=user),
            person_field(person, "email", viewer=user),
        ]
        assignments: list[RoleAssignment | None] = list(person.role_assignments.all())
        for assignment in assignments or [None]:
            role, scope = "", ""
            if assignment is not None:
                role = ROLE_LABELS[assignment.role]
                scope = ",".join(
                    sorted(u.code for u in assignment.scope.all() if u.company_id == company.pk)
                )
            _append_text_row(ws, [*person_columns, role, scope, _yes_no(person.is_active)])
    ws.close()
    return _to_bytes(workbook)


def org_workbook_template() -> bytes:
    """An empty workbook in the import format, with a sheet explaining the columns."""
    workbook = Workbook(write_only=True)
    for fmt in SHEETS:
        _new_sheet(workbook, fmt).close()
    ws = XlsxTable(workbook, title="说明", headers=["项目", "说明"], widths={0: 14, 1: 90})
    ws.append(
        [
            "必填列",
            "单位：单位编码、单位名称、类型；岗位：单位编码、岗位编码、岗位名称；人员：用户名、姓名",
        ],
    )
    ws.append(["类型", _choices_text(KIND_LABELS)])
    ws.append(["角色", _choices_text(ROLE_LABELS)])
    ws.append(["角色范围", "单位编码，用逗号（, ，）或顿号（、）分隔"])
    ws.append(["是/否", "质量管理部门、启用：填“是”或“否”；启用留空视为“是”"])
    ws.append(
        [
            "多个角色",
            "每个角色可各占一行（人员各列须一致），或在“角色”中列出共用同一范围的多个角色",
        ],
    )
    ws.append(
        [
            "导入",
            "按单位编码、单位编码+岗位编码、用户名更新或新增；不会删除任何数据；新导入的人员需设置密码后才能登录",
        ],
    )
    ws.close()
    return _to_bytes(workbook)
