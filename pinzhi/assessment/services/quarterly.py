"""The quarterly assessment (ASM-1, ASM-2, ASM-8, ASM-9, SAT-2): a plan per quarter with its
time, scope and weighted indicators (from the pack, editable while a draft), approved by
leadership; its indicators computed per person, unit and department; the weighted score,
rank, band (benchmark / advanced / ordinary / lagging behind) and pass of each; the
branded-window eligibility of each unit; the report with improvement suggestions fed back to
the units, whose heads acknowledge it; a failed person's retraining or reassignment proposed
(ASM-8). Every number comes from the company's pack (`shared/quarterly.yaml`)."""

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from pinzhi.assessment import indicators as ind
from pinzhi.assessment.events import QuarterEvent
from pinzhi.assessment.models import (
    AssessmentPlan,
    AssessmentResult,
    Band,
    ConsequenceKind,
    IndicatorValue,
    Level,
    PlanStatus,
)
from pinzhi.assessment.services.ledger import pack_of
from pinzhi.assessment.workflow_quarterly import PLAN_WORKFLOW
from pinzhi.lib.clock import now
from pinzhi.lib.errors import DomainError
from pinzhi.orgs.models import Company, Person, Unit
from pinzhi.orgs.roles import Role
from pinzhi.orgs.selectors import units_covered
from pinzhi.policy.selectors import rule_value_or_none
from pinzhi.timeline.services import event_record

MSG_QUARTER = _("Choose a quarter from 1 to 4.")
MSG_YEAR = _("Give a year between 2000 and 2100.")
MSG_DATES = _("The plan cannot end (%(ends)s) before it starts (%(starts)s).")
MSG_NO_UNITS = _("Choose at least one unit to assess.")
MSG_UNIT_ELSEWHERE = _("The unit “%(unit)s” belongs to another company.")
MSG_WEIGHT_NUMBER = _("The weight of “%(indicator)s” must be a number from 0 to 100.")
MSG_WEIGHTS_TOTAL = _("The weights must add up to 100; they add up to %(total)s.")
MSG_UNKNOWN_INDICATOR = _("“%(code)s” is not an indicator of the quarterly assessment.")
MSG_DRAFT_WHO = _("Only the quality department may draft an assessment plan.")
MSG_EDIT_WHO = _("Only the quality department may change an assessment plan.")
MSG_FEEDBACK_STATE = _(
    "Improvement suggestions can be changed only while the results are computed and the "
    "report is not yet issued."
)
MSG_FEEDBACK_WHO = _("Only the quality department may change the improvement suggestions.")
MSG_ACK_STATE = _("The feedback can be acknowledged once the report is issued.")
MSG_ACK_WHO = _("Only the head of %(unit)s may acknowledge its feedback.")
MSG_ACK_TWICE = _("%(unit)s has already acknowledged this feedback.")
MSG_ACK_PERSON = _(
    "A person's result is not acknowledged; a unit's head acknowledges its feedback."
)

# The suggestion for an indicator among a unit's weakest (ASM-2 "改进建议").
SUGGESTIONS = {
    ind.SATISFACTION: _(
        "Customer satisfaction %(value)s: call back every resolved case and follow up each "
        "dissatisfied customer; review the service attitude at the weekly meeting."
    ),
    ind.RESPONSE: _(
        "Response in time %(value)s: make sure each complaint is answered within its first-"
        "contact limit; check who is on duty and how cases are handed over."
    ),
    ind.RESOLUTION_CODE: _(
        "Resolution in time %(value)s: track open cases daily against their resolution limit "
        "and escalate those at risk early."
    ),
    ind.INSPECTION: _(
        "Inspection score %(value)s: go through the failed checklist items with the team and "
        "train on the standards they concern."
    ),
    ind.RECTIFICATION: _(
        "Rectification on time %(value)s: name a responsible person and a date for every "
        "nonconformity and check progress before the deadline."
    ),
    ind.COMPLAINTS: _(
        "Complaint rate %(value)s per person: analyse the verified complaints' causes and "
        "retrain the people concerned."
    ),
}
SUGGESTION_SERIOUS = _(
    "A serious quality problem this quarter (%(value)s): analyse its root cause and report "
    "the corrective action to the quality department."
)
SUGGESTION_NONE = _("All indicators are at or above the pass mark: keep up the good work.")
WEAKEST = 2  # how many of the weakest indicators the suggestions name

