"""The checklist builder's pages (INS-4): the list, a template and its versions, a version's
items (built while a draft, a preview of the form with its maximum score), the steps of a
version, the Excel export and import. Thin views: the access rule, a form, one service; reads
through `inspections.checklists`."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _

from pinzhi.core.access import page
from pinzhi.core.errors import refusal_response
from pinzhi.core.imports import import_batch_for, import_error_report_response
from pinzhi.core.shell import Crumb, render_form_page
from pinzhi.inspections import checklist_io, checklists
from pinzhi.inspections.checklists import BUILD, BUILDERS, READERS, VERSION_WORKFLOW
from pinzhi.inspections.forms_checklists import (
    ImportForm,
    ItemForm,
    PublishForm,
    TemplateEditForm,
    TemplateFilter,
    TemplateForm,
)
from pinzhi.inspections.models import TemplateVersion
from pinzhi.lib.errors import DomainError
from pinzhi.lib.paging import CappedPaginator

PER_PAGE = 25

CHECKLISTS = _("Checklists")
NEW_TEMPLATE = _("New checklist")
EDIT_TEMPLATE = _("Edit checklist")
ADD_ITEM = _("Add item")
EDIT_ITEM = _("Edit item")
REMOVE_ITEM = _("Remove item")
REMOVE_ITEM_INTRO = _("Remove item %(item_code)s “%(text)s” from this draft?")
REMOVE = _("Remove")
NEW_DRAFT = _("Start a new draft")
NEW_DRAFT_INTRO = _(
    "The new draft starts as a copy of version %(number)s. Inspections keep using the "
    "published version until the draft is published."
)
NEW_DRAFT_EMPTY = _("The new draft starts empty.")
PUBLISH = _("Publish version %(number)s")
PUBLISH_INTRO = _(
    "Once published the version is frozen: new inspections use it and the version published "
    "before it is retired. Inspections already planned or done keep their version."
)
RETIRE = _("Retire version %(number)s")
RETIRE_INTRO = _(
    "No new inspection will use this version (and the checklist has no version in use until "
    "a new one is published). Inspections made with it keep it."
)
DISCARD = _("Discard draft version %(number)s")
DISCARD_INTRO = _("The draft and its items are deleted; nothing has used them.")
INSTALL = _("Install the checklists of the policy pack")
INSTALL_INTRO = _(
    "The checklists of the regulations of your policy pack (%(pack)s) are added, published as "
    "version 1. Checklists your company already has (the same code) are left as they are."
)
INSTALL_SUBMIT = _("Install")
IMPORT = _("Import from Excel")
CREATED = _("Checklist %(name)s created: add its items to draft version 1.")
SAVED = _("Saved.")
ITEM_ADDED = _("Item %(item_code)s added.")
ITEM_REMOVED = _("Item %(item_code)s removed.")
DRAFT_STARTED = _("Draft version %(number)s started.")
PUBLISHED = _("Version %(number)s published: new inspections use it.")
RETIRED = _("Version %(number)s retired.")
DISCARDED = _("Draft version %(number)s discarded.")
INSTALLED = _("%(count)s checklists of the policy pack are ready.")
IMPORTED = _(
    "%(count)s items imported into draft version %(number)s: check them, then publish the draft."
)
IMPORT_HAS_ERRORS = _("The workbook has errors; nothing was imported.")


def _template_for(request, pk):
    return get_object_or_404(checklists.templates_visible_to(request.user), pk=pk)


def _version_for(request, pk) -> TemplateVersion:
    return get_object_or_404(
        checklists.versions_visible_to(request.user).select_related("template"), pk=pk
    )


def _item_for(request, pk):
    return get_object_or_404(
        checklists.items_visible_to(request.user).select_related("version__template"), pk=pk
    )


def _crumbs(template=None, version=None) -> tuple[Crumb, ...]:
    crumbs: tuple[Crumb, ...] = (Crumb(reverse("checklists:list"), CHECKLISTS),)
    if template is not None:
        crumbs += (Crumb(reverse("checklists:template", args=[template.pk]), template.name),)
    if version is not None:
        crumbs += (Crumb(reverse("checklists:version", args=[version.pk]), f"v{version.number}"),)
    return crumbs


def _version_url(version) -> str:
    return reverse("checklists:version", args=[version.pk])


# --- templates ------------------------------------------------------------------------------


@page(*READERS)
def template_list(request):
    """INS-4: the company's checklists, searchable, with their version in use."""
    filters = TemplateFilter(request.GET, checklists.templates_listed(request.user))
    page_obj = CappedPaginator(filters.qs.order_by("code"), PER_PAGE).get_page(
        request.GET.get("page")
    )
    pack = getattr(request.user.company, "policy_pack", "") if request.user.company_id else ""
    return render(
        request,
        "inspections/checklists/list.html",
        {
            "page_obj": page_obj,
            "filters": filters,
            "may_build": BUILD(request.user, None),
            "may_install": BUILD(request.user, None)
            and bool(request.user.company_id)
            and bool(checklists.pack_templates(pack)),
        },
    )


