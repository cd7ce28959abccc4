"""The demo organisation: one hall with counters of every kind, staff of every role,
customers of every VIP tier. All names and numbers are invented."""

from __future__ import annotations

import random
import re
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from servicehall.cases import bill_shock, sla
from servicehall.cases import services as cases
from servicehall.cases.models import Case
from servicehall.catalog import importer
from servicehall.catalog.models import Product
from servicehall.complaints import appeals, compensation, upgrades
from servicehall.complaints import services as complaint_services
from servicehall.complaints.models import (
    Appeal,
    CompensationOffer,
    ComplaintRecord,
    SubscriptionEvidence,
)
from servicehall.complaints.subscriptions.services import import_evidence
from servicehall.core.db import write_transaction
from servicehall.core.models import SmsMessage
from servicehall.customers import crm
from servicehall.customers import services as customer_services
from servicehall.customers.models import TIER_ZH, Bill, Customer, PhoneNumber, Tier
from servicehall.hotline.models import Call as HotlineCall
from servicehall.knowledge import chat
from servicehall.knowledge import services as kb
from servicehall.knowledge.models import Article
from servicehall.org.models import (
    BusinessCategory,
    Counter,
    Desk,
    Hall,
    OpeningHours,
    Region,
    ServiceType,
    StaffProfile,
)
from servicehall.org.roles import assign_role
from servicehall.queueing import booking
from servicehall.queueing import services as queue
from servicehall.queueing.models import QueuePolicy, Ticket
from servicehall.reports.models import QueueDay
from servicehall.retention import services as retention
from servicehall.retention.models import RetentionAttempt, RetentionRecord
from servicehall.surveys import services as surveys
from servicehall.surveys.models import Survey

DEMO_PASSWORD = "demo-2026"
HALL_CODE = "chengdong"

STAFF = [  # username, full name, employee no, role
    ("wangfang", "王芳", "CD1001", "clerk"),
    ("liqiang", "李强", "CD1002", "clerk"),
    ("zhaomin", "赵敏", "CD1003", "vip_clerk"),
    ("sunli", "孙丽", "CD1004", "complaint_desk"),
    ("zhoujie", "周杰", "CD1005", "care_desk"),
    ("wuhao", "吴昊", "CD1006", "account_manager"),
    ("chenjing", "陈静", "CD1007", "hall_manager"),
    ("liuyang", "刘洋", "CD1009", "area_manager"),  # every hall of the area (spans_halls)
    ("zhengyu", "郑宇", "CD1008", "quality_supervisor"),
    ("gaofeng", "高峰", "CD2001", "clerk"),  # the fault desk (障碍处理台)
    ("admin", "系统管理员", "CD0001", "administrator"),
    ("kiosk", "大厅取号机", "CD9001", "device"),
    ("pingjia1", "1号窗口评价器", "CD9003", "device"),  # the rating tablet at /rate/<counter id>/
    ("online", "网上营业厅接入", "CD9002", "channel"),
]

DESKS = [  # code, Chinese, English, in the hall?, lead, members
    ("front", "综合受理台", "Front desk", True, "chenjing", ["wangfang", "liqiang", "zhaomin"]),
    ("fault", "障碍处理台", "Fault desk", False, "gaofeng", ["gaofeng"]),
    ("complaint", "投诉专席", "Complaint desk", True, "sunli", ["sunli"]),
    ("care", "客户关怀专席", "Care desk", True, "zhoujie", ["zhoujie"]),
]

COUNTERS = [  # number, name, kind, service type codes, vip_only
    (1, "1号窗口", Counter.Kind.STANDARD, ["business", "payment", "consult"], False),
    (2, "2号窗口", Counter.Kind.STANDARD, ["business", "sales"], False),
    (3, "3号窗口", Counter.Kind.STANDARD, ["payment", "consult"], False),
    (4, "4号VIP专席", Counter.Kind.VIP, ["business", "payment", "consult", "sales", "vip"], False),
    (5, "5号投诉受理", Counter.Kind.STANDARD, ["complaint", "consult"], False),
    (6, "安静咨询室", Counter.Kind.QUIET, ["complaint"], False),
]

SURNAMES = "张王李赵刘陈杨黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "涛",
    "明",
    "超",
    "秀兰",
    "霞",
    "平",
    "刚",
    "桂英",
    "建华",
    "晓东",
    "思远",
    "雨桐",
    "子涵",
    "浩然",
    "梓萱",
]
# The demo catalogue (M1) in the import format (catalog/importer.py): invented plan names, prices
# and allowances of the kind sold in 2026. The smart-terminal offers carry the manual's figures.
CATALOGUE_CSV = """\
产品,类型,档位,月费,流量MB,通话分钟,短信,流量超出(元/MB),通话超出(元/分钟),短信超出(元/条),合约期(月),适用客户,上架日期,下架日期,优惠名称,每月返还(元),返还月数,赠费总额(元),每月主叫次数,首次预存(元),预存时限(小时),带宽(Mbps),有效期(小时),子业务
乐享青春卡,主套餐,19元档,19,3072,30,0,0.0050,0.15,0.10,,,2026-01-01,,,,,,,,,,,
乐享青春卡,主套餐,29元档,29,15360,50,0,0.0050,0.15,0.10,,,2026-01-01,,,,,,,,,,,
畅享5G,主套餐,39元档,39,10240,100,0,0.0050,0.15,0.10,,,2026-01-01,,,,,,,,,,,
畅享5G,主套餐,59元档,59,30720,200,50,0.0050,0.15,0.10,,,2026-01-01,,,,,,,,,,,
畅享5G,主套餐,79元档,79,40960,300,100,0.0050,0.15,0.10,,,2026-01-01,,,,,,,,,,,
畅享5G,主套餐,99元档,99,61440,500,100,0.0050,0.15,0.10,,,2026-01-01,,,,,,,,,,,
畅享5G,主套餐,129元档,129,81920,800,200,0.0050,0.15,0.10,,,2026-01-01,,,,,,,,,,,
畅享5G,主套餐,169元档,169,102400,1200,200,0.0050,0.15,0.10,,,2026-01-01,,,,,,,,,,,
畅享5G,主套餐,239元档,239,153600,2000,300,0.0050,0.15,0.10,,,2026-01-01,,,,,,,,,,,
智享合约,营销活动,96元档,96,40960,500,100,0.0050,0.15,0.10,24,,2026-01-01,,智能终端优惠,33,24,792,3,200,48,,,
智享合约,营销活动,126元档,126,61440,800,200,0.0050,0.15,0.10,24,,2026-01-01,,智能终端优惠,50,24,1200,3,200,48,,,
智享合约,营销活动,186元档,186,102400,1500,300,0.0050,0.15,0.10,24,,2026-01-01,,智能终端优惠,70,24,1680,3,200,48,,,
政企尊享,主套餐,48元档,48,30720,500,100,0.0050,0.12,0.10,,集团,2026-01-01,,,,,,,,,,,
政企尊享,主套餐,68元档,68,61440,1000,200,0.0050,0.12,0.10,,集团,2026-01-01,,,,,,,,,,,
家庭融合,主套餐,149元档,149,102400,1000,200,0.0050,0.15,0.10,12,家庭,2026-01-01,,,,,,,,,,,
畅享4G经典,主套餐,58元档,58,20480,300,100,0.0050,0.15,0.10,,,2024-01-01,2026-01-01,,,,,,,,,,
流量加油包,流量包,10元1GB,10,1024,,,,,,,,2026-01-01,,,,,,,,,,720,
流量加油包,流量包,20元3GB,20,3072,,,,,,,,2026-01-01,,,,,,,,,,720,
流量加油包,流量包,30元5GB,30,5120,,,,,,,,2026-01-01,,,,,,,,,,720,
悦听彩铃,增值业务,月包,5,,,,,,,,,2026-01-01,,,,,,,,,,720,月包
悦听彩铃,增值业务,年包,50,,,,,,,,,2026-01-01,,,,,,,,,,8640,年包
家庭宽带,宽带,300M档,50,,,,,,,12,,2026-01-01,,,,,,,,,300,,
家庭宽带,宽带,1000M档,100,,,,,,,12,,2026-01-01,,,,,,,,,1000,,
"""

