"""Forms of the checklist builder (INS-4). They read input; `inspections.checklists` checks the
rules and writes, so the Excel import and the API refuse the same item with the same reason."""

import django_filters
from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pinzhi.inspections.models import Cadence, ChecklistItem, TemplateVersion
from pinzhi.lib.filtering import FilterSet

FILE_TOO_LARGE = _("The file is larger than %(size)s MB.")
FILE_NOT_XLSX_NAME = _("Upload an Excel workbook (.xlsx).")


class TemplateForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=40, help_text=_("e.g. XJB, CLN-D"))
    name = forms.CharField(label=_("Name"), max_length=120)
    cadence = forms.ChoiceField(label=_("How often"), choices=Cadence.choices)
    pass_percent = forms.DecimalField(
        label=_("Pass mark (%)"),
        max_digits=5,
        decimal_places=2,
        initial=60,
        help_text=_("An inspection passes at or above this score, unless a critical item fails."),
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea({"rows": 3})
    )


class TemplateEditForm(TemplateForm):
    is_active = forms.BooleanField(
        label=_("In use"),
        required=False,
        help_text=_("A checklist no longer in use is not offered for new schedules."),
    )


class ItemForm(forms.Form):
    """One item of a draft: what is checked, how it is scored, its follow-up and standard."""

    section = forms.CharField(
        label=_("Section"), max_length=120, required=False, help_text=_("e.g. 仪容仪表, 环境卫生")
    )
    code = forms.CharField(label=_("Code"), max_length=40)
    text = forms.CharField(label=_("What is checked"), max_length=500)
    help_text = forms.CharField(
        label=_("Help for the inspector"), required=False, widget=forms.Textarea({"rows": 2})
    )
    weight = forms.DecimalField(label=_("Weight"), max_digits=6, decimal_places=2, initial=1)
    scoring = forms.ChoiceField(label=_("Scoring"), choices=ChecklistItem.Scoring.choices)
    max_score = forms.IntegerField(
        label=_("Maximum score"),
        min_value=0,
        initial=1,
        required=False,
        help_text=_("For an item scored 0…N."),
    )
    pass_score = forms.IntegerField(
        label=_("Pass score"),
        min_value=0,
        initial=1,
        required=False,
        help_text=_("For an item scored 0…N: below it the item is a nonconformity."),
    )
    allow_na = forms.BooleanField(label=_("May be not applicable"), required=False, initial=True)
    critical = forms.BooleanField(
        label=_("Critical"), required=False, help_text=_("Failing it fails the whole inspection.")
    )
    photo_on_failure = forms.BooleanField(label=_("Photo required on failure"), required=False)
    follow_up_of = forms.ModelChoiceField(
        label=_("Follow-up of"),
        queryset=ChecklistItem.objects.none(),
        required=False,
        empty_label=_("— none: a main item —"),
        help_text=_("A follow-up item is asked only when its main item fails."),
    )
    standard = forms.ModelChoiceField(
        label=_("Standard"),
        queryset=ChecklistItem.objects.none(),
        required=False,
        empty_label=_("— no standard —"),
    )

    def __init__(self, *args, version: TemplateVersion, standards, item=None, **kwargs):
        super().__init__(*args, **kwargs)
        mains = version.items.filter(follow_up_of__isnull=True).order_by("order")
        if item is not None:
            mains = mains.exclude(pk=item.pk)
        follow_up = self.fields["follow_up_of"]
        follow_up.queryset = mains  # type: ignore[attr-defined]
        follow_up.label_from_instance = lambda i: f"{i.code} {i.text[:40]}"  # type: ignore[attr-defined]
        standard = self.fields["standard"]
        standard.queryset = standards  # type: ignore[attr-defined]
        standard.label_from_instance = lambda s: f"{s.code} {s.title}"  # type: ignore[attr-defined]


class PublishForm(forms.Form):
    note = forms.CharField(
        label=_("What changed"),
        max_length=300,
        required=False,
        help_text=_("Kept with the version, e.g. “added the fire exit item”."),
    )


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Excel workbook"),
        help_text=_("A workbook exported from a checklist version, edited in Excel or WPS."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.PINZHI_CHECKLIST_IMPORT_MAX_MB
        if upload.size > limit * 1024 * 1024:
            raise forms.ValidationError(FILE_TOO_LARGE, params={"size": limit})
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(FILE_NOT_XLSX_NAME)
        return upload


class TemplateFilter(FilterSet):
    """The checklist list's filters: a name or code, how often, whether in use."""

    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_q",
        widget=forms.SearchInput(attrs={"placeholder": _("Name or code")}),
    )
    cadence = django_filters.ChoiceFilter(
        label=_("How often"), choices=Cadence.choices, empty_label=_("Any frequency")
    )
    state = django_filters.ChoiceFilter(
        label=_("State"),
        choices=(
            ("published", _("Has a published version")),
            ("draft", _("Has a draft")),
            ("unused", _("No longer in use")),
        ),
        empty_label=_("Any state"),
        method="filter_state",
    )

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(code__icontains=value))

    def filter_state(self, queryset, name, value):
        if value == "published":
            return queryset.filter(versions__status=TemplateVersion.Status.PUBLISHED).distinct()
        if value == "draft":
            return queryset.filter(versions__status=TemplateVersion.Status.DRAFT).distinct()
        return queryset.filter(is_active=False)
