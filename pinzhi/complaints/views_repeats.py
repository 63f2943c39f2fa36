"""Repeat-complaint analysis (CMP-8): the topic groups of a period with their counts, trend,
members and keywords; root cause and corrective action per group; the regrouping; and the
complaints flagged as repeats by customer or address."""

from collections import Counter
from datetime import datetime, time, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, DateField, F, Window
from django.db.models.functions import RowNumber, Trunc
from django.shortcuts import get_object_or_404, redirect, render
from django.tasks import TaskResultStatus
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from pinzhi.complaints import grouping
from pinzhi.complaints.models import Complaint, RepeatGroup
from pinzhi.complaints.repeats import OTHER_TOPIC, REASONS, SAME_TOPIC, with_topic_relation
from pinzhi.complaints.search import shown_customer
from pinzhi.complaints.selectors import complaints_visible_to
from pinzhi.core.access import page
from pinzhi.core.errors import refusal_response
from pinzhi.lib.clock import now
from pinzhi.orgs.roles import Role

VIEW_ROLES = (
    Role.QUALITY_DEPARTMENT,
    Role.LEADERSHIP,
    Role.QUALITY_COMMITTEE,
    Role.DEPARTMENT_MANAGER,
)
COMPANY_WIDE = frozenset({Role.QUALITY_DEPARTMENT, Role.LEADERSHIP, Role.QUALITY_COMMITTEE})
PER_PAGE = 25
MEMBERS_SHOWN = 10
CHART_GROUPS = 8
DEFAULT_DAYS = 90

BAD_PERIOD = _("The start of the period must not be after its end.")
ANALYSIS_SAVED = _("Root cause and corrective action recorded.")
REGROUPED = _(
    "Regrouped %(complaints)s complaints into %(groups)s topics in %(seconds)s s; "
    "%(kept)s analysed topics kept."
)
REGROUP_QUEUED = _(
    "The regrouping was queued and runs in the background; this page shows how it is going."
)
REGROUP_WAITING = _("Regrouping queued: waiting for the background worker.")
REGROUP_RUNNING = _("Regrouping in progress…")
REGROUP_FAILED = _("The regrouping failed; the topics shown are the previous ones. Try again.")
NO_COMPANY = _("Your account belongs to no company.")


class PeriodForm(forms.Form):
    since = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise forms.ValidationError(BAD_PERIOD)
        return data


