"""What customers report, as one word per problem (P5): the telecom-problem dictionary the early
warning groups contacts by. Different customers say one problem in different words — 没信号,
无服务, 打不通 are all "信号" — and some say it in English. Written for this project from the
service manuals' wording; one compiled pattern finds every surface form in a text (a few µs a
contact, where a word segmenter would be far too slow for a year of a province's contacts).
"""

from __future__ import annotations

import re

# term: (Chinese label, English label, surface forms — Chinese and English, lower case)
PROBLEMS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "信号": (
        "手机没信号/打不通",
        "no signal / calls fail",
        (
            "信号不稳定",
            "信号时有时无",
            "无法接通",
            "无法呼出",
            "呼叫失败",
            "通话断断续续",
            "通话杂音",
            "紧急呼叫",
            "只能拨打紧急电话",
            "不在服务区",
            "电话老是断",
            "没信号",
            "没有信号",
            "无信号",
            "信号差",
            "信号弱",
            "信号不好",
            "无服务",
            "没有服务",
            "打不通",
            "打不出",
            "打不了电话",
            "接不到电话",
            "电话打不进",
            "掉话",
            "通话中断",
            "no signal",
            "no service",
            "can't call",
            "cannot call",
            "calls fail",
            "dropped call",
        ),
    ),
    "手机上网": (
        "手机上不了网/网速慢",
        "mobile data down or slow",
        (
            "手机没网",
            "手机断网",
            "数据网络用不了",
            "5g信号没了",
            "4g信号没了",
            "流量网速慢",
            "手机网络很差",
            "手机上不了网",
            "手机不能上网",
            "流量用不了",
            "流量上不了网",
            "4g用不了",
            "5g用不了",
            "4g没网",
            "5g没网",
            "移动数据用不了",
            "手机网速慢",
            "手机网很慢",
            "mobile data",
            "no internet on my phone",
            "phone internet",
        ),
    ),
    "宽带": (
        "宽带断网/故障",
        "broadband down",
        (
            "宽带连不上",
            "宽带没网",
            "wifi连不上",
            "wifi没网",
            "光猫los",
            "宽带故障",
            "网线没信号",
            "宽带断网",
            "宽带坏了",
            "宽带上不了网",
            "宽带用不了",
            "宽带掉线",
            "宽带不能用",
            "光猫红灯",
            "光猫亮红灯",
            "los灯",
            "家里断网",
            "家里没网",
            "宽带网速慢",
            "宽带很卡",
            "broadband",
            "fiber down",
            "fibre down",
            "home internet",
        ),
    ),
    "网络": (
        "网络故障（未说明手机或宽带）",
        "network down (phone or line not said)",
        (
            "上不了网",
            "断网",
            "网断了",
            "没网",
            "没网了",
            "网络故障",
            "网络异常",
            "网络中断",
            "连不上网",
            "网速很慢",
            "网速慢",
            "网络很卡",
            "internet down",
            "no internet",
        ),
    ),
    "电视": (
        "电视看不了",
        "TV down",
        ("电视看不了", "电视没信号", "机顶盒", "iptv", "电视黑屏", "电视卡顿", "tv not working"),
    ),
    "短信": (
        "收不到短信/验证码",
        "SMS not received",
        (
            "收不到短信",
            "发不了短信",
            "收不到验证码",
            "验证码收不到",
            "短信发不出",
            "短信收不到",
            "收不了短信",
            "短信发不了",
            "no sms",
        ),
    ),
    "扣费": (
        "乱扣费/账单异常",
        "wrong charges",
        (
            "乱扣费",
            "多扣",
            "扣费",
            "扣钱",
            "扣了钱",
            "账单异常",
            "话费异常",
            "话费突然",
            "莫名扣费",
            "overcharged",
            "wrong bill",
            "charged twice",
        ),
    ),
    "营销": (
        "未经同意办理/营销骚扰",
        "signed up without consent",
        (
            "未经同意",
            "没经过我同意",
            "强制办理",
            "被办理",
            "擅自办理",
            "偷偷开通",
            "套餐被改",
            "营销电话",
            "推销电话",
            "without my consent",
        ),
    ),
    "停机": (
        "无故停机",
        "line suspended",
        ("无故停机", "被停机", "突然停机", "停机了", "suspended"),
    ),
}

