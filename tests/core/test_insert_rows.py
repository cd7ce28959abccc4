"""core.db.insert_rows: an import's new rows at once (binary COPY on PostgreSQL) keep every value
as written — tabs, line ends, backslashes, quotes, NULLs, JSON, dates and times."""

from datetime import date
from decimal import Decimal

from django.utils import timezone

from servicehall.core.db import insert_rows, write_transaction
from servicehall.customers.models import Customer, CustomerChange


def test_v4_insert_rows_keeps_hostile_text_and_types(db):
    now = timezone.now()
    address = '临江市\t城东区\\和平路"1"号\n3栋\r'
    with write_transaction():
        [pk] = insert_rows(
            Customer,
            ["name", "address", "joined_on", "monthly_spend", "created_at", "updated_at"],
            [("王\\N", address, date(2012, 3, 1), Decimal("88.50"), now, now)],
            with_ids=True,
        )
        insert_rows(
            CustomerChange,
            ["customer_id", "at", "by_id", "source", "fields", "note"],
            [(pk, now, None, "import", {"address": [None, address]}, "")],
        )
    c = Customer.objects.get(pk=pk)
    assert (c.name, c.address, c.joined_on, c.monthly_spend) == (
        "王\\N",
        address,
        date(2012, 3, 1),
        Decimal("88.50"),
    )
    assert c.tier == "none" and c.member_of_id is None
    change = CustomerChange.objects.get(customer=c)
    assert change.fields == {"address": [None, address]} and change.at == now