REASON_RETRAINING = _(
    "Failed the %(plan)s: weighted score %(score)s below the pass mark %(mark)s (ASM-8, "
    "公司服务监督管理制度 第十一条)."
)
REASON_REASSIGNMENT = _(
    "Failed the %(plan)s and the quarter before: weighted score %(score)s below the pass mark "
    "%(mark)s (ASM-8, 公司服务监督管理制度 第十一条)."
)
TITLE = _("%(year)s Q%(quarter)s quality assessment")


class QuarterlyError(DomainError):
    code = "quarterly_refused"
    status = 400


# --- the pack ---------------------------------------------------------------------------------


def _rule(key: str, company: Company, default: Any) -> Any:
    value = rule_value_or_none(key, pack=pack_of(company), company=company)
    return default if value is None else value


def default_weights(company: Company) -> dict[str, Decimal]:
    """The pack's weights (ASM-2): an indicator the pack has no weight for weighs 0."""
    return {code: Decimal(str(_rule(rule, company, 0))) for code, rule in ind.WEIGHT_RULES.items()}


def weights_clean(raw: Mapping[str, Any]) -> dict[str, Decimal]:
    """Weights by indicator, each 0 … 100, adding up to 100 (ASM-2), or a refusal naming
    the indicator (its field `weight_<code>`) or the total."""
    weights: dict[str, Decimal] = {}
    for code, value in raw.items():
        if code not in ind.INDICATORS:
            raise QuarterlyError(MSG_UNKNOWN_INDICATOR, code=code, status=422)
        try:
            number = Decimal(str(value).strip() or "0")
        except InvalidOperation:
            number = Decimal(-1)
        if not number.is_finite() or not 0 <= number <= 100 or number != round(number, 2):
            raise QuarterlyError(
                MSG_WEIGHT_NUMBER, field=f"weight_{code}", indicator=ind.LABELS[code], status=422
            )
        weights[code] = number
    for code in ind.INDICATORS:
        weights.setdefault(code, Decimal(0))
    total = sum(weights.values(), Decimal(0))
    if total != 100:
        raise QuarterlyError(MSG_WEIGHTS_TOTAL, total=_plain(total), status=422)
    return weights


def _plain(number: Decimal) -> str:
    text = f"{number:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def plan_weights(plan: AssessmentPlan) -> dict[str, Decimal]:
    return {row["code"]: Decimal(str(row["weight"])) for row in plan.indicators}


def _indicators_json(weights: Mapping[str, Decimal]) -> list[dict[str, str]]:
    return [
        {"code": code, "weight": _plain(weights.get(code, Decimal(0)))} for code in ind.INDICATORS
    ]


def _scope_clean(company: Company, units: Iterable[Unit]) -> list[Unit]:
    units = list(units)
    if not units:
        raise QuarterlyError(MSG_NO_UNITS, field="units", status=422)
    for unit in units:
        if unit.company_id != company.pk:
            raise QuarterlyError(MSG_UNIT_ELSEWHERE, field="units", unit=unit.name, status=422)
    return units


def _dates_clean(
    year: int, quarter: int, starts_on: date | None, ends_on: date | None
) -> tuple[date, date]:
    if not 2000 <= year <= 2100:
        raise QuarterlyError(MSG_YEAR, field="year", status=422)
    if quarter not in (1, 2, 3, 4):
        raise QuarterlyError(MSG_QUARTER, field="quarter", status=422)
    first, last = ind.quarter_bounds(year, quarter)
    starts_on, ends_on = starts_on or first, ends_on or last
    if ends_on < starts_on:
        raise QuarterlyError(MSG_DATES, field="ends_on", starts=starts_on, ends=ends_on, status=422)
    return starts_on, ends_on


