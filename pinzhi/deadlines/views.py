"""Deadline pages: the overdue list for everyone with deadlines, and the working-time
calendars the quality department maintains (X-5)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from pinzhi.core.access import page
from pinzhi.core.imports import import_batch_for, import_error_report_response
from pinzhi.core.shell import render_form_page, render_page
from pinzhi.deadlines import selectors, services
from pinzhi.deadlines.forms import CalendarForm, DayForm, HoursForm, ImportForm, RuleCalendarForm
from pinzhi.deadlines.importing import KIND, MAX_BYTES, CalendarImportError, calendar_days_import
from pinzhi.deadlines.models import Calendar, CalendarDay
from pinzhi.deadlines.selectors import CALENDAR_EDIT_ROLES, CALENDAR_READ_ROLES, OVERDUE_ROLES
from pinzhi.lib.clock import now
from pinzhi.lib.errors import DomainError

MSG_CREATED = _("The calendar “%(name)s” was created.")
MSG_HOURS = _("The working hours of “%(name)s” were saved.")
MSG_IMPORTED = _("%(created)s days imported for %(years)s (%(replaced)s earlier days replaced).")
MSG_IMPORT_REFUSED = _("Nothing was imported: fix the rows below and upload the file again.")
MSG_DAY_ADDED = _("%(date)s was added.")
MSG_DAY_REMOVED = _("%(date)s was removed.")
MSG_SHARED_READ_ONLY = _(
    "This calendar is shared by every company and cannot be changed here; create your own "
    "calendar starting from it."
)
MSG_NO_COMPANY = _("You belong to no company, so you have no calendars of your own.")
MSG_RULE_SET = _("Deadlines of %(rule)s opened from now on count on %(clock)s.")
WALL_CLOCK = _("the wall clock")
NEW_CALENDAR = _("New calendar")
NEW_CALENDAR_INTRO = _(
    "Without a calendar to start from, it starts with Monday to Friday 09:00–12:00 and "
    "13:30–18:00; change the hours and enter the holidays on the next page."
)
CREATE = _("Create")


@page(*OVERDUE_ROLES)
def overdue_list(request):
    filters = selectors.deadlines_overdue(request.user, request.GET)
    page_obj = Paginator(filters.qs, 25).get_page(request.GET.get("page"))
    context = {"page_obj": page_obj, "filters": filters, "now": now()}
    return render_page(
        request, "deadlines/overdue.html", context, partial="deadlines/partials/overdue_table.html"
    )


@page(*CALENDAR_READ_ROLES)
def calendar_list(request):
    calendars = selectors.calendars_with_days(request.user, year=now().year)
    return render(
        request,
        "deadlines/calendar_list.html",
        {
            "calendars": calendars,
            "may_create": selectors.user_may_create_calendar(request.user),
            "year": now().year,
        },
    )


@page(*CALENDAR_EDIT_ROLES)
def calendar_create(request):
    """A new calendar of the user's company (an operator's is shared by every company)."""
    if not selectors.user_may_create_calendar(request.user):
        raise PermissionDenied(MSG_NO_COMPANY)
    form = CalendarForm(
        request.POST or None, calendars=selectors.calendars_visible_to(request.user)
    )
    if request.method == "POST" and form.is_valid():
        company = None if request.user.is_superuser else request.user.company_id
        try:
            calendar = services.calendar_create(
                **form.cleaned_data, company=company, actor=request.user
            )
        except DomainError as error:
            error.add_to_form(form)
        else:
            messages.success(request, MSG_CREATED % {"name": calendar.name})
            return redirect("deadlines:calendar", pk=calendar.pk)
    return render_form_page(
        request,
        form,
        heading=NEW_CALENDAR,
        intro=NEW_CALENDAR_INTRO,
        submit_label=CREATE,
        cancel_url=reverse("deadlines:calendars"),
    )


def _visible(request, pk: int) -> Calendar:
    """A calendar the user may see; another company's is "not found" (ORG-2)."""
    return get_object_or_404(selectors.calendars_visible_to(request.user), pk=pk)


def _editable(request, pk: int) -> Calendar:
    """A calendar the user may change: their company's own; a shared one is read-only."""
    calendar = _visible(request, pk)
    if not selectors.calendar_may_edit(request.user, calendar):
        raise PermissionDenied(MSG_SHARED_READ_ONLY)
    return calendar


