"""Checklist versions to and from Excel (INS-4, X-4).

The export writes one sheet of items (`XlsxTable`: the header bold and frozen, every text as
text) and a sheet describing the checklist; the import reads the same columns back through
the shared tabular pipeline (`core.tabular`: the archive checks, the header found among the
first rows) and the `core.ImportBatch` lifecycle (`imports.import_batch_apply`: once, in one
transaction). A workbook goes into a NEW draft version, all its items or none: every item is
saved through `checklists.item_save`, so an item is refused in the workbook for the same
reason as in the builder, named with its row and column; the batch keeps those errors for the
downloadable error report.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pinzhi.core.imports import (
    ImportBatch,
    error_row,
    import_batch_apply,
    import_batch_create,
    import_batch_plan,
)
from pinzhi.core.spreadsheets import XlsxTable
from pinzhi.core.tabular import XLSX, header_key, tabular_open
from pinzhi.inspections import checklists
from pinzhi.inspections.checklists import ChecklistError
from pinzhi.inspections.events import ChecklistEvent
from pinzhi.inspections.models import ChecklistItem, ChecklistTemplate, TemplateVersion
from pinzhi.lib.errors import DomainError
from pinzhi.timeline.services import event_record

KIND = "checklist"
Scoring = ChecklistItem.Scoring

# The columns, in the order written; the import finds them by name (aliases allowed).
COLUMNS: list[tuple[str, Any, tuple[str, ...]]] = [
    ("section", pgettext_lazy("checklist column", "Section"), ("分区", "分类", "section")),
    ("code", pgettext_lazy("checklist column", "Code"), ("编号", "项目编号", "code")),
    ("text", pgettext_lazy("checklist column", "What is checked"), ("检查内容", "检查项", "text")),
    ("help_text", pgettext_lazy("checklist column", "Help"), ("说明", "检查说明", "help")),
    ("standard", pgettext_lazy("checklist column", "Standard code"), ("标准编号", "standard")),
    ("weight", pgettext_lazy("checklist column", "Weight"), ("权重", "weight")),
    ("scoring", pgettext_lazy("checklist column", "Scoring"), ("评分方式", "scoring")),
    ("max_score", pgettext_lazy("checklist column", "Maximum score"), ("满分", "max score")),
    ("pass_score", pgettext_lazy("checklist column", "Pass score"), ("合格分", "pass score")),
    ("allow_na", pgettext_lazy("checklist column", "May be N/A"), ("可不适用", "n/a")),
    ("critical", pgettext_lazy("checklist column", "Critical"), ("关键项", "critical")),
    (
        "photo_on_failure",
        pgettext_lazy("checklist column", "Photo on failure"),
        ("不合格须拍照", "photo"),
    ),
    (
        "follow_up_of",
        pgettext_lazy("checklist column", "Follow-up of"),
        ("追加于", "上级编号", "follow-up of"),
    ),
]
REQUIRED = ("code", "text")
YES = {"是", "y", "yes", "true", "1", "√", "✓", "x"}
NO = {"否", "n", "no", "false", "0", ""}

ITEMS_SHEET = pgettext_lazy("checklist workbook", "Items")
ABOUT_SHEET = pgettext_lazy("checklist workbook", "Checklist")
ABOUT_FIELD = pgettext_lazy("checklist workbook", "Field")
ABOUT_VALUE = pgettext_lazy("checklist workbook", "Value")
YES_TEXT = pgettext_lazy("checklist workbook", "yes")
NO_TEXT = pgettext_lazy("checklist workbook", "no")

MISSING_COLUMNS = _(
    "The workbook has no column %(columns)s: export a checklist to see the columns it needs."
)
NO_ITEMS = _("The workbook holds no items.")
TOO_MANY_ITEMS = _("The workbook holds more than %(max)s items; a checklist has at most that many.")
NOT_YES_NO = _("Write 是 or 否.")
SCORING_UNREADABLE = _("Write one of: %(choices)s.")
STANDARD_UNKNOWN = _("No standard %(standard)s in your company's catalogue.")
PARENT_UNKNOWN = _("No item %(item_code)s in the workbook to follow up.")
DRAFT_IN_THE_WAY = _(
    "Version %(number)s is a draft of this checklist: publish or discard it before importing "
    "a workbook into a new draft."
)


# --- export ---------------------------------------------------------------------------------


def _yes_no(value: bool) -> str:
    return str(YES_TEXT if value else NO_TEXT)


def version_workbook(version: TemplateVersion) -> bytes:
    """INS-4: the version's items, one row each, in the columns the import reads."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    table = XlsxTable(workbook, title=str(ITEMS_SHEET), headers=[c[1] for c in COLUMNS])
    for item in checklists.version_items(version):
        table.append(
            [
                item.section,
                item.code,
                item.text,
                item.help_text,
                item.standard.code if item.standard else "",
                item.weight,
                item.get_scoring_display(),
                item.max_score if item.scoring == Scoring.SCALE else None,
                item.pass_score if item.scoring == Scoring.SCALE else None,
                _yes_no(item.allow_na),
                _yes_no(item.critical),
                _yes_no(item.photo_on_failure),
                item.follow_up_of.code if item.follow_up_of else "",
            ]
        )
    table.close()
    template = version.template
    about = XlsxTable(workbook, title=str(ABOUT_SHEET), headers=[ABOUT_FIELD, ABOUT_VALUE])
    for label, value in (
        (ChecklistTemplate._meta.get_field("name").verbose_name, template.name),
        (ChecklistTemplate._meta.get_field("code").verbose_name, template.code),
        (ChecklistTemplate._meta.get_field("cadence").verbose_name, template.get_cadence_display()),
        (ChecklistTemplate._meta.get_field("pass_percent").verbose_name, template.pass_percent),
        (TemplateVersion._meta.get_field("number").verbose_name, version.number),
        (TemplateVersion._meta.get_field("status").verbose_name, version.get_status_display()),
        (ChecklistTemplate._meta.get_field("source").verbose_name, template.source),
    ):
        about.append([str(label), value])
    about.close()
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# --- import ---------------------------------------------------------------------------------


