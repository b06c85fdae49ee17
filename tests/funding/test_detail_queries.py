"""A convention's page makes the same queries whatever the number of its posts and payments (STYLE, "Tests")."""

import pytest
from django.urls import reverse

from tests.accounts.factories import UserFactory
from tests.funding.factories import signed_convention

pytestmark = pytest.mark.usefixtures("reference")
#: Session, user, roles, the convention with its structure and scheme, its visibility, its posts and their
#: instalments, what the page shows of its state and amounts.
QUERIES = 10


def test_the_convention_page_does_not_grow_with_its_posts(client, django_assert_max_num_queries):
    client.force_login(UserFactory(programme_team=True))
    for posts in (1, 4):
        convention = signed_convention(posts=posts)
        with django_assert_max_num_queries(QUERIES):
            response = client.get(reverse("funding:convention_detail", args=[convention.pk]))
        assert len(response.context["posts"]) == posts
        assert len(response.context["ledger"]) >= posts
