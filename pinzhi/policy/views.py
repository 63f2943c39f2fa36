"""Policy pages: the rules of a pack, a rule with its history and its amendments, and the
amendment workflow (STD-5). The quality chain reads; the quality department, department
managers and the quality committee propose; the quality department reviews; leadership
approves."""

from functools import partial

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pinzhi.core.access import page
from pinzhi.core.shell import render_page
from pinzhi.core.steps import StepEntry, step_entries, step_take
from pinzhi.orgs.roles import Role
from pinzhi.policy import selectors, services, values
from pinzhi.policy.forms import AmendmentForm
from pinzhi.policy.impact import amendment_impacts
from pinzhi.policy.models import Rule, RuleAmendment
from pinzhi.policy.workflow import AMENDMENT_WORKFLOW

MSG_PROPOSED = _(
    "Your amendment of %(key)s is recorded; the quality department reviews it and leadership "
    "approves it before it takes effect."
)

# The requirement families the rules cite (DESIGN.md), named for the filter's dropdown.
FAMILY_NAMES = {
    "ASM": _("Assessment"),
    "CMP": _("Complaints"),
    "INS": _("Inspections"),
    "NCR": _("Nonconformities and rectification"),
    "OPS": _("Operations"),
    "ORG": _("Organisation"),
    "RPT": _("Reports"),
    "SAT": _("Customer satisfaction"),
    "STD": _("Service standards"),
    "TRN": _("Training"),
    "X": _("Shared mechanisms"),
}

READERS = tuple(selectors.READ_ROLES)
PROPOSERS = tuple(selectors.PROPOSE_ROLES)
AMENDMENT_PEOPLE = tuple(selectors.AMENDMENT_ROLES)


def _chosen_pack(request, visible):
    code = request.GET.get("pack") or getattr(request.user.company, "policy_pack", "")
    return visible.filter(code=code).first() or visible.first()


@page(*READERS)
def rule_list(request):
    visible = selectors.packs_visible_to(request.user)
    pack = _chosen_pack(request, visible)
    query = request.GET.get("q", "")
    family = request.GET.get("family", "")
    context = {"packs": visible, "pack": pack, "q": query, "family": family}
    if pack is not None:
        rules = selectors.rules_visible_to(request.user, pack=pack, query=query, family=family)
        page_obj = Paginator(rules, 25).get_page(request.GET.get("page"))
        context.update(
            page_obj=page_obj,
            states=selectors.rule_states(page_obj.object_list, company=request.user.company_id),
            families=[
                (family_code, FAMILY_NAMES.get(family_code, family_code))
                for family_code in selectors.requirement_families(pack)
            ],
        )
    return render_page(
        request, "policy/rule_list.html", context, partial="policy/partials/rule_table.html"
    )


def _step_page(amendment: RuleAmendment, step, *, from_list: bool = False) -> str:
    url = reverse(f"policy:amendment_{step.name}", args=[amendment.pk])
    return f"{url}?next=list" if from_list else url


def _with_actions(user, amendments, *, from_list: bool = False) -> list[tuple]:
    """Each amendment with the steps the user may take on it, as links to the step pages."""
    return [
        (
            amendment,
            step_entries(
                AMENDMENT_WORKFLOW,
                user,
                amendment,
                form_for=lambda step, data: None,
                url_for=partial(_step_page, amendment),
                page_url_for=partial(_step_page, amendment, from_list=from_list),
            ),
        )
        for amendment in amendments
    ]


def _detail(request, rule: Rule, form: AmendmentForm | None, status: int = 200):
    versions = list(
        selectors.rule_versions(
            rule.key, pack=rule.pack.code, company=request.user.company_id
        ).select_related("amendment__decided_by")
    )
    state = selectors.rule_states([rule], company=request.user.company_id)[0]
    amendments = selectors.amendments_of_rule(request.user, rule=rule)
    return render(
        request,
        "policy/rule_detail.html",
        {
            "rule": rule,
            "state": state,
            "versions": versions,
            "form": form,
            "amendments": _with_actions(request.user, amendments),
            "may_propose": selectors.user_may_propose(request.user),
        },
        status=status,
    )


def _visible_rule(request, pk: int) -> Rule:
    rule = get_object_or_404(Rule.objects.select_related("pack"), pk=pk)
    if not selectors.packs_visible_to(request.user).filter(pk=rule.pack_id).exists():
        raise Http404
    return rule


