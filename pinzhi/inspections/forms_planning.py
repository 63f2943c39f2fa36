"""Forms of plans, schedules, draws and tasks (INS-1 … INS-3, INS-6). They check shapes; the
services in `planning.py` and `sampling.py` check the rules and refuse with reasons."""

from datetime import timedelta
from typing import Any

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pinzhi.inspections.models import ChecklistTemplate, Inspection, InspectionKind
from pinzhi.inspections.planning import inspectors_for
from pinzhi.lib.clock import now
from pinzhi.lib.filtering import CheckFilter, DayFilter, FilterSet
from pinzhi.orgs.models import Company, Person, Unit
from pinzhi.policy.selectors import rule_value_or_none
from pinzhi.policy.values import Frequency

LOCAL_INPUT = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
WEEKDAYS = [
    ("MO", _("Monday")),
    ("TU", _("Tuesday")),
    ("WE", _("Wednesday")),
    ("TH", _("Thursday")),
    ("FR", _("Friday")),
    ("SA", _("Saturday")),
    ("SU", _("Sunday")),
]
FREQUENCY_CHOICES = [
    ("rule", _("As the policy rule chosen says")),
    ("daily", _("Every day")),
    ("workdays", _("Every working day (Monday to Friday)")),
    ("weekly", _("Every week, on the weekday chosen")),
    ("monthly", _("Every month, on the day chosen")),
    ("quarterly", _("Every quarter, on the day chosen of its first month")),
    ("yearly", _("Every year, on the first occurrence's date")),
    ("custom", _("Custom recurrence rule (RFC 5545)")),
]
# The pack's frequency rules of inspections (INS-1) that a schedule may follow.
FREQUENCY_RULES = [
    "inspections.supervision_check",
    "inspections.quality_department_spot_check",
    "inspections.department_manager_check",
    "inspections.area_full_check",
    "inspections.cleaning_daily_check",
    "inspections.cleaning_weekly_check",
    "inspections.cleaning_monthly_check",
    "inspections.unit_self_check",
    "inspections.monthly_spot_check",
    "inspections.quarterly_joint_check",
    "inspections.group_window_spot_check",
    "inspections.daily_routine_check",
    "inspections.surprise_check",
]
RULE_NAMES = {
    "inspections.supervision_check": _("Supervision check"),
    "inspections.quality_department_spot_check": _("Quality department spot check"),
    "inspections.department_manager_check": _("Department manager's check"),
    "inspections.area_full_check": _("Full check of each area"),
    "inspections.cleaning_daily_check": _("Daily cleaning check"),
    "inspections.cleaning_weekly_check": _("Weekly cleaning check"),
    "inspections.cleaning_monthly_check": _("Monthly cleaning check"),
    "inspections.unit_self_check": _("Unit self-check"),
    "inspections.monthly_spot_check": _("Monthly spot check"),
    "inspections.quarterly_joint_check": _("Quarterly joint check"),
    "inspections.group_window_spot_check": _("Service window spot check"),
    "inspections.daily_routine_check": _("Daily routine check"),
    "inspections.surprise_check": _("Surprise check"),
}
RULE_REQUIRED = _("Choose the policy rule whose frequency the schedule follows.")
RRULE_REQUIRED = _("Write the recurrence rule, e.g. FREQ=WEEKLY;BYDAY=MO,TH.")
MONTH_DAY_HELP = _("1 to 28, or -1 for the last day of the month.")
MONTH_DAY_INVALID = _("Choose a day from 1 to 28, or -1 for the last day of the month.")


