from datetime import date
from decimal import Decimal

import pytest

from servicehall.catalog import importer
from servicehall.customers.models import Bill
from servicehall.demo import CATALOGUE_CSV


@pytest.fixture
def catalogue(db):
    """The demo catalogue, imported through the importer."""
    return importer.store(importer.parse(CATALOGUE_CSV.encode(), "catalogue.csv"))


def add_bills(number, customer=None, *, amounts, voice, data, calls=0, sms=0, year=2026):
    """Three months of bills (August–October) with the same usage each month."""
    for m, amount in zip((8, 9, 10), amounts, strict=True):
        Bill.objects.create(
            number=number,
            customer=customer,
            month=date(year, m, 1),
            amount=Decimal(amount),
            voice_minutes=voice,
            data_mb=data,
            sms=sms,
            paid_calls=calls,
        )
