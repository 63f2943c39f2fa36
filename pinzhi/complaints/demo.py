"""Demo complaints for the demo company (issue 3, item 9): about thirty cases over the last
two months, in every state and every channel, taken through the real workflow services.

Each case is received in the past (`received_at`) and every step is taken at its own time
on the case's schedule (`STEPS`, squeezed into the case's age when it is younger than the
schedule), with the clock pinned there (`pinzhi.lib.clock.clock_pinned`): the history says
「投诉已受理」 on the day the case was received, not the day the demo was loaded (issue 8
item 6). Time limits count from receipt, so the cases still open days after receipt are
breached, and the final sweep escalates them up the ladder (CMP-7). Loading is idempotent:
nothing happens when the demo company has complaints already.
"""

import heapq
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction

from pinzhi.complaints import repeats, services
from pinzhi.complaints.models import Callback, Category, Channel, Complaint, Severity
from pinzhi.deadlines.sweep import sweep
from pinzhi.lib.clock import clock_pinned, now
from pinzhi.orgs.demo import COMPANY_NAME
from pinzhi.orgs.models import Company, Person, Unit

# The head of each department complained about (the demo organisation's managers).
HEADS = {"KF": "manager", "AB": "ab.jl", "BJ": "bj.jl", "LH": "lh.jl", "GC": "gc.jl"}
# Who handles a case of each department at an estate; BJ and LH heads handle their own.
HANDLERS = {"KF": "{estate}-kf.cl", "AB": "{estate}-ab.1", "GC": "{estate}-gc.1"}
ESTATE_NAMES = {"CH": "翠湖花园", "BJM": "滨江名苑", "JG": "金桂苑"}

# How far each case gets; "reopened" is a dissatisfied callback that sends it back.
REGISTERED = "registered"
NOT_ESTABLISHED = "not_established"
ROUTED = "routed"
ACKNOWLEDGED = "acknowledged"
IN_PROGRESS = "in_progress"
RESOLVED = "resolved"
CALLED_BACK = "called_back"
CLOSED = "closed"
REOPENED = "reopened"
ORDER = [REGISTERED, ROUTED, ACKNOWLEDGED, IN_PROGRESS, RESOLVED, CALLED_BACK, CLOSED]


@dataclass(frozen=True)
class Case:
    ago: timedelta  # received this long before loading
    channel: str
    category: str
    estate: str
    department: str
    state: str
    title: str
    content: str
    request: str
    customer: tuple[str, str, str]  # name, phone, address (room within the estate)
    severity: str = Severity.GENERAL
    investigation: str = ""
    solution: str = ""
    resolution: str = ""
    feedback: str = ""
    satisfaction: str = Callback.Satisfaction.SATISFIED
    contacted_after: timedelta | None = timedelta(minutes=20)
    staff: str = ""  # username of the staff member complained about
    explanation: str = ""  # why not established
    rating: int | None = None
    extra: dict = field(default_factory=dict)


def d(days: float, hours: float = 0) -> timedelta:
    return timedelta(days=days, hours=hours)


# When each step is taken, after receipt (the first contact: the case's `contacted_after`).
# Resolved within the 2-day limit, called back and closed the same day.
STEPS = {
    "register": timedelta(minutes=1),
    "route": timedelta(minutes=2),
    "acknowledge": timedelta(minutes=10),  # after the contact (or the routing)
    "assign": timedelta(minutes=40),  # after the acknowledgement
    "resolve": timedelta(hours=26),
    "callback": timedelta(hours=27),
    "close": timedelta(hours=28),
    "rate": timedelta(hours=30),
}
# A case younger than its schedule has it squeezed into this share of its age.
SQUEEZE_INTO = 0.9


# The demo's customer account `owner` (orgs/demo.py): her complaints are linked to it, so
# that she finds them under 我的投诉 (issue 8 item 6).
SONG = ("宋玉兰", "13800138001", "3栋2单元1201")
CUSTOMER_ACCOUNTS = {SONG[0]: "owner"}
LI = ("李秀梅", "13912345678", "8栋1单元602")
ZHAO = ("赵先生", "13650012345", "12栋1单元301")

