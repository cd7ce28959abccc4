import pytest
from django.test import Client

from servicehall.core import ratelimit
from servicehall.core.ttl import TTLCache
from servicehall.queueing import services as queue
from tests import factories


@pytest.fixture(autouse=True)
def _fresh_process_caches():
    """Rolled-back tests reuse ids: no test may see what another left in a process cache."""
    TTLCache.forget_everywhere()
    yield
    TTLCache.forget_everywhere()


@pytest.fixture(autouse=True)
def _default_language():
    """A request in English leaves English active in the test's thread (the locale middleware
    activates, nothing deactivates): the next test starts in the default language again."""
    yield
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate-limit counts in Redis outlive a rolled-back test: each test starts from none."""
    ratelimit.forget_redis()
    yield


@pytest.fixture
def hall(db):
    return factories.make_hall()


@pytest.fixture
def clerk(hall):
    return factories.make_staff("clerk", hall)


@pytest.fixture
def device(hall):
    return factories.make_staff("device", hall)


@pytest.fixture
def manager(hall):
    return factories.make_staff("hall_manager", hall)


def client_for(user, lang: str | None = None) -> Client:
    """A browser-like client signed in as `user` (None: anonymous), in `lang` if given (the
    language switch's cookie)."""
    c = Client()
    if user is not None:
        c.force_login(user)
    if lang:
        c.cookies["django_language"] = lang
    return c


@pytest.fixture
def api_as():
    """api_as(user) -> a JSON client for the API signed in as that user (None: anonymous)."""

    class Api:
        def __init__(self, user):
            self.c = client_for(user)

        def get(self, path, **params):
            return self.c.get("/api" + path, params)

        def post(self, path, body=None):
            return self.c.post("/api" + path, body or {}, content_type="application/json")

        def patch(self, path, body=None):
            return self.c.patch("/api" + path, body or {}, content_type="application/json")

    return Api


@pytest.fixture
def serving(hall, clerk):
    """A ticket the clerk is serving at counter 1 right now."""
    counter = factories.counter(hall, "1号窗口")
    customer = factories.make_customer(phone="13900001234")
    queue.sign_in(clerk, counter)
    device = factories.make_staff("device", hall)
    queue.issue_ticket(device, hall, "consult", phone="13900001234")
    ticket = queue.call_next(clerk, counter)
    queue.start_service(clerk, ticket.pk)
    return ticket, customer


@pytest.fixture
def fault_desk(hall):
    lead = factories.make_staff("clerk", hall)
    member = factories.make_staff("clerk", hall)
    desk = factories.make_desk("fault", hall, lead=lead, members=[member])
    return desk, lead, member
