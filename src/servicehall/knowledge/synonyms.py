"""Our telecom vocabulary: the words jieba must keep whole, and the synonym groups a query is
expanded with. Each group lists words customers and staff use for one thing; a query word of a
group also looks for the others (search.py weighs those lower than the words typed). Written for
this project from the service manuals' wording; product names and their aliases come from the
catalogue (catalog.models.Alias) at index time."""

from __future__ import annotations

SYNONYM_GROUPS: tuple[tuple[str, ...], ...] = (
    ("宽带", "光纤", "家庭宽带", "家宽", "光宽带", "网络"),
    ("断网", "上不了网", "没网", "掉线", "连不上网", "无法上网"),
    ("网速", "速率", "网速慢", "卡顿", "带宽"),
    ("光猫", "调制解调器", "猫", "路由器"),
    ("停机", "欠费停机", "停机了", "被停机"),
    ("停机保号", "保号", "报停"),
    ("复机", "开机", "恢复通话", "复通"),
    ("携号转网", "转网", "携转", "带号转网"),
    ("流量", "上网流量", "数据流量", "移动数据", "上网"),
    ("套餐", "资费", "月租", "套餐资费"),
    ("退订", "取消", "关闭", "不要了"),
    ("开通", "办理", "订购", "申请"),
    ("销户", "注销", "拆机", "离网"),
    ("话费", "余额", "账户余额"),
    ("缴费", "充值", "交费", "交话费"),
    ("发票", "电子发票", "报销凭证", "票据"),
    ("账单", "详单", "清单", "话单", "通话记录"),
    ("sim卡", "手机卡", "电话卡", "号卡"),
    ("补卡", "补换卡", "换卡", "补办"),
    ("挂失", "丢失", "丢了", "被偷"),
    ("国际漫游", "漫游", "出境", "出国", "境外"),
    ("信号", "信号差", "没信号", "无信号", "信号弱"),
    ("密码", "服务密码", "重置密码", "忘记密码"),
    ("实名", "实名制", "实名登记", "身份证"),
    ("投诉", "申诉", "不满意"),
    ("致歉", "道歉", "抱歉", "对不起"),
    ("首问负责", "首问负责制", "首问"),
    ("亲情网", "亲情号", "家庭网"),
    ("积分", "积分兑换"),
    ("营业厅", "厅店", "网点"),
    ("手机号", "号码", "手机号码"),
)

# Words jieba must keep whole besides those above (our user dictionary).
EXTRA_WORDS: tuple[str, ...] = (
    "宽带故障",
    "宽带报障",
    "光猫重启",
    "一证通查",
    "副卡",
    "主卡",
    "5G",
    "4G",
    "VoLTE",
    "e-SIM",
    "eSIM",
    "翼支付",
    "营业执照",
    "服务用语",
    "服务规范",
    "靓号",
    "合约期",
    "违约金",
    "预存款",
    "过户",
    "代办",
    "委托书",
    "短信验证码",
    "国际长途",
    "境外上网",
    "流量包",
    "语音包",
    "限速",
    "达量限速",
    "不限量",
    "停复机",
)

# Function and question words, and the people every text is about: they carry no topic.
STOPWORDS: frozenset[str] = frozenset(
    """的 了 吗 呢 啊 吧 呀 哦 嘛 么 我 你 您 他 她 它 我们 你们 他们 是 在 有 和 与 及 或 也 都
    就 要 想 请问 请 怎么 怎样 怎么样 如何 什么 为什么 为何 怎么办 咋办 办法 方法 哪些 哪个 哪里 多少 能 能否 能不能
    可以 可不可以 一下 这个 那个 这 那 还 又 被 把 给 对 从 到 啥 咋 会 该 个 吗？ 呢？ 些 下
    一 让 用 得 地 着 过 所 以 及其 客户 用户 顾客 先生 女士 如果 但是 而且 然后 已经 需要 自己 现在 时候 问题""".split()
)