@dataclass
class ImportResult:
    batch: ImportBatch
    draft: TemplateVersion | None = None
    count: int = 0
    errors: list[list] = field(default_factory=list)


@dataclass
class Row:
    line: int
    values: dict[str, Any]
    columns: dict[str, str]  # field → "header (letter)"


class _Refused(Exception):
    def __init__(self, errors: list[list]) -> None:
        self.errors = errors


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _scoring_of(text: str) -> str | None:
    key = header_key(text)
    for value, label in Scoring.choices:
        if key in (header_key(value), header_key(label)):
            return value
    if key in {header_key(a) for a in ("合格/不合格", "是否合格", "pass/fail")}:
        return Scoring.PASS_FAIL
    if key in {header_key(a) for a in ("打分", "评分", "分值", "0~N", "0～N", "0~N分", "0～N分")}:
        return Scoring.SCALE
    return None


def _read_rows(content: bytes, filename: str) -> tuple[list[Row], list[list]]:
    """The workbook's item rows and the errors of reading them (missing columns, values
    that are not what their column needs)."""
    keys = {
        name: {header_key(label), *map(header_key, aliases)} for name, label, aliases in COLUMNS
    }
    expected = [a for name, label, aliases in COLUMNS for a in (str(label), *aliases)]
    rows: list[Row] = []
    errors: list[list] = []
    limit = settings.PINZHI_CHECKLIST_MAX_ITEMS
    with tabular_open(content, filename=filename, kinds=(XLSX,)) as source:
        table = source.table(expected=expected)
        index: dict[str, int] = {}
        for position, header in enumerate(table.headers):
            for name, names in keys.items():
                if header_key(header) in names and name not in index:
                    index[name] = position
        missing = [
            str(label) for name, label, _a in COLUMNS if name in REQUIRED and name not in index
        ]
        if missing:
            raise ChecklistError(
                MISSING_COLUMNS, columns="、".join(f"“{m}”" for m in missing), status=422
            )
        for line, cells in table.rows:
            if len(rows) >= limit:
                raise ChecklistError(TOO_MANY_ITEMS, max=limit, status=422)
            values = {
                name: cells[position] if position < len(cells) else None
                for name, position in index.items()
            }
            columns = {name: table.locate(position) for name, position in index.items()}
            row = Row(line=line, values={}, columns=columns)
            for name in ("section", "code", "text", "help_text", "standard", "follow_up_of"):
                row.values[name] = _text(values.get(name))
            for name in ("weight", "max_score", "pass_score"):
                if name in values:
                    row.values[name] = _text(values[name])
            if "weight" in row.values and row.values["weight"] == "":
                row.values["weight"] = "1"
            scoring = _text(values.get("scoring"))
            if scoring:
                parsed = _scoring_of(scoring)
                if parsed is None:
                    choices = "、".join(str(label) for _v, label in Scoring.choices)
                    errors.append(
                        error_row(
                            line,
                            columns["scoring"],
                            scoring,
                            SCORING_UNREADABLE % {"choices": choices},
                        )
                    )
                row.values["scoring"] = parsed or Scoring.PASS_FAIL
            for name in ("allow_na", "critical", "photo_on_failure"):
                if name not in values:
                    continue
                flag = _text(values[name]).casefold()
                if flag in YES:
                    row.values[name] = True
                elif flag in NO:
                    row.values[name] = name == "allow_na" and flag == "" or False
                else:
                    errors.append(error_row(line, columns[name], values[name], NOT_YES_NO))
            rows.append(row)
    return rows, errors