# Lines with a story at the counter (index: minutes, MB, paid calls a month, the bills they pay,
# the plan billed): bills that add up for the plan and the use.
USAGE_STORIES = {
    # an old 4G plan and heavy use: 58 + 200 min × 0.15 + 16 GB × 5 元 ≈ 168 → 智享合约 96元档,
    # 63 a month with the credit
    20: (500, 36864, 40, ("168.00", "165.50", "171.20"), "畅享4G经典 58元档"),
    17: (60, 2048, 10, ("129.00", "129.00", "131.40"), "畅享5G 129元档"),  # light use → 39元档
    13: (600, 51200, 60, ("188.00", "192.30", "186.00"), "畅享5G 169元档"),  # group → 政企尊享
    1: (1800, 143360, 90, ("239.00", "239.00", "239.00"), "畅享5G 239元档"),  # right already
}

TIERS = (
    [Tier.SUPREME] * 2 + [Tier.DIAMOND] * 3 + [Tier.GOLD] * 5 + [Tier.SILVER] * 6 + [Tier.NONE] * 24
)


def id_number(rng: random.Random, birth: date) -> str:
    """An 18-digit resident ID of the right shape with a valid check digit (GB 11643),
    for an invented district code — never a real person's."""
    body = f"990101{birth:%Y%m%d}{rng.randint(0, 999):03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
    return body + check


def demo_phone(i: int) -> str:
    return f"1390000{i:04d}"


@write_transaction()
def load_demo(history_days: int | None = None) -> bool:
    """Create what is missing of the demo organisation; returns False when it is all there.
    `history_days`: the days of queue and cases before today the reports show (default
    REPORT_HISTORY_DAYS; 0: none, as most browser tests want — it takes seconds)."""
    created = False
    if not Region.objects.exists():
        _regions()
        created = True
    if not Hall.objects.filter(code=HALL_CODE).exists():
        _hall_and_customers()
        created = True
    if not Desk.objects.exists():
        _desks_and_cases(Hall.objects.get(code=HALL_CODE))
        _case_attachments()
        created = True
    if not Product.objects.exists():
        _catalogue_and_usage()
        created = True
    if not Article.objects.exists():
        _knowledge()
        created = True
    if not Appeal.objects.exists():
        _appeals()
        created = True
    if not ComplaintRecord.objects.exists():
        _complaint_stages()
        created = True
    if not SubscriptionEvidence.objects.exists():
        _subscription_dispute()
        created = True
    hall = Hall.objects.get(code=HALL_CODE)
    if not CompensationOffer.objects.exists():
        _complaints_demo(hall)
        created = True
    if not hall.opening_hours.exists():
        _opening_hours(hall)
        created = True
    if not Case.objects.filter(number__startswith=HISTORY_PREFIX).exists():
        _contact_history()
        created = True
    if not Customer.objects.exclude(customer_no="").exists():
        _customer_profiles()
    if not RetentionRecord.objects.exists():
        _retention_demo()
        created = True
    days = REPORT_HISTORY_DAYS if history_days is None else history_days
    if days and not QueueDay.objects.exists():
        _report_history(hall, days)
        created = True
    if days and not HotlineCall.objects.exists():
        _hotline_history(min(days, HOTLINE_HISTORY_DAYS))
        created = True
    return created


REPORT_HISTORY_DAYS = 35
HOTLINE_HISTORY_DAYS = 14


def _hotline_history(days: int) -> None:
    """The area hotline's last two weeks (S2, L6), simulated and imported as a call log would
    be (hotline/history.py), so its dashboard has days to show."""
    from servicehall.hotline import history

    history.write_days(timezone.localdate() - timedelta(days=days), days)


def _report_history(hall: Hall, days: int) -> None:
    """The demo hall's last five weeks of queue and cases (S2), so the reports, the 18:00 report
    and the monthly report have days to show, and quality has last month's tickets and cases
    to sample and the appraisal to count (S3); then the rollups built from them. No complaints
    among them: the demo's complaints are the complaint desk's own (COMPLAINTS)."""
    from servicehall.reports import documents, history, rollup
    from servicehall.reports.models import ReportDocument

    users = get_user_model().objects.in_bulk(
        ["wangfang", "liqiang", "zhaomin", "zhoujie"], field_name="username"
    )
    cast = history.hall_staff(
        hall,
        [users["wangfang"], users["liqiang"], users["zhaomin"]],
        users["zhoujie"],
        Desk.objects.filter(code="front").first(),
    )
    today = timezone.localdate()
    start = today - timedelta(days=days)
    history.write_days(
        [cast],
        start,
        days,
        tickets_per_day=260,
        cases_per_day=5,
        case_kinds=(("consultation", 0.6), ("fault", 0.4)),
    )
    rollup.rebuild_range(start, today)
    rollup.catch_up()
    # the hall manager's work mobile, where the reports are texted; yesterday's 18:00 report
    # and last month's report, as the jobs made them
    StaffProfile.objects.filter(user__username="chenjing").update(mobile="13700001001")
    yesterday = today - timedelta(days=1)
    documents.produce(hall, ReportDocument.Kind.DAILY, yesterday, yesterday)
    last_month = today.replace(day=1) - timedelta(days=1)
    documents.produce(hall, ReportDocument.Kind.MONTHLY, last_month.replace(day=1), last_month)


def _complaint_stages() -> None:
    """P1 at the complaint desk (孙丽): a complaint accepted (倾听 询问 安抚 确认) and being
    understood and clarified, responsibility with an agent; and a grumble settled on the spot
    (not counted as a complaint)."""
    sunli = get_user_model().objects.get(username="sunli")
    complaint = cases.open_case(
        sunli,
        kind="complaint",
        channel="walk_in",
        category="order-change",
        hall=HALL_CODE,
        phone=demo_phone(14),
        subject="代理点办卡时未告知合约期",
        description="客户称上月在星河通讯代理点办理融合套餐时，营业员未告知24个月合约期，"
        "现在想改小套餐被告知需付违约金。",
    )
    complaint = cases.act(
        sunli,
        complaint.pk,
        "accept",
        version=complaint.version,
        steps=["listen", "ask", "calm", "confirm"],
        words="办的时候根本没人跟我说有合约期，现在改个套餐还要违约金，这不是坑人吗？",
        request="免除违约金，改为59元套餐",
    )[0]
    complaint_services.set_responsibility(
        sunli,
        complaint.pk,
        version=complaint.version,
        responsible="partner",
        name="星河通讯代理点（城东路）",
    )
    grumble = cases.open_case(
        sunli,
        kind="complaint",
        channel="walk_in",
        category="bill-pay",
        hall=HALL_CODE,
        phone=demo_phone(9),
        subject="月初排队时间长",
        description="客户抱怨月初缴费排队等了二十多分钟。",
    )
    cases.act(
        sunli,
        grumble.pk,
        "settle_grumble",
        version=grumble.version,
        resolution="解释月初为缴费高峰，已演示自助缴费机和手机营业厅缴费，客户表示理解。",
    )


# --- subscription disputes (P4): the 09:25 customer -------------------------------------------
SP_LINE = "13900000925"  # invented: the 09:25 customer's line
SP_OTHER = "13700004417"  # invented: the number the "confirmation" came from


def _subscription_dispute() -> None:
    """The 09:25 customer (A day in the hall): 林晓 disputes a 10-yuan-a-month value-added
    service, 悦听音乐会员 (SP 918830, invented). The platform's evidence has the order and its
    confirmation request to her line, three monthly charges and the content sent down — but the
    "confirmation" came from another number. Her complaint waits at the complaint desk (孙丽),
    where 核查定制关系 finds it unauthorised: 30 yuan charged, 60 refunded. Her last bill, 318 yuan,
    is more than five times the three before (L3): the bill import opened a contact for her."""
    sunli = get_user_model().objects.get(username="sunli")
    customer = Customer.objects.create(name="林晓", id_number="110105199203150926", tier=Tier.NONE)
    PhoneNumber.objects.create(customer=customer, number=SP_LINE, is_primary=True)
    today = timezone.localdate()
    months = [(today.replace(day=1) - timedelta(days=31 * k)).replace(day=1) for k in (3, 2, 1)]
    first = months[0]
    sp, svc, code, name = "918830", "YTMUSIC10", "10668830", "悦听音乐会员"
    rows = [
        f"订购,{SP_LINE},{sp},{svc},{name},{first:%Y-%m}-02 21:14:08,{SP_LINE},{code},,",
        f"确认请求,{SP_LINE},{sp},{svc},{name},{first:%Y-%m}-02 21:14:11,{code},{SP_LINE},,",
        f"确认,{SP_LINE},{sp},{svc},{name},{first:%Y-%m}-02 21:15:40,{SP_OTHER},{code},,",
    ]
    for m in months:
        rows.append(
            f"扣费,{SP_LINE},{sp},{svc},{name},{m:%Y-%m}-03 00:12:00,{code},{SP_LINE},10.00,"
            f"{m:%Y-%m}"
        )
        rows.append(f"下发,{SP_LINE},{sp},{svc},{name},{m:%Y-%m}-08 12:00:00,{code},{SP_LINE},,")
    text = "类型,号码,SP代码,业务代码,业务名称,时间,发送方,接收方,金额,计费周期\n"
    import_evidence(sunli, (text + "\n".join(rows) + "\n").encode(), "演示核查证据.csv")
    # Her bills (L3): about 58 yuan a month, then last month's five times that — imported by
    # the care desk through the bill import, which opens the bill-shock contact for her line.
    bill_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    history = [bill_month]
    for _ in range(3):
        history.insert(0, (history[0] - timedelta(days=1)).replace(day=1))
    history = history[:3]
    Bill.objects.bulk_create(
        Bill(number=SP_LINE, customer=customer, month=m, amount=amount, plan="畅享5G 58元档")
        for m, amount in zip(history, ("58.00", "61.50", "58.00"), strict=True)
    )
    bill_shock.import_bills(
        get_user_model().objects.get(username="zhoujie"),
        f"号码,月份,金额\n{SP_LINE},{bill_month:%Y-%m},318.00\n".encode(),
        "演示账单.csv",
    )
    cases.open_case(
        sunli,
        kind="complaint",
        channel="walk_in",
        category="complaint",
        hall=HALL_CODE,
        desk="complaint",
        customer_id=customer.pk,
        subject="不认可每月10元的增值业务扣费",
        description="客户称从未订购“悦听音乐会员”，近三个月每月被扣10元，"
        "情绪激动，要求全额退费并追究责任。",
    )


