"""Shareable figures (issue #21, deliverable 6): an advisor or a structure manager publishes a link to its own
figures, public and unguessable, under the statistical secrecy of the public pages, revocable at any time."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from cnum.accounts.enums import Role
from cnum.activities.enums import Theme
from cnum.stats.models import FiguresShare
from cnum.stats.views_public import SECRET
from tests.accounts.factories import RoleAssignmentFactory
from tests.activities.factories import ActivityFactory, BeneficiaryFactory
from tests.advisors.factories import ContractFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def advisor():
    return ContractFactory(advisor__with_account=True, structure__name="Médiathèque de Bron").advisor


def record(advisor, count, *, theme=Theme.EMAIL, **fields):
    structure = advisor.contracts.get().structure
    return ActivityFactory.create_batch(count, advisor=advisor, structure=structure, themes=[theme], **fields)


def rebuild():
    call_command("stats_rebuild", verbosity=0, stdout=io.StringIO())


def publish(client, user):
    client.force_login(user)
    client.post(reverse("stats:share"), {"action": "publier"})
    return FiguresShare.objects.get(revoked_at__isnull=True)


def test_an_advisor_publishes_one_unguessable_link_and_sees_it(client, advisor):
    share = publish(client, advisor.user)
    assert share.scope == f"advisor:{advisor.pk}"
    assert len(share.token) >= 32
    page = client.get(reverse("stats:share")).content.decode()
    assert reverse("stats:shared", kwargs={"token": share.token}) in page
    client.post(reverse("stats:share"), {"action": "publier"})
    assert FiguresShare.objects.get() == share  # publishing again keeps the link


def test_the_public_link_shows_the_figures_and_no_personal_data(client, advisor):
    followed = BeneficiaryFactory(advisor=advisor, followed=True, first_name="Gaëlle", last_name="Rousseau")
    record(advisor, 6)
    record(advisor, 1, accompaniment__beneficiary=followed)
    ActivityFactory.create_batch(3)  # someone else's
    rebuild()
    share = publish(client, advisor.user)
    client.logout()
    response = client.get(reverse("stats:shared", kwargs={"token": share.token}))
    assert response.status_code == 200
    tiles = {tile["key"]: tile["value"] for tile in response.context["tiles"]}
    assert tiles["accompaniments"] == "7"
    page = response.content.decode()
    assert "un conseiller numérique de Médiathèque de Bron" in page
    for personal in ("Rousseau", "Gaëlle", advisor.last_name):
        assert personal not in page


def test_below_five_the_figures_are_withheld(client, advisor):
    record(advisor, 4)
    rebuild()
    share = publish(client, advisor.user)
    response = client.get(reverse("stats:shared", kwargs={"token": share.token}))
    assert response.context["withheld"] is True
    assert "tiles" not in response.context
    assert "Secret statistique" in response.content.decode()


def test_a_breakdown_value_under_five_is_secret(client, advisor):
    record(advisor, 8)
    record(advisor, 2, theme=Theme.SECURITY)
    rebuild()
    share = publish(client, advisor.user)
    response = client.get(reverse("stats:shared", kwargs={"token": share.token}))
    themes = next(section for section in response.context["breakdowns"] if section["id"] == "public-by_theme")
    rows = {row[0]: row[1] for row in themes["rows"]}
    assert rows[Theme.SECURITY.label] == SECRET
    assert 2 not in rows.values()


def test_a_revoked_link_is_not_found_and_a_new_one_has_a_new_token(client, advisor):
    share = publish(client, advisor.user)
    client.post(reverse("stats:share"), {"action": "revoquer"})
    assert client.get(reverse("stats:shared", kwargs={"token": share.token})).status_code == 404
    assert client.get(reverse("stats:shared", kwargs={"token": "inconnu"})).status_code == 404
    again = publish(client, advisor.user)
    assert again.token != share.token
    assert client.get(reverse("stats:shared", kwargs={"token": again.token})).status_code == 200


def test_a_structure_manager_shares_its_structures_figures_only(client, advisor):
    structure = advisor.contracts.get().structure
    record(advisor, 5)
    ActivityFactory.create_batch(9)  # other structures
    rebuild()
    share = publish(client, RoleAssignmentFactory(role=Role.STRUCTURE_MANAGER, scope=structure).user)
    assert share.scope == f"structure:{structure.pk}"
    response = client.get(reverse("stats:shared", kwargs={"token": share.token}))
    assert {tile["key"]: tile["value"] for tile in response.context["tiles"]}["activities"] == "5"
    assert "Médiathèque de Bron" in response.content.decode()


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.PREFECTURE_DEPARTEMENT, Role.PROGRAMME_TEAM])
def test_roles_without_figures_of_their_own_cannot_share(client, role):
    client.force_login(RoleAssignmentFactory(role=role).user)
    assert client.get(reverse("stats:share")).status_code == 403
    assert client.post(reverse("stats:share"), {"action": "publier"}).status_code == 403
    assert not FiguresShare.objects.exists()
