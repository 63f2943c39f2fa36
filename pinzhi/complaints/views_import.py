"""Import of historical complaints (issue 3 item 7): upload → column mapping with a preview
→ check (every broken row with its line and reason) → import in the background with a
progress page → the error report. Quality department only."""

import re

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from pinzhi.complaints import importer
from pinzhi.complaints.models import Category, Channel
from pinzhi.core.access import page
from pinzhi.core.imports import (
    ImportAlreadyApplied,
    ImportNotPlanned,
    import_batch_for,
    import_error_report_response,
)
from pinzhi.orgs.models import Company, Unit
from pinzhi.orgs.roles import Role

ROLES = (Role.QUALITY_DEPARTMENT,)
BROKEN_SHOWN = 200

NOT_MAPPED = _("— not in the file —")
CHECKED = _("%(good)s rows can be imported, %(broken)s rows have problems.")
NOTHING_TO_IMPORT = _("No row of this file can be imported; fix the file or the mapping.")
STARTED = _("The import has started.")
ALREADY_STARTED = _("This file has already been imported.")
NO_LOCATION = _("— no particular estate or site —")
SOURCE_HELP = _(
    "A short name of where the records come from; with each record's id it keeps a re-import "
    "from creating duplicates."
)


STATE_LABELS = {
    "uploaded": _("Uploaded, not mapped"),
    "discarded": _("Discarded"),
    "mapped": _("Mapped"),
    "checked": _("Checked, not imported"),
    "queued": _("Queued"),
    "running": _("Running"),
    "done": _("Done"),
    "failed": _("Failed"),
}


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV or Excel file"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,.txt"}),
    )


def _default_source(filename: str) -> str:
    stem = filename.rsplit(".", 1)[0]
    return re.sub(r"[^\w.-]+", "_", stem)[:40] or "import"


class MappingForm(forms.Form):
    """Each Pinzhi field ← a column of the file; the target and the defaults."""

    def __init__(self, *args, batch: importer.Batch, user, **kwargs):
        super().__init__(*args, **kwargs)
        meta = batch.meta
        columns = [("", NOT_MAPPED)] + [(str(i), h) for i, h in enumerate(meta["headers"])]
        for name, label in importer.FIELDS:
            index = meta["mapping"].get(name)
            self.fields[f"map_{name}"] = forms.ChoiceField(
                label=label,  # type: ignore[arg-type]
                choices=columns,
                required=False,
                initial="" if index is None else str(index),
            )
        self.fields["extras"] = forms.MultipleChoiceField(
            label=_("Further columns kept in the content"),
            choices=columns[1:],
            required=False,
            initial=[str(i) for i in meta.get("extras", [])],
            widget=forms.CheckboxSelectMultiple,
        )
        companies = (
            Company.objects.all()
            if user.is_superuser
            else Company.objects.filter(pk=user.company_id)
        )
        options = meta.get("options", {})
        self.fields["company"] = forms.ModelChoiceField(
            label=_("Company"),
            queryset=companies,
            initial=options.get("company_id") or user.company_id,
        )
        self.fields["location"] = forms.ModelChoiceField(
            label=_("Estate / site"),
            queryset=Unit.objects.filter(company__in=companies).order_by("path"),
            required=False,
            empty_label=NO_LOCATION,
            initial=options.get("location_id"),
        )
        self.fields["category"] = forms.ChoiceField(
            label=_("Category when the file has none"),
            choices=Category.choices,
            initial=options.get("category", Category.OTHER),
        )
        self.fields["channel"] = forms.ChoiceField(
            label=_("Channel when the file has none"),
            choices=Channel.choices,
            initial=options.get("channel", Channel.IMPORT),
        )
        self.fields["source"] = forms.SlugField(
            label=_("Source name"),
            max_length=40,
            help_text=SOURCE_HELP,
            initial=options.get("source") or _default_source(meta.get("filename", "")),
        )

    def clean(self):
        data = super().clean()
        location, company = data.get("location"), data.get("company")
        if location and company and location.company_id != company.pk:
            self.add_error("location", _("This unit belongs to another company."))
        used: dict[str, str] = {}
        for name, label in importer.FIELDS:
            value = data.get(f"map_{name}")
            if value:
                if value in used:
                    self.add_error(
                        f"map_{name}",
                        _("This column is already mapped to “%(field)s”.") % {"field": used[value]},
                    )
                used[value] = str(label)
        return data

    def mapped_fields(self):
        return [self[f"map_{name}"] for name, _label in importer.FIELDS]

    def save(self, batch: importer.Batch) -> list[str]:
        data = self.cleaned_data
        mapping = {
            name: int(data[f"map_{name}"]) if data[f"map_{name}"] else None
            for name, _label in importer.FIELDS
        }
        options = {
            "company_id": data["company"].pk,
            "location_id": data["location"].pk if data["location"] else None,
            "category": data["category"],
            "channel": data["channel"],
            "source": data["source"],
        }
        extras = [int(i) for i in data["extras"] if mapping and int(i) not in mapping.values()]
        return importer.mapping_save(batch, mapping=mapping, extras=extras, options=options)


