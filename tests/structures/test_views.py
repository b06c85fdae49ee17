import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse, reverse_lazy

from cnum.accounts.enums import Role
from cnum.structures import perms
from cnum.structures.enums import ApplicationStatus
from tests.accounts.factories import RoleAssignmentFactory
from tests.structures.factories import (
    CoselecDecisionFactory,
    HubFactory,
    NetworkFactory,
    PostAmendmentFactory,
    PostFactory,
    StructureFactory,
)

pytestmark = pytest.mark.django_db
LIST = reverse_lazy("structures:list")


def names(response) -> list[str]:
    return [structure.name for structure in response.context["page"].object_list]


def detail(structure) -> str:
    return reverse("structures:detail", args=[structure.pk])


@pytest.mark.parametrize(
    "url",
    [("structures:list", []), ("structures:create", []), ("structures:detail", [1]), ("structures:edit", [1])],
)
def test_anonymous_visitors_are_sent_to_the_login_page(client, url):
    response = client.get(reverse(url[0], args=url[1]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_programme_team_sees_every_structure(client, programme_team, lyon_structure, marseille_structure):
    client.force_login(programme_team)
    response = client.get(LIST)
    assert names(response) == ["Association phocéenne", "Ville de Lyon"]
    assert "2 structures" in response.content.decode()
    assert client.get(detail(marseille_structure)).status_code == 200


def test_prefecture_sees_the_structures_of_its_departement_only(
    client, prefecture_69, lyon_structure, marseille_structure
):
    client.force_login(prefecture_69)
    assert names(client.get(LIST)) == ["Ville de Lyon"]
    assert client.get(detail(lyon_structure)).status_code == 200
    assert client.get(detail(marseille_structure)).status_code == 403
    assert client.get(reverse("structures:detail", args=[999_999])).status_code == 404


def test_structure_manager_sees_only_their_structure(client, lyon_manager, lyon_structure, marseille_structure):
    client.force_login(lyon_manager)
    assert names(client.get(LIST)) == ["Ville de Lyon"]
    assert client.get(detail(marseille_structure)).status_code == 403
    assert client.get(reverse("structures:edit", args=[lyon_structure.pk])).status_code == 200
    assert client.get(reverse("structures:edit", args=[marseille_structure.pk])).status_code == 403
    assert client.get(reverse("structures:create")).status_code == 403
    assert client.get(reverse("structures:coselec_decide", args=[lyon_structure.pk])).status_code == 403


def test_national_network_sees_its_member_structures(client, lyon_structure, marseille_structure):
    network = NetworkFactory(name="Emmaüs Connect")
    marseille_structure.networks.add(network)
    PostFactory.create_batch(2, structure=marseille_structure)
    client.force_login(RoleAssignmentFactory(role=Role.NATIONAL_NETWORK, scope=network).user)
    response = client.get(LIST)
    assert names(response) == ["Association phocéenne"]
    assert response.context["page"].object_list[0].active_posts_count == 2


def test_advisor_sees_none_unless_a_higher_layer_registers_a_scope(
    client, advisor, lyon_structure, marseille_structure, monkeypatch
):
    monkeypatch.setattr(perms, "_scope_filters", {})  # as if no higher layer had registered one
    client.force_login(advisor)
    response = client.get(LIST)
    assert names(response) == []
    assert "Aucune structure dans votre périmètre." in response.content.decode()
    assert client.get(detail(lyon_structure)).status_code == 403

    perms.register_scope_filter(Role.ADVISOR, lambda structures, assignment: structures.filter(pk=lyon_structure.pk))
    assert names(client.get(LIST)) == ["Ville de Lyon"]
    assert client.get(detail(lyon_structure)).status_code == 200


def test_hub_sees_the_structures_of_its_regions(client, lyon_structure, marseille_structure):
    hub = HubFactory(name="Hinaura")
    hub.regions.add(lyon_structure.departement.region)
    client.force_login(RoleAssignmentFactory(role=Role.HUB, scope=hub).user)
    assert names(client.get(LIST)) == ["Ville de Lyon"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"region": "93"}, ["Association phocéenne"]),
        ({"departement": "69"}, ["Ville de Lyon"]),
        ({"type": "association"}, ["Association phocéenne"]),
        ({"sector": "public"}, ["Ville de Lyon"]),
        ({"sector": "private"}, ["Association phocéenne"]),
        ({"application_status": ApplicationStatus.COSELEC_APPROVED}, ["Ville de Lyon"]),
        ({"q": "lyon"}, ["Ville de Lyon"]),
        ({"q": "Marseille"}, ["Association phocéenne"]),
        ({"q": "rien de tel"}, []),
    ],
)
def test_filters(client, programme_team, lyon_structure, marseille_structure, query, expected):
    client.force_login(programme_team)
    response = client.get(LIST, query)
    assert names(response) == expected
    if not expected:
        assert "Aucune structure ne correspond à ces critères." in response.content.decode()


