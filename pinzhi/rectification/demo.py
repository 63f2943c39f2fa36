"""Demo rectification (order 63): the nonconformities of the demo inspections raised by the
consumer, a few raised by hand, one fix reported and verified, one overdue, a supervision
order — all through the services."""

from datetime import timedelta

from pinzhi.lib.clock import now
from pinzhi.orgs.models import Company, Person, Unit
from pinzhi.rectification import services
from pinzhi.rectification.models import Nonconformity

COMPANY_NAME = "锦华物业服务有限公司"


def load_demo_rectification(*, stdout=None) -> None:
    services.inspections_follow()
    company = Company.objects.filter(name=COMPANY_NAME).first()
    if (
        company is None
        or Nonconformity.objects.filter(company=company, source="observation").exists()
    ):
        services.overdue_sweep()
        return
    people = {
        p.username: p
        for p in Person.objects.filter(
            username__in=["quality", "inspector", "unitqa", "supervisor", "supplier"]
        )
    }
    units = {u.code: u for u in Unit.objects.filter(company=company, code__in=["CH", "BJM", "JG"])}
    if len(units) < 3 or len(people) < 3:
        return
    inspector, quality = people["inspector"], people["quality"]
    _rectify_the_past(company, inspector=inspector, quality=quality)
    start = now() - timedelta(days=10)
    late = services.nonconformity_raise(
        unit=units["CH"],
        title="地下车库照明灯损坏三盏未修复",
        severity="general",
        actor=inspector,
        description="B2 层 12～15 号车位上方灯管不亮。",
        at=start,
    )
    fixed = services.nonconformity_raise(
        unit=units["BJM"],
        title="3 栋大堂地面有污渍",
        severity="minor",
        is_cleaning=True,
        actor=inspector,
        at=now() - timedelta(hours=3),
    )
    services.nonconformity_report_fix(
        nonconformity=fixed, actor=people["unitqa"], text="保洁员已清洗地面并复查。"
    )
    services.nonconformity_accept(
        nonconformity=fixed, actor=inspector, note="现场复查，地面已清洁。"
    )
    services.nonconformity_raise(
        unit=units["JG"],
        title="消防通道堆放杂物",
        severity="serious",
        actor=inspector,
        description="5 栋消防通道堆放装修垃圾，影响疏散。",
    )
    services.supervision_order_issue(
        unit=units["CH"],
        problem="翠湖花园车库照明长期不亮，业主多次投诉。",
        stages=[
            ("一周内完成全部灯具排查并更换损坏灯管", now() + timedelta(days=7)),
            ("一个月内建立车库照明日巡检记录", now() + timedelta(days=30)),
        ],
        actor=quality,
        nonconformities=Nonconformity.objects.filter(pk=late.pk),
    )
    services.overdue_sweep()


# Who reports the fixes of each estate in the demo (their scope covers it).
FIXERS = {"CH": "supervisor", "BJM": "unitqa"}
FIX_TEXTS = [
    "已按要求整改，现场复查合格。",
    "已安排专人处理并拍照留存。",
    "已清理完毕，纳入日常巡查。",
]


def _rectify_the_past(company: Company, *, inspector: Person, quality: Person) -> None:
    """NCR-2: the findings of the inspections older than a fortnight were fixed by the unit
    (the contractor for its own checks) and verified by the inspector a day later; one in
    eight was left unfixed and is overdue now."""
    people = {
        p.username: p for p in Person.objects.filter(username__in=[*FIXERS.values(), "supplier"])
    }
    old = (
        Nonconformity.objects.filter(
            company=company,
            status=Nonconformity.Status.OPEN,
            inspection__isnull=False,
            raised_at__lt=now() - timedelta(days=14),
        )
        .select_related("unit")
        .order_by("raised_at", "pk")
    )
    for index, finding in enumerate(old):
        if index % 8 == 7:
            continue
        if finding.supplier_id and "supplier" in people:
            fixer = people["supplier"]
        else:
            fixer = people.get(FIXERS.get(finding.unit.code, ""), quality)
        services.nonconformity_report_fix(
            nonconformity=finding,
            actor=fixer,
            text=FIX_TEXTS[index % len(FIX_TEXTS)],
            at=finding.raised_at + timedelta(hours=20),
        )
        services.nonconformity_accept(
            nonconformity=finding,
            # The demo inspector's scope is 翠湖花园 and 滨江名苑; the quality department
            # verifies elsewhere.
            actor=inspector if finding.unit.code in FIXERS else quality,
            note="现场复查，整改到位。",
            at=finding.raised_at + timedelta(days=1, hours=2),
        )