def _opening_hours(hall: Hall) -> None:
    """08:30–18:00 every day of the week, 09:00–17:00 on public holidays; a notice line."""
    for day in range(7):
        OpeningHours.objects.create(hall=hall, weekday=day, opens=time(8, 30), closes=time(18))
    OpeningHours.objects.create(
        hall=hall, weekday=OpeningHours.HOLIDAY, opens=time(9), closes=time(17)
    )
    Hall.objects.filter(pk=hall.pk).update(
        notice="营业时间 08:30–18:00，法定节假日 09:00–17:00。请保管好您的号票。"
    )


def open_for_demo(now=None) -> str:
    """Apply the opening hours once; when they have the demo hall closed (a demo started in
    the evening), open ticketing as the hall manager's override, so whoever tries the demo can
    take a number at once. The override holds until the next opening or closing time, as any
    manager's would; after that the schedule rules (the board shows which)."""
    from servicehall.org import hours
    from servicehall.queueing import services as queue

    now = now or timezone.now()
    queue.apply_opening_hours(now)
    hall = Hall.objects.get(code=HALL_CODE)
    sched = hours.schedule(hall)
    change = sched.next_change(now)
    when = timezone.localtime(change).strftime("%m-%d %H:%M") if change else "—"
    if hall.is_open and sched.is_open_at(now):
        return f"营业中，按营业时间 {when} 停止取号 / open by its hours; ticketing stops at {when}"
    if hall.is_open:
        return (
            f"现在不在营业时间：取号已由经理手动开放，至 {when} 恢复按营业时间 / outside "
            f"opening hours: ticketing is open by the manager's override until {when}"
        )
    queue.set_hall_open(get_user_model().objects.get(username="chenjing"), hall, True)
    return (
        f"现在不在营业时间：演示以营业厅经理陈静的身份手动开放取号，至 {when} 恢复按营业时间 / "
        f"outside opening hours: the demo opened ticketing as the hall manager's override, "
        f"which holds until {when}"
    )


# What the assistant (K2) tells customers about the demo products: names they use, and how to
# open and cancel each (our own wording).
CATALOGUE_TEXTS = {
    "畅享5G": (
        ["5G畅享套餐", "畅享套餐", "5G套餐"],
        "5G主套餐，含国内通用流量和通话；超出后流量0.005元/MB、通话0.15元/分钟。",
        "营业厅、中国移动App或发送短信“KTCX+月费”（如KTCX59）至10086办理，次月生效。",
        "主套餐不能直接取消，可在营业厅或App变更为其他套餐，次月生效。",
    ),
    "乐享青春卡": (
        ["青春卡", "学生卡"],
        "面向25周岁以下客户的入门套餐，流量多、月费低。",
        "凭本人身份证到营业厅办理，新入网或转入均可。",
        "可到营业厅变更为其他主套餐，次月生效。",
    ),
    "智享合约": (
        ["合约机", "智能终端合约", "购机合约"],
        "购机送费：月费96/126/186元，24个月每月返还33/50/70元，需每月用合约手机主叫3次以上。",
        "到营业厅选购合约手机办理，48小时内首次预存200元。",
        "合约期内不能取消；提前解约须补交已返还的话费。",
    ),
    "流量加油包": (
        ["加油包", "流量包"],
        "当月有效的国内通用流量：10元1GB、20元3GB、30元5GB，可叠加订购。",
        "发送短信“JYB+金额”（如JYB10）至10086，或在中国移动App订购，立即生效。",
        "当月有效，月底自动失效，无需取消。",
    ),
    "悦听彩铃": (
        ["彩铃", "来电音乐", "炫铃"],
        "来电时主叫方听到您设置的音乐或祝福语，曲库在中国移动App中选择。",
        "发送短信“CL”至10086开通月包，“CLN”开通年包；或在中国移动App订购。",
        "发送短信“QXCL”至10086，或在中国移动App“已订业务”中退订，次月生效。",
    ),
    "家庭宽带": (
        ["宽带", "光纤宽带", "家宽"],
        "光纤入户家庭宽带，300M或1000M，12个月起订，含光猫。",
        "携带身份证到营业厅或在中国移动App预约，装维人员48小时内上门安装。",
        "合约期满后到营业厅办理拆机，归还光猫；合约期内拆机须付违约金。",
    ),
}


def _catalogue_texts() -> None:
    from servicehall.catalog.models import Alias, TierText

    for name, (aliases, intro, how_to_open, how_to_cancel) in CATALOGUE_TEXTS.items():
        product = Product.objects.filter(name=name).first()
        if product is None:
            continue
        Alias.objects.bulk_create([Alias(product=product, name=a) for a in aliases])
        TierText.objects.bulk_create(
            TierText(tier=tier, attribute=attribute, value=value)
            for tier in product.tiers.all()
            for attribute, value in (
                ("业务简介", intro),
                ("开通方式", how_to_open),
                ("取消方式", how_to_cancel),
            )
        )


def _catalogue_and_usage() -> None:
    """The plan catalogue, and three months of bills with usage for every demo customer, so the
    workbench shows a recommendation (M2) for those it would save money."""
    importer.store(importer.parse(CATALOGUE_CSV.encode(), "catalogue.csv"))
    _catalogue_texts()
    today = timezone.localdate()
    first = today.replace(day=1)
    months = []
    for _ in range(3):
        first = (first - timedelta(days=1)).replace(day=1)
        months.insert(0, first)
    rng = random.Random(20261123)
    bills = []
    for phone in PhoneNumber.objects.filter(number__startswith="1390000").select_related(
        "customer"
    ):
        i = int(phone.number[-4:])
        if i in USAGE_STORIES:
            voice, data, calls, amounts, plan = USAGE_STORIES[i]
        else:
            voice, data, calls = rng.randint(30, 900), rng.randint(1, 90) * 1024, rng.randint(0, 50)
            base = rng.choice([59, 79, 99, 129, 169])
            amounts = [f"{base * rng.uniform(1.0, 1.5):.2f}" for _ in months]
            plan = f"畅享5G {base}元档"
        for month, amount in zip(months, amounts, strict=True):
            wobble = rng.uniform(0.85, 1.15)
            bills.append(
                Bill(
                    number=phone.number,
                    customer=phone.customer,
                    month=month,
                    amount=amount,
                    voice_minutes=int(voice * wobble) if i not in USAGE_STORIES else voice,
                    data_mb=int(data * wobble) if i not in USAGE_STORIES else data,
                    sms=rng.randint(0, 30),
                    paid_calls=calls,
                    plan=plan,
                )
            )
    Bill.objects.bulk_create(bills)


def _staff(hall: Hall) -> dict:
    User = get_user_model()
    users = {}
    for username, full_name, emp, role in STAFF:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_user(username, password=DEMO_PASSWORD)
            StaffProfile.objects.create(user=user, full_name=full_name, employee_no=emp, hall=hall)
            assign_role(user, role)
        users[username] = User.objects.get(pk=user.pk)
    return users