def test_search_by_identifier_as_typed(client, programme_team, lyon_structure, marseille_structure):
    client.force_login(programme_team)
    assert names(client.get(LIST, {"q": "216 901 231"})) == ["Ville de Lyon"]


def test_pages_of_fifty_with_the_count(client, programme_team):
    StructureFactory.create_batch(55)
    client.force_login(programme_team)
    response = client.get(LIST)
    assert len(response.context["page"].object_list) == 50
    html = response.content.decode()
    assert "55 structures" in html and "Page 1 sur 2" in html
    assert len(client.get(LIST, {"page": 2}).context["page"].object_list) == 5


def test_list_queries_do_not_grow_with_the_structures(client, programme_team, django_assert_max_num_queries):
    """Session, user, roles, permissions, filter choices, count, page, session save: the same for 2 or 30 rows."""
    client.force_login(programme_team)

    def add_structures(count):
        for structure in StructureFactory.create_batch(count):
            PostFactory(structure=structure)
            structure.networks.add(NetworkFactory())

    add_structures(2)
    with CaptureQueriesContext(connection) as few:
        client.get(LIST)
    add_structures(28)
    with django_assert_max_num_queries(len(few)):
        response = client.get(LIST)
    assert len(response.context["page"].object_list) == 30
    assert len(few) <= 12


def test_detail_shows_identity_posts_sites_decisions_and_history_to_the_programme_team(client, programme_team):
    decision = CoselecDecisionFactory(number="7", posts_granted=2)
    structure = decision.structure
    structure.hub = HubFactory(name="Hinaura")
    structure.qpv = True
    structure.save()
    structure.networks.add(NetworkFactory(name="Emmaüs Connect"))
    PostFactory(structure=structure, granted_by=decision, flagged=True)
    PostFactory(structure=structure, granted_by=decision, vacant=True)
    PostFactory(structure=structure, returned=True)
    PostAmendmentFactory(structure=structure, reason="Ouverture d'une médiathèque")
    client.force_login(programme_team)

    html = client.get(detail(structure)).content.decode()

    assert structure.identifier_display in html
    assert "Commune (employeur public)" in html
    assert "Hinaura" in html and "Emmaüs Connect" in html and "QPV : oui" in html
    assert "Postes (2 actifs)" in html
    assert html.count("Vacant depuis le") == 2
    assert html.count(">à rendre<") == 1
    assert "Rendu le 30/06/2024" in html
    assert "COSELEC n° 7" in html and "2 postes accordés" in html
    assert "Ouverture d&#x27;une médiathèque" in html and "En attente de l'avis de la préfecture." in html
    assert "Aucun lieu d'activité rattaché." in html
    assert "Historique" in html and "Création" in html


def test_the_history_is_only_for_those_who_read_the_audit_log(client, lyon_manager, lyon_structure):
    client.force_login(lyon_manager)
    html = client.get(detail(lyon_structure)).content.decode()
    assert "Historique" not in html
    assert "Demander un avenant" in html and "Décision COSELEC" not in html


def test_detail_queries_do_not_grow_with_the_posts(client, programme_team, django_assert_num_queries):
    """Issue #16: 20 queries with 2 posts, 60 with 22 (each post's current contracts, then each contract's advisor)."""
    from tests.advisors.factories import ContractFactory

    client.force_login(programme_team)
    structure = StructureFactory(approved=True)

    def add_posts(count):
        for _ in range(count):
            ContractFactory(structure=structure, post=PostFactory(structure=structure))

    add_posts(2)
    with CaptureQueriesContext(connection) as few:
        client.get(detail(structure))
    add_posts(20)
    with django_assert_num_queries(len(few)):
        response = client.get(detail(structure))
    assert len(response.context["posts"]) == 22
    assert all(len(post.current_contracts) == 1 for post in response.context["posts"])