def _step_data(plan: AssessmentPlan) -> dict[str, int]:
    return {"year": plan.year, "quarter": plan.quarter}


# --- the plan ---------------------------------------------------------------------------------


@transaction.atomic
def plan_create(
    *,
    company: Company,
    actor: Person,
    year: int,
    quarter: int,
    units: Iterable[Unit],
    title: str = "",
    starts_on: date | None = None,
    ends_on: date | None = None,
    weights: Mapping[str, Any] | None = None,
) -> AssessmentPlan:
    """ASM-2: the quality department drafts a quarter's plan — its time (the calendar quarter
    unless given), scope (units) and indicators with the pack's weights unless given."""
    if not (actor.is_superuser or Role.QUALITY_DEPARTMENT in actor.role_codes):
        raise QuarterlyError(MSG_DRAFT_WHO, status=403)
    starts_on, ends_on = _dates_clean(year, quarter, starts_on, ends_on)
    scope = _scope_clean(company, units)
    clean = weights_clean(weights if weights is not None else default_weights(company))
    plan = AssessmentPlan.objects.create(
        company=company,
        title=title.strip() or _g(str(TITLE)) % {"year": year, "quarter": quarter},
        year=year,
        quarter=quarter,
        starts_on=starts_on,
        ends_on=ends_on,
        indicators=_indicators_json(clean),
        created_by=actor,
        created_at=now(),
    )
    plan.units.set(scope)
    event_record(subject=plan, action=QuarterEvent.PLAN_CREATED, actor=actor, data=_step_data(plan))
    return plan


@transaction.atomic
def plan_update(
    *,
    plan: AssessmentPlan,
    actor: Person,
    title: str,
    starts_on: date,
    ends_on: date,
    units: Iterable[Unit],
    weights: Mapping[str, Any],
) -> AssessmentPlan:
    """ASM-2: while a draft, the quality department changes the plan's time, scope and
    weights (adding up to 100)."""
    plan = AssessmentPlan.objects.select_for_update().get(pk=plan.pk)
    PLAN_WORKFLOW.check(plan, "edit", actor, anyone=True)
    if not (
        actor.is_superuser
        or (Role.QUALITY_DEPARTMENT in actor.role_codes and actor.company_id == plan.company_id)
    ):
        raise QuarterlyError(MSG_EDIT_WHO, status=403)
    starts_on, ends_on = _dates_clean(plan.year, plan.quarter, starts_on, ends_on)
    scope = _scope_clean(plan.company, units)
    clean = weights_clean(weights)
    plan.title = title.strip() or plan.title
    plan.starts_on, plan.ends_on = starts_on, ends_on
    plan.indicators = _indicators_json(clean)
    plan.save()
    plan.units.set(scope)
    event_record(subject=plan, action=QuarterEvent.PLAN_UPDATED, actor=actor, data=_step_data(plan))
    return plan


@transaction.atomic
def plan_approve(*, plan: AssessmentPlan, actor: Person) -> AssessmentPlan:
    """ASM-2: leadership approves the plan; from then on it is not changed."""
    plan = AssessmentPlan.objects.select_for_update().get(pk=plan.pk)
    PLAN_WORKFLOW.check(plan, "approve", actor)
    plan.status = PlanStatus.APPROVED
    plan.approved_by, plan.approved_at = actor, now()
    plan.save()
    event_record(
        subject=plan, action=QuarterEvent.PLAN_APPROVED, actor=actor, data=_step_data(plan)
    )
    return plan


def _scope_people(plan: AssessmentPlan, units: list[Unit]) -> list[Person]:
    from django.db.models import Q

    condition = Q(pk__in=[])
    for unit in units:
        condition |= Q(unit__path__startswith=unit.path)
    return list(
        Person.objects.filter(condition, company_id=plan.company_id, is_active=True)
        .select_related("unit")
        .order_by("pk")
    )