SURFACE_TERM: dict[str, str] = {s: term for term, (*_, forms) in PROBLEMS.items() for s in forms}
# longest first, so "宽带上不了网" wins over "上不了网"
PATTERN = re.compile(
    "|".join(re.escape(s) for s in sorted(SURFACE_TERM, key=len, reverse=True)), re.IGNORECASE
)


# Beyond the fixed wordings: what failed and at what, a few characters apart in either order —
# "宽带断了", "短信一直收不到", "发不出短信", "can't receive sms". Read only when no fixed wording
# is found (most reports use one), so a year of contacts stays fast.
COMBOS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "短信": (
        ("短信", "验证码", "sms", "text message"),
        (
            "收不到",
            "收不了",
            "没收到",
            "接收不到",
            "发不出",
            "发不了",
            "发送失败",
            "can't receive",
            "cannot receive",
            "can not receive",
            "not receiving",
            "not arriving",
        ),
    ),
    "宽带": (
        ("宽带", "光猫", "wifi", "wi-fi", "路由器", "网线", "光纤"),
        (
            "断了",
            "断网",
            "坏了",
            "连不上",
            "上不了",
            "用不了",
            "不能用",
            "掉线",
            "很卡",
            "红灯",
            "没网",
            "down",
            "not working",
        ),
    ),
    "信号": (
        ("信号", "电话", "通话"),
        (
            "没了",
            "没有",
            "很差",
            "太差",
            "很弱",
            "不稳定",
            "打不通",
            "打不出",
            "打不进",
            "接不通",
            "无法接通",
            "老是断",
            "总是断",
            "dropped",
        ),
    ),
    "手机上网": (
        ("手机", "流量", "4g", "5g", "移动数据"),
        ("上不了网", "没网", "断网", "网速慢", "网很慢", "很卡", "用不了"),
    ),
    "网络": (
        ("网络", "网断", "internet", "网速"),
        (
            "断了",
            "故障",
            "异常",
            "连不上",
            "上不去",
            "很慢",
            "太慢",
            "很卡",
            "is down",
            "down",
            "not working",
        ),
    ),
    "电视": (
        ("电视", "机顶盒", "iptv"),
        ("看不了", "黑屏", "卡顿", "没画面", "没信号", "打不开", "not working"),
    ),
}
GAP = 6  # characters at most between what failed and at what


def _alternatives(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


COMBO_PATTERN = re.compile(
    "|".join(
        f"(?P<{['sms', 'bb', 'sig', 'data', 'net', 'tv'][i]}>"
        f"(?:{_alternatives(objects)}).{{0,{GAP}}}?(?:{_alternatives(failures)})"
        f"|(?:{_alternatives(failures)}).{{0,{GAP}}}?(?:{_alternatives(objects)}))"
        for i, (objects, failures) in enumerate(COMBOS.values())
    ),
    re.IGNORECASE,
)
# what a combination needs first: one of the things that fail (most texts name none)
OBJECT_PATTERN = re.compile(
    _alternatives({o for objects, _ in COMBOS.values() for o in objects}), re.IGNORECASE
)
COMBO_TERM = dict(zip(["sms", "bb", "sig", "data", "net", "tv"], COMBOS, strict=True))


def terms(text: str) -> dict[str, str]:
    """The problems a text reports: {term: the first wording it used}."""
    found: dict[str, str] = {}
    for m in PATTERN.finditer(text):
        term = SURFACE_TERM[m.group(0).lower()]
        found.setdefault(term, m.group(0))
    # none, or only the vague 网络 ("上不了网"): what failed may be said ("宽带断了上不了网")
    if (not found or found.keys() == {"网络"}) and OBJECT_PATTERN.search(text):
        said = {}
        for m in COMBO_PATTERN.finditer(text):
            said.setdefault(COMBO_TERM[m.lastgroup], m.group(0))
        if said:
            return said
    return found
