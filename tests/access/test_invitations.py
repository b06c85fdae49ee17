"""Invitations (issue #18): single-use, hashed, 7-day links; resend and revoke; accepting lands on the role's home
page; bad input says so."""

import datetime
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from cnum.access.models import Invitation, token_hash
from cnum.access.services import invitation_send, target_read
from cnum.accounts.enums import Role
from cnum.accounts.models import RoleAssignment, User
from cnum.core.models import AuditEvent
from tests.accounts.factories import PASSWORD, RoleAssignmentFactory, UserFactory
from tests.advisors.factories import ContractFactory
from tests.structures.factories import StructureFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def structure():
    return StructureFactory(name="Ville de Lyon")


@pytest.fixture
def manager(structure):
    return RoleAssignmentFactory(role=Role.STRUCTURE_MANAGER, scope=structure).user


@pytest.fixture
def programme():
    return UserFactory(programme_team=True)


def sent_link() -> str:
    return re.search(r"https?://\S+/invitation/\S+/", mail.outbox[-1].body).group(0)


def path_of(link: str) -> str:
    return "/" + link.split("/", 3)[3]


def accept_with_password(client, link, **extra):
    body = {"first_name": "Alex", "last_name": "Martin", "password1": PASSWORD, "password2": PASSWORD} | extra
    return client.post(path_of(link), body)


def test_the_programme_team_invites_a_manager_who_accepts_and_lands_on_the_dashboard(client, programme, structure):
    client.force_login(programme)
    response = client.post(
        reverse("access:invite"),
        {"email": "Gestion@Lyon.fr", "role": Role.STRUCTURE_MANAGER, "scope": f"structure:{structure.identifier}"},
    )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.scope, invitation.invited_by) == (
        "gestion@lyon.fr",
        f"structure:{structure.pk}",
        programme,
    )
    assert invitation.expires_at - invitation.sent_at == datetime.timedelta(days=7)
    link = sent_link()
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert invitation.token_hash == token_hash(token) and token not in invitation.token_hash

    client.logout()
    assert client.get(path_of(link)).status_code == 200
    response = accept_with_password(client, link)
    assert response.status_code == 302 and response["Location"] == reverse("core:dashboard")
    user = User.objects.get(email="gestion@lyon.fr")
    assert list(user.roles.values_list("role", "scope_id")) == [(Role.STRUCTURE_MANAGER, str(structure.pk))]
    assert "Gestionnaire de structure" in client.get(reverse("core:dashboard")).content.decode()
    # The grant is in the audit trail in the name of whoever invited.
    grant = AuditEvent.objects.get(content_type__model="roleassignment", object_id=str(user.roles.get().pk))
    assert grant.actor_id == programme.pk

    # Single use: the same link now says so.
    client.logout()
    page = client.get(path_of(link)).content.decode()
    assert "déjà été acceptée" in page


def test_an_expired_link_says_so_and_sends_a_new_one_to_the_invited_address(client, programme, structure):
    target = target_read(Role.STRUCTURE_MANAGER, f"structure:{structure.pk}")
    invitation, link = invitation_send(granter=programme, email="late@lyon.fr", target=target)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    page = client.get(path_of(link)).content.decode()
    assert "a expiré" in page
    assert accept_with_password(client, link).status_code == 200
    assert not User.objects.filter(email="late@lyon.fr").exists()

    client.post(reverse("access:invitation_renew", args=[link.rstrip("/").rsplit("/", 1)[1]]))
    assert mail.outbox[-1].to == ["late@lyon.fr"]
    assert accept_with_password(client, sent_link()).status_code == 302
    assert User.objects.get(email="late@lyon.fr").roles.count() == 1


def test_resend_replaces_the_link_and_revoke_closes_it(client, manager, structure):
    client.force_login(manager)
    ContractFactory(advisor__email="conseil@lyon.fr", structure=structure)
    body = {"email": "conseil@lyon.fr", "role": Role.ADVISOR, "scope": f"structure:{structure.pk}"}
    client.post(reverse("access:invite"), body)
    invitation = Invitation.objects.get()
    first = sent_link()
    client.post(reverse("access:invitation_resend", args=[invitation.pk]))
    second = sent_link()
    assert first != second
    assert (
        "introuvable" in client.get(path_of(first)).content.decode() or client.get(path_of(first)).status_code == 404
    )
    client.post(reverse("access:invitation_revoke", args=[invitation.pk]))
    client.logout()
    assert "a été annulée" in client.get(path_of(second)).content.decode()


def test_an_advisor_accepts_and_holds_the_role_linked_to_their_record(client, manager, structure):
    contract = ContractFactory(advisor__email="conseil@lyon.fr", structure=structure)
    target = target_read(Role.ADVISOR, f"structure:{structure.pk}")
    _, link = invitation_send(granter=manager, email="conseil@lyon.fr", target=target)
    assert accept_with_password(client, link).status_code == 302
    contract.advisor.refresh_from_db()
    assert contract.advisor.user.email == "conseil@lyon.fr"
    assert contract.advisor.user.roles.get().role == Role.ADVISOR


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"role": Role.PROGRAMME_TEAM, "scope": "national"}, "Sélectionnez un choix valide"),
        ({"role": Role.STRUCTURE_MANAGER, "scope": "structure:{other}"}, "ne pouvez pas attribuer"),
        ({"role": Role.ADVISOR, "scope": "structure:{own}"}, "Aucun contrat en cours"),
        ({"role": Role.STRUCTURE_MANAGER, "scope": "departement:69"}, "pas « departement »"),
    ],
)
def test_a_manager_grants_nothing_beyond_its_scope_or_above_its_role(client, manager, structure, body, message):
    other = StructureFactory()
    client.force_login(manager)
    body = {"email": "x@exemple.fr"} | {k: v.format(own=structure.pk, other=other.pk) for k, v in body.items()}
    response = client.post(reverse("access:invite"), body)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Invitation.objects.exists()


def test_inviting_an_address_that_already_has_the_role_says_so(client, manager, structure):
    RoleAssignmentFactory(role=Role.STRUCTURE_MANAGER, scope=structure, user__email="deja@lyon.fr")
    client.force_login(manager)
    response = client.post(
        reverse("access:invite"),
        {"email": "deja@lyon.fr", "role": Role.STRUCTURE_MANAGER, "scope": f"structure:{structure.pk}"},
    )
    assert "deja@lyon.fr a déjà ce rôle" in response.content.decode()
    assert not Invitation.objects.exists()


def test_an_existing_account_signs_in_then_accepts(client, programme, structure):
    agent = UserFactory(email="agent@lyon.fr")
    target = target_read(Role.STRUCTURE_MANAGER, f"structure:{structure.pk}")
    _, link = invitation_send(granter=programme, email="agent@lyon.fr", target=target)
    assert "Se connecter" in client.get(path_of(link)).content.decode()
    assert accept_with_password(client, link).status_code == 200
    assert not agent.roles.exists()
    client.force_login(agent)
    assert client.post(path_of(link)).status_code == 302
    assert agent.roles.get().role == Role.STRUCTURE_MANAGER


def test_the_invitation_of_another_address_is_not_accepted_by_whoever_is_signed_in(client, programme, structure):
    target = target_read(Role.STRUCTURE_MANAGER, f"structure:{structure.pk}")
    _, link = invitation_send(granter=programme, email="someone@lyon.fr", target=target)
    intruder = UserFactory()
    client.force_login(intruder)
    assert client.post(path_of(link)).status_code == 403
    assert not RoleAssignment.objects.filter(user=intruder).exists()
    assert Invitation.objects.get().accepted_at is None
