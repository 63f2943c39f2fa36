"""Demo data: a property management company with three estates (issue: foundation, 7).

Loading is idempotent: a second run finds the demo company and changes nothing.
"""

import zlib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction

from pinzhi.orgs import services
from pinzhi.orgs.models import Company, Person, Unit
from pinzhi.orgs.roles import Role

DEMO_PASSWORD = "Pinzhi@2026"
COMPANY_NAME = "锦华物业服务有限公司"

DEPARTMENTS = [
    # code, name, is the quality department
    ("PZ", "品质管理部", True),
    ("KF", "客服部", False),
    ("AB", "安保部", False),
    ("BJ", "保洁部", False),
    ("LH", "绿化部", False),
    ("GC", "工程部", False),
]
ESTATES = [("CH", "翠湖花园"), ("BJM", "滨江名苑"), ("JG", "金桂苑")]
# Teams in every estate: code suffix, name, the department that runs them.
TEAMS = [("KF", "客服中心", "KF"), ("AB", "安保班", "AB"), ("GC", "工程维修班", "GC")]
POSTS = {
    "KF": [("JL", "客服部经理"), ("ZG", "客服主管"), ("ZY", "营运专员")],
    "AB": [("JL", "安保部经理"), ("ZG", "安保主管")],
    "BJ": [("JL", "保洁部经理"), ("ZG", "保洁主管")],
    "LH": [("JL", "绿化部经理"), ("ZG", "绿化主管")],
    "GC": [("JL", "工程部经理"), ("ZG", "工程主管")],
    "PZ": [("JL", "品质部经理"), ("JC", "监督检查员")],
    "team": [("ZZ", "班长"), ("YG", "服务员")],
}

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘于蒋蔡余杜叶程苏魏吕丁"  # noqa: E501
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红建国志文斌鹏辉丹萍宇浩凯"


def chinese_name(n: int) -> str:
    return (
        SURNAMES[n % len(SURNAMES)] + GIVEN[(n * 7) % len(GIVEN)] + GIVEN[(n * 13 + 5) % len(GIVEN)]
    )


@dataclass(frozen=True)
class Account:
    username: str
    full_name: str
    role: str
    where: str  # unit code the person belongs to
    scope: tuple[str, ...]  # unit codes the role covers
    note: str


# The accounts README.md lists; all share DEMO_PASSWORD.
ACCOUNTS = [
    Account("leader", "周建国", Role.LEADERSHIP, "HQ", (), "总经理 — sees the whole company"),
    Account("committee", "林秀英", Role.QUALITY_COMMITTEE, "HQ", (), "质量监督管理委员会委员"),
    Account("quality", "郑丽华", Role.QUALITY_DEPARTMENT, "PZ", (), "品质部经理 — runs Pinzhi"),
    Account("manager", "陈志文", Role.DEPARTMENT_MANAGER, "KF", ("KF",), "客服部经理"),
    Account("supervisor", "刘明", Role.SUPERVISOR, "CH-KF", ("CH",), "翠湖花园 客服主管"),
    Account("unitqa", "黄丹", Role.UNIT_QUALITY_ADMIN, "BJM", ("BJM",), "滨江名苑 兼职质量管理员"),
    Account("inspector", "孙浩", Role.INSPECTOR, "PZ", ("CH", "BJM"), "监督检查员"),
    Account("desk", "吴静", Role.SERVICE_DESK, "KF", ("KF", "CH", "BJM", "JG"), "服务台"),
    Account("registrar", "徐娜", Role.COMPLAINT_HANDLER, "CH-KF", ("CH",), "营运专员 / 投诉处理"),
    Account("staff", "马勇", Role.SERVICE_STAFF, "CH-AB", ("CH-AB",), "翠湖花园 安保员"),
    Account("supplier", "蒋平", Role.SUPPLIER, "JM", ("JM",), "洁美保洁 项目经理"),
    Account("owner", "宋玉兰", Role.CUSTOMER, "", (), "翠湖花园 业主"),
    Account("watchdog", "袁斌", Role.SUPERVISING_BODY, "", ("AJ", "CH"), "区物业管理协会 监督员"),
]


def demo_notes() -> list[str]:
    """What `pinzhi demo` prints about the organisation: the accounts to sign in with."""
    return [f"Demo accounts (password {DEMO_PASSWORD}):"] + [
        f"  {account.username:<11} {account.full_name}  {account.note}" for account in ACCOUNTS
    ]


def load_demo_organisation(*, stdout=None) -> Company:
    """Create the demo company; a no-op when it exists already."""
    existing = Company.objects.filter(name=COMPANY_NAME).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        return _build(stdout)