# --- places and the contacts of the last weeks (P5, E1)
# The province of the early warning's stream generator (incidents/stream.py): its districts are
# the demo's, so the history below and a generated file speak of the same places. 城东区 has
# grids; the demo hall stands in 和平网格.
PROVINCE = ("yunling", "云岭省")
CITIES = {"临江市": "linjiang", "云岭市": "yunlingshi"}
GRIDS = {  # district → (code, name, aliases)
    "城东区": [
        ("heping", "和平网格", "和平路"),
        ("binjiang", "滨江网格", "滨江"),
        ("donghu", "东湖网格", "东湖"),
    ],
}
DISTRICT_ALIASES = {"城东区": "城东 东区", "城西区": "城西 西区", "江北区": "江北"}
HALL_GRID = "linjiang-chengdong-heping"
HISTORY_PREFIX = "LS"  # the history's case numbers: never a workflow's prefix
HISTORY_DAYS = 28
HISTORY_PER_DAY = 60  # contacts a day over the province's twelve districts (城东区: about ten)


DISTRICT_CODES = {
    "城东区": "chengdong",
    "城西区": "chengxi",
    "江北区": "jiangbei",
    "高新区": "gaoxin",
    "滨湖区": "binhu",
    "青山县": "qingshan",
    "白沙县": "baisha",
    "中心区": "zhongxin",
    "南湖区": "nanhu",
    "石门县": "shimen",
    "桃源县": "taoyuan",
    "北山县": "beishan",
}


def _region_code(city: str, district: str) -> str:
    return f"{CITIES[city]}-{DISTRICT_CODES[district]}"


def _regions() -> None:
    from servicehall.incidents.stream import DISTRICTS

    province = Region.objects.create(
        code=PROVINCE[0], name=PROVINCE[1], level=Region.Level.PROVINCE
    )
    cities = {
        name: Region.objects.create(code=code, name=name, level=Region.Level.CITY, parent=province)
        for name, code in CITIES.items()
    }
    for path, _size, rural in DISTRICTS:
        city, name = path.split("/")
        district = Region.objects.create(
            code=_region_code(city, name),
            name=name,
            level=Region.Level.DISTRICT,
            parent=cities[city],
            rural=rural,
            aliases=DISTRICT_ALIASES.get(name, ""),
        )
        for code, grid, aliases in GRIDS.get(name, ()):
            Region.objects.create(
                code=f"{district.code}-{code}",
                name=grid,
                level=Region.Level.GRID,
                parent=district,
                aliases=aliases,
            )
    Hall.objects.filter(code=HALL_CODE).update(region=Region.objects.get(code=HALL_GRID))
    from servicehall.org import regions

    regions.forget()  # the tree this process remembers is the new one


def _contact_history() -> None:
    """Four weeks of the province's everyday contacts before today — faults and consultations
    by the hotline, closed —, from the stream generator's background: the baseline the early
    warning compares a district with. Written directly (history, not today's work): no events,
    no surveys, in no hall, so no list or report of today counts them."""
    from servicehall.incidents import stream

    owner = get_user_model().objects.get(username="gaofeng")  # the fault desk
    by_path = {
        f"{r.parent.name}/{r.name}": r
        for r in Region.objects.filter(level=Region.Level.DISTRICT).select_related("parent")
    }
    from servicehall.incidents.problems import terms

    categories = {c.code: c for c in BusinessCategory.objects.all()}
    network = {"信号": "mobile-network", "手机上网": "mobile-network", "短信": "mobile-network"}
    network |= {"宽带": "broadband-fault", "电视": "broadband-fault"}
    tz = timezone.get_current_timezone()
    start = datetime.combine(timezone.localdate() - timedelta(days=HISTORY_DAYS), time())
    rows = stream.background(start, HISTORY_DAYS, HISTORY_PER_DAY, random.Random(20261202))
    rows.sort(key=lambda r: r[0])
    batch = []
    for i, (at, path, text, _customer, _id) in enumerate(rows, start=1):
        when = timezone.make_aware(at, tz)
        category = next((network[t] for t in terms(text) if t in network), None)
        is_fault = category is not None
        batch.append(
            Case(
                number=f"{HISTORY_PREFIX}{at:%Y%m%d}{i:05d}",
                kind="fault" if is_fault else "consultation",
                status="closed" if is_fault else "answered",
                channel="hotline",
                category=categories[category or "other"],
                subject=text[:60],
                description=text,
                region=by_path[path],
                region_source="said",
                owner=owner,
                handler=owner,
                created_at=when,
                first_responded_at=when,
                resolution="已处理",
                resolved_at=when + timedelta(hours=2),
                closed_at=when + timedelta(hours=3),
            )
        )
    from servicehall.incidents.services import note_reports

    note_reports(Case.objects.bulk_create(batch, batch_size=500))


# where the demo customers live: (region code, the address up to the street)
HOMES = (
    ("linjiang-chengdong-heping", "临江市城东区和平路"),
    ("linjiang-chengdong-binjiang", "临江市城东区滨江大道"),
    ("linjiang-chengdong-donghu", "临江市城东区东湖路"),
    ("linjiang-chengxi", "临江市城西区西山路"),
    ("linjiang-qingshan", "临江市青山县青山镇人民路"),
)


def _hall_and_customers() -> None:
    hall = Hall.objects.create(
        code=HALL_CODE,
        name="城东营业厅",
        area="城东区",
        address="临江市城东区和平路88号",
        is_open=True,
        region=Region.objects.filter(code=HALL_GRID).first(),
    )
    QueuePolicy.objects.create(hall=hall)
    types = {st.code: st for st in ServiceType.objects.all()}
    for number, name, kind, codes, vip_only in COUNTERS:
        c = Counter.objects.create(
            hall=hall, number=number, name=name, kind=kind, vip_only=vip_only
        )
        c.service_types.set([types[code] for code in codes])
    _staff(hall)
    # the rating tablet beside 1号窗口 rates that counter only (the kiosk account is the spare)
    StaffProfile.objects.filter(user__username="pingjia1").update(
        counter=hall.counters.get(number=1)
    )
    rng = random.Random(20261122)
    for i, tier in enumerate(TIERS, start=1):
        name = SURNAMES[(i * 7) % len(SURNAMES)] + GIVEN[(i * 5) % len(GIVEN)]
        birth = date(1960, 1, 1) + timedelta(days=rng.randint(0, 40 * 365))
        group = (
            Customer.Group.ENTERPRISE
            if i % 13 == 0
            else Customer.Group.FAMILY
            if i % 5 == 0
            else Customer.Group.INDIVIDUAL
        )
        place = HOMES[i % len(HOMES)]
        customer = Customer.objects.create(
            name=name,
            id_number=id_number(rng, birth),
            tier=tier,
            group=group,
            address=f"{place[1]}{rng.randint(1, 200)}号{rng.randint(1, 30)}栋{rng.randint(101, 2806)}",
            region=Region.objects.filter(code=place[0]).first(),
        )
        PhoneNumber.objects.create(customer=customer, number=demo_phone(i), is_primary=True)
    _appointments(hall)


DEMO_SERVICE_PASSWORD = "604219"  # README: the demo customers' service password (C3)
CRM_HEADER = "客户编号,姓名,证件号码,客户类型,所属客户编号,星级,入网日期,月均消费,客户经理,地址,号码,账户,套餐,号码状态\n"