CASES: list[Case] = [
    # --- closed, after a satisfied callback --------------------------------------------
    Case(
        d(58),
        Channel.HOTLINE,
        Category.SECURITY,
        "CH",
        "AB",
        CLOSED,
        "夜间噪音扰民",
        "楼下商铺每晚十一点后还在装卸货物，噪音很大，影响休息，保安没有制止。",
        "请管理处制止夜间装卸，并加强夜间巡查。",
        SONG,
        investigation="商铺供货车夜间卸货，岗亭保安未按规定劝阻。",
        solution="与商铺签订夜间作业告知书，22:00后禁止装卸；夜班保安每小时巡查一次。",
        resolution="商铺已承诺22:00后不再装卸，连续一周巡查未再发现。",
        feedback="最近晚上安静多了。",
        rating=5,
        staff="ch-ab.1",
    ),
    Case(
        d(52),
        Channel.WECHAT,
        Category.FACILITIES,
        "BJM",
        "GC",
        CLOSED,
        "卫生间天花板漏水",
        "楼上卫生间漏水，我家卫生间天花板已经发霉，滴水不止。",
        "尽快查明漏水原因并维修，修复天花板。",
        ("陈女士", "13711112222", "5栋1单元1502"),
        investigation="楼上住户卫生间防水层老化，地漏周边渗水。",
        solution="协调楼上业主做闭水试验并重做防水，工程部负责修复天花板。",
        resolution="楼上防水已重做，闭水试验48小时无渗漏，天花板已修复刷漆。",
        feedback="修好了，师傅很负责。",
        rating=4,
    ),
    Case(
        d(45),
        Channel.SUGGESTION_BOX,
        Category.ENVIRONMENT,
        "JG",
        "BJ",
        CLOSED,
        "垃圾桶清运不及时",
        "小区东门垃圾桶经常满溢，夏天气味很大，苍蝇很多。",
        "增加清运次数，垃圾桶定期清洗消毒。",
        ("匿名业主", "", "东门附近"),
        investigation="东门垃圾点服务户数多，每日一次清运不足。",
        solution="东门垃圾点改为每日早晚两次清运，每周清洗消毒两次。",
        resolution="已调整清运排班，垃圾桶已全部清洗消毒。",
        feedback="回访时在东门张贴告示，业主未提出异议。",
        contacted_after=timedelta(hours=2),
    ),
    Case(
        d(40),
        Channel.WALK_IN,
        Category.ATTITUDE,
        "CH",
        "AB",
        CLOSED,
        "门岗保安态度恶劣",
        "我开车回小区，门岗保安不抬杆，还用很冲的语气让我自己下车登记。",
        "保安向我道歉，加强服务礼仪培训。",
        LI,
        investigation="当班保安未按流程核验业主车辆，言语生硬，属实。",
        solution="当班保安当面致歉，安保部组织礼仪培训并扣当月服务分。",
        resolution="保安已当面道歉，安保部已完成全员礼仪培训。",
        feedback="道歉接受了，希望以后注意。",
        staff="staff",
        rating=3,
    ),
    Case(
        d(33),
        Channel.EMAIL,
        Category.CHARGES,
        "BJM",
        "KF",
        CLOSED,
        "物业费账单金额有误",
        "本月物业费账单多收了一个月的车位管理费，我已经按年缴过了。",
        "核对账单并退还多收费用。",
        ("刘先生", "13522223333", "2栋3单元801"),
        investigation="收费系统续费记录未同步，重复生成车位管理费。",
        solution="财务核对后冲销多收费用，修正收费系统续费记录。",
        resolution="多收的车位管理费已冲销，下月账单已更正。",
        feedback="已经看到更正后的账单。",
        extra={"email": "liu.home@example.com"},
    ),
    Case(
        d(27),
        Channel.OPINION_CARD,
        Category.GREENING,
        "JG",
        "LH",
        CLOSED,
        "绿化带修剪后枝叶未清理",
        "园区中心花园修剪后树枝堆在路边好几天，孩子容易绊倒。",
        "及时清理修剪垃圾。",
        ("周阿姨", "13433334444", "6栋1单元101"),
        investigation="绿化修剪与清运未衔接，枝叶堆放三天。",
        solution="修剪当天完成清运，绿化主管现场验收。",
        resolution="枝叶已全部清运，已修订修剪作业流程。",
        feedback="现在干净了。",
        satisfaction=Callback.Satisfaction.VERY_SATISFIED,
        rating=5,
    ),
    Case(
        d(0, 20),
        Channel.HOTLINE,
        Category.FACILITIES,
        "CH",
        "GC",
        CLOSED,
        "单元门禁刷卡失灵",
        "3栋2单元门禁刷卡没反应，只能等别人开门。",
        "尽快修好门禁。",
        SONG,
        investigation="门禁读卡器进水短路。",
        solution="更换读卡器并加装防雨罩。",
        resolution="读卡器已更换，门禁恢复正常。",
        feedback="今天已经可以刷卡了。",
        contacted_after=timedelta(minutes=10),
    ),
    # --- confirmed by the customer, waiting for the registrar to close ---------------------
    Case(
        d(21),
        Channel.REPORT_HOTLINE,
        Category.EFFICIENCY,
        "BJM",
        "KF",
        CALLED_BACK,
        "报修三天无人上门",
        "家里水龙头坏了，报修三天都没人来，打电话客服说已派单。",
        "尽快上门维修，说明拖延原因。",
        ("孙女士", "13355556666", "9栋2单元702"),
        investigation="报修单派发后未跟踪，维修工漏单。",
        solution="当天安排维修，客服中心建立派单跟踪回访制度。",
        resolution="水龙头已更换，派单系统增加超时提醒。",
        feedback="修好了，希望以后快一点。",
        staff="bjm-kf.1",
    ),
    Case(
        d(1, 5),
        Channel.WEB_FORM,
        Category.ENVIRONMENT,
        "CH",
        "BJ",
        CALLED_BACK,
        "电梯轿厢卫生差",
        "5栋电梯里有宠物尿渍，一整天都没人清理，味道很重。",
        "及时清洁消毒电梯轿厢。",
        ("林先生", "13266667777", "5栋1单元1703"),
        investigation="保洁巡查频次不足，午间无人巡查电梯。",
        solution="电梯轿厢每两小时巡查一次，增加消毒。",
        resolution="已清洁消毒，巡查表贴在电梯内。",
        feedback="今天去看了，很干净。",
    ),
    # --- resolved, callback due today ------------------------------------------------------
    Case(
        d(3),
        Channel.API,
        Category.FACILITIES,
        "JG",
        "GC",
        RESOLVED,
        "地下车库照明不足",
        "地下车库B区好几盏灯坏了，晚上停车很黑，担心安全。",
        "尽快更换灯具。",
        ("黄先生", "13177778888", "11栋1单元502"),
        investigation="B区照明回路老化，6盏灯损坏。",
        solution="更换为LED灯具并检查回路。",
        resolution="已更换LED灯具8盏，照明恢复。",
        staff="jg-gc.1",
    ),
    Case(
        d(0, 6),
        Channel.HOTLINE,
        Category.SECURITY,
        "CH",
        "AB",
        RESOLVED,
        "电动车楼道充电",
        "7栋一楼楼道有人拉线给电动车充电，很危险。",
        "立即制止并清理。",
        ZHAO,
        severity=Severity.URGENT,
        investigation="住户私拉电线充电，属实。",
        solution="保安到场切断电源，劝导住户使用充电桩。",
        resolution="已切断私拉电线，电动车已移至充电区。",
        contacted_after=timedelta(minutes=5),
        staff="staff",
    ),
    # --- reopened after a dissatisfied callback -------------------------------------------
    Case(
        d(12),
        Channel.WECHAT,
        Category.RESULT,
        "BJM",
        "GC",
        REOPENED,
        "外墙渗水维修后仍渗水",
        "卧室外墙渗水，上个月维修过，下雨后又开始渗，墙纸都鼓起来了。",
        "彻底查明原因，赔偿墙纸损失。",
        ("郭女士", "13088889999", "1栋1单元2201"),
        investigation="外墙窗框密封胶开裂，上次只处理了墙面裂缝。",
        solution="吊篮作业重新打胶并做淋水试验。",
        resolution="已重新打胶。",
        feedback="下雨还是渗，没有做淋水试验，墙纸赔偿也没说法。",
        satisfaction=Callback.Satisfaction.DISSATISFIED,
    ),
    # --- being handled ---------------------------------------------------------------------
    Case(
        d(6),
        Channel.HOTLINE,
        Category.FACILITIES,
        "CH",
        "GC",
        IN_PROGRESS,
        "电梯频繁停运",
        "2栋电梯这周已经停了三次，老人上下楼很困难。",
        "彻底检修电梯，告知检修结果。",
        ("吴大爷", "13987654321", "2栋1单元1801"),
        investigation="电梯门机系统故障，配件待厂家到货。",
        solution="维保单位更换门机板，到货前每日巡检。",
        staff="ch-gc.1",
    ),
    Case(
        d(0, 3),
        Channel.HOTLINE,
        Category.FACILITIES,
        "JG",
        "GC",
        IN_PROGRESS,
        "电梯困人",
        "9栋电梯卡在12楼和13楼之间，里面有两个人，已经十分钟了。",
        "马上救人！",
        ("何女士", "13812341234", "9栋1单元1205"),
        severity=Severity.URGENT,
        contacted_after=timedelta(minutes=3),
        investigation="电梯安全回路故障，困人两名。",
        solution="工程部与维保单位到场放人，停梯检修。",
    ),
    Case(
        d(4),
        Channel.WALK_IN,
        Category.ATTITUDE,
        "BJM",
        "KF",
        IN_PROGRESS,
        "客服前台推诿",
        "去前台办装修手续，前台说不归她管，让我找别人，来回跑了三趟。",
        "明确办理流程，一次告知。",
        ("马先生", "13698765432", "4栋2单元301"),
        investigation="前台未落实首问责任制。",
        solution="客服主管当面致歉并当场办理，前台重新培训首问责任制。",
        contacted_after=None,
        staff="bjm-kf.1",
    ),
    Case(
        d(15),
        Channel.OPINION_CARD,
        Category.SKILL,
        "CH",
        "GC",
        IN_PROGRESS,
        "维修工不会修热水器",
        "师傅来修热水器，弄了两个小时说修不了，还把面板弄坏了。",
        "换有经验的师傅，赔偿面板。",
        LI,
        investigation="维修工未经燃气热水器培训。",
        solution="安排持证师傅上门，面板按价赔偿。",
        staff="ch-gc.1",
    ),
    # --- the department signed for the letter ---------------------------------------------
    Case(
        d(2),
        Channel.EMAIL,
        Category.SECURITY,
        "JG",
        "AB",
        ACKNOWLEDGED,
        "外来人员随意进出",
        "最近经常有发传单的人进楼，门岗不登记就放进来。",
        "加强门岗登记管理。",
        ("郑女士", "13545678901", "3栋1单元402"),
        extra={"email": "zheng.jg@example.com"},
    ),
    Case(
        d(0, 1),
        Channel.WECHAT,
        Category.GREENING,
        "CH",
        "LH",
        ACKNOWLEDGED,
        "草坪打药没有告示",
        "今天早上草坪喷药，没有提前告知，孩子在草地上玩。",
        "喷药前张贴告示并设警示牌。",
        ("冯女士", "13456789012", "10栋2单元602"),
    ),
    # --- contact letter sent, not yet signed for ------------------------------------------
    Case(
        d(5),
        Channel.SUGGESTION_BOX,
        Category.EFFICIENCY,
        "BJM",
        "KF",
        ROUTED,
        "快递柜长期故障",
        "小区快递柜有一半格口打不开，反映过几次都没修。",
        "尽快联系快递柜公司维修。",
        ("匿名业主", "", "滨江名苑南门"),
        contacted_after=None,
    ),
    Case(
        d(0, 2),
        Channel.HOTLINE,
        Category.ENVIRONMENT,
        "JG",
        "BJ",
        ROUTED,
        "楼道堆放杂物",
        "6栋楼道堆满了旧家具，消防通道都堵住了。",
        "清理楼道杂物。",
        ("周阿姨", "13433334444", "6栋1单元101"),
    ),
    Case(
        d(9),
        Channel.API,
        Category.CHARGES,
        "CH",
        "KF",
        ROUTED,
        "停车费上涨未公示",
        "临时停车费从5元涨到8元，没有看到任何公示。",
        "出示调价依据，公示前按原价收费。",
        ("谢先生", "13367890123", "1栋1单元501"),
        contacted_after=None,
    ),
    # --- major: routed to the department and escalated ------------------------------------
    Case(
        d(7),
        Channel.REPORT_HOTLINE,
        Category.SECURITY,
        "BJM",
        "AB",
        ROUTED,
        "地下车库车辆被盗",
        "我停在地下车库的车被盗了，车库监控说坏了一个月，保安也没巡逻。",
        "调取所有监控配合报警，说明监控损坏原因，赔偿损失。",
        ("韩先生", "13278901234", "7栋1单元1601"),
        severity=Severity.MAJOR,
        contacted_after=timedelta(minutes=25),
    ),
    # --- registered, validity not yet judged -----------------------------------------------
    Case(
        d(0, 0.2),
        Channel.HOTLINE,
        Category.SECURITY,
        "CH",
        "AB",
        REGISTERED,
        "楼上高空抛物",
        "刚才有人从楼上扔下一个啤酒瓶，差点砸到人。",
        "查找抛物住户，加装监控。",
        ZHAO,
        severity=Severity.URGENT,
        contacted_after=None,
    ),
    Case(
        d(0, 0.1),
        Channel.WEB_FORM,
        Category.OTHER,
        "JG",
        "KF",
        REGISTERED,
        "小区公告栏信息过期",
        "公告栏里还是去年的通知，新的停水通知都没贴。",
        "及时更新公告。",
        ("许同学", "13189012345", "2栋1单元202"),
        contacted_after=None,
    ),
    Case(
        d(2, 4),
        Channel.WECHAT,
        Category.FACILITIES,
        "BJM",
        "GC",
        REGISTERED,
        "儿童游乐设施损坏",
        "游乐场滑梯有一块板松动了，孩子玩很危险。",
        "尽快维修，维修前围挡。",
        ("曹女士", "13090123456", "3栋2单元1102"),
        contacted_after=None,
    ),
    # --- not established -------------------------------------------------------------------
    Case(
        d(35),
        Channel.HOTLINE,
        Category.CHARGES,
        "CH",
        "KF",
        NOT_ESTABLISHED,
        "要求免收电梯费",
        "我住一楼从来不用电梯，凭什么要交电梯费。",
        "免收电梯运行费。",
        ("邓先生", "13801230123", "4栋1单元102"),
        explanation="电梯运行费按业主大会通过的收费方案由全体业主分摊，已向您说明依据，"
        "如有异议可向业主委员会提出。",
    ),
    Case(
        d(18),
        Channel.WEB_FORM,
        Category.SECURITY,
        "JG",
        "AB",
        NOT_ESTABLISHED,
        "保安夜间睡岗",
        "昨晚两点看到门岗没人。",
        "处理睡岗保安。",
        ("萧先生", "13912340000", "8栋2单元1001"),
        explanation="经调取当晚监控，门岗保安当时在执行夜间巡逻，岗亭由巡逻岗替岗，"
        "不存在睡岗情况，感谢您的监督。",
    ),
    # --- repeats: the same customer again, the same address again -------------------------
    Case(
        d(28),
        Channel.HOTLINE,
        Category.SECURITY,
        "CH",
        "AB",
        CLOSED,
        "夜间噪音再次扰民",
        "楼下商铺又在深夜装卸货，跟上次一样。",
        "按上次承诺严格管理。",
        SONG,
        investigation="新换的供货商不知道夜间作业规定。",
        solution="重新告知商铺及其供货商，违规一次通报业委会。",
        resolution="已约谈商铺及供货商，一周内无再犯。",
        feedback="希望不要再有第三次。",
        staff="ch-ab.1",
    ),
    Case(
        d(10),
        Channel.WECHAT,
        Category.FACILITIES,
        "CH",
        "GC",
        IN_PROGRESS,
        "热水器面板仍未赔偿",
        "上次维修弄坏的热水器面板到现在还没赔偿。",
        "尽快赔偿。",
        LI,
        investigation="赔偿审批流程未走完。",
        solution="工程部经理跟进审批，三天内赔付。",
        staff="ch-gc.1",
    ),
    Case(
        d(8),
        Channel.WALK_IN,
        Category.SECURITY,
        "CH",
        "AB",
        CLOSED,
        "家门口监控探头坏了",
        "我家门口的楼道监控坏了，上次报修了没人理。",
        "修好监控。",
        ("王太太", "13800990099", "3栋2单元1201"),
        investigation="探头电源适配器损坏。",
        solution="更换适配器并纳入月度巡检。",
        resolution="监控已恢复，画面清晰。",
        feedback="好了，谢谢。",
        staff="staff",
    ),
]