def _ranked(results: list[AssessmentResult], *, company: Company) -> None:
    """Rank (1, 1, 3 … on equal scores) and band one level's results (ASM-9): the pack's
    number of benchmarks first, the last ones lagging behind, the advanced next after the
    benchmarks; equal scores share the better rank and band."""
    benchmark = int(_rule("quarterly.benchmark_count", company, 0))
    advanced = int(_rule("quarterly.advanced_count", company, 0))
    laggard = int(_rule("quarterly.laggard_count", company, 0))
    results.sort(key=lambda r: -r.score)
    previous, rank = None, 0
    for position, result in enumerate(results, start=1):
        if result.score != previous:
            rank, previous = position, result.score
        result.rank = rank
        if position <= benchmark:
            result.band = Band.BENCHMARK
        elif position > max(len(results) - laggard, benchmark):
            result.band = Band.LAGGARD
        elif position <= benchmark + advanced:
            result.band = Band.ADVANCED
        else:
            result.band = Band.ORDINARY
        if position > 1 and result.rank == results[position - 2].rank:
            result.band = results[position - 2].band  # equal scores share a band


def suggestions_for(figures: Mapping[str, ind.Figure], *, pass_mark: Decimal) -> str:
    """Improvement suggestions from the weakest indicators (ASM-2): the lowest scores below
    the pass mark (at most two), and a serious quality problem when there was one."""
    weak = sorted(
        (fig for code, fig in figures.items() if code in SUGGESTIONS and fig.score is not None),
        key=lambda fig: fig.score,  # type: ignore[arg-type,return-value]
    )
    lines = []
    for fig in weak[:WEAKEST]:
        if fig.score is not None and fig.score < pass_mark:
            value = f"{_plain(fig.value)}%" if fig.code in ind.PERCENT_CODES else _plain(fig.value)  # type: ignore[arg-type]
            lines.append(_g(str(SUGGESTIONS[fig.code])) % {"value": value})
    serious = figures.get(ind.SERIOUS)
    if serious is not None and serious.value:
        lines.append(_g(str(SUGGESTION_SERIOUS)) % {"value": _plain(serious.value)})
    return "\n".join(lines) or _g(str(SUGGESTION_NONE))


def _values(
    plan: AssessmentPlan, level: str, figures: Mapping[str, ind.Figure], **subject: Any
) -> list[IndicatorValue]:
    return [
        IndicatorValue(
            plan=plan,
            level=level,
            code=fig.code,
            value=fig.value,
            sample=fig.sample,
            score=fig.score,
            **subject,
        )
        for fig in figures.values()
    ]