def _customer_profiles() -> None:
    """The CRM's first sync of the demo customers (V1, V4), through the importer itself: their
    customer numbers, since when they are customers, what they spend (their bills' average),
    their plans and accounts, the families and the enterprise with their members, the account
    manager of the high-value ones; then what the counter did since — an address corrected, a
    privilege used, consents given — so the customer page has a history."""
    admin = get_user_model().objects.get(username="admin")
    clerk = get_user_model().objects.get(username="wangfang")
    rng = random.Random(20261202)
    phones = list(
        PhoneNumber.objects.filter(number__startswith="1390000").select_related("customer")
    )
    for phone in phones:
        Customer.objects.filter(pk=phone.customer_id).update(
            customer_no=f"LJ2026{phone.number[-4:]}"
        )
    by_i = {int(p.number[-4:]): p for p in phones}
    parents: dict[int, str] = {}
    for i, p in by_i.items():  # two individuals after each family or enterprise are its members
        if p.customer.group != Customer.Group.INDIVIDUAL:
            for j in (i + 1, i + 2):
                if j in by_i and by_i[j].customer.group == Customer.Group.INDIVIDUAL:
                    parents[j] = f"LJ2026{i:04d}"
    rows = []
    for i, p in sorted(by_i.items()):
        c = p.customer
        bills = list(Bill.objects.filter(number=p.number).order_by("month"))
        spend = sum(b.amount for b in bills) / len(bills) if bills else None
        joined = date(2008, 1, 1) + timedelta(days=rng.randint(0, 16 * 365))
        manager = (
            "CD1006" if c.tier in (Tier.DIAMOND, Tier.SUPREME) or c.group == "enterprise" else ""
        )
        group = {"individual": "个人", "family": "家庭", "enterprise": "集团"}[c.group]
        rows.append(
            f"LJ2026{i:04d},{c.name},{c.id_number},{group},{parents.get(i, '')},"
            f"{TIER_ZH[c.tier]},{joined},{'' if spend is None else f'{spend:.2f}'},{manager},"
            f"{c.address},{p.number},A{8800000 + i},{bills[-1].plan if bills else ''},正常\n"
        )
    crm.import_customers(admin, (CRM_HEADER + "".join(rows)).encode(), "crm-demo.csv")
    password = make_password(DEMO_SERVICE_PASSWORD)  # one hash for all: hashing costs 0.3 s
    Customer.objects.exclude(customer_no="").update(service_password=password)
    first = Customer.objects.get(customer_no="LJ20260002")
    customer_services.update_customer(
        clerk,
        first.pk,
        {"address": first.address.replace("号", "号（新址）", 1)},
        version=first.version,
    )
    gold = Customer.objects.filter(tier=Tier.GOLD).order_by("pk").first()
    customer_services.record_privilege_use(
        clerk, gold.pk, "green_channel", note="临江机场贵宾厅，客户出差"
    )
    customer_services.record_privilege_use(clerk, gold.pk, "free_sim", note="旧卡损坏")
    for customer in Customer.objects.exclude(customer_no="").order_by("pk")[:12]:
        customer_services.set_consent(clerk, customer.pk, "usage_analysis", True)
        customer_services.set_consent(clerk, customer.pk, "marketing_sms", customer.pk % 3 != 0)


def _appointments(hall: Hall) -> None:
    """The appointment book (Q3), booked by a clerk through the services: a gold-card customer
    20 minutes from now (the story's 09:10 appointment), two more later today while the hall is
    open, and tomorrow's morning and afternoon, one of them already cancelled."""
    clerk = get_user_model().objects.get(username="wangfang")
    gold = Customer.objects.filter(tier=Tier.GOLD).order_by("pk").first()
    now = timezone.now()
    today, tomorrow = timezone.localdate(now), timezone.localdate(now) + timedelta(days=1)
    # 20 minutes from now, whatever the hour the demo starts: a new user can check it in at the
    # kiosk at once (booked before the demo hall gets its opening hours; open_for_demo opens
    # ticketing whenever the demo starts).
    queue.book_appointment(
        clerk, hall, "business", gold.phones.first().number, now + timedelta(minutes=20)
    )
    later = [s for s in booking.slots_of_day(hall, today) if s > now + timedelta(hours=1)]
    for slot, (i, code) in zip(later[::2], [(1, "vip"), (12, "payment")], strict=False):
        queue.book_appointment(clerk, hall, code, demo_phone(i), slot)

    def at(hh: int, mm: int) -> datetime:
        return timezone.make_aware(datetime.combine(tomorrow, time(hh, mm)))

    for i, code, slot, note in [
        (3, "consult", at(9, 30), "咨询国际漫游开通"),
        (17, "business", at(10, 0), "办理过户，需带双方身份证"),
        (20, "payment", at(10, 0), ""),
        (8, "sales", at(14, 30), "预约购机"),
    ]:
        queue.book_appointment(clerk, hall, code, demo_phone(i), slot, note=note)
    gone = queue.book_appointment(clerk, hall, "business", demo_phone(25), at(11, 0))
    queue.cancel_appointment(clerk, gone.pk, "客户来电改期")


def _handed_over_chat() -> None:
    """An online chat the assistant could not settle, handed over the way a customer does it
    (K2, C8): the case goes to a person on the front desk, its subject the customer's words,
    its 30-second first-response clock running from now."""
    conversation = chat.start("web")
    for sender, text, kind in [
        ("customer", "下周去日本出差，手机国际漫游需要怎么开通？", ""),
        ("assistant", "为您找到以下内容：国际及港澳台漫游开通指南……", "article"),
        ("customer", "日本的流量包多少钱", ""),
        ("assistant", "请问您想了解哪一款日本流量包？可以说出天数或流量大小。", "clarify"),
        ("customer", "转人工", ""),
    ]:
        conversation.messages.create(sender=sender, text=text, kind=kind)
    cases.open_from_chat(conversation.token)


def _desks_and_cases(hall: Hall) -> None:
    """The desks, and cases in every state a desk meets: one past its deadline, one at risk,
    an online question waiting for its first response, a suggestion, a praise, one resolved and
    waiting for the customer's answer to the survey text."""
    users = _staff(hall)
    for code, zh, en, in_hall, lead, members in DESKS:
        desk = Desk.objects.create(
            code=code, name_zh=zh, name_en=en, hall=hall if in_hall else None, lead=users[lead]
        )
        desk.members.set([users[m] for m in members])
    now = timezone.now()

    def case(user, hours_ago: float, **kw):
        c = cases.open_case(user, hall=HALL_CODE, **kw)
        start = now - timedelta(hours=hours_ago)
        c.created_at = start
        sla.start_clock(c, start)
        c.save()
        c.events.update(at=start)
        return c

    fault = case(
        users["wangfang"],
        60,
        kind="fault",
        channel="walk_in",
        category="broadband-fault",
        phone=demo_phone(17),
        subject="光猫红灯，宽带无法上网",
        description="客户家中光猫LOS灯红色闪烁，重启无效，已两天无法上网。",
        desk="fault",
    )
    cases.act(users["gaofeng"], fault.pk, "acknowledge", version=fault.version)
    case(
        users["liqiang"],
        30,
        kind="work_order",
        channel="hall_phone",
        category="order-change",
        phone=demo_phone(11),
        subject="套餐变更未生效",
        desk="front",
        description="客户上月申请由128元套餐改为98元套餐，本月仍按128元扣费，需核实。",
    )
    _handed_over_chat()
    suggestion = case(
        users["zhaomin"],
        20,
        kind="suggestion",
        channel="walk_in",
        category="suggestion",
        subject="建议增设老年人爱心座椅",
        desk="front",
        description="客户建议在取号机旁增设老年人爱心座椅和老花镜。",
    )
    cases.act(
        users["zhaomin"],
        suggestion.pk,
        "acknowledge",
        version=suggestion.version,
        promised_at=now + timedelta(days=5),
    )
    praise = case(
        users["chenjing"],
        3,
        kind="praise",
        channel="hotline",
        category="praise",
        subject="表扬1号窗口王芳",
        desk="front",
        description="客户来电表扬王芳耐心细致，帮他找回了停机的副卡。",
    )
    cases.act(
        users["chenjing"],
        praise.pk,
        "acknowledge",
        version=praise.version,
        resolution="已感谢客户，并在班前会上转达表扬。",
    )
    resolved = case(
        users["wangfang"],
        26,
        kind="work_order",
        channel="walk_in",
        category="itemised",
        phone=demo_phone(6),
        subject="上月详单打印缺页",
        desk="front",
        description="客户打印上月详单时缺少最后三天的通话记录。",
    )
    cases.act(
        users["wangfang"],
        resolved.pk,
        "resolve",
        version=resolved.version,
        resolution="已重新生成完整详单并短信告知客户自助打印。",
    )
    _closed_cases(users, case, now)
    cases.sweep()


