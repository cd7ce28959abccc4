"""Upgraded complaints (升级投诉, P1): the same customer about the same matter again after our
reply is offered as "an upgrade of TS…" and confirmed by staff, or a complaint came through a
higher channel; linked to the first complaint and shown on both case pages."""

import pytest
from django.utils import timezone

from servicehall.cases import services
from servicehall.cases.models import Case
from servicehall.complaints import upgrades
from servicehall.complaints.models import ComplaintUpgrade
from servicehall.core.errors import ServiceError
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def complaint(user, hall, phone="13900006666", category="complaint"):
    return services.open_case(
        user,
        kind="complaint",
        channel="walk_in",
        category=category,
        description="投诉宽带提速后网速仍然很慢",
        phone=phone,
        hall=hall.code,
    )


def replied(case: Case) -> Case:
    """Our reply reached the customer: the complaint is resolved."""
    Case.objects.filter(pk=case.pk).update(
        status="resolved", resolved_at=timezone.now(), resolution="已答复客户"
    )
    return Case.objects.get(pk=case.pk)


@pytest.fixture
def desk(hall):
    return factories.make_staff("complaint_desk", hall)


def test_p1_upgraded_complaint_offered_confirmed_and_shown_on_both_pages(hall, desk):
    customer = factories.make_customer(phone="13900006666")
    first = replied(complaint(desk, hall))
    other_matter = replied(complaint(desk, hall, category="other"))
    again = complaint(desk, hall)
    assert again.customer == customer
    # offered: the same customer, the same category, already replied — not the other matter
    assert [c.number for c in upgrades.candidates(again)] == [first.number]
    assert other_matter.number not in [c.number for c in upgrades.candidates(again)]
    c = client_for(desk)
    page = c.get(f"/cases/{again.pk}/").content.decode()
    assert f"This looks like an upgrade of {first.number}" in page or f"{first.number}" in page
    assert f'data-first="{first.number}"' in page
    c.post(f"/cases/{again.pk}/complaint/upgrade", {"source": "repeat", "first": first.number})
    link = ComplaintUpgrade.objects.get(case=again)
    assert link.first == first and link.source == "repeat" and link.marked_by == desk
    page = c.get(f"/cases/{again.pk}/").content.decode()
    assert 'id="upgrade-first"' in page and first.number in page
    page = c.get(f"/cases/{first.pk}/").content.decode()
    assert 'id="upgraded-by"' in page and again.number in page
    assert first.events.filter(kind="upgraded_again").exists()
    with pytest.raises(ServiceError) as e:
        upgrades.mark_upgraded(desk, again.pk, source="group_express")
    assert (e.value.code, e.value.status) == ("already_upgraded", 409)


def test_p1_upgraded_repeat_must_name_an_earlier_replied_complaint_of_that_customer(hall, desk):
    open_first = complaint(desk, hall)  # not yet replied: coming back is not an upgrade
    someone_else = replied(complaint(desk, hall, phone="13900007777"))
    again = complaint(desk, hall)
    assert upgrades.candidates(again) == []
    for number in ("", open_first.number, someone_else.number, "TS-nonsense"):
        with pytest.raises(ServiceError) as e:
            upgrades.mark_upgraded(desk, again.pk, source="repeat", first=number)
        assert e.value.field == "first" and e.value.status == 422
    assert not ComplaintUpgrade.objects.exists()


def test_p1_upgraded_through_a_higher_channel_with_or_without_the_first(hall, desk):
    again = complaint(desk, hall)
    with pytest.raises(ServiceError) as e:
        upgrades.mark_upgraded(desk, again.pk, source="consumer_forum")
    assert (e.value.code, e.value.field) == ("invalid_choice", "source")
    link = upgrades.mark_upgraded(desk, again.pk, source="provincial_centre")
    assert link.first is None and link.source == "provincial_centre"
    assert again.events.get(kind="upgraded").data["source"] == "provincial_centre"
