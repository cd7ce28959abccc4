"""The service script panel of a complaint (P1): the handbook's four techniques (处理技巧), each
with when it fits and its reference words, shown beside the current stage's script (the
workflow's script_zh). They are the handbook's fixed text, so a module constant, reviewed with
the code like the workflow's scripts; what a desk writes for itself goes in the knowledge base's
scripts, which the case page suggests beside them."""

from __future__ import annotations

# code, name (zh, en), when it fits (zh, en), the reference words (zh)
TECHNIQUES = (
    (
        "repeat",
        ("重复法", "Repetition"),
        (
            "谈理解，不断重复我们能做的，不去讲我们不能做的；适用于狮子大开口要求赔偿的投诉用户。",
            "Show understanding and repeat what we can do, never what we cannot; for a "
            "customer who demands an outsized compensation.",
        ),
        "我非常理解您现在的心情。在相关法律和公司条例范围内，我们会尽最大努力去争取；"
        "目前我们能做的是双倍返还。（客户不同意，则重复之）",
    ),
    (
        "hint",
        ("暗示法", "Hinting"),
        (
            "暗示走法律途径的时间、金钱成本较高，取证难，法律未必支持，使客户知难而退；"
            "适用于可能走申诉途径的投诉用户。证据要确凿。",
            "Hint that a legal route costs time and money, that proof is hard and the law may "
            "not side with them; for a customer who may appeal. Our evidence must be sound.",
        ),
        "我非常理解您现在的心情，和您一样着急。如果真的走法律程序，取证很重要，也比较难，"
        "还会发生不少费用，时间会较长，如何判定还不好说……不如我们看看这个解决方案。",
    ),
    (
        "step_back",
        ("以退为进法", "Step back to move forward"),
        (
            "先表明理解并愿意帮助客户，待客户情绪稳定后引导客户：要求须有法律依据和支持；"
            "适用于希望走法律途径的投诉用户。",
            "First show you understand and will help; once the customer is calmer, guide them: "
            "a demand needs the law's support; for a customer who wants to go to law.",
        ),
        "我非常愿意协助解决，但您的要求需要得到法律的支持。离开法律，很难满足；"
        "公司层面能解决的是……您在这方面还有什么建议？",
    ),
    (
        "divert",
        ("转移法", "Diversion"),
        (
            "判断客户的高额赔偿等特殊要求只是加大压力的砝码时，转移话题、降低期望，"
            "只解决实质问题；须谨慎，判断有误会造成升级投诉。",
            "When a high demand is only leverage, change the subject, lower expectations and "
            "solve the real problem; with care: a wrong judgement upgrades the complaint.",
        ),
        "您反映的核心问题是……，我们先把这个问题给您彻底解决好。",
    ),
)


def techniques(lang: str = "zh") -> list[dict]:
    zh = lang.startswith("zh")
    return [
        {
            "code": code,
            "name": name[0],
            "name_en": name[1],
            "when": when[0] if zh else when[1],
            "words": words,
        }
        for code, name, when, words in TECHNIQUES
    ]
