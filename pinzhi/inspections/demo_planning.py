"""Demo plans, schedules and draws for the demo company (issue 10, INS-1 … INS-3), made
through the planning services with the clock pinned in the past, so that a year of
inspection tasks exists for the conducting demo (which conducts the past ones) and the
next 30 days are scheduled ahead.

- This year's plan (approved by 总经理, notified to the estates) and next year's draft.
- Schedules over 翠湖花园 / 滨江名苑 / 金桂苑: the weekly cleaning check (with the
  contractor 洁美保洁 as the supplier), the quality department's monthly spot check, and the
  quarterly supervision check drawing a third of the estates at random (INS-3), all given
  to the inspector 孙浩 (品质部: he belongs to none of the estates, INS-6).
- An ad-hoc draw of the estates for a full check.

Needs published checklists (the checklist demo installs them); without any it makes the
plans and the draw only. Idempotent: nothing happens when the company has schedules.
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction

from pinzhi.inspections import planning, sampling
from pinzhi.inspections.models import (
    Cadence,
    ChecklistTemplate,
    InspectionKind,
    InspectionPlan,
    Schedule,
    TemplateVersion,
)
from pinzhi.lib.clock import clock_pinned, now
from pinzhi.orgs.demo import COMPANY_NAME
from pinzhi.orgs.models import Company, Person, Unit

SH = ZoneInfo("Asia/Shanghai")
ESTATES = ("CH", "BJM", "JG")


# The seeds' 服务质量巡检表 (000 物业公司 3.1~3.4): the form of the quality department's spot
# checks and of the supervision checks, whatever its own cadence.
GENERAL_CHECKLIST = "XJB"


def _template(company: Company, *cadences: str, code: str = "") -> ChecklistTemplate | None:
    published = ChecklistTemplate.objects.filter(
        company=company, versions__status=TemplateVersion.Status.PUBLISHED
    ).distinct()
    if code and (named := published.filter(code=code).first()) is not None:
        return named
    for cadence in cadences:
        found = published.filter(cadence=cadence).order_by("code").first()
        if found is not None:
            return found
    return published.order_by("code").first()


def _plans(company: Company, estates: list[Unit], quality: Person, leader: Person) -> None:
    year = now().astimezone(SH).year
    with clock_pinned(datetime(year, 1, 5, 10, tzinfo=SH)):
        plan = planning.plan_create(
            company=company, year=year, title=f"{year} 年度服务质量监督检查计划", actor=quality
        )
        for quarter in range(4):
            start = date(year, 3 * quarter + 1, 10)
            planning.plan_entry_add(
                plan=plan,
                title=f"第{'一二三四'[quarter]}季度服务质量监督检查",
                units=estates,
                starts_on=start,
                ends_on=start + timedelta(days=10),
                kind=InspectionKind.SUPERVISION,
                actor=quality,
            )
        planning.plan_entry_add(
            plan=plan,
            title="夜间安保巡逻暗查",
            units=estates,
            starts_on=date(year, 6, 1),
            ends_on=date(year, 6, 30),
            kind=InspectionKind.SPOT_CHECK,
            is_announced=False,
            is_surprise=True,
            is_specialised=True,
            actor=quality,
        )
        planning.plan_submit(plan=plan, actor=quality)
    with clock_pinned(datetime(year, 1, 8, 9, tzinfo=SH)):
        planning.plan_approve(plan=plan, actor=leader)
    with clock_pinned(datetime(year, 1, 9, 9, tzinfo=SH)):
        planning.plan_notify(plan=plan, actor=quality)
    draft = planning.plan_create(
        company=company, year=year + 1, title=f"{year + 1} 年度服务质量监督检查计划", actor=quality
    )
    planning.plan_entry_add(
        plan=draft,
        title="第一季度服务质量监督检查",
        units=estates,
        starts_on=date(year + 1, 1, 10),
        ends_on=date(year + 1, 1, 20),
        kind=InspectionKind.SUPERVISION,
        actor=quality,
    )


def _schedules(company: Company, estates: list[Unit], quality: Person, inspector: Person) -> int:
    """Schedules started a year ago, their tasks materialised month by month up to now (the
    clock pinned at each step, as the daily job would have), then the next window."""
    supplier = Company.objects.filter(kind=Company.Kind.SUPPLIER, units__code="JM").first()
    today = now().astimezone(SH).date()
    first = datetime(today.year - 1, today.month, 1, 9, tzinfo=SH)
    plan = InspectionPlan.objects.filter(company=company, year=today.year).first()
    specs = [
        (
            "清洁服务周检（洁美保洁）",
            _template(company, Cadence.WEEKLY),
            "FREQ=WEEKLY;BYDAY=WE",
            "inspections.cleaning_weekly_check",
            None,
            supplier,
            InspectionKind.ROUTINE,
        ),
        (
            "质量管理部月度抽查",
            _template(company, Cadence.MONTHLY, Cadence.OCCASIONAL, code=GENERAL_CHECKLIST),
            "FREQ=MONTHLY;BYMONTHDAY=15",
            "inspections.quality_department_spot_check",
            None,
            None,
            InspectionKind.SPOT_CHECK,
        ),
        (
            "季度服务质量监督检查（随机抽取）",
            _template(company, Cadence.QUARTERLY, Cadence.OCCASIONAL, code=GENERAL_CHECKLIST),
            "FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=12",
            "inspections.supervision_check",
            34,
            None,
            InspectionKind.SUPERVISION,
        ),
    ]
    made = []
    with clock_pinned(first - timedelta(days=1)):
        for title, template, rule, rule_key, percent, supplier_of, kind in specs:
            if template is None:
                continue
            made.append(
                planning.schedule_create(
                    company=company,
                    title=title,
                    template=template,
                    rrule=rule,
                    starts_at=first,
                    units=estates,
                    due_within=timedelta(days=2),
                    inspector=inspector,
                    supplier=supplier_of,
                    sample_percent=percent,
                    rule_key=rule_key,
                    kind=kind,
                    plan=plan,
                    actor=quality,
                )
            )
    moment, end = first, now()
    while moment < end:
        moment = min(moment + timedelta(days=30), end)
        with clock_pinned(moment):
            for schedule in made:
                planning.schedule_materialise(schedule=schedule)
    return len(made)


@transaction.atomic
def load_demo_planning(*, stdout=None) -> None:
    company = Company.objects.filter(name=COMPANY_NAME).first()
    if company is None or Schedule.objects.filter(company=company).exists():
        return
    people = {p.username: p for p in Person.objects.filter(company=company)}
    quality, leader, inspector = people["quality"], people["leader"], people["inspector"]
    estates = list(Unit.objects.filter(company=company, code__in=ESTATES).order_by("code"))
    if not InspectionPlan.objects.filter(company=company).exists():
        _plans(company, estates, quality, leader)
    count = _schedules(company, estates, quality, inspector)
    sampling.draw_make(
        company=company,
        units=estates,
        percent=34,
        actor=quality,
        purpose="本季度全面检查抽取小区",
    )
    if stdout is not None:
        stdout.write(f"Planning: 2 plans, {count} schedules, their tasks and a random draw.\n")
