"""The one import batch model of every tabular import (issue 7 item 3): plan → preview →
confirm → apply, for the organisation, historical complaints and holiday calendars.

- `import_batch_create` keeps the upload through Django's storage API (never a local
  path: a worker on another machine, or object storage, reads the same file) and returns a
  PLANNED batch for one company.
- The importer reads the upload with `pinzhi.core.tabular`, checks every row and records
  what it would do with `import_batch_plan` (the preview rows, the counts and the per-row
  errors as [line, column, value, reason], in the database).
- `import_batch_apply` applies it in one transaction, once: the batch row is locked, its
  state checked (a second confirmation waits for the first and is then refused with
  `ImportAlreadyApplied`), the importer's writes made and the batch marked APPLIED in the
  same transaction; if the importer raises, nothing is written and the batch is as before.
- `import_batch_claim` marks a batch APPLYING with a conditional UPDATE, for an import
  queued to a worker: a second start is refused at once.
- `import_error_report` is the downloadable error report (.xlsx: line, column, value,
  reason), every cell written as text.
- `import_batches_purge` (the clock, hourly) deletes batches not applied within
  PINZHI_IMPORT_PLAN_HOURS and finished ones after PINZHI_IMPORT_KEEP_DAYS, with their
  uploads.
"""

from __future__ import annotations

import io
import os
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import Http404, HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pinzhi.core.models import ImportBatch
from pinzhi.core.spreadsheets import XlsxTable
from pinzhi.lib.clock import now
from pinzhi.lib.errors import DomainError

State = ImportBatch.State

# Per-row errors kept with a batch (more are counted, not listed: the mapping is wrong).
MAX_ERRORS = 10_000
# A quoted cell value or a reason is kept this short in the stored errors.
MAX_ERROR_TEXT = 500

ALREADY_APPLIED = _("This file has already been imported.")
NOT_PLANNED = _("This import was discarded or has failed; upload the file again.")
ERRORS_NOT_LISTED = _("… and %(count)s further rows with problems, not listed")
REPORT_SHEET = pgettext_lazy("import error report", "Errors")
REPORT_LINE = pgettext_lazy("import error report", "Line")
REPORT_COLUMN = pgettext_lazy("import error report", "Column")
REPORT_VALUE = pgettext_lazy("import error report", "Value")
REPORT_REASON = pgettext_lazy("import error report", "Reason")


class ImportAlreadyApplied(DomainError):
    """The batch was applied (or is being applied) already."""

    code = "import_already_applied"
    status = 409


class ImportNotPlanned(DomainError):
    """The batch was discarded or failed: nothing to apply."""

    code = "import_not_planned"
    status = 409


def _short(value: Any) -> str:
    text = "" if value is None else str(value)
    text = text.replace("\x00", "")
    return text if len(text) <= MAX_ERROR_TEXT else text[: MAX_ERROR_TEXT - 1] + "…"


def json_safe(value: Any) -> Any:
    """`value` with every NUL character replaced by U+FFFD: a file's own text is kept in
    JSON fields, and PostgreSQL refuses NUL in them (issue 6 item 8)."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, dict):
        return {json_safe(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


def error_row(line: int | None, column: str, value: Any, reason: Any) -> list:
    """One per-row error as stored: [line, column, value, reason] (column "header (A)")."""
    return [line, _short(column), _short(value), _short(reason)]


# --- writes --------------------------------------------------------------------------------


def import_batch_create(
    *,
    company: Any,
    kind: str,
    created_by: Any,
    filename: str,
    content: bytes,
    meta: dict | None = None,
) -> ImportBatch:
    """A new PLANNED batch of `kind` for `company`, its upload kept through the default
    storage (issue 7 item 3)."""
    at = now()
    batch = ImportBatch(
        token=secrets.token_urlsafe(24),
        company=company,
        kind=kind,
        created_by=created_by if getattr(created_by, "pk", None) else None,
        filename=os.path.basename(filename or "")[:200],
        meta=json_safe(meta or {}),
        created_at=at,
        updated_at=at,
    )
    batch.upload.save("upload", ContentFile(content), save=False)
    try:
        batch.save()
    except BaseException:
        batch.upload.delete(save=False)
        raise
    return batch


def import_batch_read(batch: ImportBatch) -> bytes:
    """The upload's bytes (through the storage API)."""
    with batch.upload.open("rb") as upload:
        return upload.read()


