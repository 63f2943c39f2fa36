from django import forms
from django.utils.translation import gettext_lazy as _

from pinzhi.deadlines.calendars import periods_text
from pinzhi.deadlines.models import WEEKDAYS, Calendar, CalendarDay

WEEKDAY_NAMES = [
    _("Monday"),
    _("Tuesday"),
    _("Wednesday"),
    _("Thursday"),
    _("Friday"),
    _("Saturday"),
    _("Sunday"),
]
PERIODS_HELP = _("e.g. 09:00-12:00, 13:30-18:00; empty = day off")


class CalendarForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=100)
    time_zone = forms.CharField(label=_("Time zone"), max_length=60, initial="Asia/Shanghai")
    copy_from = forms.ModelChoiceField(
        label=_("Start from"),
        queryset=Calendar.objects.none(),
        required=False,
        empty_label=_("Office hours, no holidays"),
        help_text=_("Copy the working hours and the days of a calendar you can see."),
    )

    def __init__(self, *args, calendars=None, **kwargs):
        super().__init__(*args, **kwargs)
        if calendars is not None:
            self.fields["copy_from"].queryset = calendars


class HoursForm(forms.Form):
    """Working periods per weekday as text; the service parses and checks them."""

    name = forms.CharField(label=_("Name"), max_length=100)
    time_zone = forms.CharField(label=_("Time zone"), max_length=60)

    def __init__(self, *args, calendar: Calendar | None = None, **kwargs):
        if calendar is not None and "initial" not in kwargs:
            kwargs["initial"] = {"name": calendar.name, "time_zone": calendar.time_zone} | {
                f"hours_{d}": periods_text(calendar.hours.get(d, [])) for d in WEEKDAYS
            }
        super().__init__(*args, **kwargs)
        for day, label in zip(WEEKDAYS, WEEKDAY_NAMES, strict=True):
            self.fields[f"hours_{day}"] = forms.CharField(
                label=label, required=False, max_length=200, help_text=PERIODS_HELP
            )

    def hours(self) -> dict[str, str]:
        return {d: self.cleaned_data.get(f"hours_{d}", "") for d in WEEKDAYS}

    def weekday_fields(self):
        return [self[f"hours_{d}"] for d in WEEKDAYS]


class DayForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label=_("Kind"), choices=CalendarDay.Kind.choices)
    name = forms.CharField(label=_("Name"), max_length=60, required=False)


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Holiday file (CSV or XLSX)"),
        help_text=_(
            "Columns 日期, 类型 (放假 or 调休上班), 名称. The file's years replace "
            "the days entered for those years."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )


class RuleCalendarForm(forms.Form):
    pack = forms.CharField(label=_("Policy pack"), max_length=40)
    rule_key = forms.CharField(label=_("Rule"), max_length=120)
    use = forms.ChoiceField(
        label=_("Count on"),
        choices=[("calendar", _("this calendar")), ("wall", _("the wall clock"))],
    )