@page(*READERS)
def rule_detail(request, pk: int):
    rule = _visible_rule(request, pk)
    form = None
    if selectors.user_may_propose(request.user):
        current = selectors.rule_states([rule], company=request.user.company_id)[0].current
        initial = values.form_initial(rule.value_type, current.value) if current else {}
        form = AmendmentForm(rule=rule, initial=initial)
    return _detail(request, rule, form)


@page(*PROPOSERS)
def rule_propose(request, pk: int):
    """STD-5: propose an amendment; the value changes only when leadership approves."""
    rule = _visible_rule(request, pk)
    if request.method != "POST":
        return redirect("policy:detail", pk=rule.pk)
    form = AmendmentForm(request.POST, rule=rule)
    if not form.is_valid():
        return _detail(request, rule, form, status=400)
    try:
        services.amendment_propose(
            rule=rule,
            value=form.raw_value(),
            effective_from=form.cleaned_data["effective_from"],
            reason=form.cleaned_data["reason"],
            proposed_by=request.user,
        )
    except services.AmendmentError as error:
        error.add_to_form(form)
        return _detail(request, rule, form, status=error.status)
    messages.success(request, MSG_PROPOSED % {"key": rule.display_name})
    return redirect("policy:detail", pk=rule.pk)


@page(*AMENDMENT_PEOPLE)
def amendment_list(request):
    """The amendments waiting for the user: to review (quality department), to approve
    (leadership), or their own still open (proposers)."""
    pending = selectors.amendments_pending_for(request.user)
    page_obj = Paginator(pending, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "policy/amendment_list.html",
        {
            "page_obj": page_obj,
            "amendments": _with_actions(request.user, page_obj.object_list, from_list=True),
            "may_review": selectors.user_may_review(request.user),
            "may_approve": selectors.user_may_approve(request.user),
        },
    )


def _step_form(step, data=None):
    return step.form_class()(data, action=step.name)


def _step(request, pk: int, action: str):
    """GET: the page of step `action` with its confirmation; POST: take the step
    (core.steps), refused with its reason and a 4xx status."""
    amendment = get_object_or_404(selectors.amendments_visible_to(request.user), pk=pk)
    step = AMENDMENT_WORKFLOW.step(action)
    next_page = request.GET.get("next") or request.POST.get("next", "")
    status = 200
    if request.method == "POST":
        outcome = step_take(
            request, workflow=AMENDMENT_WORKFLOW, record=amendment, name=action, form_for=_step_form
        )
        if outcome.ok:
            key = amendment.rule.display_name
            if action == "approve":
                approval = outcome.result
                when = timezone.localtime(approval.version.effective_from)
                messages.success(
                    request, step.done % {"key": key, "when": f"{when:%Y-%m-%d %H:%M}"}
                )
                if approval.moved_to_now:
                    messages.warning(request, approval.amendment.decision_reason)
            else:
                messages.success(request, step.done % {"key": key})
            if next_page == "list":
                return redirect("policy:amendments")
            return redirect("policy:detail", pk=amendment.rule_id)
        form, status = outcome.form, outcome.status
    refused = None
    if request.method != "POST":
        form = _step_form(step)
        # A stale link (the amendment moved on, or the step is not this person's): the page
        # (still a 200: the amendment is shown) says why at once, and offers no button.
        refused = AMENDMENT_WORKFLOW.refusal(amendment, action, request.user)
    current = selectors.rule_states([amendment.rule], company=amendment.company_id)[0].current
    cancel = reverse(
        "policy:amendments" if next_page == "list" else "policy:detail",
        args=[] if next_page == "list" else [amendment.rule_id],
    )
    entry = StepEntry(
        step=step,
        form=form,
        url=request.path,
        open=True,
        hidden={"next": next_page},
    )
    return render(
        request,
        "policy/amendment_confirm.html",
        {
            "amendment": amendment,
            "action": action,
            "steps": [entry],
            "cancel": cancel,
            "current": current,
            "next": next_page,
            "refused": refused,
            "impacts": amendment_impacts(amendment) if action in {"review", "approve"} else [],
        },
        status=status,
    )


@page(Role.QUALITY_DEPARTMENT)
def amendment_review(request, pk: int):
    return _step(request, pk, "review")


@page(Role.LEADERSHIP)
def amendment_approve(request, pk: int):
    return _step(request, pk, "approve")


@page(Role.QUALITY_DEPARTMENT, Role.LEADERSHIP)
def amendment_reject(request, pk: int):
    return _step(request, pk, "reject")


@page(*PROPOSERS)
def amendment_withdraw(request, pk: int):
    return _step(request, pk, "withdraw")
