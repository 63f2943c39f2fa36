"""The Excel export of a complaint list (X-4): the same filters as the list, Chinese
headers, the customer's personal data masked per row unless the person may see it
(ORG-3). Every text is written as text: a subject "=HYPERLINK(…)" from the public form is
never a live formula (issue 6 item 6); times are Excel dates in local time, under a
frozen, filtered header (issue 8 item 6).

Issue 9 item 4: an export of 10,000 rows takes about a second and any number of rows
streams in flat memory. The rows are read with `values_list` in chunks (one query per
chunk, no model objects, no per-row query), every choice label is looked up once per
export, whether a viewer sees every customer in clear is decided once per export
(`_Masking`), and the workbook is streamed by `pinzhi.core.spreadsheets.XlsxStream`
without an object per cell. The cells are the same as the list's masking rules give
(`search.shown_customer`, checked by the tests row by row)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import FileResponse, QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from pinzhi.complaints import search, selectors
from pinzhi.complaints.models import Category, Channel, Complaint, ContactLetter, Severity, Status
from pinzhi.complaints.selectors import PERSONAL_DATA_ROLES
from pinzhi.core.exports import export_job_create
from pinzhi.core.models import ExportJob
from pinzhi.core.spreadsheets import XlsxStream
from pinzhi.lib.clock import now
from pinzhi.lib.privacy import customer_field, customer_text
from pinzhi.orgs.models import Unit
from pinzhi.orgs.roles import REGISTRAR_ROLES
from pinzhi.orgs.selectors import units_covered, units_visible_to

CHUNK = 2_000
# Progress is reported every this many rows (a worker's export, issue 9 item 4).
PROGRESS_EVERY = 1_000

EXPORT_KIND = "complaints"
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def max_rows() -> int:
    """The most rows one export holds (PINZHI_EXPORT_MAX_ROWS)."""
    return settings.PINZHI_EXPORT_MAX_ROWS


def sync_max_rows() -> int:
    """Above this many rows an export is written by a worker (PINZHI_EXPORT_SYNC_MAX_ROWS)."""
    return settings.PINZHI_EXPORT_SYNC_MAX_ROWS


def _headers() -> list[str]:
    return [
        _("tracking code"),
        _("received at"),
        _("status"),
        _("channel"),
        _("category"),
        _("severity"),
        _("estate / site"),
        _("department complained about"),
        pgettext("complaint", "subject"),
        _("complaint content"),
        _("customer's request"),
        _("customer name"),
        _("contact phone"),
        _("e-mail"),
        _("address"),
        _("first-contact owner"),
        _("handler"),
        _("resolved at"),
        _("closed at"),
        _("overdue"),
        _("repeat of"),
    ]


_FIELDS = (
    "tracking_code",
    "received_at",
    "status",
    "channel",
    "category",
    "severity",
    "location__name",
    "department__name",
    "title",
    "content",
    "request",
    "customer_name",
    "customer_phone",
    "customer_email",
    "customer_address",
    "owner__full_name",
    "owner__username",
    "handler__full_name",
    "handler__username",
    "resolved_at",
    "closed_at",
    "is_overdue",
    "repeat_of__tracking_code",
    # What decides whether the viewer sees the customer (ORG-3, `may_see_customer`).
    "customer_id",
    "registered_by_id",
    "owner_id",
    "handler_id",
    "location_id",
)


def _labels(choices) -> dict[str, str]:
    """A choice's labels as text in the active language, read once per export."""
    return {value: str(label) for value, label in choices.choices}


class _Masking:
    """ORG-3 for one viewer, decided once per export: the quality department, the service
    desk and a superuser see every customer; anyone else sees a row's customer when they
    registered, own or handle the case, are its customer, take complaints at its estate,
    or are the head the current contact letter goes to — the rules of
    `selectors.may_see_customer`, with the viewer's estates read once."""

    def __init__(self, user) -> None:
        self.user_id = user.pk
        self.everyone = bool(user.is_superuser or user.role_codes & PERSONAL_DATA_ROLES)
        self.front_line = frozenset() if self.everyone else units_covered(user, REGISTRAR_ROLES)

    def may_see(self, row: tuple) -> bool:
        """`row` ends with the customer, registrar, owner, handler, location and the current
        letter's addressee (`_FIELDS`, then `letter_to_id`)."""
        if self.everyone:
            return True
        customer, registrar, owner, handler, location, letter_to = row[-6:]
        me = self.user_id
        return (
            customer == me
            or me in (registrar, owner, handler)
            or (location is not None and location in self.front_line)
            or letter_to == me
        )


def _current_letter_to() -> Subquery:
    """The person the latest contact letter of the case goes to (CMP-3)."""
    letters = ContactLetter.objects.filter(complaint=OuterRef("pk")).order_by("-sent_at", "-pk")
    return Subquery(letters.values("to_person_id")[:1])


