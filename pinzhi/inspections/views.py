"""The inspector's pages (INS-5 … INS-8): the day, the inspection page on a phone and its
outbox endpoints, the account confirmation, the report and its printed forms.

The outbox endpoints answer JSON: 200/201 with the stored record's key (a resend gets 200
and the same record), or a refusal {"error", "field"} with its status; the phone keeps a
refused entry only when the status says "try again" (409 with code answer_not_yet, 5xx or
no answer)."""

import uuid
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from pinzhi.core.access import page
from pinzhi.core.printing import pdf_response
from pinzhi.inspections import reports, services
from pinzhi.inspections.conducting_flow import (
    APPROVE_ROLES,
    REPORT_WORKFLOW,
    may_conduct,
    may_write_report,
)
from pinzhi.inspections.hooks import findings_links
from pinzhi.inspections.models import Answer, Inspection, InspectionReport
from pinzhi.inspections.selectors import (
    inspection_sections,
    inspections_visible_to,
    inspector_day,
    supervised_inspections,
)
from pinzhi.lib.errors import DomainError
from pinzhi.lib.paging import CappedPaginator
from pinzhi.orgs.roles import Role
from pinzhi.orgs.selectors import licence_status

DAY_ROLES = (Role.INSPECTOR, Role.QUALITY_DEPARTMENT)
READ_ROLES = tuple(
    sorted(
        {
            Role.LEADERSHIP,
            Role.QUALITY_COMMITTEE,
            Role.QUALITY_DEPARTMENT,
            Role.DEPARTMENT_MANAGER,
            Role.SUPERVISOR,
            Role.UNIT_QUALITY_ADMIN,
            Role.INSPECTOR,
            Role.SERVICE_DESK,
            Role.COMPLAINT_HANDLER,
            Role.SERVICE_STAFF,
            Role.SUPPLIER,
            Role.SUPERVISING_BODY,
        }
    )
)
PER_PAGE = 25

STARTED = _("Inspection started. Answer the items below; everything is saved on the phone first.")
SUBMITTED = _("Inspection submitted. Score: %(percent)s.")
CONFIRMED = _("Nonconformity confirmed.")
REPORT_SAVED = _("Report saved.")
REPORT_SUBMITTED = _("Report submitted to the quality department for approval.")
REPORT_APPROVED = _("Report approved and sent to the unit.")
REPORT_RETURNED = _("Report returned to the inspector.")
BAD_KEY = _("The phone's key for this record is missing or not valid.")
BAD_TIME = _("The time sent by the phone is not valid.")
BAD_SCORE = _("The score must be a whole number.")
NO_FILE = _("No file was sent.")


def _inspection(request, pk) -> Inspection:
    return get_object_or_404(
        inspections_visible_to(request.user).select_related(
            "unit", "company", "inspector", "template_version__template", "inspected_company"
        ),
        pk=pk,
    )


@page(*DAY_ROLES)
def day(request):
    """The inspector's day: today's and overdue tasks across units, the inspections in
    progress, what is waiting to be sent (the outbox count, filled in by the phone)."""
    return render(request, "inspections/day.html", inspector_day(request.user))


@page(*READ_ROLES)
def detail(request, pk):
    """The inspection page: start, answer on the phone, or read the results."""
    inspection = _inspection(request, pk)
    conduct = may_conduct(request.user, inspection)
    context: dict[str, Any] = {
        "inspection": inspection,
        "may_conduct": conduct,
        "may_confirm": inspection.status == Inspection.Status.IN_PROGRESS
        and services.may_confirm_for(request.user, inspection),
        "sections": inspection_sections(inspection),
        "report": InspectionReport.objects.filter(inspection=inspection).first(),
        "severities": Answer._meta.get_field("severity").choices,
        # INS-5 / NCR-2: the nonconformities raised from it, through the registered providers.
        "findings": findings_links(request.user, inspection)
        if inspection.status in (Inspection.Status.SUBMITTED, Inspection.Status.REPORTED)
        else [],
    }
    return render(request, "inspections/conduct.html", context)