def frequency_rrule(frequency: Frequency) -> str:
    """The RRULE of a pack's frequency: n times a day (spread over the working day), a week
    (on the first n weekdays), a month (on days spread over it), a quarter or a year."""
    times = max(1, frequency.times)
    if frequency.per == "day":
        if times == 1:
            return "FREQ=DAILY"
        hours = sorted({9 + (8 * i) // times for i in range(times)})
        return "FREQ=DAILY;BYHOUR=" + ",".join(str(h) for h in hours)
    if frequency.per == "week":
        days = [code for code, _label in WEEKDAYS[: min(times, 7)]]
        return "FREQ=WEEKLY;BYDAY=" + ",".join(days)
    if frequency.per == "month":
        if times == 1:
            return "FREQ=MONTHLY"
        month_days = sorted({1 + (28 * i) // times for i in range(times)})
        return "FREQ=MONTHLY;BYMONTHDAY=" + ",".join(str(d) for d in month_days)
    if frequency.per == "quarter":
        return (
            "FREQ=MONTHLY;INTERVAL=3"
            if times == 1
            else f"FREQ=MONTHLY;INTERVAL={3 // min(times, 3)}"
        )
    return "FREQ=YEARLY" if times == 1 else f"FREQ=MONTHLY;INTERVAL={max(1, 12 // times)}"


def company_rule_choices(company: Company) -> list[tuple[str, str]]:
    """The frequency rules of the company's pack, each with its value ("每周一次")."""
    from pinzhi.policy.values import display

    pack = company.policy_pack or "property"
    choices = []
    for key in FREQUENCY_RULES:
        value = rule_value_or_none(key, pack=pack, company=company)
        if isinstance(value, Frequency):
            shown = display("frequency", "", {"times": value.times, "per": value.per})
            choices.append((key, f"{RULE_NAMES[key]}（{shown}）"))
    return choices


class _Fields:
    """Typed access to a form's fields whose choices are set per company."""

    fields: dict

    def _field(self, name: str) -> Any:
        return self.fields[name]


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, action: str = "", **kwargs):
        super().__init__(*args, **kwargs)


class EmptyStepForm(forms.Form):
    def __init__(self, *args, action: str = "", **kwargs):
        super().__init__(*args, **kwargs)


class PlanForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ClassificationMixin(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=InspectionKind.choices)
    is_special = forms.BooleanField(label=_("Special inspection (not regular)"), required=False)
    is_announced = forms.BooleanField(
        label=_("Announced (明查); untick for unannounced (暗查)"), required=False, initial=True
    )
    is_surprise = forms.BooleanField(label=_("Surprise check (not routine)"), required=False)
    is_specialised = forms.BooleanField(label=_("Specialised (not comprehensive)"), required=False)


def _units_field(company: Company) -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        label=_("Units"),
        queryset=Unit.objects.filter(company=company, is_active=True).order_by("path"),
        widget=forms.CheckboxSelectMultiple,
    )


def _templates(company: Company):
    return ChecklistTemplate.objects.filter(company=company, is_active=True).order_by("name")


class PlanEntryForm(_Fields, ClassificationMixin):
    title = forms.CharField(label=_("What is checked"), max_length=200)
    template = forms.ModelChoiceField(
        label=_("Checklist"), queryset=ChecklistTemplate.objects.none(), required=False
    )
    starts_on = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("Until"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Note"), max_length=500, required=False)
    field_order = ["title", "template", "units", "starts_on", "ends_on", "kind"]

    def __init__(self, *args, company: Company, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["units"] = _units_field(company)
        self._field("template").queryset = _templates(company)
        self.order_fields(self.field_order)


class ScheduleForm(_Fields, ClassificationMixin):
    title = forms.CharField(label=_("Title"), max_length=200)
    template = forms.ModelChoiceField(
        label=_("Checklist"), queryset=ChecklistTemplate.objects.none()
    )
    rule_key = forms.ChoiceField(label=_("Policy rule"), required=False)
    frequency = forms.ChoiceField(label=_("Frequency"), choices=FREQUENCY_CHOICES)
    weekday = forms.ChoiceField(label=_("Weekday"), choices=WEEKDAYS, required=False)
    month_day = forms.IntegerField(
        label=_("Day of the month"), required=False, help_text=MONTH_DAY_HELP
    )
    rrule = forms.CharField(
        label=_("Recurrence rule"),
        max_length=500,
        required=False,
        help_text=_("Only for a custom frequency, e.g. FREQ=MONTHLY;BYDAY=-1FR (last Friday)."),
    )
    starts_at = forms.DateTimeField(
        label=_("First occurrence"),
        input_formats=LOCAL_INPUT,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Beijing time; every occurrence keeps its time of day."),
    )
    ends_at = forms.DateTimeField(
        label=_("Ends"),
        required=False,
        input_formats=LOCAL_INPUT,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    due_hours = forms.IntegerField(
        label=_("Due within (hours after the occurrence)"), min_value=1, max_value=2160, initial=24
    )
    inspector = forms.ModelChoiceField(
        label=_("Inspector"), queryset=Person.objects.none(), required=False
    )
    sample_percent = forms.DecimalField(
        label=_("Sampling proportion (%)"),
        required=False,
        min_value=0,
        max_value=100,
        decimal_places=2,
        help_text=_("Leave empty to inspect every unit; else each occurrence draws this share."),
    )
    field_order = [
        "title",
        "template",
        "units",
        "rule_key",
        "frequency",
        "weekday",
        "month_day",
        "rrule",
        "starts_at",
        "ends_at",
        "due_hours",
        "inspector",
        "sample_percent",
    ]

    def __init__(self, *args, company: Company, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("is_announced", True)
        kwargs["initial"].setdefault("frequency", "rule")
        super().__init__(*args, **kwargs)
        self.company = company
        self.fields["units"] = _units_field(company)
        self._field("template").queryset = _templates(company)
        self._field("inspector").queryset = inspectors_for(company.pk)
        self._field("rule_key").choices = [("", _("— none —")), *company_rule_choices(company)]
        self.order_fields(self.field_order)

    def clean(self):
        data = super().clean()
        frequency = data.get("frequency")
        rule_key = data.get("rule_key")
        if frequency == "rule":
            value = (
                rule_value_or_none(
                    rule_key, pack=self.company.policy_pack or "property", company=self.company
                )
                if rule_key
                else None
            )
            if not isinstance(value, Frequency):
                self.add_error("rule_key", RULE_REQUIRED)
            else:
                data["rrule"] = frequency_rrule(value)
        elif frequency == "daily":
            data["rrule"] = "FREQ=DAILY"
        elif frequency == "workdays":
            data["rrule"] = "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"
        elif frequency == "weekly":
            data["rrule"] = f"FREQ=WEEKLY;BYDAY={data.get('weekday') or 'MO'}"
        elif frequency in ("monthly", "quarterly"):
            day = data.get("month_day")
            if day is None or not (1 <= day <= 28 or day == -1):
                self.add_error("month_day", MONTH_DAY_INVALID)
            else:
                interval = ";INTERVAL=3" if frequency == "quarterly" else ""
                data["rrule"] = f"FREQ=MONTHLY{interval};BYMONTHDAY={day}"
        elif frequency == "yearly":
            data["rrule"] = "FREQ=YEARLY"
        elif not (data.get("rrule") or "").strip():
            self.add_error("rrule", RRULE_REQUIRED)
        if data.get("sample_percent") == 0:
            data["sample_percent"] = None
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "template": data["template"],
            "units": data["units"],
            "rrule": data["rrule"],
            "starts_at": data["starts_at"],
            "ends_at": data.get("ends_at"),
            "due_within": timedelta(hours=data["due_hours"]),
            "inspector": data.get("inspector"),
            "sample_percent": data.get("sample_percent"),
            "rule_key": data.get("rule_key") or "",
            "kind": data["kind"],
            "is_special": data["is_special"],
            "is_announced": data["is_announced"],
            "is_surprise": data["is_surprise"],
            "is_specialised": data["is_specialised"],
        }


class DrawForm(forms.Form):
    purpose = forms.CharField(label=_("Purpose"), max_length=200)
    percent = forms.DecimalField(
        label=_("Proportion (%)"), min_value=0, max_value=100, decimal_places=2
    )

    def __init__(self, *args, company: Company, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["units"] = _units_field(company)
        self.fields["units"].label = _("Units to draw from")


class AssignForm(_Fields, forms.Form):
    inspector = forms.ModelChoiceField(label=_("Inspector"), queryset=Person.objects.none())
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)

    def __init__(self, *args, company_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self._field("inspector").queryset = inspectors_for(company_id)


class StopForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500)


STATUS_CHOICES = [("", _("All statuses")), *Inspection.Status.choices]


class TaskFilter(FilterSet):
    """The task list's filters: unit, inspector, status, due range, overdue only."""

    unit = django_filters.ModelChoiceFilter(
        label=_("Unit"),
        queryset=Unit.objects.none(),
        method="filter_unit",
        empty_label=_("All units"),
    )
    inspector = django_filters.ModelChoiceFilter(
        label=_("Inspector"), queryset=Person.objects.none(), empty_label=_("All inspectors")
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Inspection.Status.choices, empty_label=_("All statuses")
    )
    due_from = DayFilter(label=_("Due from"), method="filter_due_from")
    due_to = DayFilter(label=_("Due until"), method="filter_due_to")
    overdue = CheckFilter(label=_("Overdue only"), method="filter_overdue")

    def __init__(self, data=None, queryset=None, *, company_id: int | None, **kwargs):
        super().__init__(data, queryset, **kwargs)
        units = Unit.objects.filter(company_id=company_id or 0).order_by("path")
        self.filters["unit"].queryset = units
        self.filters["inspector"].queryset = inspectors_for(company_id or 0)

    def filter_unit(self, queryset, name, value):
        return queryset.filter(unit__path__startswith=value.path)

    def filter_due_from(self, queryset, name, value):
        return queryset.filter(due_at__date__gte=value)

    def filter_due_to(self, queryset, name, value):
        return queryset.filter(due_at__date__lte=value)

    def filter_overdue(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(
            Q(status__in=[Inspection.Status.PLANNED, Inspection.Status.IN_PROGRESS]),
            due_at__lt=now(),
        )