def complaint_rows(user, complaints: QuerySet[Complaint]) -> Iterator[list[Any]]:
    """The export's rows of `complaints` (filtered and ordered by the list, carrying
    `is_overdue`), as `user` may see them, at most `max_rows()` of them."""
    masking = _Masking(user)
    queryset = complaints
    fields = list(_FIELDS)
    if not masking.everyone:
        queryset = queryset.annotate(letter_to_id=_current_letter_to())
        fields.append("letter_to_id")
    status, channel = _labels(Status), _labels(Channel)
    category, severity = _labels(Category), _labels(Severity)
    yes = _("yes")
    with _read_in_bulk():
        values = queryset.values_list(*fields)[: max_rows()]
        for row in values.iterator(chunk_size=CHUNK):
            (
                code,
                received_at,
                status_value,
                channel_value,
                category_value,
                severity_value,
                location,
                department,
                title,
                content,
                request,
                name,
                phone,
                email,
                address,
                owner_name,
                owner_username,
                handler_name,
                handler_username,
                resolved_at,
                closed_at,
                overdue,
                repeat_of,
            ) = row[:23]
            may_see = masking.may_see(row)
            known = {"names": [name], "addresses": [address]}
            yield [
                code,
                received_at,
                status.get(status_value, status_value),
                channel.get(channel_value, channel_value),
                category.get(category_value, category_value),
                severity.get(severity_value, severity_value),
                location or "",
                department or "",
                customer_text(title, may_see=may_see, **known),
                customer_text(content, may_see=may_see, **known),
                customer_text(request, may_see=may_see, **known),
                customer_field(name, kind="name", may_see=may_see),
                customer_field(phone, kind="phone", may_see=may_see),
                customer_field(email, kind="email", may_see=may_see),
                customer_field(address, kind="address", may_see=may_see),
                owner_name or owner_username or "",
                handler_name or handler_username or "",
                resolved_at,
                closed_at,
                yes if overdue else "",
                repeat_of or "",
            ]


@contextmanager
def _read_in_bulk() -> Iterator[None]:
    """On PostgreSQL the export's one long read runs without JIT compilation, which costs
    it more (about half a second) than it saves on a plain scan; in its own read-only
    transaction, so the setting ends with it. Other databases read as they are."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
        yield


def complaints_workbook(
    user,
    complaints: QuerySet[Complaint],
    target,
    *,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write the complaints to `target` (a path or a binary file) as .xlsx; returns the
    row count. The caller has checked the count against `max_rows()`. `progress` is
    called with the rows written so far every PROGRESS_EVERY rows."""
    rows = 0
    with XlsxStream(target, title=_("Complaints"), headers=_headers()) as table:
        for row in complaint_rows(user, complaints):
            table.append(row)
            rows += 1
            if progress is not None and rows % PROGRESS_EVERY == 0:
                progress(rows)
    return rows


def complaints_for_export(user, data) -> QuerySet[Complaint]:
    """X-4: the complaints of the list the export was asked from — `data` is its query
    string: `mode` (all, mine, unit and `unit`) and the list's filters — as `user` sees
    them, filtered and sorted as the list (the same rows as the page)."""
    mode = data.get("mode", "all")
    if mode == "mine":
        base = selectors.queue_for_person(user)
    elif mode == "unit":
        units = units_visible_to(user).filter(is_active=True)
        unit = _chosen_unit(user, data, units)
        base = selectors.queue_for_unit(user, unit) if unit else Complaint.objects.none()
    else:
        base = selectors.complaints_visible_to(user)
    return search.complaints_filtered(user, data, base=base).qs


def _chosen_unit(user, data, units) -> Unit | None:
    """The unit of the department queue: the one asked for if the user sees it, else their
    own, else the first they see (as the queue page chooses)."""
    chosen = str(data.get("unit", ""))
    if chosen.isdigit():
        unit = units.filter(pk=chosen).first()
        if unit is not None:
            return unit
    own = units.filter(pk=user.unit_id).first() if user.unit_id else None
    return own or units.order_by("path").first()


def _job_params(data) -> dict:
    """A query string as the job keeps it (every value of every key)."""
    if hasattr(data, "lists"):
        return {key: values for key, values in data.lists()}
    return {key: value if isinstance(value, list) else [value] for key, value in data.items()}


def _job_data(params: dict) -> QueryDict:
    data = QueryDict(mutable=True)
    for key, values in params.items():
        data.setlist(key, [str(value) for value in values])
    return data


def complaints_export_queue(user, data, *, rows: int) -> ExportJob:
    """Issue 9 item 4: queue the export of the list `data` describes, written by a worker
    as `user` sees it; the job's page shows the progress and then the link."""
    return export_job_create(
        kind=EXPORT_KIND,
        requested_by=user,
        params=_job_params(data),
        rows_total=min(rows, max_rows()),
        filename=export_filename(),
    )


def complaints_export_write(job: ExportJob, target, progress: Callable[[int], None]) -> int:
    """The worker's side of `complaints_export_queue`: the same rows and cells as an export
    downloaded at once, for the person who asked, read as they see the list now."""
    user = job.requested_by
    complaints = complaints_for_export(user, _job_data(job.params))
    return complaints_workbook(user, complaints, target, progress=progress)


def export_filename() -> str:
    return f"complaints-{timezone.localtime(now()):%Y%m%d-%H%M}.xlsx"


def complaints_response(user, complaints: QuerySet[Complaint]) -> FileResponse:
    """The workbook as a download, spooled to a temporary file rather than held in memory."""
    spool = tempfile.TemporaryFile()
    try:
        complaints_workbook(user, complaints, spool)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return FileResponse(
        spool, as_attachment=True, filename=export_filename(), content_type=CONTENT_TYPE
    )
