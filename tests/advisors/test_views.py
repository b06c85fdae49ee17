import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cnum.accounts.enums import Role
from cnum.advisors.enums import ContractKind
from cnum.advisors.models import Advisor, Contract, SiteAssignment, Team, TeamMembership, Training
from tests.advisors.factories import (
    AdvisorFactory,
    ContractFactory,
    SiteAssignmentFactory,
    TeamFactory,
    TeamMembershipFactory,
    TrainingFactory,
)
from tests.sites.factories import SiteFactory
from tests.structures.factories import PostFactory, StructureFactory
from tests.territories.factories import DepartementFactory, RegionFactory

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def as_role(client, user_with_role):
    """`as_role(Role.X, scope)`: the test client signed in as a new user acting in that role."""

    def login(role, scope=None):
        user = user_with_role(role, scope)
        client.force_login(user)
        return user

    return login


def page(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# --- list -----------------------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get(reverse("advisors:list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_the_list_shows_only_what_the_role_sees(client, as_role):
    structure = StructureFactory(name="Mairie de Villeurbanne")
    ContractFactory(structure=structure, advisor__last_name="Martin")
    ContractFactory(advisor__last_name="Ailleurs")
    as_role(Role.STRUCTURE_MANAGER, structure)
    html = page(client, reverse("advisors:list"))
    assert "MARTIN" in html and "Mairie de Villeurbanne" in html
    assert "AILLEURS" not in html


def test_the_list_filters(client, as_role):
    rhone = DepartementFactory(code="69", region=RegionFactory(code="84"))
    paris = DepartementFactory(code="75", name="Paris", region=RegionFactory(code="11", name="Île-de-France"))
    ContractFactory(advisor__last_name="Rhodanien", structure__departement=rhone, kind=ContractKind.CDI)
    ContractFactory(
        advisor__last_name="Parisien", structure__departement=paris, structure__name="Ville de Paris", kind="pec"
    )
    ContractFactory(advisor__last_name="Parti", structure__departement=rhone, ended=True)
    AdvisorFactory(last_name="Nouveau")
    as_role(Role.PROGRAMME_TEAM)
    url = reverse("advisors:list")

    def shown(**params):
        html = page(client, url, **params)
        return {name for name in ["RHODANIEN", "PARISIEN", "PARTI", "NOUVEAU"] if name in html}

    assert shown() == {"RHODANIEN", "PARISIEN", "PARTI", "NOUVEAU"}
    assert shown(region="84") == {"RHODANIEN"}
    assert shown(departement="75") == {"PARISIEN"}
    assert shown(structure="ville de") == {"PARISIEN"}
    assert shown(kind="cdi") == {"RHODANIEN"}
    assert shown(status="en_poste") == {"RHODANIEN", "PARISIEN"}
    assert shown(status="sans_contrat") == {"PARTI", "NOUVEAU"}
    assert shown(q="pari") == {"PARISIEN"}
    assert shown(q="pari", kind="cdi") == set()


def test_the_list_pages_by_50_and_keeps_the_filters(client, as_role):
    AdvisorFactory.create_batch(51, last_name="Homonyme")
    as_role(Role.PROGRAMME_TEAM)
    html = page(client, reverse("advisors:list"), q="homonyme")
    assert html.count("HOMONYME") == 50
    assert "Page 1 sur 2" in html and "q=homonyme&amp;page=2" in html
    assert page(client, reverse("advisors:list"), q="homonyme", page=2).count("HOMONYME") == 1


def test_the_list_runs_a_fixed_number_of_queries(client, as_role, django_assert_max_num_queries):
    as_role(Role.PROGRAMME_TEAM)
    url = reverse("advisors:list")
    for _ in range(3):
        ContractFactory()
    client.get(url)  # warm the session and content types
    with django_assert_max_num_queries(15) as few:
        page(client, url)
    for _ in range(30):
        advisor = ContractFactory().advisor
        ContractFactory(advisor=advisor, post=None)  # two current contracts
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = page(client, url)
    assert html.count("<tr>") > 60


# --- detail ---------------------------------------------------------------------------------------------------


def test_the_detail_shows_contracts_sites_teams_and_trainings(client, as_role):
    contract = ContractFactory(structure__name="Mairie de Bron", kind=ContractKind.CDI)
    advisor = contract.advisor
    SiteAssignmentFactory(advisor=advisor, site=SiteFactory(name="Médiathèque Jean Prévost"))
    TeamMembershipFactory(advisor=advisor, team__name="Équipe Est lyonnais")
    TrainingFactory(advisor=advisor, certified=True)
    as_role(Role.STRUCTURE_MANAGER, contract.structure)
    html = page(client, reverse("advisors:detail", args=[advisor.pk]))
    for text in [
        advisor.full_name,
        "Mairie de Bron",
        f"n° {contract.post_id}",
        "depuis le 01/01/2024",
        "Médiathèque Jean Prévost",
        "Équipe Est lyonnais",
        "Formation initiale",
        "Certifié",
        "Fin du contrat",
    ]:
        assert text in html, text


def test_detail_answers_403_outside_the_scope_and_404_when_unknown(client, as_role):
    advisor = ContractFactory().advisor
    as_role(Role.STRUCTURE_MANAGER, StructureFactory())
    assert client.get(reverse("advisors:detail", args=[advisor.pk])).status_code == 403
    assert client.get(reverse("advisors:detail", args=[advisor.pk + 1000])).status_code == 404
    assert client.get(reverse("advisors:edit", args=[advisor.pk])).status_code == 403


def test_a_coordinator_loses_access_when_the_member_leaves(client, as_role):
    membership = TeamMembershipFactory()
    as_role(Role.COORDINATOR, membership.team)
    url = reverse("advisors:detail", args=[membership.advisor_id])
    assert client.get(url).status_code == 200
    client.post(
        reverse("advisors:membership_edit", args=[membership.pk]), {"start": "2024-01-01", "end": "2024-06-30"}
    )
    membership.refresh_from_db()
    assert membership.end == D(2024, 6, 30)
    assert client.get(url).status_code == 403
    assert membership.advisor.last_name not in page(client, reverse("advisors:team_detail", args=[membership.team_id]))


# --- creating and editing -------------------------------------------------------------------------------------


def test_a_structure_manager_recruits_an_advisor_on_a_vacant_post(client, as_role):
    post = PostFactory(vacant_since=D(2023, 6, 1))
    as_role(Role.STRUCTURE_MANAGER, post.structure)
    url = reverse("advisors:create")
    assert f"Poste n° {post.pk}" in page(client, url)
    assert not Advisor.objects.exists()  # GET never writes
    response = client.post(
        url,
        {
            "first_name": "Camille",
            "last_name": "Martin",
            "email": "camille@exemple.fr",
            "contrat-structure": post.structure_id,
            "contrat-post": post.pk,
            "contrat-kind": "cdd",
            "contrat-start": "2024-02-01",
        },
    )
    advisor = Advisor.objects.get()
    assert response.status_code == 302 and response.url == advisor.get_absolute_url()
    assert advisor.contracts.get().post == post
    post.refresh_from_db()
    assert post.vacant_since is None


def test_creation_errors_are_in_french_and_keep_the_input(client, as_role):
    holder = ContractFactory()
    as_role(Role.STRUCTURE_MANAGER, holder.structure)
    response = client.post(
        reverse("advisors:create"),
        {
            "first_name": "Camille",
            "last_name": "",
            "email": "camille@exemple.fr",
            "contrat-structure": holder.structure_id,
            "contrat-post": holder.post_id,
            "contrat-kind": "cdd",
            "contrat-start": "2024-02-01",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Ce champ est obligatoire." in html
    assert "Ce poste est déjà occupé par" in html
    assert 'value="camille@exemple.fr"' in html and 'value="2024-02-01"' in html
    assert Advisor.objects.count() == 1


def test_a_structure_manager_must_give_the_contract_the_programme_team_need_not(client, as_role):
    as_role(Role.STRUCTURE_MANAGER, StructureFactory())
    response = client.post(reverse("advisors:create"), {"first_name": "Camille", "last_name": "Martin"})
    assert response.status_code == 200 and not Advisor.objects.exists()
    as_role(Role.PROGRAMME_TEAM)
    response = client.post(reverse("advisors:create"), {"first_name": "Camille", "last_name": "Martin"})
    assert response.status_code == 302
    assert not Advisor.objects.get().contracts.exists()


def test_roles_that_only_read_cannot_create(client, as_role):
    as_role(Role.PREFECTURE_DEPARTEMENT, DepartementFactory())
    assert client.get(reverse("advisors:create")).status_code == 403
    assert client.get(reverse("advisors:team_create")).status_code == 403


def test_an_advisor_updates_their_own_contact_details(client):
    advisor = AdvisorFactory(with_account=True, employed=True)
    client.force_login(advisor.user)
    url = reverse("advisors:edit", args=[advisor.pk])
    response = client.post(
        url, {"first_name": advisor.first_name, "last_name": advisor.last_name, "phone": "0401020304"}
    )
    assert response.status_code == 302
    advisor.refresh_from_db()
    assert advisor.phone == "04 01 02 03 04"
    other = AdvisorFactory()
    assert client.get(reverse("advisors:edit", args=[other.pk])).status_code == 403


def test_ending_a_contract_frees_the_post(client, as_role):
    contract = ContractFactory()
    as_role(Role.STRUCTURE_MANAGER, contract.structure)
    url = reverse("advisors:contract_end", args=[contract.pk])
    assert "Dernier jour du contrat" in page(client, url)
    response = client.post(url, {"end": "2024-06-30", "end_reason": ""})
    assert "Ce champ est obligatoire." in response.content.decode()
    response = client.post(url, {"end": "2024-06-30", "end_reason": "resignation"})
    assert response.status_code == 302
    contract.post.refresh_from_db()
    assert contract.post.vacant_since == D(2024, 6, 30)


def test_contract_pages_are_for_the_employer_and_post_only(client, as_role):
    contract = ContractFactory()
    as_role(Role.PREFECTURE_DEPARTEMENT, contract.structure.departement)
    assert page(client, reverse("advisors:detail", args=[contract.advisor_id]))
    assert client.get(reverse("advisors:contract_end", args=[contract.pk])).status_code == 403
    assert client.get(reverse("advisors:contract_edit", args=[contract.pk])).status_code == 403
    assert client.get(reverse("advisors:contract_create", args=[contract.advisor_id])).status_code == 403
    assert client.get(reverse("advisors:contract_end", args=[contract.pk + 1000])).status_code == 404


def test_starting_and_correcting_a_contract(client, as_role):
    advisor = ContractFactory(ended=True).advisor
    structure = advisor.contracts.get().structure
    post = PostFactory(structure=structure)
    as_role(Role.STRUCTURE_MANAGER, structure)
    response = client.post(
        reverse("advisors:contract_create", args=[advisor.pk]),
        {"structure": structure.pk, "post": post.pk, "kind": "cdd", "start": "2024-09-01"},
    )
    assert response.status_code == 302
    contract = advisor.contracts.get(start=D(2024, 9, 1))
    response = client.post(
        reverse("advisors:contract_edit", args=[contract.pk]),
        {"post": post.pk, "kind": "cdi", "start": "2024-09-01", "end": "2024-08-01"},
    )
    assert "La date de fin doit être postérieure ou égale à la date de début." in response.content.decode()
    response = client.post(
        reverse("advisors:contract_edit", args=[contract.pk]), {"post": post.pk, "kind": "cdi", "start": "2024-09-01"}
    )
    assert response.status_code == 302
    assert Contract.objects.get(pk=contract.pk).kind == "cdi"


def test_sites_and_trainings_are_recorded_from_the_advisor_page(client, as_role):
    contract = ContractFactory()
    site = SiteFactory(structure=contract.structure)
    as_role(Role.STRUCTURE_MANAGER, contract.structure)
    response = client.post(
        reverse("advisors:site_assignment_create", args=[contract.advisor_id]),
        {"site": site.pk, "start": "2024-01-15"},
    )
    assert response.status_code == 302
    assignment = SiteAssignment.objects.get(advisor=contract.advisor, site=site)
    response = client.post(
        reverse("advisors:site_assignment_edit", args=[assignment.pk]),
        {"site": site.pk, "start": "2024-01-15", "end": "2024-12-31"},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("advisors:training_create", args=[contract.advisor_id]),
        {"kind": "continuing", "start": "2024-03-01", "hours": "7", "certification": "not_applicable", "pix_level": 9},
    )
    assert "Assurez-vous que cette valeur est inférieure ou égale à 8." in response.content.decode()
    assert not Training.objects.exists()


def test_teams_are_created_and_staffed(client, as_role):
    structure = StructureFactory()
    coordinator = ContractFactory(structure=structure).advisor
    member = ContractFactory(structure=structure).advisor
    as_role(Role.STRUCTURE_MANAGER, structure)
    response = client.post(
        reverse("advisors:team_create"),
        {"name": "Équipe Nord", "structure": structure.pk, "coordinator": coordinator.pk},
    )
    team = Team.objects.get()
    assert response.status_code == 302 and response.url == team.get_absolute_url()
    response = client.post(
        reverse("advisors:membership_create", args=[team.pk]),
        {"advisor": member.pk, "start": timezone.localdate().isoformat()},
    )
    assert response.status_code == 302
    assert TeamMembership.objects.get().advisor == member
    html = page(client, reverse("advisors:team_list"))
    assert "Équipe Nord" in html
    assert member.full_name in page(client, team.get_absolute_url())


def test_a_coordinator_asks_an_employee_of_the_team_structure_to_join(client, as_role):
    """Not an advisor employed elsewhere in the département, and no access before the advisor or employer accepts
    (tests/advisors/test_team_consent.py)."""
    team = TeamFactory()
    newcomer = ContractFactory(structure=team.structure).advisor
    as_role(Role.COORDINATOR, team)
    url = reverse("advisors:membership_create", args=[team.pk])
    assert newcomer.full_name in page(client, url)
    assert client.post(url, {"advisor": newcomer.pk, "start": timezone.localdate().isoformat()}).status_code == 302
    assert client.get(reverse("advisors:detail", args=[newcomer.pk])).status_code == 403
    assert "Demandes en attente" in page(client, team.get_absolute_url())
    assert client.get(reverse("advisors:team_edit", args=[TeamFactory().pk])).status_code == 403


def test_an_advisor_reads_their_record_and_records_where_they_work(client):
    advisor = AdvisorFactory(with_account=True, employed=True)
    colleague = ContractFactory(structure=advisor.contracts.get().structure).advisor
    nearby = SiteFactory(departement=advisor.contracts.get().structure.departement, name="Maison France Services")
    client.force_login(advisor.user)
    assert colleague.last_name.upper() not in page(client, reverse("advisors:list"))
    assert advisor.last_name.upper() in page(client, reverse("advisors:list"))
    html = page(client, reverse("advisors:detail", args=[advisor.pk]))
    assert "Ajouter un lieu" in html and "Ajouter un contrat" not in html and "Ajouter une formation" not in html
    url = reverse("advisors:site_assignment_create", args=[advisor.pk])
    assert "Maison France Services" in page(client, url)
    assert client.post(url, {"site": nearby.pk, "start": "2024-02-01"}).status_code == 302
    assert client.get(reverse("advisors:training_create", args=[advisor.pk])).status_code == 403
    assert client.get(reverse("advisors:detail", args=[colleague.pk])).status_code == 403


def test_the_team_page_runs_the_same_queries_for_2_or_12_members(client, as_role, django_assert_num_queries):
    """Issue #16: a query-count guard on every detail page (the team's members and their advisors read at once)."""
    as_role(Role.PROGRAMME_TEAM)
    team = TeamFactory()

    def add_members(count):
        for _ in range(count):
            TeamMembershipFactory(team=team, advisor=ContractFactory().advisor, status="accepted")

    add_members(2)
    url = reverse("advisors:team_detail", args=[team.pk])
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    add_members(10)
    with django_assert_num_queries(len(few)):
        response = client.get(url)
    assert len(response.context["current"]) == 12


def test_the_advisor_page_runs_the_same_queries_for_2_or_8_contracts(client, as_role, django_assert_num_queries):
    """Issue #16: a query-count guard on every detail page (contracts, sites, trainings and teams read at once)."""
    as_role(Role.PROGRAMME_TEAM)
    advisor = AdvisorFactory()

    def add_history(count):
        for _ in range(count):
            start = datetime.date(2015 + len(advisor.contracts.all()), 1, 1)
            ContractFactory(advisor=advisor, start=start, end=start + datetime.timedelta(days=300))
            SiteAssignmentFactory(advisor=advisor, start=start)
            TrainingFactory(advisor=advisor)
            TeamMembershipFactory(advisor=advisor, start=start, status="accepted")

    add_history(2)
    url = reverse("advisors:detail", args=[advisor.pk])
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    add_history(6)
    with django_assert_num_queries(len(few)):
        assert client.get(url).status_code == 200
