"""Demo data of the points ledger (part A, order 80): the demo's complaints, inspections and
rectifications consumed into the ledger through the consumer — the seed's rules over a year
(a staff member with two or three verified complaints in a month, their supervisors' and
the group leader's joint penalties, failed inspections, overdue rectifications) — and a few
daily records and offences entered by the demo's managers through the services."""

from datetime import timedelta

from django.db import transaction

from pinzhi.assessment.models import PointsEntry
from pinzhi.assessment.services.derive import ledger_follow
from pinzhi.assessment.services.offences import daily_record, offence_record
from pinzhi.lib.clock import now
from pinzhi.lib.months import day_of
from pinzhi.orgs.demo import COMPANY_NAME
from pinzhi.orgs.models import Company, Person

# (days ago, manager, person, points, reason): daily assessment records (ASM-3).
DAILY = [
    (75, "ch-ab.zz", "ch-ab.2", -2, "夜班巡逻未按时打卡，巡更记录缺两个点位。"),
    (61, "ch-kf.zz", "ch-kf.1", 3, "主动帮助行动不便的业主办理车位续租，业主来电表扬。"),
    (44, "ch-ab.zz", "staff", -2, "上岗未佩戴工牌，经提醒后改正。"),
    (30, "bjm-gc.zz", "bjm-gc.2", 5, "暴雨夜连续抢修地库排水泵，避免车辆被淹。"),
    (16, "jg-kf.zz", "jg-kf.2", -3, "前台接待业主时使用手机，服务不专注。"),
    (9, "ch-gc.zz", "ch-gc.2", 2, "维修后主动回访，清理现场到位。"),
    (5, "ch-ab.zz", "ch-ab.3", -1, "岗亭卫生未按标准保持。"),
]
# (days ago, category, points, person, reason, sanction, notice): offences (ASM-5).
OFFENCES = [
    (
        20,
        "a",
        -8,
        "bjm-kf.1",
        "业主反映报修无人上门时，前台与业主发生争执，拒不承认未派单的事实。",
        "",
        False,
    ),
    (
        12,
        "a",
        -12,
        "ch-gc.1",
        "一个月内多次维修质量投诉，对业主态度冷淡，经批评教育仍未改进。",
        "major_demerit",
        True,
    ),
]


def load_demo_ledger(*, stdout=None) -> int:
    """Consume the demo's events into the ledger and add the managers' entries; returns the
    entries made (0 when the company is missing or the managers' entries exist already)."""
    company = Company.objects.filter(name=COMPANY_NAME).first()
    if company is None:
        return 0
    before = PointsEntry.objects.filter(company=company).count()
    events = ledger_follow()
    if not PointsEntry.objects.filter(company=company, entered_by__isnull=False).exists():
        people = {
            p.username: p for p in Person.objects.filter(company=company).exclude(username="")
        }
        quality = people.get("quality")
        today = day_of(now())
        with transaction.atomic():
            for ago, manager, person, points, reason in DAILY:
                if manager in people and person in people:
                    daily_record(
                        person=people[person],
                        points=points,
                        reason=reason,
                        actor=people[manager],
                        day=today - timedelta(days=ago),
                    )
            for ago, category, points, person, reason, sanction, notice in OFFENCES:
                if quality is not None and person in people:
                    offence_record(
                        person=people[person],
                        category=category,
                        points=points,
                        reason=reason,
                        actor=quality,
                        day=today - timedelta(days=ago),
                        sanction=sanction,
                        notice=notice,
                    )
    made = PointsEntry.objects.filter(company=company).count() - before
    if stdout is not None:
        stdout.write(f"demo: points ledger — {events} events read, {made} entries")
    return made