@page(*BUILDERS)
def template_create(request):
    """INS-4: a new checklist, built in its draft version 1."""
    form = TemplateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            template = checklists.template_create(
                company=request.user.company, actor=request.user, **form.cleaned_data
            )
        except DomainError as error:
            error.add_to_form(form)
        else:
            messages.success(request, CREATED % {"name": template.name})
            return redirect(_version_url(template.versions.get()))
    return render_form_page(
        request,
        form,
        heading=NEW_TEMPLATE,
        cancel_url=reverse("checklists:list"),
        crumbs=_crumbs(),
    )


@page(*BUILDERS)
def template_install(request):
    """INS-4: install the policy pack's checklists from the seeds (idempotent)."""
    company = request.user.company
    pack = getattr(company, "policy_pack", "") or ""
    if request.method == "POST" and company is not None:
        try:
            installed = checklists.checklists_install_pack(
                company=company, pack=pack, actor=request.user
            )
        except DomainError as error:
            return refusal_response(request, error, to=reverse("checklists:list"))
        messages.success(request, INSTALLED % {"count": len(installed)})
        return redirect("checklists:list")
    return render_form_page(
        request,
        None,
        heading=INSTALL,
        intro=INSTALL_INTRO % {"pack": pack or "—"},
        submit_label=INSTALL_SUBMIT,
        cancel_url=reverse("checklists:list"),
        crumbs=_crumbs(),
    )


@page(*READERS)
def template_detail(request, pk):
    """INS-4: a checklist, its versions (which inspections used each) and what may be done."""
    template = _template_for(request, pk)
    current = checklists.template_version_current(template)
    return render(
        request,
        "inspections/checklists/template.html",
        {
            "template": template,
            "versions": checklists.template_versions(template),
            "current": current,
            "draft": checklists.template_draft(template),
            "may_build": BUILD(request.user, None),
            "items": checklists.version_items(current) if current else [],
        },
    )


@page(*BUILDERS)
def template_edit(request, pk):
    template = _template_for(request, pk)
    initial = {
        name: getattr(template, name)
        for name in ("code", "name", "cadence", "pass_percent", "description", "is_active")
    }
    form = TemplateEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            checklists.template_update(template=template, actor=request.user, **form.cleaned_data)
        except DomainError as error:
            error.add_to_form(form)
        else:
            messages.success(request, SAVED)
            return redirect("checklists:template", pk=template.pk)
    return render_form_page(
        request,
        form,
        heading=EDIT_TEMPLATE,
        cancel_url=reverse("checklists:template", args=[template.pk]),
        crumbs=_crumbs(template),
    )


@page(*BUILDERS)
def draft_create(request, pk):
    """INS-4: a new draft, a copy of the latest version."""
    template = _template_for(request, pk)
    if request.method == "POST":
        try:
            draft = checklists.version_draft_create(template=template, actor=request.user)
        except DomainError as error:
            return refusal_response(request, error, to=reverse("checklists:template", args=[pk]))
        messages.success(request, DRAFT_STARTED % {"number": draft.number})
        return redirect(_version_url(draft))
    latest = template.versions.order_by("-number").first()
    intro = NEW_DRAFT_INTRO % {"number": latest.number} if latest else NEW_DRAFT_EMPTY
    return render_form_page(
        request,
        None,
        heading=NEW_DRAFT,
        intro=intro,
        submit_label=NEW_DRAFT,
        cancel_url=reverse("checklists:template", args=[pk]),
        crumbs=_crumbs(template),
    )


# --- versions -------------------------------------------------------------------------------


@page(*READERS)
def version_detail(request, pk):
    """INS-4: a version's items by section: the builder while it is a draft, else a preview
    of the form the inspector fills, with its maximum score."""
    version = _version_for(request, pk)
    items = checklists.version_items(version)
    editable = version.status == TemplateVersion.Status.DRAFT and BUILD(request.user, None)
    return render(
        request,
        "inspections/checklists/version.html",
        {
            "version": version,
            "template": version.template,
            "sections": checklists.version_sections(version),
            "item_count": len(items),
            "max_score": checklists.version_max_score(items),
            "editable": editable,
            "steps": VERSION_WORKFLOW.steps_for(request.user, version),
            "crumbs": _crumbs(version.template),
        },
    )


def _step_page(request, pk, *, step, heading, intro, done, form_class=None):
    """A version step (publish, retire, discard): a confirmation page, then the service."""
    version = _version_for(request, pk)
    form = form_class(request.POST or None) if form_class else None
    if request.method == "POST" and (form is None or form.is_valid()):
        data = form.cleaned_data if form is not None else {}
        service = getattr(checklists, f"version_{step}")
        number = version.number
        try:
            service(version=version, actor=request.user, **data)
        except DomainError as error:
            return refusal_response(request, error, to=_version_url(version))
        messages.success(request, done % {"number": number})
        if step == "discard":
            return redirect("checklists:template", pk=version.template_id)
        return redirect(_version_url(version))
    step_obj = VERSION_WORKFLOW.step(step)
    return render_form_page(
        request,
        form,
        heading=heading % {"number": version.number},
        intro=intro,
        submit_label=step_obj.label,
        submit_style="danger" if "danger" in step_obj.style else "primary",
        cancel_url=_version_url(version),
        crumbs=_crumbs(version.template, version),
    )