def load_demo_complaints(*, stdout=None) -> int:
    """Create the demo complaints for the demo company; returns how many were made (0 when
    the company is missing or already has complaints)."""
    company = Company.objects.filter(name=COMPANY_NAME).first()
    if company is None or Complaint.objects.filter(company=company).exists():
        return 0
    made: list[Complaint] = []
    with transaction.atomic():
        _in_time_order([_story(company, case, made) for case in CASES])
    result = sweep(now())
    if stdout is not None:
        stdout.write(f"demo: {len(made)} complaints; sweep: {dict(result.counts)}")
    return len(made)


def _people(usernames) -> dict[str, Person]:
    return {p.username: p for p in Person.objects.filter(username__in=usernames)}


def _schedule(case: Case) -> dict[str, timedelta]:
    """When each step of `case` is taken, after receipt; squeezed in proportion into the
    case's age when the case is younger than its schedule."""
    contact = case.contacted_after
    steps = dict(STEPS)
    steps["contact"] = max(contact, steps["route"]) if contact is not None else steps["route"]
    steps["acknowledge"] = max(steps["route"], steps["contact"]) + STEPS["acknowledge"]
    steps["assign"] = steps["acknowledge"] + STEPS["assign"]
    last = {
        REGISTERED: "register",
        NOT_ESTABLISHED: "register",
        ROUTED: "contact",
        ACKNOWLEDGED: "acknowledge",
        IN_PROGRESS: "assign",
        RESOLVED: "resolve",
        REOPENED: "callback",
        CALLED_BACK: "callback",
        CLOSED: "rate" if case.rating else "close",
    }[case.state]
    span = max(steps[last], steps["contact"] if case.state != REGISTERED else steps["register"])
    room = case.ago * SQUEEZE_INTO
    if span > room:
        steps = {name: offset * (room / span) for name, offset in steps.items()}
    return steps