def _closed_cases(users, case, now: datetime) -> None:
    """Closed cases, each carrying how the customer confirmed (C5): one closed by the
    customer's own answer to the survey text, one closed by staff on a recorded call (waiting
    in quality's queue), one closed in person with the texted code and already reviewed."""
    wangfang, liqiang = users["wangfang"], users["liqiang"]

    def resolved(user, hours_ago: float, i: int, subject: str, description: str, resolution: str):
        c = case(
            user,
            hours_ago,
            kind="work_order",
            channel="walk_in",
            category="other",
            phone=demo_phone(i),
            subject=subject,
            desk="front",
            description=description,
        )
        return cases.act(user, c.pk, "resolve", version=c.version, resolution=resolution)[0]

    by_customer = resolved(
        wangfang,
        50,
        3,
        "副卡流量共享未生效",
        "客户反映副卡无法共享主卡流量。",
        "已重新配置流量共享关系，副卡可正常使用。",
    )
    # The customer answers the survey text after it is sent (when the demo's data commits).
    transaction.on_commit(lambda pk=by_customer.pk: _customer_answers(pk))
    by_phone = resolved(
        wangfang,
        40,
        8,
        "来电显示功能不可用",
        "客户开通来电显示后仍无号码显示。",
        "后台重新下发来电显示功能，已恢复。",
    )
    cases.act(
        wangfang,
        by_phone.pk,
        "close",
        version=by_phone.version,
        method="phone_call",
        call_at=(now - timedelta(minutes=40)).isoformat(),
        note="回访电话（录音线路）中客户确认来电显示已恢复。",
    )
    in_person = resolved(
        liqiang,
        30,
        11,
        "发票抬头打印错误",
        "客户月结发票抬头打印为旧单位名称。",
        "已更正发票抬头并重新开具。",
    )
    cases.send_closure_code(liqiang, in_person.pk)
    sms = SmsMessage.objects.filter(purpose="closure_code").latest("id")
    code = re.search(r"确认码是 (\d{6})", sms.text).group(1)
    cases.act(
        liqiang,
        in_person.pk,
        "close",
        version=in_person.version,
        method="in_person",
        code=code,
        note="客户到厅取新发票，当面告知确认码，确认问题已解决。",
    )
    cases.review_closure(users["zhengyu"], in_person.pk, verdict="ok", note="确认码核验无误。")


APPEAL_PHONE = 9  # the demo customer of the complaint and its appeal


def _appeals() -> None:
    """The 16:00 scene's start: a complaint of last month by a demo customer, closed, and an
    appeal about it from the provincial appeal centre registered today, not yet decided (the
    complaint's stages are its own part: the demo only needs it closed, so it is set so)."""
    sunli = get_user_model().objects.get(username="sunli")
    today = timezone.localdate()
    matter_on = today.replace(day=1) - timedelta(days=12)  # in last month
    complaint = cases.open_case(
        sunli,
        kind="complaint",
        channel="walk_in",
        category="complaint",
        hall=HALL_CODE,
        phone=demo_phone(APPEAL_PHONE),
        subject="宽带提速包扣费后未提速",
        description="客户反映10月办理的宽带提速包（每月20元）已扣费，但实测网速仍为100M。",
    )
    at = timezone.make_aware(datetime.combine(matter_on + timedelta(days=2), time(10, 30)))
    Case.objects.filter(pk=complaint.pk).update(
        created_at=at,
        status="closed",
        resolution="经核实提速包已生效，测速偏低系客户路由器仅支持百兆；已解释并建议更换千兆路由器。",
        resolved_at=at + timedelta(days=1),
        closed_at=at + timedelta(days=3),
        due_at=None,
        warn_at=None,
        next_escalation_at=None,
        first_response_watch=None,
    )
    complaint.events.update(at=at)
    appeals.register_appeal(
        sunli,
        source="provincial_centre",
        reference="TGJ-SS-20261201-0417",
        received_on=today.isoformat(),
        matter_on=matter_on.isoformat(),
        matter="客户不认可上月投诉的处理结果，认为提速包未生效却被扣费，要求退还提速包费用并赔偿。",
        subject="宽带提速包扣费争议（不认可投诉处理结果）",
        phone=demo_phone(APPEAL_PHONE),
        billing_dispute=True,
        materials_due=(today + timedelta(days=4)).isoformat(),
        complaints=[complaint.pk],
    )


def _customer_answers(case_id: int) -> None:
    survey = Survey.objects.filter(case_id=case_id).first()
    if survey is None:
        return
    scores = {"overall": 5, "tangibles": 5, "empathy": 4, "professionalism": 5}
    scores |= {"responsiveness": 4, "reliability": 5}
    surveys.answer(survey.token, resolved=True, scores=scores, comment="处理及时，谢谢。")


# The demo knowledge base (K1), written for this project: kind, audience, category, title, body.
# Numbers and names are invented.
ARTICLES = [
    (
        "article",
        "public",
        "broadband",
        "宽带故障自助排查",
        "家里宽带上不了网时，可以先按以下步骤自查：\n"
        "1. 看光猫指示灯：光信号灯（LOS）红灯闪烁，说明入户光纤中断，请直接报修；\n"
        "2. 光猫、路由器断电一分钟后重新通电，等待三分钟再试；\n"
        "3. 电脑用网线直连光猫能上网、无线不能上网，多为路由器问题，可恢复出厂设置后重新配置；\n"
        "4. 查询账户是否欠费，欠费停机也会导致宽带断网。\n"
        "自查无效请报修：城镇地区 48 小时内修复，农村地区 72 小时内修复。",
    ),
    (
        "faq",
        "public",
        "broadband",
        "宽带网速慢怎么办",
        "晚高峰网速下降时，请先用网线连接电脑测速，排除无线信号和设备性能的影响。"
        "测速结果明显低于签约速率，可报障由装维人员上门检测线路；需要更高速率可办理宽带提速。",
    ),
    (
        "faq",
        "public",
        "number-service",
        "携号转网办理条件",
        "申请携号转网的号码须满足：已实名登记；在网满规定期限；没有欠费；"
        "没有未到期的合约或靓号协议（可先办理解约）；号码未停机、未被司法冻结。"
        "先发送短信查询是否符合条件并获取授权码，再到新运营商营业厅办理，原号码不变。",
    ),
    (
        "faq",
        "public",
        "payment",
        "停机保号",
        "暂时不用手机又想保留号码，可以办理停机保号：期间号码保留，不能打电话、发短信和上网，"
        "每月只收少量保号费。停机保号最长可保留 12 个月，到期前可到营业厅或网上营业厅申请复机。",
    ),
    (
        "faq",
        "public",
        "payment",
        "欠费停机后如何复机",
        "欠费停机后缴清欠款，系统一般在 30 分钟内自动恢复通话和上网。"
        "缴费后仍未复机，请重启手机；超过两小时未恢复，请联系营业厅处理。",
    ),
    (
        "faq",
        "public",
        "sim",
        "补换SIM卡",
        "手机卡丢失或损坏，机主本人携带有效身份证件到营业厅即可补卡，原号码不变，旧卡立即失效。"
        "代办需同时出示机主和代办人的身份证件及委托书。钻石卡及以上客户免收补卡费。"
        "手机丢失请先挂失，防止他人盗用。",
    ),
    (
        "faq",
        "public",
        "bill",
        "发票打印",
        "话费发票可以在网上营业厅或手机营业厅下载电子发票，与纸质发票具有同等效力。"
        "需要纸质发票的，可到任一营业厅打印，集团客户可按月统一开具。",
    ),
    (
        "faq",
        "public",
        "roaming",
        "国际漫游开通",
        "出境前请确认已开通国际漫游和国际长途。多数套餐默认开通；未开通的可在营业厅、网上营业厅办理。"
        "境外上网建议订购目的地流量包，避免按标准资费计费。回国后无需关闭，不使用不收费。",
    ),
    (
        "faq",
        "public",
        "plan",
        "套餐变更规则",
        "主套餐每月可变更一次，新套餐次月一日生效；合约期内的套餐只能变更为更高档位，不能降档。"
        "变更前可请营业员按您近三个月的实际用量推荐更合适的套餐。",
    ),
    (
        "faq",
        "public",
        "value-added",
        "如何退订增值业务",
        "不需要的增值业务可以通过短信、网上营业厅或营业厅退订，退订当月仍按月收费的到月底失效。"
        "若您从未订购却被收费（没有二次确认记录），可以申请退还费用。",
    ),
    # The hall's own facts (K2): what customers ask most that no plan answers.
    (
        "faq",
        "public",
        "hall",
        "营业厅营业时间",
        "城东营业厅营业时间：周一至周五 8:30–18:00，周六、周日 9:00–17:00，17:45（周末 16:45）后停止取号。"
        "法定节假日的开门和关门时间以营业厅门口和网上营业厅的公告为准。"
        "可以先在网上预约时段，到厅后凭预约号优先办理。",
    ),
    (
        "faq",
        "public",
        "hall",
        "营业厅地址和交通",
        "城东营业厅地址：城东区和平路88号（和平路与建设路路口东北角）。"
        "乘公交12路、35路到和平路站下车，步行约200米；地铁2号线城东站B口出，步行约5分钟。"
        "营业厅门前有临时停车位，无障碍通道在正门右侧。",
    ),
    (
        "faq",
        "public",
        "number-service",
        "销户（注销号码）需要带什么",
        "注销手机号码须机主本人携带有效身份证件原件到营业厅办理，不能代办、不能网上办理。"
        "销户前请结清话费；合约期内的号码须先解除合约（按协议支付违约金）；"
        "账户余额在销户时退还到本人账户。销户后号码不再保留，绑定该号码的银行卡、网站账号请先改绑。",
    ),
    (
        "faq",
        "public",
        "number-service",
        "过户需要带什么",
        "号码过户须原机主和新机主双方携带各自有效身份证件原件，一同到营业厅办理；"
        "过户前须结清话费，号码处于合约期内的须先解约或由新机主书面承接合约。"
        "过户后原机主的积分、余额不转移，新机主重新设置服务密码。",
    ),
    (
        "faq",
        "public",
        "bill",
        "套餐外流量、通话、短信怎么收费",
        "套餐内的流量、通话和短信用完后，超出部分按标准资费收费：国内流量 0.005元/MB（即 5元/GB），"
        "国内通话 0.15元/分钟，短信 0.10元/条。流量经常超出的，订购流量加油包（10元1GB、20元3GB、"
        "30元5GB）更划算，或请营业员按您的用量推荐套餐。当月流量超出 100元时系统会短信提醒。",
    ),
    (
        "faq",
        "public",
        "roaming",
        "出境漫游流量和通话资费",
        "出境后使用流量按天收费：港澳台 25元/天，日韩、东南亚 30元/天，欧美及其他国家和地区 40元/天，"
        "每天前1GB高速，超出后降速不另收费；不使用流量的当天不收费。"
        "漫游时接听电话 0.99元/分钟起、拨打回国 0.99元/分钟起，具体以目的地资费为准。"
        "出境前可订购目的地多日流量包，更优惠。",
    ),
    (
        "article",
        "staff",
        "procedures",
        "未经二次确认的增值业务扣费处理",
        "客户称从未订购某项增值业务而被扣费：先查询订购记录和二次确认记录。"
        "查无客户手机发出的确认记录时，由公司承担举证不能的责任，为客户退订并按规定退还费用，"
        "在工单中记录核查结果，结案后发送满意度回访。",
    ),
    (
        "article",
        "staff",
        "procedures",
        "账单异常提醒处理要点",
        "系统提示某号码本月账单超过前三个月平均值五倍时，关怀专席应及时联系客户："
        "核对详单中的大额项目（境外流量、增值业务、国际长途），向客户说明原因，"
        "对有争议的费用登记工单，必要时先为客户暂停相关业务。",
    ),
    (
        "script",
        "staff",
        "scripts",
        "服务用语：首问负责",
        "“您好，我是本次为您服务的员工，您的问题由我负责跟进到底。"
        "需要其他部门协助的，我会把情况转交清楚，您不必重复说明，处理结果我会及时告诉您。”",
    ),
    (
        "script",
        "staff",
        "scripts",
        "服务用语：致歉",
        "“非常抱歉给您带来了不便，您反映的情况我已经记录下来，"
        "现在马上为您核查处理，请您稍等。”不推诿、不争辩，先致歉再说明原因和处理时间。",
    ),
    (
        "script",
        "staff",
        "scripts",
        "服务用语：宽带报障受理",
        "“您好，您家里宽带上不了网给您添麻烦了。请问光猫上的指示灯现在是什么颜色？"
        "我这边先为您登记报障，装维人员会在承诺时间内联系您上门处理。”",
    ),
    (
        "script",
        "staff",
        "scripts",
        "服务用语：等候致谢",
        "“感谢您的耐心等候，让您久等了。请问今天有什么可以帮您？”",
    ),
]


