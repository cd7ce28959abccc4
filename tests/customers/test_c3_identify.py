"""C3: how a customer was identified is recorded; a wrong proof is refused and counted, so a
service password cannot be guessed at the counter."""

import pytest
from django.contrib.auth.hashers import make_password

from servicehall.core.errors import RateLimited, ServiceError
from servicehall.customers import services
from servicehall.customers.models import Identification
from tests import factories


@pytest.fixture
def customer(db):
    c = factories.make_customer()
    c.service_password = make_password("604219")
    c.save()
    return c


def test_c3_service_password_identifies_and_is_recorded(customer, clerk):
    row = services.identify(clerk, customer, "password", proof="604219", purpose="销户挽留")
    assert (row.method, row.by, row.purpose) == ("password", clerk, "销户挽留")
    assert Identification.objects.filter(customer=customer).count() == 1


def test_c3_id_card_must_match_the_whole_number(customer, clerk):
    with pytest.raises(ServiceError) as e:
        services.identify(clerk, customer, "id_card", proof=customer.id_number[:-1] + "X")
    assert (e.value.code, e.value.field) == ("wrong_proof", "proof")
    assert services.identify(clerk, customer, "id_card", proof=customer.id_number.lower())


def test_c3_five_wrong_passwords_hold_the_customer(customer, clerk):
    for _ in range(5):
        with pytest.raises(ServiceError):
            services.identify(clerk, customer, "password", proof="000000")
    # even the right password is refused while held: the guesser learns nothing
    with pytest.raises(RateLimited):
        services.identify(clerk, customer, "password", proof="604219")
    assert not Identification.objects.exists()


def test_c3_unknown_method_and_missing_password(db, clerk):
    bare = factories.make_customer()
    with pytest.raises(ServiceError) as e:
        services.identify(clerk, bare, "fingerprint", proof="x")
    assert (e.value.code, e.value.field) == ("invalid_choice", "method")
    with pytest.raises(ServiceError) as e:
        services.identify(clerk, bare, "password", proof="123456")
    assert e.value.code == "no_service_password"


def _texted_code(number: str) -> str:
    import re

    from servicehall.core.models import SmsMessage

    text = SmsMessage.objects.filter(to=number, purpose="identification_code").latest("id").text
    return re.search(r"验证码 (\d{6})", text).group(1)


def test_c3_a_code_texted_to_the_line_identifies_once(customer, clerk):
    import time_machine
    from django.utils import timezone

    number = customer.phones.get().number
    assert services.send_identification_code(clerk, customer.pk).endswith(number[-4:])
    code = _texted_code(number)
    with pytest.raises(ServiceError) as e:
        services.send_identification_code(clerk, customer.pk)  # one a minute
    assert e.value.code == "code_too_soon"
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(ServiceError) as e:
        services.identify(clerk, customer, "sms_code", proof=wrong)
    assert e.value.code == "wrong_proof"
    row = services.identify(clerk, customer, "sms_code", proof=code, purpose="补卡")
    assert row.method == "sms_code"
    with pytest.raises(ServiceError) as e:  # used once
        services.identify(clerk, customer, "sms_code", proof=code)
    assert e.value.code == "code_expired"
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=2)):
        services.send_identification_code(clerk, customer.pk)
        late = _texted_code(number)
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=13)):
        with pytest.raises(ServiceError) as e:  # 10 minutes
            services.identify(clerk, customer, "sms_code", proof=late)
        assert e.value.code == "code_expired"
