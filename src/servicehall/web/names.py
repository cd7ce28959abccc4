"""Names in the interface language for rows the selectors give in Chinese only."""

from django.utils.translation import get_language

from servicehall.org.models import ServiceType


def english() -> bool:
    return (get_language() or "").startswith("en")


def service_type_names() -> dict[str, str]:
    """Chinese service type name → its name in the interface language (empty in Chinese)."""
    if not english():
        return {}
    return dict(ServiceType.objects.values_list("name_zh", "name_en"))


def localize_board(data: dict) -> dict:
    """The board's per-type rows, overdue tickets and counters with localized type names."""
    names = service_type_names()
    if names:
        for row in [*data["per_service_type"], *data["overdue"]]:
            row["service_type"] = names.get(row["service_type"], row["service_type"])
        for c in data["counters"]:
            c["service_types"] = [names.get(n, n) for n in c["service_types"]]
            for line in c["lines"]:
                line["name"] = names.get(line["name"], line["name"])
    return data