def import_batch_plan(
    batch: ImportBatch,
    *,
    plan: dict | None = None,
    errors: list[list] | None = None,
    counts: dict | None = None,
    meta: dict | None = None,
) -> ImportBatch:
    """Record what applying the batch would do: the preview (`plan`), the per-row errors
    (at most MAX_ERRORS kept, the rest counted) and the counts. Writes nothing else."""
    errors = errors or []
    batch.plan = json_safe(plan) if plan is not None else batch.plan
    batch.errors = json_safe(errors[:MAX_ERRORS])
    batch.errors_not_listed = max(0, len(errors) - MAX_ERRORS)
    if counts is not None:
        batch.counts = counts
    if meta is not None:
        batch.meta = json_safe(meta)
    batch.planned_at = batch.updated_at = now()
    batch.save(
        update_fields=[
            "plan",
            "errors",
            "errors_not_listed",
            "counts",
            "meta",
            "planned_at",
            "updated_at",
        ]
    )
    return batch


def import_batch_claim(batch: ImportBatch) -> None:
    """Mark a PLANNED batch APPLYING (queued for a worker) with a conditional UPDATE, so that
    of two starts exactly one goes ahead. Raises ImportAlreadyApplied or ImportNotPlanned."""
    claimed = ImportBatch.objects.filter(pk=batch.pk, state=State.PLANNED).update(
        state=State.APPLYING, updated_at=now()
    )
    if not claimed:
        current = ImportBatch.objects.filter(pk=batch.pk).values_list("state", flat=True).first()
        if current in (State.APPLYING, State.APPLIED):
            raise ImportAlreadyApplied(ALREADY_APPLIED)
        raise ImportNotPlanned(NOT_PLANNED)
    batch.state = State.APPLYING


def import_batch_apply(
    batch: ImportBatch,
    apply: Callable[[ImportBatch], dict],
    *,
    from_state: str = State.PLANNED,
    keep_upload: bool = False,
) -> dict:
    """Apply a batch once, atomically (issue 7 item 3): lock its row, check it is still
    `from_state`, run `apply(batch)` (the importer's writes) and mark it APPLIED with the
    result as its counts, all in one transaction. If `apply` raises, nothing is written.
    Raises ImportAlreadyApplied (applied, or being applied, already) or ImportNotPlanned."""
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.state != from_state:
            if locked.state in (State.APPLYING, State.APPLIED):
                raise ImportAlreadyApplied(ALREADY_APPLIED)
            raise ImportNotPlanned(NOT_PLANNED)
        result = apply(locked)
        locked.state = State.APPLIED
        locked.counts = {**locked.counts, **(result or {})}
        locked.applied_at = locked.updated_at = now()
        locked.save(update_fields=["state", "counts", "applied_at", "updated_at"])
    batch.state, batch.counts, batch.applied_at = locked.state, locked.counts, locked.applied_at
    if not keep_upload:
        _drop_upload(batch)
    return result


def import_batch_fail(batch: ImportBatch, *, error: str) -> None:
    """Mark a batch FAILED with the reason shown to the person (never a raw database
    error); its upload is dropped."""
    progress = {**batch.progress, "state": "failed", "error": _short(error), "phase": ""}
    ImportBatch.objects.filter(pk=batch.pk).update(
        state=State.FAILED, progress=progress, updated_at=now()
    )
    batch.state, batch.progress = State.FAILED, progress
    _drop_upload(batch)


