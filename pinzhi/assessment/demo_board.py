"""Demo of the notice board (ASM-6, ASM-7): each demo estate's service star over the twelve
months before this one — streaks of the same person, a change of person now and then, a
vacancy or two — named by the quality department through `star_name`; then the month-end
worst-service step over the same months, on the ledger the demo's complaints made. A month
already named or already exported to payroll is left as it is (idempotent)."""

import random

from pinzhi.assessment.models import ServiceStar
from pinzhi.assessment.selectors.board import star_candidates
from pinzhi.assessment.services.board import BoardError, star_name, worst_service_rate
from pinzhi.assessment.services.ledger import month_locked
from pinzhi.lib.clock import now
from pinzhi.lib.months import month_of, month_previous
from pinzhi.orgs.models import Person, Unit

ESTATES = ("CH", "BJM", "JG")
REASONS = ["业主书面表扬", "月度服务检查满分", "主动为业主排忧解难", "微笑服务，零投诉"]


def load_demo_board(*, stdout=None) -> int:
    quality = Person.objects.filter(username="quality").select_related("company").first()
    if quality is None or quality.company is None:
        return 0
    company = quality.company
    months = [month_previous(month_of(now()))]
    while len(months) < 12:
        months.insert(0, month_previous(months[0]))
    rng = random.Random(84)
    named = 0
    for code in ESTATES:
        unit = Unit.objects.filter(company=company, code=code).first()
        if unit is None:
            continue
        people = list(star_candidates(unit).filter(username__contains="."))
        if not people:
            continue
        star = None
        for month in months:
            draw = rng.random()
            if draw < 0.12:
                star = None  # a vacancy: 没有按空额对待
            elif star is None or draw > 0.7:
                star = rng.choice(people)
            if (
                month_locked(company.pk, month)
                or ServiceStar.objects.filter(unit=unit, month=month).exists()
            ):
                continue
            try:
                star_name(
                    company=company,
                    unit=unit,
                    month=month,
                    person=star,
                    actor=quality,
                    reason=rng.choice(REASONS) if star else "",
                )
            except BoardError:
                continue
            named += 1
    for month in months:
        if not month_locked(company.pk, month):
            worst_service_rate(company=company, month=month, actor=quality)
    if stdout is not None:
        stdout.write(f"notice board: {named} service star namings")
    return named
