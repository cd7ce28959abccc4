"""How customers ask for each attribute, and the words of superlatives and comparisons.

Order matters only for overlapping phrases: the first pattern that covers a span claims it (so
"取消不了" is a cancel condition, not a way to cancel). With the catalogue's own names, these lists
are all the parser knows before it learns from labelled questions."""

from __future__ import annotations

import re

NUMERIC = {
    "价格": "price",
    "流量": "data_mb",
    "语音时长": "voice_minutes",
    "带宽": "bandwidth_mbps",
    "有效期": "validity_hours",
    "上线时间": "on_sale",
    "下线时间": "off_sale",
}
RULE_KINDS = ("生效规则", "结转规则", "封顶规则", "使用范围", "适用app", "叠加规则")

_CANCEL = r"(取消|取销|去消|移除|退订|退掉|退定|退|关闭|关掉|注销|删除|删掉|停掉|去掉|解除|解绑|撤销|终止)"
_OPEN = r"(办理|开通|办|开|订购|订|加入|购买|买|申请|注册|参加|领取|添加|增加|加)"
_ATTRIBUTE_PATTERNS: list[tuple[str, str]] = [
    (
        "取消条件",
        r"("
        + _CANCEL
        + r"(不了|不掉|失败|不成功)|(能|可以|可不可以|能不能|是否能|是否可以)(提前|立刻|马上)?"
        + _CANCEL
        + r"|"
        + _CANCEL
        + r"(有|需要)?(什么|啥|哪些)?(条件|要求|限制)|(无法|不能|没法|没办法|为什么不能|为啥不能)"
        + _CANCEL
        + r"|什么时候(可以|能)"
        + _CANCEL
        + r"|可"
        + _CANCEL
        + r"|"
        + _CANCEL
        + r"(?=.{0,8}(要求|条件|限制))"
        r")([^。？?]{0,8}(要求|条件|限制))?",
    ),
    (
        "上线时间",
        r"(什么时候|何时|啥时候|啥时|哪天|几号|多久)(可以|能|才能)?(办理|开通|办|发售|上线|推出|开始|用到|用上|能用|出来|有|开)|"
        r"上线时间|上线|开始时间|发售|什么时候上的|上市|推出",
    ),
    (
        "下线时间",
        r"(什么时候|何时|啥时候|哪天)(结束|截止|下线|停止|下架|停售)|截止(时间|日期)|结束时间|下线|下架",
    ),
    (
        "价格",
        r"多少钱(才)?(能|可以)?"
        + _OPEN
        + r"?|花费|花的钱|所花的钱|花钱|价格|价钱|资费|月费|几块|几元|多钱|什么价|花多少|要钱|贵|便宜|划算|少花|"
        r"收多少|扣多少|收费|多少费用",
    ),
    (
        "开通条件",
        _OPEN
        + r"(不了|不成|失败|不成功|不上)|(能|可以|能不能|可不可以|是否能|是否可以)"
        + _OPEN
        + r"|(不能|无法|没法|没办法|为何不能|为啥不能)"
        + _OPEN
        + r"|(需要|要|有)(什么|啥|哪些)?(条件|要求|资格|限制)|条件|"
        r"谁都可以|什么人(能|可以)|是不是(都|谁都)可以|(还能|还可以)(办|开)|符合|资格",
    ),
    ("生效规则", r"生效"),
    (
        "结转规则",
        r"结转|没用完|用不完|剩余|剩下|清零|顺延|转到下|下(个)?月(还)?(可以|能)(继续)?用|转赠|共享给|流量会没|自动转移",
    ),
    ("封顶规则", r"封顶|上限|最多(能)?用多少|不限量有"),
    ("叠加规则", r"叠加|一起办|同时(办|开|订)|冲突|兼容|能一起"),
    ("限速规则", r"限速|降速|网速变慢"),
    (
        "适用app",
        r"(哪些|什么|哪个|哪款)(app|应用|软件)|适用(于)?(哪些|什么)?app|app(都)?(可以|能)用",
    ),
    (
        "使用范围",
        r"(使用|适用|可用|用的)范围|(哪些|什么)(地方|功能|视频|网站)(可以|能)用|能用在|可以用在|(可以|能)用于|"
        r"(能|可以)(看|刷|开热点|用来)|刷.{0,6}(怎么|还是)?(还是)?用了|范围",
    ),
    (
        "办理数量",
        r"(办|开|订|买|办理)(几次|几个|多少次|多少个)|最多(办|开|订|买)|重复(办理|订购|开通)|(能|可以)(办|开|订)(两|多|几)(个|次)",
    ),
    (
        "有效期规则",
        r"有效期|(用|能用|可以用)多久|多长时间|永久|当月(有效|用完)|是这个月|过期|失效|有效(吗|么)|几天有效|哪天到期|期限",
    ),
    (
        "内含其它服务",
        r"(其他|其它|别的|附带|额外)(什么)?(的)?(服务|权益|业务|功能)|内含|(送|赠送)(什么|啥|哪些)|还(送|有)(什么|啥)|"
        r"有什么(服务|权益)|送(流量|话费|语音|会员)",
    ),
    (
        "使用方法",
        r"(怎么|如何|咋|怎样)(使用|用|登录|登陆|绑定|更改|修改|设置|查看|收|选择|玩|填|改|发)|使用方法|用法|使用说明|"
        r"不知道方法|教(教)?我|(在哪|哪里)(用|看|使用)|(发|转发)(到)?.{0,6}邮箱|没(有)?收到|修改|更改|填写|登录|登陆|发票",
    ),
    (
        "取消方式",
        _CANCEL
        + r".{0,30}(怎么|如何|怎样)(办理|办|操作|弄|处理)|"
        + _CANCEL
        + r"|不要了|不想要|不用了|不想用|不需要|干掉|停用|停了|退出|削|怎么关|关了|撤",
    ),
    (
        "流量",
        r"(多少|几个|几|啥)(g|m)|流量(是否|是不是)?(相同|一样|一不一样)|流量(有)?多少|多少(的)?流量|流量(是)?多(大|少)|(含|有|带|送|给)(多少|几)?流量|流量(多|少)|"
        r"流量(的)?(是)?哪个|流量.{0,4}(最多|多点|多一些|多呀|多啊)|多少流量",
    ),
    (
        "语音时长",
        r"(多少|几)(通话|语音)?分钟|通话分钟|通话时长|语音时长|通话时间|分钟数|能打多久|(语音|通话)(有)?多少|(和|与|、|及)(通话|语音)",
    ),
    ("带宽", r"带宽|网速|(多少|几)(兆|m)(的)?(宽带|网)|(多少|几)兆|速率|速度"),
    (
        "开通方式",
        r"(怎么|如何|怎样|咋|怎么样)(才能|才可以|可以|能)?"
        + _OPEN
        + r"|开通方式|办理方式|办理流程|办理渠道|"
        r"(在哪|哪里|哪儿|在那)(里|儿)?(可以|能)?"
        + _OPEN
        + r"|怎么(弄|搞)|(增加|添加|加)(人|号|成员|号码|亲情)|创建|注册|"
        r"帮我(开|办)|开通一下|办理一下|(我想|我要|想继续|想再)(办理|办)|(应该|要)?(如何|怎么|怎样)操作",
    ),
    (
        "业务简介",
        r"是什么|什么是|介绍|啥意思|什么意思|有什么用|干嘛|干什么|做什么|怎么回事|是啥|啥是|什么业务",
    ),
]
# "是什么" asks for the introduction beside other attributes; "介绍一下…的开通条件" or "规则是啥样的"
# ask only for the other attribute.
INTRO_ALONGSIDE = re.compile(r"是什么|什么是|啥意思|什么意思|有什么用")
# Asked when nothing more specific is: "我想办个X" is how to open it, "X" alone what it is.
WEAK_OPEN = re.compile(_OPEN + r"|想要|要一个|来一个|弄")
ATTRIBUTE_RES = [(name, re.compile(p)) for name, p in _ATTRIBUTE_PATTERNS]