def _field_errors(row: Row, error: DomainError) -> list[list]:
    out = []
    for each in error.field_errors:
        column = row.columns.get(each.field or "", "")
        out.append(error_row(row.line, column, row.values.get(each.field or ""), each.reason))
    return out


def checklist_import(
    *, template: ChecklistTemplate, content: bytes, filename: str, actor: Any
) -> ImportResult:
    """INS-4, X-4: import a workbook into a new draft of `template`, every item or none.
    Raises a DomainError for a file that cannot be read (the shared refusals) or a draft in
    the way; a file with bad rows gives a result without a draft and with its errors."""
    checklists.checklist_builder_check(actor)
    draft = checklists.template_draft(template)
    if draft is not None:
        raise ChecklistError(DRAFT_IN_THE_WAY, number=draft.number)
    rows, errors = _read_rows(content, filename)
    batch = import_batch_create(
        company=template.company,
        kind=KIND,
        created_by=actor,
        filename=filename,
        content=content,
        meta={"template": template.pk},
    )
    if not rows and not errors:
        errors.append(error_row(None, "", "", NO_ITEMS))
    standards = {s.code: s for s in checklists.standards_for(template.company_id)}
    codes = {row.values["code"] for row in rows}
    for row in rows:
        code = row.values["standard"]
        if code and code not in standards:
            errors.append(
                error_row(
                    row.line, row.columns["standard"], code, STANDARD_UNKNOWN % {"standard": code}
                )
            )
        parent = row.values["follow_up_of"]
        if parent and parent not in codes:
            errors.append(
                error_row(
                    row.line,
                    row.columns["follow_up_of"],
                    parent,
                    PARENT_UNKNOWN % {"item_code": parent},
                )
            )
    if not rows:
        import_batch_plan(batch, errors=errors, counts={"rows": 0})
        return ImportResult(batch=batch, errors=errors)

    def apply(locked: ImportBatch) -> dict:
        new = checklists.version_draft_create(template=template, actor=actor, copy=False)
        saved: dict[str, ChecklistItem] = {}
        problems: list[list] = []
        # Main items first, so that a follow-up finds its main item whatever the row order.
        ordered = sorted(rows, key=lambda row: bool(row.values["follow_up_of"]))
        for row in ordered:
            values = dict(row.values)
            values["standard"] = standards.get(values["standard"]) if values["standard"] else None
            parent = values.pop("follow_up_of")
            values["follow_up_of"] = saved.get(parent) if parent else None
            try:
                saved[values["code"]] = checklists.item_save(version=new, actor=actor, **values)
            except DomainError as error:
                problems += _field_errors(row, error)
        if problems or errors:
            raise _Refused(sorted(errors + problems, key=lambda e: (e[0] or 0, e[1])))
        checklists.items_reorder(new, [saved[row.values["code"]] for row in rows])
        event_record(
            subject=template,
            action=ChecklistEvent.IMPORTED,
            actor=actor,
            data={"number": new.number, "items": len(rows)},
        )
        locked.meta = {**locked.meta, "draft": new.pk}
        locked.save(update_fields=["meta"])
        return {"items": len(rows), "draft": new.pk}

    try:
        result = import_batch_apply(batch, apply)
    except _Refused as refused:
        import_batch_plan(batch, errors=refused.errors, counts={"rows": len(rows)})
        return ImportResult(batch=batch, errors=refused.errors)
    with transaction.atomic():
        new_draft = TemplateVersion.objects.get(pk=result["draft"])
    return ImportResult(batch=batch, draft=new_draft, count=len(rows))