class AnalysisForm(forms.Form):
    root_cause = forms.CharField(
        label=_("Root cause"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    corrective_action = forms.CharField(
        label=_("Corrective action"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


def _period(request) -> tuple[PeriodForm, datetime, datetime]:
    today = timezone.localdate(now())
    initial = {"since": today - timedelta(days=DEFAULT_DAYS), "until": today}
    form = PeriodForm(request.GET or None, initial=initial)
    since, until = initial["since"], initial["until"]
    if form.is_bound and form.is_valid():
        since, until = form.cleaned_data["since"], form.cleaned_data["until"]
    elif not form.is_bound:
        form = PeriodForm(initial=initial)
    tz = timezone.get_current_timezone()
    return (
        form,
        timezone.make_aware(datetime.combine(since, time.min), tz),
        timezone.make_aware(datetime.combine(until, time.max), tz),
    )


def _company(user):
    if user.company_id:
        return user.company
    if user.is_superuser:
        from pinzhi.orgs.models import Company

        return Company.objects.order_by("pk").first()
    return None


def _company_wide(user) -> bool:
    return user.is_superuser or bool(user.role_codes & COMPANY_WIDE)


def _buckets(since: datetime, until: datetime) -> tuple[str, list]:
    """Week buckets for up to 120 days, month buckets beyond: (kind, [start dates])."""
    first, last = timezone.localdate(since), timezone.localdate(until)
    if (last - first).days <= 120:
        start = first - timedelta(days=first.weekday())
        starts = []
        while start <= last:
            starts.append(start)
            start += timedelta(days=7)
        return "week", starts
    starts, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        starts.append(first.replace(year=year, month=month, day=1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return "month", starts


def _bucket_of(kind: str, when: datetime):
    day = timezone.localdate(when)
    if kind == "week":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def _row(user, complaint: Complaint) -> dict:
    """A member row: the subject, name and address as this viewer may see them (ORG-3)."""
    shown = shown_customer(user, complaint)
    return {
        "complaint": complaint,
        "title": shown["title"],
        "customer": shown["name"],
        "address": shown["address"],
    }


def _group_counts(visible, query: str) -> list[tuple[int, int]]:
    """(group id, members in the period) of every topic with a member the viewer sees in the
    period, largest first: one aggregate over the period's grouped complaints (issue 9
    item 3), never a count per group."""
    grouped = visible.filter(repeat_group__isnull=False)
    if query:
        grouped = grouped.filter(repeat_group__label__icontains=query)
    return list(
        grouped.order_by()
        .values_list("repeat_group")
        .annotate(members=Count("pk"))
        .order_by("-members", "-repeat_group__created_at", "-repeat_group")
        .values_list("repeat_group", "members")
    )


def _trends(visible, group_ids: list[int], kind: str) -> dict[int, Counter]:
    """Per group of a page, the number of its members per week or month: one aggregate."""
    bucket = Trunc(
        "received_at",
        kind,
        output_field=DateField(),
        tzinfo=timezone.get_current_timezone(),
    )
    found: dict[int, Counter] = {gid: Counter() for gid in group_ids}
    for gid, start, count in (
        visible.filter(repeat_group__in=group_ids)
        .order_by()
        .annotate(bucket=bucket)
        .values_list("repeat_group", "bucket")
        .annotate(n=Count("pk"))
        .values_list("repeat_group", "bucket", "n")
    ):
        found[gid][start] += count
    return found


def _latest_members(visible, group_ids: list[int]) -> dict[int, list[Complaint]]:
    """Per group of a page, its MEMBERS_SHOWN latest members the viewer sees: one query
    (a row number per group), their letters in one more."""
    latest = Window(
        RowNumber(),
        partition_by=[F("repeat_group")],
        order_by=[F("received_at").desc(), F("pk").desc()],
    )
    found: dict[int, list[Complaint]] = {gid: [] for gid in group_ids}
    for complaint in (
        visible.filter(repeat_group__in=group_ids)
        .annotate(rank=latest)
        .filter(rank__lte=MEMBERS_SHOWN)
        .prefetch_related("letters")
        .order_by("-received_at", "-pk")
    ):
        found[complaint.repeat_group_id].append(complaint)
    return found


@page(*VIEW_ROLES)
def repeat_analysis(request):
    """CMP-8: the repeat-analysis page. Issue 9 item 3: its queries are bounded whatever the
    number of complaints — one aggregate for the topics' counts, then the page's topics,
    their trends and their latest members in one query each."""
    company = _company(request.user)
    if company is None:
        raise PermissionDenied(NO_COMPANY)
    form, since, until = _period(request)
    visible = complaints_visible_to(request.user).filter(
        company=company, received_at__gte=since, received_at__lte=until
    )
    query = request.GET.get("q", "").strip()
    group_page = Paginator(_group_counts(visible, query), PER_PAGE).get_page(
        request.GET.get("gpage")
    )
    counts = dict(group_page.object_list)
    by_pk = RepeatGroup.objects.select_related("analysed_by").in_bulk(list(counts))
    groups = []
    for gid, members in counts.items():
        group = by_pk.get(gid)
        if group is not None:
            group.members = members
            groups.append(group)
    kind, starts = _buckets(since, until)
    ids = [g.pk for g in groups]
    times_by_group = _trends(visible, ids, kind) if ids else {}
    members_by_group = _latest_members(visible, ids) if ids else {}
    rows = []
    for group in groups:
        members = [_row(request.user, c) for c in members_by_group[group.pk]]
        rows.append(
            {
                "group": group,
                "members": members,
                "more": group.members - len(members),
                "trend": [times_by_group[group.pk].get(s, 0) for s in starts],
                "form": AnalysisForm(
                    initial={
                        "root_cause": group.root_cause,
                        "corrective_action": group.corrective_action,
                    },
                    prefix=f"g{group.pk}",
                ),
            }
        )
    chart = {
        "labels": [s.isoformat() for s in starts],
        "series": [
            {"name": row["group"].label, "data": row["trend"]} for row in rows[:CHART_GROUPS]
        ],
    }
    # Issue 9 item 3: `flagged()` reads the few flagged complaints through their partial
    # index instead of every complaint of the period.
    flagged_qs = with_topic_relation(
        grouping.flagged(visible)
        .select_related("repeat_of", "location")
        .prefetch_related("letters")
        .order_by("-received_at", "-pk")
    )
    flagged_page = Paginator(flagged_qs, PER_PAGE).get_page(request.GET.get("page"))
    flagged = [
        {
            **_row(request.user, c),
            "reasons": [REASONS.get(r, r) for r in c.repeat_reasons],
            "relation": str(SAME_TOPIC if c.same_topic else OTHER_TOPIC),
            "same_topic": c.same_topic,
        }
        for c in flagged_page.object_list
    ]
    return render(
        request,
        "complaints/repeats/index.html",
        {
            "form": form,
            "query": query,
            "company": company,
            "rows": rows,
            "group_page": group_page,
            "flagged": flagged,
            "flagged_page": flagged_page,
            "bucket_kind": kind,
            "chart": chart,
            "may_regroup": request.user.is_superuser
            or request.user.has_role(Role.QUALITY_DEPARTMENT),
            "regrouping": _regrouping(request),
            "threshold": round(grouping.threshold_for(company) * 100),
            "since": since,
            "until": until,
        },
    )


@page(*VIEW_ROLES)
@require_POST
def group_analyse(request, pk: int):
    """CMP-8: record the root cause and corrective action of a topic group."""
    company = _company(request.user)
    group = get_object_or_404(RepeatGroup, pk=pk, company=company)
    if not _company_wide(request.user):
        if not complaints_visible_to(request.user).filter(repeat_group=group).exists():
            raise PermissionDenied
    form = AnalysisForm(request.POST, prefix=f"g{group.pk}")
    back = request.POST.get("next") or reverse("repeats:index")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = reverse("repeats:index")
    if form.is_valid():
        try:
            grouping.group_analyse(
                group=group,
                actor=request.user,
                root_cause=form.cleaned_data["root_cause"],
                corrective_action=form.cleaned_data["corrective_action"],
            )
        except grouping.GroupError as error:
            return refusal_response(request, error, to=f"{back}#group-{group.pk}")
        else:
            messages.success(request, ANALYSIS_SAVED)
    return redirect(f"{back}#group-{group.pk}")


REGROUP_SESSION_KEY = "repeats.regroup"


def _regrouping(request) -> dict | None:
    """The state of the regrouping this person last asked for (kept in their session): queued,
    running since when, done with its figures, or failed."""
    task_id = request.session.get(REGROUP_SESSION_KEY)
    if not task_id:
        return None
    try:
        result = grouping.groups_rebuild_task.get_result(task_id)
    except Exception:  # the result was purged, or the backend keeps none
        return None
    state: dict[str, Any] = {"status": result.status, "started_at": result.started_at}
    if result.status == TaskResultStatus.SUCCESSFUL:
        state["message"] = REGROUPED % result.return_value
    elif result.status == TaskResultStatus.FAILED:
        state["message"] = REGROUP_FAILED
    elif result.status == TaskResultStatus.RUNNING:
        state["message"] = REGROUP_RUNNING
    else:
        state["message"] = REGROUP_WAITING
    state["pending"] = result.status in (TaskResultStatus.READY, TaskResultStatus.RUNNING)
    return state


@page(Role.QUALITY_DEPARTMENT)
def regroup(request):
    """CMP-8: rebuild the topic groups of the period shown (quality department); a GET
    goes back to the analysis page. Issue 9 item 3: always the worker's task — encoding
    texts and clustering take the sentence model and seconds to minutes, which no web
    process pays; the analysis page shows how the task is going."""
    if request.method != "POST":
        return redirect("repeats:index")
    company = _company(request.user)
    if company is None:
        raise PermissionDenied(NO_COMPANY)
    form, since, until = _period(request)
    if request.POST.get("since") and request.POST.get("until"):
        form = PeriodForm(request.POST)
        if form.is_valid():
            tz = timezone.get_current_timezone()
            since = timezone.make_aware(datetime.combine(form.cleaned_data["since"], time.min), tz)
            until = timezone.make_aware(datetime.combine(form.cleaned_data["until"], time.max), tz)
    result = grouping.groups_rebuild_task.enqueue(
        company.pk, since.isoformat(), until.isoformat(), request.user.pk
    )
    request.session[REGROUP_SESSION_KEY] = str(result.id)
    messages.info(request, REGROUP_QUEUED)
    query = f"?since={timezone.localdate(since)}&until={timezone.localdate(until)}"
    return redirect(reverse("repeats:index") + query)