@transaction.atomic
def plan_compute(*, plan: AssessmentPlan, actor: Person | None) -> AssessmentPlan:
    """ASM-1, ASM-9, SAT-2: compute each indicator for every person, unit and department of
    the plan's scope over its time (replacing an earlier computation), their weighted
    scores, ranks, bands and pass, each unit's branded-window eligibility (lost below the
    pack's satisfaction rate or after a serious quality problem) and its suggestions."""
    plan = AssessmentPlan.objects.select_for_update().select_related("company").get(pk=plan.pk)
    PLAN_WORKFLOW.check(plan, "compute", actor, anyone=actor is None)
    company = plan.company
    weights = plan_weights(plan)
    deduction = Decimal(str(_rule("quarterly.complaint_rate_deduction", company, 0)))
    pass_mark = Decimal(str(_rule("quarterly.pass_mark", company, 60)))
    required = _rule("surveys.required_satisfaction_rate", company, None)
    serious_counts = bool(_rule("quarterly.branded_serious_problem", company, True))
    scope = list(plan.units.order_by("path"))
    sources = ind.sources_read(company=company, starts_on=plan.starts_on, ends_on=plan.ends_on)
    paths = dict(Unit.objects.filter(company=company).values_list("pk", "path"))

    plan.values.all().delete()
    plan.results.all().delete()
    values: list[IndicatorValue] = []
    by_level: dict[str, list[AssessmentResult]] = {lvl: [] for lvl in Level.values}
    suggestions: dict[int, str] = {}
    inspections: dict[str, ind.Figure] = {}  # scope unit's path -> its inspection figure
    for unit in scope:
        level = Level.DEPARTMENT if unit.kind == Unit.Kind.DEPARTMENT else Level.UNIT
        figures = ind.unit_figures(sources, unit=unit, units=paths, deduction=deduction)
        inspections[unit.path] = figures[ind.INSPECTION]
        values += _values(plan, level, figures, unit=unit)
        score = ind.weighted_score(figures, weights)
        if score is None:
            continue
        satisfaction = figures[ind.SATISFACTION].value
        serious = serious_counts and bool(figures[ind.SERIOUS].value)
        if serious or (
            required is not None and satisfaction is not None and satisfaction < Decimal(required)
        ):
            eligible: bool | None = False
        elif satisfaction is None:
            eligible = None  # no satisfaction measured: undetermined (SAT-2)
        else:
            eligible = True
        result = AssessmentResult(
            plan=plan,
            level=level,
            unit=unit,
            score=score,
            rank=0,
            passed=score >= pass_mark,
            eligible_branded=eligible,
            feedback=suggestions_for(figures, pass_mark=pass_mark),
        )
        by_level[level].append(result)
        suggestions[unit.pk] = result.feedback
    for person in _scope_people(plan, scope):
        figures = ind.person_figures(sources, person=person, deduction=deduction)
        # A person's inspection score is that of the assessed unit they work in (the
        # deepest of the scope covering their unit): the estate's, not their team's.
        own = person.unit.path if person.unit is not None else None
        covering = [path for path in inspections if own and own.startswith(path)]
        if covering:
            figures[ind.INSPECTION] = inspections[max(covering, key=len)]
        values += _values(plan, Level.PERSON, figures, person=person, unit=person.unit)
        score = ind.weighted_score(figures, weights)
        if score is None:
            continue
        by_level[Level.PERSON].append(
            AssessmentResult(
                plan=plan,
                level=Level.PERSON,
                person=person,
                unit=person.unit,
                score=score,
                rank=0,
                passed=score >= pass_mark,
            )
        )
    IndicatorValue.objects.bulk_create(values)
    results = []
    for level_results in by_level.values():
        _ranked(level_results, company=company)
        results += level_results
    AssessmentResult.objects.bulk_create(results)
    plan.status = PlanStatus.COMPUTED
    plan.computed_at = now()
    plan.save()
    event_record(
        subject=plan,
        action=QuarterEvent.PLAN_COMPUTED,
        actor=actor,
        data={
            **_step_data(plan),
            "results": len(results),
            "failed": sum(1 for r in results if not r.passed),
        },
    )
    return plan


def _failed_before(plan: AssessmentPlan, person_id: int) -> bool:
    """Whether the person failed the company's previous reported quarter too."""
    year, quarter = (plan.year, plan.quarter - 1) if plan.quarter > 1 else (plan.year - 1, 4)
    return AssessmentResult.objects.filter(
        plan__company_id=plan.company_id,
        plan__year=year,
        plan__quarter=quarter,
        plan__status__in=[PlanStatus.REPORTED, PlanStatus.CLOSED],
        level=Level.PERSON,
        person_id=person_id,
        passed=False,
    ).exists()


def _propose(**kwargs: Any) -> Any:
    """D's consequence_propose (ASM-8), read when called: the consequences part may be
    merged after this one."""
    try:
        from pinzhi.assessment.services.consequences import consequence_propose
    except ImportError:  # the consequences part is not there yet
        return None
    return consequence_propose(**kwargs)