def _knowledge() -> None:
    """The demo knowledge base: written by the care and complaint desks, approved and published
    by quality; one FAQ waits for review, one published FAQ has a new draft being written."""
    User = get_user_model()
    care, complaint, quality = (
        User.objects.get(username=u) for u in ("zhoujie", "sunli", "zhengyu")
    )
    for i, (kind, audience, category, title, body) in enumerate(ARTICLES):
        author = complaint if kind == "script" else care
        a = kb.create_article(
            author, title=title, body=body, kind=kind, audience=audience, category=category
        )
        kb.act(author, a.pk, "submit", version=1)
        if i == 9:  # 如何退订增值业务 waits for zhengyu's review
            continue
        kb.act(quality, a.pk, "approve", version=1)
        kb.act(quality, a.pk, "publish", version=1)
        if i == 3:  # 停机保号: a new version is being written while version 1 serves
            kb.edit_article(
                care,
                a.pk,
                version=1,
                body=body + "办理停机保号需机主本人持身份证件办理。",
                note="补充办理要求",
            )


def logins_text() -> str:
    from servicehall.org.roles import ROLE_BY_CODE

    lines = ["", f"ServiceHall 演示账号 / demo logins (password 密码: {DEMO_PASSWORD})"]
    for username, full_name, _emp, role in STAFF:
        r = ROLE_BY_CODE[role]
        lines.append(f"  {username:<10} {full_name:<8} {r.name_zh} / {r.name_en}")
    lines.append("")
    lines.append("演示客户 / demo customers (phone at the kiosk):")
    for tier in (Tier.SUPREME, Tier.DIAMOND, Tier.GOLD, Tier.SILVER, Tier.NONE):
        i = TIERS.index(tier) + 1
        lines.append(f"  {demo_phone(i)}  {tier.label}")
    return "\n".join(lines)


# --- case attachments (P1)


