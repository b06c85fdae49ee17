import pytest
from django.urls import reverse
from django.utils import timezone

from cnum.accounts.enums import Role
from cnum.api.models import ApiToken, hash_secret
from tests.accounts.factories import RoleAssignmentFactory, UserFactory
from tests.advisors.factories import AdvisorFactory
from tests.structures.factories import StructureFactory

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)


def test_an_advisor_creates_a_token_whose_secret_is_shown_once_and_never_stored(client):
    advisor = AdvisorFactory(with_account=True)
    login(client, advisor.user)

    response = client.post(reverse("api_tokens:create"), {"name": "Mon logiciel", "scope": f"advisor:{advisor.pk}"})

    token = ApiToken.objects.get()
    secret = response.context["secret"]
    assert secret in response.content.decode()
    assert (token.advisor, token.structure, token.owner) == (advisor, None, advisor.user)
    assert token.secret_hash == hash_secret(secret) and secret not in token.secret_hash
    assert secret.startswith(token.prefix)
    page = client.get(reverse("api_tokens:list")).content.decode()
    assert "Mon logiciel" in page and token.prefix in page
    assert secret not in page


def test_a_structure_manager_creates_a_token_for_their_structure_only(client):
    structure, other = StructureFactory(), StructureFactory()
    manager = RoleAssignmentFactory(role=Role.STRUCTURE_MANAGER, scope=structure).user
    login(client, manager)

    client.post(reverse("api_tokens:create"), {"name": "SI RH", "scope": f"structure:{other.pk}"})
    assert not ApiToken.objects.exists()
    client.post(reverse("api_tokens:create"), {"name": "SI RH", "scope": f"structure:{structure.pk}"})
    assert ApiToken.objects.get().structure == structure


def test_someone_without_advisor_or_structure_may_not_create_tokens(client):
    login(client, UserFactory())
    assert client.get(reverse("api_tokens:create")).status_code == 403


def test_revoking_takes_a_post_by_the_owner(client):
    advisor = AdvisorFactory(with_account=True)
    token, _ = ApiToken.issue(name="Outil", owner=advisor.user, advisor=advisor)
    login(client, UserFactory())
    assert client.post(reverse("api_tokens:revoke", args=[token.pk])).status_code == 404

    login(client, advisor.user)
    assert client.get(reverse("api_tokens:revoke", args=[token.pk])).status_code == 405
    response = client.post(reverse("api_tokens:revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_at <= timezone.now()