@transaction.atomic
def plan_report(*, plan: AssessmentPlan, actor: Person, summary: str = "") -> AssessmentPlan:
    """ASM-2, ASM-8: the report is issued and fed back to the units; the results are final.
    Each failed person gets a proposal a person decides (D's consequences): retraining, or
    reassignment when they failed the quarter before too (公司服务监督管理制度 第十一条)."""
    plan = AssessmentPlan.objects.select_for_update().select_related("company").get(pk=plan.pk)
    PLAN_WORKFLOW.check(plan, "report", actor)
    plan.status = PlanStatus.REPORTED
    plan.reported_at = now()
    if summary.strip():
        plan.summary = summary.strip()
    plan.save()
    mark = _plain(Decimal(str(_rule("quarterly.pass_mark", plan.company, 60))))
    failed = plan.results.filter(level=Level.PERSON, passed=False).select_related("person", "unit")
    for result in failed:
        again = result.person_id is not None and _failed_before(plan, result.person_id)
        reason = REASON_REASSIGNMENT if again else REASON_RETRAINING
        _propose(
            company=plan.company,
            kind=ConsequenceKind.REASSIGNMENT if again else ConsequenceKind.RETRAINING,
            reason=_g(str(reason))
            % {"plan": plan.title, "score": _plain(result.score), "mark": mark},
            person=result.person,
            unit=result.unit,
            source_result=result,
            actor=actor,
        )
    event_record(
        subject=plan, action=QuarterEvent.PLAN_REPORTED, actor=actor, data=_step_data(plan)
    )
    return plan


@transaction.atomic
def plan_close(*, plan: AssessmentPlan, actor: Person) -> AssessmentPlan:
    """ASM-2: the quality department closes a reported plan."""
    plan = AssessmentPlan.objects.select_for_update().get(pk=plan.pk)
    PLAN_WORKFLOW.check(plan, "close", actor)
    plan.status = PlanStatus.CLOSED
    plan.save()
    event_record(subject=plan, action=QuarterEvent.PLAN_CLOSED, actor=actor, data=_step_data(plan))
    return plan


# --- feedback ---------------------------------------------------------------------------------


@transaction.atomic
def result_feedback_set(
    *, result: AssessmentResult, actor: Person, feedback: str
) -> AssessmentResult:
    """ASM-2: the quality department edits a unit's generated improvement suggestions before
    the report is issued."""
    result = (
        AssessmentResult.objects.select_for_update(of=("self",))
        .select_related("plan")
        .get(pk=result.pk)
    )
    plan = result.plan
    if not (
        actor.is_superuser
        or (Role.QUALITY_DEPARTMENT in actor.role_codes and actor.company_id == plan.company_id)
    ):
        raise QuarterlyError(MSG_FEEDBACK_WHO, status=403)
    if plan.status != PlanStatus.COMPUTED:
        raise QuarterlyError(MSG_FEEDBACK_STATE, status=409)
    result.feedback = feedback.strip()
    result.save(update_fields=["feedback"])
    return result


def is_unit_head(person: Person, unit: Unit | None) -> bool:
    """A department manager whose scope covers the unit."""
    return unit is not None and unit.pk in units_covered(
        person, frozenset({Role.DEPARTMENT_MANAGER})
    )


@transaction.atomic
def result_acknowledge(*, result: AssessmentResult, actor: Person) -> AssessmentResult:
    """ASM-2: the unit's head acknowledges the feedback of the issued report, once."""
    result = (
        AssessmentResult.objects.select_for_update(of=("self",))
        .select_related("plan", "unit")
        .get(pk=result.pk)
    )
    if result.level == Level.PERSON or result.unit is None:
        raise QuarterlyError(MSG_ACK_PERSON, status=409)
    if result.plan.status not in (PlanStatus.REPORTED, PlanStatus.CLOSED):
        raise QuarterlyError(MSG_ACK_STATE, status=409)
    if not (actor.is_superuser or is_unit_head(actor, result.unit)):
        raise QuarterlyError(MSG_ACK_WHO, unit=result.unit.name, status=403)
    if result.acknowledged_at is not None:
        raise QuarterlyError(MSG_ACK_TWICE, unit=result.unit.name, status=409)
    result.acknowledged_by, result.acknowledged_at = actor, now()
    result.save(update_fields=["acknowledged_by", "acknowledged_at"])
    event_record(
        subject=result.plan,
        action=QuarterEvent.FEEDBACK_ACKNOWLEDGED,
        actor=actor,
        data={"plan_id": result.plan_id, "unit_id": result.unit_id},
    )
    return result