def _batch(request, token: str) -> importer.Batch:
    """The company's batch (another company's is not found: 404)."""
    return import_batch_for(request.user, token=token, kind=importer.KIND)


def _started(batch) -> bool:
    return batch.state in (batch.State.APPLYING, batch.State.APPLIED, batch.State.FAILED)


def _state_label(batch):
    if batch.state == batch.State.DISCARDED:
        return STATE_LABELS["discarded"]
    return STATE_LABELS.get(batch.progress.get("state") or batch.meta.get("step"), "")


@page(*ROLES)
def upload(request):
    """Upload a CSV or XLSX file of historical complaints."""
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            batch = importer.upload_store(form.cleaned_data["file"], user=request.user)
        except importer.ImportError_ as error:
            form.add_error("file", str(error))
        else:
            return redirect("complaint_import:mapping", token=batch.token)
    recent = importer.batches_recent(company_id=request.user.company_id)
    return render(
        request,
        "complaints/import/upload.html",
        {
            "form": form,
            "recent": [(b, b.progress, _state_label(b)) for b in recent],
        },
        status=400 if request.method == "POST" else 200,
    )


@page(*ROLES)
def mapping(request, token: str):
    """The preview of the first rows and the column mapping."""
    batch = _batch(request, token)
    if _started(batch):
        return redirect("complaint_import:progress", token=token)
    form = MappingForm(request.POST or None, batch=batch, user=request.user)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        problems = form.save(batch)
        check = None
        if not problems:
            try:
                check = importer.rows_check(batch, keep_rows=False)
            except importer.ImportError_ as error:  # over a reading limit further down
                problems = [str(error)]
        if check is not None:
            importer.check_save(batch, check, shown=BROKEN_SHOWN)
            return redirect("complaint_import:check", token=token)
    return render(
        request,
        "complaints/import/mapping.html",
        {"batch": batch, "meta": batch.meta, "form": form, "problems": problems},
        status=400 if request.method == "POST" else 200,
    )


@page(*ROLES)
def check(request, token: str):
    """The result of the check: how many rows import, which are broken and why."""
    batch = _batch(request, token)
    if "check" not in batch.meta:
        return redirect("complaint_import:mapping", token=token)
    if _started(batch):
        return redirect("complaint_import:progress", token=token)
    summary = batch.meta["check"]
    company = Company.objects.filter(pk=batch.meta["options"]["company_id"]).first()
    return render(
        request,
        "complaints/import/check.html",
        {"batch": batch, "meta": batch.meta, "summary": summary, "company": company},
    )


@page(*ROLES)
@require_POST
def start(request, token: str):
    """Queue the import of a checked batch."""
    batch = _batch(request, token)
    if _started(batch):
        messages.info(request, ALREADY_STARTED)
    elif "check" not in batch.meta:
        return redirect("complaint_import:mapping", token=token)
    elif not batch.meta["check"]["good"]:
        messages.error(request, NOTHING_TO_IMPORT)
        return redirect("complaint_import:check", token=token)
    else:
        try:
            importer.import_enqueue(batch)
        except (ImportAlreadyApplied, ImportNotPlanned) as error:
            messages.info(request, error.reason)
        else:
            messages.success(request, STARTED)
    return redirect("complaint_import:progress", token=token)


def _progress_context(batch):
    progress = batch.progress
    total = progress.get("total") or 0
    done = progress.get("done") or 0
    return {
        "batch": batch,
        "meta": batch.meta,
        "progress": progress,
        "percent": int(done * 100 / total)
        if total
        else (100 if progress.get("state") == "done" else 0),
        "finished": progress.get("state") in ("done", "failed"),
    }


@page(*ROLES)
def progress(request, token: str):
    """The import's progress; the status part polls itself with htmx until done."""
    batch = _batch(request, token)
    return render(request, "complaints/import/progress.html", _progress_context(batch))


@page(*ROLES)
def progress_status(request, token: str):
    batch = _batch(request, token)
    return render(request, "complaints/import/partials/status.html", _progress_context(batch))


@page(*ROLES)
def errors_report(request, token: str):
    """The broken rows as an .xlsx error report: line, column, value, reason."""
    return import_error_report_response(_batch(request, token))
