"""Deadline pages: the overdue list for everyone with deadlines, and the working-time
calendars the quality department maintains (X-5)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from pinzhi.core.access import page
from pinzhi.deadlines import selectors, services
from pinzhi.deadlines.forms import CalendarForm, DayForm, HoursForm, ImportForm, RuleCalendarForm
from pinzhi.deadlines.importing import MAX_BYTES, CalendarImportError, calendar_days_import
from pinzhi.deadlines.models import Calendar, CalendarDay, Deadline
from pinzhi.deadlines.selectors import CALENDAR_EDIT_ROLES, CALENDAR_READ_ROLES, OVERDUE_ROLES
from pinzhi.lib.clock import now

MSG_CREATED = _("The calendar “%(name)s” was created.")
MSG_HOURS = _("The working hours of “%(name)s” were saved.")
MSG_IMPORTED = _("%(created)s days imported for %(years)s (%(replaced)s earlier days replaced).")
MSG_IMPORT_REFUSED = _("Nothing was imported: fix the rows below and upload the file again.")
MSG_DAY_ADDED = _("%(date)s was added.")
MSG_DAY_REMOVED = _("%(date)s was removed.")
MSG_RULE_SET = _("Deadlines of %(rule)s opened from now on count on %(clock)s.")
WALL_CLOCK = _("the wall clock")


@page(*OVERDUE_ROLES)
def overdue_list(request):
    state = request.GET.get("state", "overdue")
    kind = request.GET.get("kind", "")
    query = request.GET.get("q", "")
    mine = request.GET.get("mine") == "1"
    deadlines = selectors.deadlines_overdue(
        request.user, state=state, kind=kind, query=query, mine=mine
    )
    page_obj = Paginator(deadlines, 25).get_page(request.GET.get("page"))
    context = {
        "page_obj": page_obj,
        "state": state,
        "kind": kind,
        "q": query,
        "mine": mine,
        "kinds": selectors.deadline_kinds(request.user),
        "states": [
            ("overdue", _("Past due")),
            ("", _("Open or breached")),
            (Deadline.State.OPEN, Deadline.State.OPEN.label),
            (Deadline.State.BREACHED, Deadline.State.BREACHED.label),
        ],
        "now": now(),
    }
    template = "deadlines/partials/overdue_table.html" if request.htmx else "deadlines/overdue.html"
    return render(request, template, context)


@page(*CALENDAR_READ_ROLES)
def calendar_list(request):
    calendars = selectors.calendars_with_days(request.user, year=now().year)
    may_edit = bool(request.user.is_superuser or request.user.role_codes & CALENDAR_EDIT_ROLES)
    return render(
        request,
        "deadlines/calendar_list.html",
        {"calendars": calendars, "may_edit": may_edit, "year": now().year},
    )


@page(*CALENDAR_EDIT_ROLES)
def calendar_create(request):
    form = CalendarForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            calendar = services.calendar_create(**form.cleaned_data, actor=request.user)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, MSG_CREATED % {"name": calendar.name})
            return redirect("deadlines:calendar", code=calendar.code)
    return render(request, "deadlines/calendar_form.html", {"form": form})


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _detail(request, calendar: Calendar, *, status: int = 200, **forms):
    try:
        year = int(request.GET.get("year") or now().year)
    except ValueError:
        year = now().year
    may_edit = bool(request.user.is_superuser or request.user.role_codes & CALENDAR_EDIT_ROLES)
    context = {
        "calendar": calendar,
        "year": year,
        "years": sorted(set(selectors.calendar_years(calendar)) | {now().year, year}),
        "days": selectors.calendar_year_days(calendar, year),
        "rules": calendar.rules.all(),
        "may_edit": may_edit,
        "weekly": selectors.calendar_weekly(calendar),
        "hours_form": forms.get("hours_form") or HoursForm(calendar=calendar),
        "day_form": forms.get("day_form") or DayForm(),
        "import_form": forms.get("import_form") or ImportForm(),
        "rule_form": forms.get("rule_form") or RuleCalendarForm(),
        "import_errors": forms.get("import_errors") or [],
        "rule_choices": selectors.duration_rules(),
    }
    return render(request, "deadlines/calendar_detail.html", context, status=status)


@page(*CALENDAR_READ_ROLES)
def calendar_detail(request, code: str):
    calendar = get_object_or_404(Calendar, code=code)
    return _detail(request, calendar)


@page(*CALENDAR_EDIT_ROLES)
@require_POST
def calendar_hours(request, code: str):
    calendar = get_object_or_404(Calendar, code=code)
    form = HoursForm(request.POST, calendar=calendar)
    if form.is_valid():
        try:
            services.calendar_update(
                calendar=calendar,
                name=form.cleaned_data["name"],
                time_zone=form.cleaned_data["time_zone"],
                hours=form.hours(),
                actor=request.user,
            )
        except ValidationError as error:
            calendar.refresh_from_db()
            _add_errors(form, error)
        else:
            messages.success(request, MSG_HOURS % {"name": calendar.name})
            return redirect("deadlines:calendar", code=calendar.code)
    return _detail(request, calendar, hours_form=form, status=400)


@page(*CALENDAR_EDIT_ROLES)
@require_POST
def calendar_import(request, code: str):
    calendar = get_object_or_404(Calendar, code=code)
    form = ImportForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            # At most one byte more than allowed is read: a huge upload is refused unread.
            summary = calendar_days_import(
                calendar=calendar,
                name=upload.name,
                content=upload.read(MAX_BYTES + 1),
                actor=request.user,
            )
        except CalendarImportError as error:
            messages.error(request, MSG_IMPORT_REFUSED)
            return _detail(
                request, calendar, import_form=form, import_errors=error.errors, status=400
            )
        messages.success(
            request,
            MSG_IMPORTED
            % {
                "created": summary.created,
                "years": ", ".join(str(y) for y in summary.years),
                "replaced": summary.replaced,
            },
        )
        return redirect(f"{calendar_url(calendar)}?year={summary.years[0]}")
    return _detail(request, calendar, import_form=form, status=400)


def calendar_url(calendar: Calendar) -> str:
    from django.urls import reverse

    return reverse("deadlines:calendar", kwargs={"code": calendar.code})


@page(*CALENDAR_EDIT_ROLES)
@require_POST
def calendar_day_add(request, code: str):
    calendar = get_object_or_404(Calendar, code=code)
    form = DayForm(request.POST)
    if form.is_valid():
        try:
            day = services.calendar_day_add(
                calendar=calendar, **form.cleaned_data, actor=request.user
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, MSG_DAY_ADDED % {"date": day.date})
            return redirect(f"{calendar_url(calendar)}?year={day.date.year}")
    return _detail(request, calendar, day_form=form, status=400)


@page(*CALENDAR_EDIT_ROLES)
@require_POST
def calendar_day_remove(request, code: str, pk: int):
    day = get_object_or_404(CalendarDay, calendar__code=code, pk=pk)
    year = day.date.year
    services.calendar_day_remove(day=day, actor=request.user)
    messages.success(request, MSG_DAY_REMOVED % {"date": day.date})
    return redirect(f"{calendar_url(day.calendar)}?year={year}")


@page(*CALENDAR_EDIT_ROLES)
@require_POST
def calendar_rule(request, code: str):
    calendar = get_object_or_404(Calendar, code=code)
    form = RuleCalendarForm(request.POST)
    if form.is_valid():
        use = form.cleaned_data["use"] == "calendar"
        services.rule_calendar_set(
            pack=form.cleaned_data["pack"],
            rule_key=form.cleaned_data["rule_key"],
            calendar=calendar if use else None,
            actor=request.user,
        )
        messages.success(
            request,
            MSG_RULE_SET
            % {
                "rule": f"{form.cleaned_data['pack']}/{form.cleaned_data['rule_key']}",
                "clock": calendar.name if use else WALL_CLOCK,
            },
        )
        return redirect("deadlines:calendar", code=calendar.code)
    return _detail(request, calendar, rule_form=form, status=400)
