"""Demo data of the standards (STD-1 … STD-4), made through the services: the property
catalogue of 锦华物业, one standard being revised (out for comments), one new standard
waiting for leadership, quality goals of the three estates (one adjusted from next month),
an SLA of a customer contract and the published service commitments of two posts."""

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction

from pinzhi.lib.clock import now
from pinzhi.orgs.demo import COMPANY_NAME
from pinzhi.orgs.models import Company, Person, Unit
from pinzhi.standards import services
from pinzhi.standards.models import (
    CommentSource,
    GoalMetric,
    GoalPeriod,
    ServiceItem,
    Standard,
)

COMMITMENTS = [
    (
        "客服中心",
        [
            "电话在响铃三声内接听，用语规范：“您好，请问有什么可以帮到您”。",
            "投诉 30 分钟内与您联系，提出解决方案；紧急情况 10 分钟内人员到场。",
            "一般投诉两天内解决，处理完毕当天回访。",
            "耐心倾听，不推诿，不与客户争执。",
        ],
    ),
    (
        "安保班",
        [
            "二十四小时巡岗值班，持证上岗，仪态端庄，举止文明。",
            "保持小区道路、消防通道畅通，及时消除安全隐患。",
            "来访登记、车辆疏导公正有序，一视同仁。",
        ],
    ),
]


def load_demo_standards(*, stdout=None) -> None:
    company = Company.objects.filter(name=COMPANY_NAME).first()
    if company is None or ServiceItem.objects.filter(company=company).exists():
        return
    with transaction.atomic():
        _build(company)
    if stdout is not None:
        stdout.write(f"demo: {Standard.objects.filter(company=company).count()} service standards")


def _build(company: Company) -> None:
    quality = Person.objects.get(username="quality")
    leader = Person.objects.get(username="leader")
    manager = Person.objects.get(username="manager")
    services.catalogue_install_pack(company=company, pack="property", actor=quality)

    # A revision out for comments: public areas twice a day in the estates' busy season.
    cleaning = Standard.objects.get(company=company, code="CLN-01")
    revision = services.standard_revise(
        standard=cleaning,
        title="公共场所每天清扫",
        requirement="设立专职清洁人员，维护小区清洁，公共场所每天至少打扫一次；大堂、电梯轿厢每天两次。",
        dimension=cleaning.dimension,
        measure="公共场所每天至少 1 次；大堂、电梯每天 2 次",
        change_note="业主反映早高峰后大堂、电梯脏乱，增加一次清扫。",
        actor=quality,
    )
    services.version_open_comments(version=revision, actor=quality)
    services.version_comment(
        version=revision,
        actor=manager,
        text="客服中心同意；建议注明第二次清扫在 10:00 前完成。",
    )
    services.version_comment(
        version=revision,
        actor=quality,
        source=CommentSource.USER,
        commenter_name="翠湖花园业主 宋女士",
        text="早上电梯里经常有垃圾袋滴水，希望增加清扫。",
    )

    # A new standard of the customer service, approved and waiting to be published.
    item = ServiceItem.objects.get(company=company, code="CS")
    new = services.standard_draft(
        item=item,
        code="CS-06",
        title="报修 30 分钟内上门",
        requirement="业主报修的一般维修，维修人员在 30 分钟内上门查看。",
        dimension="efficiency",
        measure="30 分钟内上门",
        change_note="工作组根据客户意见新增。",
        actor=quality,
    )
    services.version_open_comments(version=new, actor=quality)
    services.version_comment(version=new, actor=manager, text="同意，夜间可放宽至 1 小时。")
    services.version_submit(version=new, actor=quality)
    services.version_approve(version=new, actor=leader)

    # Quality goals of the three estates; 翠湖花园's satisfaction goal raised next month.
    today = now().date()
    start = date(today.year, 1, 1)
    for code in ("CH", "BJM", "JG"):
        unit = Unit.objects.get(company=company, code=code)
        for metric, period, target in [
            (GoalMetric.SATISFACTION_RATE, GoalPeriod.QUARTER, Decimal("90")),
            (GoalMetric.COMPLAINT_COUNT, GoalPeriod.MONTH, Decimal("5")),
            (GoalMetric.RESPONSE_HOURS, GoalPeriod.MONTH, Decimal("0.5")),
        ]:
            services.goal_set(
                unit=unit,
                metric=metric,
                period=period,
                target=target,
                effective_from=start,
                reason="年度服务质量目标",
                actor=quality,
            )
    next_month = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    services.goal_set(
        unit=Unit.objects.get(company=company, code="CH"),
        metric=GoalMetric.SATISFACTION_RATE,
        period=GoalPeriod.QUARTER,
        target=Decimal("92"),
        effective_from=next_month,
        reason="上季度满意率 93%，业主委员会要求提高目标。",
        actor=quality,
    )

    services.sla_record(
        company=company,
        actor=quality,
        customer="翠湖花园业主委员会",
        contract_number="CH-WY-2026-01",
        unit=Unit.objects.get(company=company, code="CH"),
        valid_from=start,
        valid_until=date(start.year + 2, 12, 31),
        response_minutes=30,
        resolution_hours=48,
        availability_percent=None,
        satisfaction_percent=Decimal("90"),
        callback_hours=24,
        notes="紧急报修 10 分钟到场；每季度提交服务报告，列明达成情况。",
    )

    for post_name, lines in COMMITMENTS:
        commitment = services.commitment_write(
            company=company, post_name=post_name, text="\n".join(lines), actor=quality
        )
        services.commitment_publish(commitment=commitment, actor=quality)