@page(*BUILDERS)
def version_publish(request, pk):
    return _step_page(
        request,
        pk,
        step="publish",
        heading=PUBLISH,
        intro=PUBLISH_INTRO,
        done=PUBLISHED,
        form_class=PublishForm,
    )


@page(*BUILDERS)
def version_retire(request, pk):
    return _step_page(request, pk, step="retire", heading=RETIRE, intro=RETIRE_INTRO, done=RETIRED)


@page(*BUILDERS)
def version_discard(request, pk):
    return _step_page(
        request, pk, step="discard", heading=DISCARD, intro=DISCARD_INTRO, done=DISCARDED
    )


# --- items ----------------------------------------------------------------------------------


def _item_page(request, version, *, item=None):
    initial = None
    if item is not None:
        initial = {name: getattr(item, name) for name in checklists.ITEM_FIELDS}
    form = ItemForm(
        request.POST or None,
        initial=initial,
        version=version,
        item=item,
        standards=checklists.standards_for(version.template.company_id),
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = checklists.item_save(
                version=version, item=item, actor=request.user, **form.cleaned_data
            )
        except DomainError as error:
            error.add_to_form(form)
        else:
            message = SAVED if item is not None else ITEM_ADDED % {"item_code": saved.code}
            messages.success(request, message)
            return redirect(f"{_version_url(version)}#item-{saved.pk}")
    return render_form_page(
        request,
        form,
        heading=EDIT_ITEM if item is not None else ADD_ITEM,
        cancel_url=_version_url(version),
        crumbs=_crumbs(version.template, version),
        form_testid="item-form",
    )


@page(*BUILDERS)
def item_create(request, pk):
    """INS-4: add an item to a draft."""
    version = _version_for(request, pk)
    if version.status != TemplateVersion.Status.DRAFT:
        return refusal_response(
            request,
            checklists.ChecklistError(
                checklists.NOT_A_DRAFT,
                number=version.number,
                state=version.get_status_display(),
            ),
            to=_version_url(version),
        )
    return _item_page(request, version)


@page(*BUILDERS)
def item_edit(request, pk):
    item = _item_for(request, pk)
    if item.version.status != TemplateVersion.Status.DRAFT:
        return redirect(_version_url(item.version))
    return _item_page(request, item.version, item=item)


@page(*BUILDERS)
def item_remove(request, pk):
    item = _item_for(request, pk)
    version = item.version
    if request.method == "POST":
        try:
            checklists.item_remove(item=item, actor=request.user)
        except DomainError as error:
            return refusal_response(request, error, to=_version_url(version))
        messages.success(request, ITEM_REMOVED % {"item_code": item.code})
        return redirect(_version_url(version))
    return render_form_page(
        request,
        None,
        heading=REMOVE_ITEM,
        intro=REMOVE_ITEM_INTRO % {"item_code": item.code, "text": item.text},
        submit_label=REMOVE,
        submit_style="danger",
        cancel_url=_version_url(version),
        crumbs=_crumbs(version.template, version),
    )


@page(*BUILDERS)
def item_move(request, pk):
    """INS-4: move an item one place up or down (POST; the page has a button each way)."""
    item = _item_for(request, pk)
    if request.method == "POST":
        try:
            checklists.item_move(
                item=item, up=request.POST.get("direction") != "down", actor=request.user
            )
        except DomainError as error:
            return refusal_response(request, error, to=_version_url(item.version))
    return redirect(f"{_version_url(item.version)}#item-{item.pk}")


# --- Excel ----------------------------------------------------------------------------------


@page(*READERS)
def version_export(request, pk):
    """INS-4, X-4: a version's items as an Excel workbook (the import reads it back)."""
    version = _version_for(request, pk)
    response = HttpResponse(
        checklist_io.version_workbook(version),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    filename = f"{version.template.code}-v{version.number}.xlsx"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@page(*BUILDERS)
def template_import(request, pk):
    """INS-4, X-4: a workbook imported into a new draft, all its items or none; every
    problem named with its row and column, and an error report to download."""
    template = _template_for(request, pk)
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = checklist_io.checklist_import(
                template=template,
                content=upload.read(),
                filename=upload.name,
                actor=request.user,
            )
        except DomainError as error:
            form.add_error("file", error.reason)
        else:
            if result.draft is not None:
                messages.success(
                    request, IMPORTED % {"count": result.count, "number": result.draft.number}
                )
                return redirect(_version_url(result.draft))
            messages.error(request, IMPORT_HAS_ERRORS)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "inspections/checklists/import.html",
        {
            "template": template,
            "form": form,
            "result": result,
            "crumbs": _crumbs(template),
        },
        status=status,
    )


@page(*BUILDERS)
def import_errors(request, pk, token):
    """The import's problems as an .xlsx error report (line, column, value, reason)."""
    template = _template_for(request, pk)
    batch = import_batch_for(request.user, token=token, kind=checklist_io.KIND)
    if batch.meta.get("template") != template.pk:
        raise Http404
    return import_error_report_response(batch)