def import_batch_progress(batch: ImportBatch, **values: Any) -> None:
    """Record the phase and rows done of a batch being applied (outside its transaction)."""
    batch.progress = json_safe({**batch.progress, **values})
    ImportBatch.objects.filter(pk=batch.pk).update(progress=batch.progress)


def import_batch_discard(batch: ImportBatch) -> None:
    """Discard a planned batch (the person cancelled it); its upload is deleted."""
    ImportBatch.objects.filter(pk=batch.pk, state=State.PLANNED).update(
        state=State.DISCARDED, updated_at=now()
    )
    batch.state = State.DISCARDED
    _drop_upload(batch)


def _drop_upload(batch: ImportBatch) -> None:
    if batch.upload and batch.upload.name:  # a FieldFile is true when it has a name
        name, storage = batch.upload.name, batch.upload.storage
        transaction.on_commit(lambda: storage.delete(name))
        ImportBatch.objects.filter(pk=batch.pk).update(upload="")
        batch.upload = ""


def import_batches_purge(*, at: datetime) -> int:
    """Delete the batches left PLANNED for PINZHI_IMPORT_PLAN_HOURS and those finished
    (applied, failed, discarded) PINZHI_IMPORT_KEEP_DAYS ago, with their uploads; the
    timeline keeps what each import did. Returns how many."""
    stale = ImportBatch.objects.filter(
        state=State.PLANNED,
        updated_at__lt=at - timedelta(hours=settings.PINZHI_IMPORT_PLAN_HOURS),
    ) | ImportBatch.objects.filter(
        state__in=[State.APPLIED, State.FAILED, State.DISCARDED],
        updated_at__lt=at - timedelta(days=settings.PINZHI_IMPORT_KEEP_DAYS),
    )
    deleted = 0
    for batch in list(stale[:1000]):
        name = batch.upload.name if batch.upload else ""
        taken, _rows = ImportBatch.objects.filter(pk=batch.pk, state=batch.state).delete()
        if taken:
            deleted += 1
            if name:
                batch.upload.storage.delete(name)
    return deleted


# --- reads ---------------------------------------------------------------------------------


def import_batch_for(user: Any, *, token: str, kind: str) -> ImportBatch:
    """The batch `token` of `kind` if it belongs to `user`'s company (any for a superuser);
    else Http404 — another company's batch does not exist for this person."""
    batches = ImportBatch.objects.filter(kind=kind)
    if not user.is_superuser:
        batches = batches.filter(company_id=user.company_id, company__isnull=False)
    batch = batches.filter(token=str(token)[:64]).first()
    if batch is None:
        raise Http404
    return batch


def import_batches_recent(
    *, company_id: int | None, kind: str, limit: int = 10
) -> list[ImportBatch]:
    # company_id None (the operator's shared batches) is IS NULL, which django-stubs rejects.
    batches = ImportBatch.objects.filter(company_id=company_id, kind=kind)  # type: ignore[misc]
    return list(batches.order_by("-created_at")[:limit])


def import_error_report(batch: ImportBatch) -> bytes:
    """The batch's per-row errors as an .xlsx workbook: line, column, value, reason; the
    values are the file's own text, written as text (never a formula)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    table = XlsxTable(
        workbook,
        title=str(REPORT_SHEET),
        headers=[REPORT_LINE, REPORT_COLUMN, REPORT_VALUE, REPORT_REASON],
    )
    for line, column, value, reason in batch.errors:
        table.append([line, column, value, reason])
    if batch.errors_not_listed:
        table.append(["", "", "", ERRORS_NOT_LISTED % {"count": batch.errors_not_listed}])
    table.close()
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def import_error_report_response(batch: ImportBatch) -> HttpResponse:
    stem = os.path.splitext(batch.filename or "import")[0][:80] or "import"
    response = HttpResponse(
        import_error_report(batch),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = content_disposition_header(True, f"{stem}-errors.xlsx")
    return response