@require_POST
@page(*DAY_ROLES)
def start(request, pk):
    inspection = _inspection(request, pk)
    try:
        services.inspection_start(
            inspection=inspection,
            actor=request.user,
            declared_no_conflict=request.POST.get("declared_no_conflict") == "on",
            credentials_shown=request.POST.get("credentials_shown") == "on",
            consent_by=request.POST.get("consent_by", ""),
        )
    except DomainError as error:
        messages.error(
            request, str(error.message % error.params if error.params else error.message)
        )
    else:
        messages.success(request, STARTED)
    return redirect("inspections:detail", pk=pk)


# --- the outbox's endpoints (JSON) -------------------------------------------------------------


def _refusal(error: DomainError) -> JsonResponse:
    message = error.message % error.params if error.params else error.message
    return JsonResponse(
        {"error": str(message), "field": error.field or "", "code": error.code},
        status=error.status,
    )


def _key(request: HttpRequest, name: str = "client_key") -> uuid.UUID:
    try:
        return uuid.UUID(request.POST.get(name, ""))
    except ValueError:
        raise DomainError(BAD_KEY, field=name, status=400) from None


def _time(request: HttpRequest, name: str) -> datetime | None:
    raw = request.POST.get(name, "")
    if not raw:
        return None
    try:
        value = parse_datetime(raw)
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        raise DomainError(BAD_TIME, field=name, status=422)
    return value


def _stored(received: services.Received) -> JsonResponse:
    return JsonResponse(
        {"client_key": str(received.record.client_key), "created": received.created},
        status=201 if received.created else 200,
    )


@require_POST
@page(*DAY_ROLES)
def answer(request, pk):
    inspection = _inspection(request, pk)
    try:
        raw_score = request.POST.get("score", "")
        try:
            score = int(raw_score) if raw_score != "" else None
        except ValueError:
            raise DomainError(BAD_SCORE, field="score", status=422) from None
        received = services.answer_record(
            inspection=inspection,
            actor=request.user,
            item_code=request.POST.get("item", ""),
            client_key=_key(request),
            result=request.POST.get("result", ""),
            score=score,
            note=request.POST.get("note", ""),
            severity=request.POST.get("severity", ""),
            answered_at=_time(request, "answered_at"),
        )
    except DomainError as error:
        return _refusal(error)
    return _stored(received)


def _file(request: HttpRequest) -> Any:
    uploaded = request.FILES.get("file")
    if uploaded is None:
        raise DomainError(NO_FILE, field="file", status=422)
    return uploaded


@require_POST
@page(*DAY_ROLES)
def photo(request, pk):
    inspection = _inspection(request, pk)
    try:
        received = services.photo_add(
            inspection=inspection,
            actor=request.user,
            item_code=request.POST.get("item", ""),
            client_key=_key(request),
            uploaded_file=_file(request),
            captured_at=_time(request, "captured_at"),
            annotated=request.POST.get("annotated") == "1",
        )
    except DomainError as error:
        return _refusal(error)
    return _stored(received)


@require_POST
@page(*DAY_ROLES)
def signature(request, pk):
    inspection = _inspection(request, pk)
    try:
        received = services.signature_add(
            inspection=inspection,
            actor=request.user,
            item_code=request.POST.get("item", ""),
            client_key=_key(request),
            signed_by_name=request.POST.get("signed_by_name", ""),
            uploaded_file=_file(request),
            signed_at=_time(request, "signed_at"),
        )
    except DomainError as error:
        return _refusal(error)
    return _stored(received)


@require_POST
@page(*DAY_ROLES)
def notes(request, pk):
    inspection = _inspection(request, pk)
    try:
        services.inspection_notes_update(
            inspection=inspection,
            actor=request.user,
            observations=request.POST.get("observations", ""),
            interviews=request.POST.get("interviews", ""),
            documents_reviewed=request.POST.get("documents_reviewed", ""),
        )
    except DomainError as error:
        return _refusal(error)
    return JsonResponse({"saved": True})


@require_POST
@page(*DAY_ROLES)
def submit(request, pk):
    inspection = _inspection(request, pk)
    try:
        inspection = services.inspection_submit(inspection=inspection, actor=request.user)
    except DomainError as error:
        if request.headers.get("Accept") == "application/json":
            return _refusal(error)
        messages.error(
            request, str(error.message % error.params if error.params else error.message)
        )
        return redirect("inspections:detail", pk=pk)
    percent = "—" if inspection.percent is None else f"{inspection.percent}%"
    messages.success(request, SUBMITTED % {"percent": percent})
    url = reverse("inspections:detail", args=[pk])
    if request.headers.get("Accept") == "application/json":
        return JsonResponse({"submitted": True, "url": url})
    return redirect(url)