def _detail(request, calendar: Calendar, *, status: int = 200, **forms):
    try:
        year = int(request.GET.get("year") or now().year)
    except ValueError:
        year = now().year
    context = {
        "calendar": calendar,
        "year": year,
        "years": sorted(set(selectors.calendar_years(calendar)) | {now().year, year}),
        "days": selectors.calendar_year_days(calendar, year),
        "rules": selectors.rule_calendars_named(request.user, calendar),
        "may_edit": selectors.calendar_may_edit(request.user, calendar),
        "may_choose": selectors.user_may_create_calendar(request.user),
        "weekly": selectors.calendar_weekly(calendar),
        "hours_form": forms.get("hours_form") or HoursForm(calendar=calendar),
        "day_form": forms.get("day_form") or DayForm(),
        "import_form": forms.get("import_form") or ImportForm(),
        "rule_form": forms.get("rule_form") or RuleCalendarForm(),
        "import_errors": forms.get("import_errors") or [],
        "import_batch": forms.get("import_batch"),
        "rule_choices": selectors.duration_rules(),
    }
    return render(request, "deadlines/calendar_detail.html", context, status=status)


@page(*CALENDAR_READ_ROLES)
def calendar_detail(request, pk: int):
    return _detail(request, _visible(request, pk))


@page(*CALENDAR_EDIT_ROLES)
@require_POST
def calendar_hours(request, pk: int):
    calendar = _editable(request, pk)
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
        except DomainError as error:
            calendar.refresh_from_db()
            error.add_to_form(form)
        else:
            messages.success(request, MSG_HOURS % {"name": calendar.name})
            return redirect("deadlines:calendar", pk=calendar.pk)
    return _detail(request, calendar, hours_form=form, status=400)


@page(*CALENDAR_EDIT_ROLES)
@require_POST
def calendar_import(request, pk: int):
    calendar = _editable(request, pk)
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
                request,
                calendar,
                import_form=form,
                import_errors=error.problems,
                import_batch=error.batch,
                status=400,
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


@page(*CALENDAR_EDIT_ROLES)
def calendar_import_errors(request, pk: int, token: str):
    """The refused rows of a holiday import as an .xlsx error report (issue 7 item 3)."""
    calendar = _editable(request, pk)
    batch = import_batch_for(request.user, token=token, kind=KIND)
    if batch.meta.get("calendar") != calendar.pk:
        raise Http404
    return import_error_report_response(batch)


def calendar_url(calendar: Calendar) -> str:
    return reverse("deadlines:calendar", kwargs={"pk": calendar.pk})


@page(*CALENDAR_EDIT_ROLES)
@require_POST
def calendar_day_add(request, pk: int):
    calendar = _editable(request, pk)
    form = DayForm(request.POST)
    if form.is_valid():
        try:
            day = services.calendar_day_add(
                calendar=calendar, **form.cleaned_data, actor=request.user
            )
        except DomainError as error:
            error.add_to_form(form)
        else:
            messages.success(request, MSG_DAY_ADDED % {"date": day.date})
            return redirect(f"{calendar_url(calendar)}?year={day.date.year}")
    return _detail(request, calendar, day_form=form, status=400)


@page(*CALENDAR_EDIT_ROLES)
@require_POST
def calendar_day_remove(request, pk: int, day: int):
    calendar = _editable(request, pk)
    entry = get_object_or_404(CalendarDay, calendar=calendar, pk=day)
    services.calendar_day_remove(day=entry, actor=request.user)
    messages.success(request, MSG_DAY_REMOVED % {"date": entry.date})
    return redirect(f"{calendar_url(calendar)}?year={entry.date.year}")


@page(*CALENDAR_EDIT_ROLES)
@require_POST
def calendar_rule(request, pk: int):
    """Choose this calendar (or the wall clock) for a rule's deadlines of the user's company;
    a shared calendar may be chosen, not changed."""
    calendar = _visible(request, pk)
    if not selectors.user_may_create_calendar(request.user):
        raise PermissionDenied(MSG_NO_COMPANY)
    form = RuleCalendarForm(request.POST)
    if form.is_valid():
        use = form.cleaned_data["use"] == "calendar"
        company = None if request.user.is_superuser else request.user.company_id
        try:
            services.rule_calendar_set(
                company=company,
                pack=form.cleaned_data["pack"],
                rule_key=form.cleaned_data["rule_key"],
                calendar=calendar if use else None,
                actor=request.user,
            )
        except DomainError as error:
            error.add_to_form(form)
        else:
            chosen = (form.cleaned_data["pack"], form.cleaned_data["rule_key"])
            messages.success(
                request,
                MSG_RULE_SET
                % {
                    # The rule's name, not its key (issue 8 item 6).
                    "rule": selectors.rule_name(*chosen),
                    "clock": calendar.name if use else WALL_CLOCK,
                },
            )
            return redirect("deadlines:calendar", pk=calendar.pk)
    return _detail(request, calendar, rule_form=form, status=400)