def _story(company, case: Case, made: list[Complaint]) -> Iterator[datetime]:
    """The steps of one case: yields the time of its next step, which `_in_time_order`
    takes with the clock pinned at that time; the complaint goes into `made`."""
    units = {u.code: u for u in Unit.objects.filter(company=company)}
    estate = units[case.estate]
    head_name = HEADS[case.department]
    handler_name = HANDLERS.get(case.department, head_name).format(estate=case.estate.lower())
    account = CUSTOMER_ACCOUNTS.get(case.customer[0], "-")
    people = _people(["registrar", "desk", head_name, handler_name, case.staff or "-", account])
    # 徐娜 registers the cases of 翠湖花园; the service desk the others; web form and API
    # cases arrive without a registrar and the desk takes them on.
    desk = people["desk"]
    registrar = people["registrar"] if case.estate == "CH" else desk
    self_service = case.channel in (Channel.WEB_FORM, Channel.API)
    head, handler = people[head_name], people[handler_name]
    at = now() - case.ago
    steps = {name: at + offset for name, offset in _schedule(case).items()}
    name, phone, room = case.customer
    address = (
        room if room.startswith(ESTATE_NAMES[case.estate]) else ESTATE_NAMES[case.estate] + room
    )
    # A web form or an API call is registered the moment it arrives.
    yield at if self_service else steps["register"]
    complaint = services.complaint_register(
        company=company,
        channel=case.channel,
        category=case.category,
        severity=case.severity,
        title=case.title,
        content=case.content,
        request=case.request,
        customer_name=name,
        customer_phone=phone,
        customer_email=case.extra.get("email", ""),
        customer_address=address,
        location=estate,
        received_at=at,
        registered_by=None if self_service else registrar,
        staff_involved=people.get(case.staff),
        customer=people.get(account),
    )
    # CMP-8: the worker's topic check, done at once so the demo shows its repeat topics.
    repeats.topic_assign(complaint_id=complaint.pk)
    made.append(complaint)
    actor = registrar if not self_service else desk
    if case.state == REGISTERED:
        return
    yield steps["route"]
    if case.state == NOT_ESTABLISHED:
        services.complaint_judge_not_established(
            complaint=complaint, actor=actor, explanation=case.explanation
        )
        return
    letter = services.complaint_route(
        complaint=complaint,
        actor=actor,
        department=units[case.department],
        head=head,
        request=f"请于30分钟内联系客户，调查核实后制定解决方案：{case.request}",
    )
    if case.contacted_after is not None:
        yield steps["contact"]
        services.complaint_record_contact(
            complaint=complaint,
            actor=head,
            at=steps["contact"],
            on_site=case.severity == Severity.URGENT,
        )
    target = RESOLVED if case.state == REOPENED else case.state
    if _reached(target, ACKNOWLEDGED):
        yield steps["acknowledge"]
        services.letter_acknowledge(letter=letter, actor=head)
    if _reached(target, IN_PROGRESS):
        yield steps["assign"]
        services.complaint_assign(
            complaint=complaint,
            actor=head,
            handler=handler,
            investigation=case.investigation,
            solution=case.solution,
        )
    if _reached(target, RESOLVED):
        yield steps["resolve"]
        services.complaint_resolve(
            complaint=complaint,
            actor=handler,
            resolution=case.resolution,
            customer_reply=f"您好，您反映的问题已处理：{case.resolution}感谢您的监督。",
        )
    if case.state == REOPENED or _reached(target, CALLED_BACK):
        yield steps["callback"]
        services.complaint_callback(
            complaint=complaint,
            actor=actor,
            reached=True,
            confirmed=case.state != REOPENED,
            satisfaction=case.satisfaction,
            feedback=case.feedback,
        )
    if _reached(target, CLOSED):
        yield steps["close"]
        services.complaint_close(
            complaint=complaint,
            actor=actor,
            final_result=f"{case.resolution}客户已确认处理结果。",
            evaluation="处理及时，措施落实到位。"
            if case.rating != 3
            else "处理结果可接受，服务礼仪需持续改进。",
        )
        if case.rating:
            yield steps["rate"]
            services.complaint_customer_rate(complaint=complaint, rating=case.rating)


def _in_time_order(stories: list[Iterator[datetime]]) -> None:
    """Take the steps of all the cases in the order of their times, each with the clock
    pinned at its time (issue 8 item 6): every event, time limit and notice carries the
    time its step was taken, and the timeline runs in time order, one case's steps between
    another's, as they would have happened."""
    queue = [(next(story), index, story) for index, story in enumerate(stories)]
    heapq.heapify(queue)
    while queue:
        moment, index, story = heapq.heappop(queue)
        with clock_pinned(moment):
            following = next(story, None)
        if following is not None:
            heapq.heappush(queue, (following, index, story))


def _reached(target: str, step: str) -> bool:
    return ORDER.index(target) >= ORDER.index(step)