@require_POST
@page(*READ_ROLES)
def confirm(request, pk, answer_pk):
    """INS-5: the responsible person confirms a nonconformity from their own account."""
    inspection = _inspection(request, pk)
    found = get_object_or_404(Answer, inspection=inspection, pk=answer_pk)
    try:
        services.answer_confirm(answer=found, actor=request.user)
    except DomainError as error:
        messages.error(
            request, str(error.message % error.params if error.params else error.message)
        )
    else:
        messages.success(request, CONFIRMED)
    return redirect("inspections:detail", pk=pk)


# --- the report (INS-7, INS-8) ----------------------------------------------------------------

REPORT_STEPS = {
    "submit": (reports.report_submit, REPORT_SUBMITTED),
    "approve": (reports.report_approve, REPORT_APPROVED),
}


@page(*READ_ROLES)
def report(request, pk):
    """The report page: written by the inspector, approved by the quality department, read
    by the unit and, for an external company, by its supervising body."""
    inspection = _inspection(request, pk)
    existing = InspectionReport.objects.filter(inspection=inspection).first()
    if request.method == "POST":
        try:
            existing = existing or reports.report_draft(inspection=inspection, actor=request.user)
            action = request.POST.get("action", "save")
            if action == "save" or action == "save_submit":
                texts = {
                    f: request.POST.get(f, "") for f in reports.REPORT_FIELDS if f in request.POST
                }
                reports.report_update(report=existing, actor=request.user, **texts)
                if action == "save_submit":
                    reports.report_submit(report=existing, actor=request.user)
                    messages.success(request, REPORT_SUBMITTED)
                else:
                    messages.success(request, REPORT_SAVED)
            elif action == "approve":
                reports.report_approve(report=existing, actor=request.user)
                messages.success(request, REPORT_APPROVED)
            elif action == "send_back":
                reports.report_send_back(
                    report=existing, actor=request.user, reason=request.POST.get("reason", "")
                )
                messages.success(request, REPORT_RETURNED)
        except DomainError as error:
            messages.error(
                request, str(error.message % error.params if error.params else error.message)
            )
        return redirect("inspections:report", pk=pk)
    company = inspection.inspected_company
    context = {
        "inspection": inspection,
        "report": existing,
        "may_draft": existing is None
        and inspection.status == Inspection.Status.SUBMITTED
        and may_conduct_report(request.user, inspection),
        "may_edit": existing is not None
        and existing.status == InspectionReport.Status.DRAFT
        and may_write_report(request.user, existing),
        "may_approve": existing is not None
        and REPORT_WORKFLOW.may(request.user, existing, "approve"),
        "failed": inspection.answers.filter(result=Answer.Result.FAIL).select_related("item"),
        "external": company,
        "licence": licence_status(company) if company else "",
    }
    return render(request, "inspections/report.html", context)


def may_conduct_report(user: Any, inspection: Inspection) -> bool:
    return user.has_role(Role.QUALITY_DEPARTMENT) or may_conduct(user, inspection)


@page(*READ_ROLES)
def report_pdf(request, pk):
    inspection = _inspection(request, pk)
    found = get_object_or_404(InspectionReport, inspection=inspection)
    return pdf_response(
        reports.report_pdf(found),
        title=reports.REPORT_TITLE,
        code=str(inspection.pk),
        ascii_name="inspection-report",
    )


@page(*READ_ROLES)
def checklist_pdf(request, pk):
    inspection = _inspection(request, pk)
    return pdf_response(
        reports.checklist_pdf(inspection),
        title=inspection.template_version.template.name,
        code=str(inspection.pk),
        ascii_name="inspection-checklist",
    )


@page(Role.SUPERVISING_BODY, *APPROVE_ROLES)
def supervised(request):
    """INS-8: the supervising body's read-only list of the reported inspections of the
    companies it supervises."""
    rows = CappedPaginator(supervised_inspections(request.user), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "inspections/supervised.html", {"page_obj": rows})