def _build(stdout) -> Company:
    demo_usernames: list[str] = []
    company = services.company_create(
        name=COMPANY_NAME,
        short_name="锦华物业",
        kind=Company.Kind.OPERATOR,
        credit_code="91440300MA5F0Q1X2E",
        registered_capital=Decimal("1000.00"),
        licence_number="440300000123456",
        licence_valid_until=date(2035, 6, 30),
        address="深圳市南山区科技园锦华大厦8楼",
        contact_phone="0755-26780000",
        service_hotline="400-888-6688",
        policy_pack="property",
    )
    units: dict[str, Unit] = {}
    hq = services.unit_create(
        company=company, code="HQ", name="公司总部", kind=Unit.Kind.DEPARTMENT
    )
    units["HQ"] = hq
    for code, name, is_quality in DEPARTMENTS:
        units[code] = services.unit_create(
            company=company,
            code=code,
            name=name,
            kind=Unit.Kind.DEPARTMENT,
            parent=hq,
            is_quality_department=is_quality,
        )
    for code, name in ESTATES:
        estate = services.unit_create(
            company=company, code=code, name=name, kind=Unit.Kind.ESTATE, parent=hq
        )
        units[code] = estate
        for suffix, team_name, _dept in TEAMS:
            units[f"{code}-{suffix}"] = services.unit_create(
                company=company,
                code=f"{code}-{suffix}",
                name=f"{name}{team_name}",
                kind=Unit.Kind.TEAM,
                parent=estate,
            )

    posts = {}
    for dept, dept_posts in POSTS.items():
        if dept == "team":
            continue
        for code, name in dept_posts:
            posts[(dept, code)] = services.post_create(unit=units[dept], code=code, name=name)
    for code, _name in ESTATES:
        for suffix, _team, _dept in TEAMS:
            team = units[f"{code}-{suffix}"]
            for post_code, post_name in POSTS["team"]:
                posts[(team.code, post_code)] = services.post_create(
                    unit=team, code=post_code, name=post_name
                )

    contractor = services.company_create(
        name="洁美保洁服务有限公司",
        short_name="洁美保洁",
        kind=Company.Kind.SUPPLIER,
        operator=company,
        credit_code="91440300MA5G7K8L3L",
        registered_capital=Decimal("200.00"),
        licence_number="440300000654321",
        licence_valid_until=date(2027, 1, 15),
        address="深圳市南山区西丽街道",
        contact_name="蒋平",
        contact_phone="0755-26781234",
    )
    units["JM"] = services.unit_create(
        company=contractor, code="JM", name="洁美保洁驻场项目部", kind=Unit.Kind.PROJECT
    )
    services.post_create(unit=units["JM"], code="XMJL", name="项目经理")
    services.post_create(unit=units["JM"], code="BJY", name="保洁员")
    # What 洁美保洁 is contracted for: the cleaning (environment and hygiene complaints) of
    # the three estates and of the cleaning department's work (issue 8 item 6).
    services.contractor_scope_set(
        contractor=contractor,
        service="保洁服务",
        units=[units["BJ"], *(units[code] for code, _name in ESTATES)],
        categories=["environment"],
    )
    inspected = services.company_create(
        name="安居物业管理有限公司",
        short_name="安居物业",
        kind=Company.Kind.INSPECTED,
        operator=company,
        credit_code="91440300MA5H2J9M43",
        registered_capital=Decimal("500.00"),
        licence_number="440300000777888",
        licence_valid_until=date(2026, 12, 31),
        address="深圳市福田区",
    )
    units["AJ"] = services.unit_create(
        company=inspected, code="AJ", name="安居物业 阳光小区管理处", kind=Unit.Kind.OFFICE
    )

    for account in ACCOUNTS:
        external = account.role in (Role.CUSTOMER, Role.SUPERVISING_BODY)
        owner_company = None if external else company
        _person(
            account.username,
            account.full_name,
            owner_company,
            units.get(account.where),
            demo_usernames,
        )
    for account in ACCOUNTS:
        person = Person.objects.get(username=account.username)
        services.role_assign(
            person=person, role=account.role, scope=[units[c] for c in account.scope]
        )

    # Everyone else: managers and supervisors for each department, staff in every team.
    n = 0
    for dept, _name, _q in DEPARTMENTS[1:]:
        n += 1
        manager = _person(
            f"{dept.lower()}.jl", chinese_name(n), company, units[dept], demo_usernames
        )
        services.role_assign(person=manager, role=Role.DEPARTMENT_MANAGER, scope=[units[dept]])
    for code, _name in ESTATES:
        for suffix, _team, _dept in TEAMS:
            team = units[f"{code}-{suffix}"]
            n += 1
            lead = _person(
                f"{team.code.lower()}.zz", chinese_name(n), company, team, demo_usernames
            )
            services.role_assign(person=lead, role=Role.SUPERVISOR, scope=[team])
            for i in range(1, 4):
                n += 1
                worker = _person(
                    f"{team.code.lower()}.{i}", chinese_name(n), company, team, demo_usernames
                )
                services.role_assign(person=worker, role=Role.SERVICE_STAFF, scope=[team])
            if suffix == "KF":
                n += 1
                handler = _person(
                    f"{team.code.lower()}.cl", chinese_name(n), company, team, demo_usernames
                )
                services.role_assign(person=handler, role=Role.COMPLAINT_HANDLER, scope=[team])
    for i in range(1, 5):
        n += 1
        cleaner = _person(f"jm.{i}", chinese_name(n), contractor, units["JM"], demo_usernames)
        services.role_assign(person=cleaner, role=Role.SUPPLIER, scope=[units["JM"]])
    for i in range(1, 4):
        n += 1
        owner = _person(f"owner{i}", chinese_name(n), None, None, demo_usernames)
        services.role_assign(person=owner, role=Role.CUSTOMER)
    # Through the system's own service (never a page: people set their own passwords), one
    # hash for the shared demo password keeps loading fast (argon2 is slow on purpose).
    services.people_set_password(
        people=Person.objects.filter(username__in=demo_usernames),
        password=DEMO_PASSWORD,
        reason="demo",
    )
    if stdout is not None:
        stdout.write(
            f"demo: {Unit.objects.count()} units, {Person.objects.count()} people "
            f"in {Company.objects.count()} companies"
        )
    return company


def _person(username: str, full_name: str, company, unit, usernames: list[str]) -> Person:
    usernames.append(username)
    phone = f"138{zlib.crc32(username.encode()) % 10**8:08d}"
    return services.person_create(
        username=username,
        full_name=full_name,
        company=unit.company if unit is not None else company,
        unit=unit,
        phone=phone,
    )