def _demo_png(width: int = 240, height: int = 120) -> bytes:
    """A made-up screenshot: a grey page with a red bar where the charge would be."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    rows = []
    for y in range(height):
        red = 40 <= y < 60
        rows.append(b"\x00" + (b"\xd0\x30\x30" if red else b"\xee\xee\xee") * width)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows)))
        + chunk(b"IEND", b"")
    )


def _demo_pdf() -> bytes:
    """A one-page PDF standing in for a signed service form (invented, no real person)."""
    text = b"BT /F1 14 Tf 60 760 Td (Service form - demo only - customer signature) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text),
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (i, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return out


def _case_attachments() -> None:
    """The plan-change work order carries the customer's screenshot of the charge text and the
    signed service form of the change (only roles that may unmask download that one)."""
    from django.core.files.base import ContentFile

    from servicehall.cases.models import Case

    case = Case.objects.filter(subject="套餐变更未生效").first()
    if case is None:
        return
    clerk = case.owner
    for name, data, kind, note in (
        ("扣费短信截图.png", _demo_png(), "screenshot", "客户手机收到的128元扣费短信"),
        ("业务受理单-套餐变更.pdf", _demo_pdf(), "signed_form", "客户上月签字的变更受理单"),
    ):
        cases.attachments.upload(
            clerk, case.pk, file=ContentFile(data, name=name), name=name, kind=kind, note=note
        )


# --- complaints: compensation, upgrades and the monthly report (P6, P1, P3, L6)
COMPLAINTS = [  # days ago, customer, category, subject, what happened
    (34, 17, "billing", "增值业务乱扣费", "resolved"),
    (20, 6, "order-change", "套餐变更后仍按原资费扣费", "resolved"),
    (18, 11, "broadband-fault", "宽带报修三天无人上门", "open"),
    (12, 20, "complaint", "营业员服务态度差", "grumble"),
    (9, 21, "itemised", "详单打印缺页", "provincial"),
    (2, 17, "billing", "增值业务再次扣费", "repeat"),
    (0, 22, "complaint", "排队时间过长", "open"),
]


def _complaints_demo(hall: Hall) -> None:
    """Complaints over the last five weeks at the complaint desk (孙丽, invented customers):
    one resolved last month and its upgrade this month (offered on the page, confirmed), one
    that came through the provincial centre, a grumble settled on the spot, one past its
    deadline; compensation paid within the limit and one above it waiting for 陈静; finished
    tickets behind the complaint rate."""
    users = {
        u.username: u for u in get_user_model().objects.filter(username__in=["sunli", "chenjing"])
    }
    sunli = users["sunli"]
    now = timezone.now()
    made = {}
    for days, who, category, subject, what in COMPLAINTS:
        c = cases.open_case(
            sunli,
            kind="complaint",
            channel="walk_in",
            category=category,
            hall=hall.code,
            phone=demo_phone(who),
            subject=subject,
            description=f"客户反映：{subject}，要求给予解释和处理。",
            desk="complaint",
        )
        start = now - timedelta(days=days, hours=2 if days else 0, minutes=5)
        c.created_at = start
        sla.start_clock(c, start)
        c.save()
        c.events.update(at=start)
        made[what if what not in made else f"{what}{days}"] = c
        if what == "grumble":
            cases.act(
                sunli,
                c.pk,
                "settle_grumble",
                version=c.version,
                resolution="当场解释后客户表示理解",
            )
        else:  # heard and accepted: a complaint the report counts (complaints.selectors.COUNTED)
            c = cases.act(
                sunli,
                c.pk,
                "accept",
                version=c.version,
                steps=["listen", "ask", "calm", "confirm"],
                words=f"{subject}，你们必须给我一个说法。",
                request="解释原因并妥善处理",
            )[0]
            c.events.update(at=start)
        if what == "resolved":
            type(c).objects.filter(pk=c.pk).update(
                status="resolved",
                resolved_at=start + timedelta(days=2),
                resolution="已退还相关费用并致歉",
            )
    repeat = made["repeat"]
    upgrades.mark_upgraded(sunli, repeat.pk, source="repeat", first=made["resolved"].number)
    upgrades.mark_upgraded(sunli, made["provincial"].pk, source="provincial_centre")
    type(repeat).objects.filter(pk=made["open"].pk).update(due_at=now - timedelta(days=3))
    paid = compensation.offer(
        sunli,
        made["provincial"].pk,
        amount="20",
        remedy="双倍返还增值业务费10元",
        basis="《移动信息业务核查处理指导方案》：无用户定制证据判定违规定制，双倍返还",
    )
    compensation.answer(sunli, made["provincial"].pk, paid.pk, answer="accepted")
    big = compensation.offer(
        sunli,
        repeat.pk,
        amount="200.00",
        remedy="赠送两个月宽带月租",
        basis="服务承诺：同一问题二次投诉的补偿标准（本厅服务公约第7条）",
    )
    compensation.answer(sunli, repeat.pk, big.pk, answer="accepted")
    # the tickets the hall finished in the last five weeks: the complaint rate's denominator
    kind = ServiceType.objects.get(code="business")
    # — through the day as halls see them, busiest mid-morning and mid-afternoon (the shift
    # plan's history, S4); each served in about 6 minutes
    rng = random.Random(13)
    when = random.Random(17)
    halves = [(8, 30), *[(h, m) for h in range(9, 18) for m in (0, 30)]]  # 08:30 … 17:30
    weights = [1, 2, 3, 4, 4, 3, 2, 2, 1, 1, 2, 3, 4, 4, 3, 2, 2, 1, 1]
    rows = []
    for days in range(1, 36):
        day = timezone.localdate() - timedelta(days=days)
        for n in range(1, rng.randint(18, 30)):
            h, m = when.choices(halves, weights)[0]
            moment = timezone.make_aware(datetime.combine(day, time(h, m + when.randrange(30))))
            rows.append(
                Ticket(
                    hall=hall,
                    day=day,
                    number=f"H{n:03d}",
                    service_type=kind,
                    channel="kiosk",
                    status=Ticket.Status.DONE,
                    issued_at=moment,
                    arrival_at=moment,
                    first_called_at=moment + timedelta(minutes=when.randint(1, 12)),
                    customer_id=None,
                )
            )
            t = rows[-1]
            t.started_at = t.first_called_at
            t.finished_at = t.first_called_at + timedelta(minutes=when.randint(3, 9))
    Ticket.objects.bulk_create(rows)


# --- quality supervision (S3)

# --- retention (R1–R3)

# The 15:00 scene's customer (13900000020): heavy use on an old 4G plan (USAGE_STORIES), so the
# recommender finds 智享合约 96元档 at 63 yuan a month instead of about 168. His service password
# (and 13900000017's, who leaves in the scene's other ending) is how the clerk verifies him.
RETENTION_PHONE = 20
RETENTION_LEAVER = 17
RETENTION_PASSWORD = "135790"
# (months ago, day, customer, reason, competitor, path, offer, why) — path: "1" retained at the
# first level, "2" retained at the second, "left1"/"left2" left at the customer's insistence
RETENTION_HISTORY = [
    (3, 6, 3, "price", "", "2", "话费返还30元/月×12个月", "接受返还后月费低于对手报价"),
    (3, 14, 8, "competitor", "unicom", "left2", "赠送宽带提速至1000M", ""),
    (3, 21, 11, "moving", "", "1", "异地宽带移机免费", "新住址也能用我们的宽带"),
    (2, 3, 12, "network", "", "2", "家庭基站免费安装", "家里信号问题解决了"),
    (2, 9, 15, "price", "", "1", "流量加油包半年免费", "流量够用了"),
    (2, 17, 18, "competitor", "telecom", "left1", "", ""),
    (2, 25, 21, "service", "", "2", "专属客户经理跟进", "投诉已圆满解决"),
    (1, 4, 22, "price", "", "2", "plan", "按实际用量换套餐，每月省钱"),
    (1, 11, 23, "other", "", "left2", "话费返还20元/月×6个月", ""),
    (1, 19, 24, "competitor", "broadnet", "1", "赠送彩铃年包", "老客户礼遇"),
    (1, 26, 2, "competitor", "telecom", "2", "国内通话时长翻倍12个月", "客户经理上门沟通"),
    (0, 1, 26, "price", "", "2", "plan", "换更合适的套餐"),
    (0, 1, 27, "moving", "", "left1", "", ""),
]


def _retention_demo() -> None:
    """The 15:00 scene's customer ready (bills, a service password), a high-value customer with
    his account manager (吴昊), and retention cases over the last months for the report."""
    from django.contrib.auth.hashers import make_password

    users = {u.username: u for u in get_user_model().objects.all()}
    Customer.objects.filter(
        phones__number__in=[demo_phone(RETENTION_PHONE), demo_phone(RETENTION_LEAVER)]
    ).update(service_password=make_password(RETENTION_PASSWORD))
    Customer.objects.filter(phones__number=demo_phone(2)).update(
        account_manager=users["wuhao"], monthly_spend=420
    )
    today = timezone.localdate()
    for months_ago, day, who, reason, competitor, path, offer, why in RETENTION_HISTORY:
        first = today.replace(day=1)
        for _ in range(months_ago):
            first = (first - timedelta(days=1)).replace(day=1)
        at = timezone.make_aware(datetime.combine(first.replace(day=day), time(10, 30)))
        if at > timezone.now():
            at = timezone.now() - timedelta(hours=2)
        customer = Customer.objects.get(phones__number=demo_phone(who))
        clerk = users["wangfang" if who % 2 else "liqiang"]
        case = retention.open_retention(
            clerk,
            customer_id=customer.pk,
            reason=reason,
            competitor=competitor,
            method="id_card",
            proof=customer.id_number,
            needs="希望每月费用更低" if reason == "price" else "希望问题得到解决",
            destination={"unicom": "中国联通", "telecom": "中国电信", "broadnet": "中国广电"}.get(
                competitor, ""
            ),
            second_phone=f"1860000{who:04d}",
        )

        def offer_of(case, text):
            if text != "plan":
                return {"offer": "other", "offer_text": text} if text else {}
            found = retention.recommendation_for(case)
            if found is None or not found.recommended:
                return {"offer": "other", "offer_text": "话费返还20元/月×12个月"}
            return {"offer": "plan", "tier": found.plan.code}

        if path == "1":
            cases.act(
                clerk,
                case.pk,
                "retain_first",
                version=case.version,
                why=why,
                **offer_of(case, offer),
            )
        elif path == "left1":
            retention.insist(clerk, case.pk, note="客户已办理他网号码")
        else:
            case, _ = cases.act(
                clerk, case.pk, "fail_first", version=case.version, note="客户不接受初级挽留"
            )
            second = case.handler or (case.desk.lead if case.desk_id else users["zhoujie"])
            if path == "2":
                cases.act(
                    second,
                    case.pk,
                    "retain_second",
                    version=case.version,
                    why=why,
                    **offer_of(case, offer),
                )
            else:
                retention.insist(second, case.pk, **offer_of(case, offer))
        # back to the day it happened: opened at ten thirty, settled within the hour
        Case.objects.filter(pk=case.pk).update(
            created_at=at, closed_at=at + timedelta(minutes=40), due_at=None
        )
        case.events.update(at=at + timedelta(minutes=10))
        RetentionAttempt.objects.filter(record__case=case).update(at=at + timedelta(minutes=20))
        RetentionRecord.objects.filter(case=case).update(recorded_at=at)
        RetentionRecord.objects.filter(case=case, left_at__isnull=False).update(
            left_at=at + timedelta(minutes=40)
        )
