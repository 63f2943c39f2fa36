"""Repeat-complaint analysis (CMP-8): the topic groups of a period with their counts, trend,
members and keywords; root cause and corrective action per group; the regrouping; and the
complaints flagged as repeats by customer or address."""

from collections import Counter
from datetime import datetime, time, timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from pinzhi.complaints import grouping
from pinzhi.complaints.models import Complaint, RepeatGroup
from pinzhi.complaints.repeats import REASONS, SAME_TOPIC, topic_relation
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
# Up to this many complaints in the period the regrouping runs at once, else as a task.
SYNC_REGROUP_MAX = 3000
DEFAULT_DAYS = 90

BAD_PERIOD = _("The start of the period must not be after its end.")
ANALYSIS_SAVED = _("Root cause and corrective action recorded.")
REGROUPED = _(
    "Regrouped %(complaints)s complaints into %(groups)s topics in %(seconds)s s; "
    "%(kept)s analysed topics kept."
)
REGROUP_QUEUED = _(
    "%(count)s complaints: the regrouping was queued and runs in the background. "
    "Reload this page in a minute."
)
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


@page(*VIEW_ROLES)
def repeat_analysis(request):
    """CMP-8: the repeat-analysis page."""
    company = _company(request.user)
    if company is None:
        raise PermissionDenied(NO_COMPANY)
    form, since, until = _period(request)
    visible = complaints_visible_to(request.user).filter(
        company=company, received_at__gte=since, received_at__lte=until
    )
    groups_qs = (
        RepeatGroup.objects.filter(company=company)
        .annotate(
            members=Count(
                "complaints",
                filter=Q(complaints__in=visible.values("pk")),
                distinct=True,
            )
        )
        .filter(members__gte=1)
        .select_related("analysed_by")
        .order_by("-members", "-created_at")
    )
    query = request.GET.get("q", "").strip()
    if query:
        groups_qs = groups_qs.filter(label__icontains=query)
    group_page = Paginator(groups_qs, PER_PAGE).get_page(request.GET.get("gpage"))
    groups = list(group_page.object_list)
    kind, starts = _buckets(since, until)
    members_by_group: dict[int, list[Complaint]] = {g.pk: [] for g in groups}
    times_by_group: dict[int, Counter] = {g.pk: Counter() for g in groups}
    for complaint in (
        visible.filter(repeat_group__in=groups).prefetch_related("letters").order_by("-received_at")
    ):
        gid = complaint.repeat_group_id
        times_by_group[gid][_bucket_of(kind, complaint.received_at)] += 1
        if len(members_by_group[gid]) < MEMBERS_SHOWN:
            members_by_group[gid].append(complaint)
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
    flagged_qs = (
        visible.filter(
            Q(repeat_reasons__icontains="customer") | Q(repeat_reasons__icontains="address")
        )
        .select_related("repeat_of", "location")
        .prefetch_related("letters")
        .order_by("-received_at")
    )
    flagged_page = Paginator(flagged_qs, PER_PAGE).get_page(request.GET.get("page"))
    flagged = [
        {
            **_row(request.user, c),
            "reasons": [REASONS.get(r, r) for r in c.repeat_reasons],
            "relation": relation,
            "same_topic": relation == str(SAME_TOPIC),
        }
        for c, relation in ((c, topic_relation(c)) for c in flagged_page.object_list)
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


@page(Role.QUALITY_DEPARTMENT)
def regroup(request):
    """CMP-8: rebuild the topic groups of the period shown (quality department); a GET
    goes back to the analysis page."""
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
    count = Complaint.objects.filter(
        company=company, received_at__gte=since, received_at__lte=until
    ).count()
    if count > SYNC_REGROUP_MAX:
        grouping.groups_rebuild_task.enqueue(
            company.pk, since.isoformat(), until.isoformat(), request.user.pk
        )
        messages.info(request, REGROUP_QUEUED % {"count": count})
    else:
        result = grouping.groups_rebuild(
            company=company, since=since, until=until, actor=request.user
        )
        messages.success(request, REGROUPED % result.as_dict())
    query = f"?since={timezone.localdate(since)}&until={timezone.localdate(until)}"
    return redirect(reverse("repeats:index") + query)
