import pytest

from servicehall.knowledge import services
from tests import factories


@pytest.fixture
def author(hall):
    return factories.make_staff("care_desk", hall)


@pytest.fixture
def reviewer(hall):
    return factories.make_staff("quality_supervisor", hall)


@pytest.fixture
def publish(author, reviewer):
    """publish(title, body, **fields) -> a live article written by `author`, approved and
    published by `reviewer`."""

    def make(title: str, body: str, **fields):
        fields.setdefault("audience", "public")
        article = services.create_article(author, title=title, body=body, **fields)
        services.act(author, article.pk, "submit", version=1)
        services.act(reviewer, article.pk, "approve", version=1)
        return services.act(reviewer, article.pk, "publish", version=1)

    return make
