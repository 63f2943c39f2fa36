"""Demo data of the consequences (ASM-8, ASM-10), made through the services: a retraining
decided after a failed assessment and in progress, a warning decided by the quality
department, a department reward decided by leadership, and two proposals awaiting their
decision (a commendation of the demo inspector, a fine)."""

from decimal import Decimal

from django.db import transaction

from pinzhi.assessment.models import Consequence, ConsequenceKind, Sanction
from pinzhi.assessment.services.consequences import consequence_decide, consequence_propose
from pinzhi.orgs.demo import COMPANY_NAME
from pinzhi.orgs.models import Company, Person, Unit
from pinzhi.orgs.roles import Role
from pinzhi.training.models import Course


def load_demo_consequences(*, stdout=None) -> int:
    """Create the demo's consequences once; returns how many the demo company has."""
    company = Company.objects.filter(name=COMPANY_NAME).first()
    people = {p.username: p for p in Person.objects.filter(username__in=["quality", "leader"])}
    if company is None or len(people) < 2:
        return 0
    with transaction.atomic():
        if not Consequence.objects.filter(company=company, created_by=people["quality"]).exists():
            _load(company, people["quality"], people["leader"])
    count = Consequence.objects.filter(company=company).count()
    if stdout is not None:
        stdout.write(f"demo: {count} consequences")
    return count


def _load(company: Company, quality: Person, leader: Person) -> None:
    staff = list(
        Person.objects.filter(
            company=company, role_assignments__role=Role.SERVICE_STAFF, is_active=True
        )
        .distinct()
        .order_by("username")[:3]
    )
    if len(staff) < 3:
        return
    retraining = consequence_propose(
        company=company,
        kind=ConsequenceKind.RETRAINING,
        person=staff[0],
        reason="季度服务质量考核得分低于合格线，按公司服务监督管理制度第十一条安排培训。",
        actor=quality,
    )
    consequence_decide(
        consequence=retraining,
        actor=quality,
        accept=True,
        decision="参加“服务意识与文明礼仪”培训，考试合格后恢复原岗位考核。",
        course=Course.objects.filter(company=company, code="FW-01").first(),
    )
    warning = consequence_propose(
        company=company,
        kind=ConsequenceKind.SANCTION,
        sanction=Sanction.WARNING,
        person=staff[1],
        reason="当月两次未按规定着装上岗，经主管提醒仍未改正。",
        actor=quality,
    )
    consequence_decide(
        consequence=warning, actor=quality, accept=True, decision="给予书面警告一次。"
    )
    estate = Unit.objects.filter(company=company, code="CH").first()
    if estate is not None:
        reward = consequence_propose(
            company=company,
            kind=ConsequenceKind.DEPARTMENT_REWARD,
            unit=estate,
            amount=Decimal("3000"),
            reason="上季度服务满意率全公司第一，无有效投诉。",
            actor=quality,
        )
        consequence_decide(
            consequence=reward,
            actor=leader,
            accept=True,
            decision="同意奖励 3000 元，全公司通报表扬。",
        )
    inspector = Person.objects.filter(username="inspector").first()
    if inspector is not None:
        consequence_propose(
            company=company,
            kind=ConsequenceKind.COMMENDATION,
            person=inspector,
            reason="全年完成监督检查 120 余次，发现并跟踪整改问题及时，建议评为优秀监督检查人员。",
            actor=quality,
        )
    consequence_propose(
        company=company,
        kind=ConsequenceKind.SANCTION,
        sanction=Sanction.FINE,
        person=staff[2],
        amount=Decimal("200"),
        reason="巡检发现值班期间脱岗，影响业主报修处理。",
        actor=quality,
    )
