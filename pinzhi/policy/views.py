"""Policy pages: the rules of a pack, a rule with its history, and the revision form
(STD-5). Everyone in the quality chain reads; only the quality department revises."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _

from pinzhi.core.access import page
from pinzhi.orgs.roles import Role
from pinzhi.policy import packs, selectors, services, values
from pinzhi.policy.forms import RuleRevisionForm
from pinzhi.policy.models import Rule

MSG_REVISED = _("The new value of %(key)s is recorded, effective %(when)s.")

READERS = (Role.QUALITY_DEPARTMENT, Role.QUALITY_COMMITTEE, Role.LEADERSHIP)


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
            states=selectors.rule_states(page_obj.object_list),
            families=selectors.requirement_families(pack),
        )
    template = "policy/partials/rule_table.html" if request.htmx else "policy/rule_list.html"
    return render(request, template, context)


def _detail(request, rule: Rule, form: RuleRevisionForm | None, status: int = 200):
    versions = list(selectors.rule_versions(rule.key, pack=rule.pack.code))
    state = selectors.rule_states([rule])[0]
    return render(
        request,
        "policy/rule_detail.html",
        {
            "rule": rule,
            "state": state,
            "versions": versions,
            "form": form,
            "seed_title": packs.KNOWN_SEEDS.get(rule.citation_seed, ""),
            "may_edit": selectors.user_may_edit(request.user),
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
    if selectors.user_may_edit(request.user):
        current = selectors.rule_states([rule])[0].current
        initial = values.form_initial(rule.value_type, current.value) if current else {}
        form = RuleRevisionForm(rule=rule, initial=initial)
    return _detail(request, rule, form)


@page(Role.QUALITY_DEPARTMENT)
def rule_revise(request, pk: int):
    rule = _visible_rule(request, pk)
    if request.method != "POST":
        return redirect("policy:detail", pk=rule.pk)
    form = RuleRevisionForm(request.POST, rule=rule)
    if form.is_valid():
        try:
            version = services.rule_revise(
                rule=rule,
                value=form.raw_value(),
                effective_from=form.cleaned_data["effective_from"],
                author=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(
                request,
                MSG_REVISED % {"key": rule.key, "when": f"{version.effective_from:%Y-%m-%d %H:%M}"},
            )
            return redirect("policy:detail", pk=rule.pk)
    return _detail(request, rule, form, status=400)