SUPERLATIVE = re.compile(r"最(便宜|优惠|低|实惠|划算|省钱|贵|高|多|少)")
CHEAP = re.compile(r"最(便宜|优惠|低|实惠|划算|省钱)|价格最低|最少钱")
DEAR = re.compile(r"最(贵|高档|高)")
MOST_DATA = re.compile(r"(流量)(最多|最大)|(最多|最大)(的)?流量|含流量最多")
LEAST_DATA = re.compile(r"(流量)(最少|最小)|(最少|最小)(的)?流量")
COMPARE = re.compile(
    r"哪(个|一个|种|款)|一样|区别|不同|相同|差别|差异|还是|比较|对比|那个稍微|谁(更|比较)?"
)
# What "the same?" compares when no attribute is named: what a customer pays and gets.
WHOLE_TIER = ("价格", "流量", "语音时长", "带宽", "有效期")
SAME_Q = re.compile(r"一样|相同|区别|不同|差别|差异")
MORE_DATA = re.compile(r"流量.{0,4}(多|大)|(多|大).{0,2}流量")
LESS_DATA = re.compile(r"流量.{0,4}(少|小)")
CHEAPER = re.compile(r"便宜|优惠|实惠|划算|少花|省钱|低")
DEARER = re.compile(r"贵|高")

# Superlatives over the catalogue ("哪个套餐最便宜"): the number, min or max, what is asked. Only
# plain superlatives of price and data: "最低消费", "最高能透支" ask something else.
BEST = (
    (re.compile(r"最(便宜|实惠|划算|省钱)|价格最低|最低价"), "price", "min", "价格"),
    (re.compile(r"最贵"), "price", "max", "价格"),
    (MOST_DATA, "data_mb", "max", "流量"),
    (LEAST_DATA, "data_mb", "min", "流量"),
)
# Which products the customer means, by the word they use; no such word, no catalogue answer.
KIND_WORDS = (
    (re.compile(r"流量包|加油包|叠加包|流量券"), "pack"),
    (re.compile(r"宽带"), "broadband"),
    (re.compile(r"套餐|手机卡"), "plan"),
    (re.compile(r"增值业务|会员"), "service"),
    (re.compile(r"活动|合约"), "campaign"),
)
