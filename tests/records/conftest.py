from datetime import date, datetime
from decimal import Decimal
from uuid import uuid4

import pytest
from django.utils import timezone

from servicehall.complaints.models import SubscriptionEvidence
from servicehall.customers.models import Bill, Customer, CustomerChange, Identification
from tests import factories


def at(y, m, d, hh=10, mm=0) -> datetime:
    return timezone.make_aware(datetime(y, m, d, hh, mm))


def left_customer(phone: str, left: datetime, *, line_ended: date | None = None) -> Customer:
    """A customer who left at `left`, with one closed line, two bills, three subscription
    records, a change of their details and an identification."""
    c = factories.make_customer(phone=phone, name="王小明")
    c.address = "成都市锦江区东大街1号"
    c.status = Customer.Status.LEFT
    c.left_at = left
    c.save()
    c.phones.update(status="closed", ended_on=line_ended or timezone.localtime(left).date())
    for month in (date(2023, 11, 1), date(2023, 12, 1)):
        Bill.objects.create(number=phone, customer=c, month=month, amount=Decimal("58.00"))
    for kind in ("order", "confirm", "charge"):
        SubscriptionEvidence.objects.create(
            key=uuid4(),
            line=phone,
            sp_code="901234",
            service_code="MUSIC10",
            kind=kind,
            at=left,
            from_addr=phone,
            to_addr="10658000",
        )
    CustomerChange.objects.create(
        customer=c,
        at=left,
        source="page",
        fields={"address": ["成都市青羊区", "成都市锦江区东大街1号"]},
        note="搬家",
    )
    Identification.objects.create(customer=c, method="id_card", at=left, purpose="销户")
    return c


@pytest.fixture
def admin_user(hall):
    return factories.make_staff("administrator", hall)
