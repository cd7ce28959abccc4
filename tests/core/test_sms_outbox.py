"""V2: the SMS outbox that staff read in the admin never gives away a customer's one-time
code (whoever read it could verify as that customer), unless the hall has no gateway and the
outbox is where the code is read (the demo)."""

import pytest
from django.test import Client, override_settings

from servicehall.core.models import SmsMessage
from servicehall.core.sms import queue_sms
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/admin/core/smsmessage/"


@pytest.fixture
def admin_client(hall):
    c = Client()
    c.force_login(factories.make_staff("administrator", hall))
    queue_sms("13900000020", "【营业厅】您的验证码是 482913，5分钟内有效。", purpose="chat_verify")
    queue_sms("13900000021", "您的服务单 GD202611290001 已办结，回复1满意", purpose="survey")
    return c


def test_v2_one_time_codes_are_blanked_in_the_outbox(admin_client):
    page = admin_client.get(URL).content.decode()
    assert "您的验证码是 ******" in page and "482913" not in page
    assert "GD202611290001" in page  # other texts are shown whole
    assert "139****0020" in page and "13900000020" not in page
    code = SmsMessage.objects.get(purpose="chat_verify")
    detail = admin_client.get(f"{URL}{code.pk}/change/")
    assert detail.status_code == 200 and "验证码是 ******" in detail.content.decode()
    assert "482913" not in detail.content.decode()


@override_settings(SMS_OUTBOX_SHOWS_CODES=True)
def test_v2_without_a_gateway_the_outbox_is_where_the_demo_reads_the_code(admin_client):
    assert "您的验证码是 482913" in admin_client.get(URL).content.decode()
