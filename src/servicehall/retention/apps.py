from django.apps import AppConfig


class RetentionConfig(AppConfig):
    """Retention (分级挽留, R1–R3) as a case type of the one case engine (cases/): its workflow
    is registered with it, its checks and effects added to the engine's CHECKS and EFFECTS, its
    chat intent ("我要销户", "携号转网") to the chat hand-over's INTENTS."""

    name = "servicehall.retention"
    label = "retention"
    verbose_name = "挽留 Retention"

    def ready(self) -> None:
        from servicehall.cases.selectors import EVENT_LABELS
        from servicehall.cases.workflows import register

        from . import services
        from .workflows import RETENTION

        register(RETENTION)
        services.plug_into_engine()
        # --- the chat: "我要销户", "注销号码", "携号转网", "转网" hand it over as a retention case
        import re

        from servicehall.cases.services.chat import INTENTS, Intent

        if not any(i.kind == RETENTION.kind for i in INTENTS):
            INTENTS.append(
                Intent(
                    kind=RETENTION.kind,
                    pattern=re.compile(r"销户|注销(号码|手机号|账户|帐户)|携号转网|转网|离网"),
                    category=services.CATEGORY,
                    subject="在线要求销户/携号转网（挽留）",
                )
            )
        EVENT_LABELS["retention_details"] = ("登记挽留信息", "Retention details recorded")
