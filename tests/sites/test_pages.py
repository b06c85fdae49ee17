import pytest
from django.urls import reverse

from cnum.accounts.enums import Role
from cnum.core.enums import AuditAction
from cnum.core.models import AuditEvent
from cnum.sites import perms
from cnum.sites.models import Site
from tests.accounts.factories import RoleAssignmentFactory, UserFactory
from tests.sites.factories import SiteFactory, commune, structure

pytestmark = pytest.mark.usefixtures("cog")


def html(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


# --- list ---------------------------------------------------------------------------------------------------


def test_the_list_is_public_and_shows_only_published_sites(client):
    SiteFactory(name="Médiathèque Lumière")
    SiteFactory(name="Lieu retiré", unpublished=True)
    page = html(client.get(reverse("sites:list")))
    assert "Médiathèque Lumière" in page and "Lieu retiré" not in page
    assert "1 lieu." in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"region": "93"}, {"Marseille"}),
        ({"departement": "69"}, {"Lyon FS", "Lyon itinérant"}),
        ({"place": "marseille"}, {"Marseille"}),
        ({"place": "6900"}, {"Lyon FS", "Lyon itinérant"}),
        ({"service": "Loisirs et créations numériques"}, {"Marseille"}),
        ({"france_services": "on"}, {"Lyon FS"}),
        ({"itinerant": "on"}, {"Lyon itinérant"}),
        ({"departement": "69", "france_services": "on"}, {"Lyon FS"}),
    ],
)
def test_the_list_filters(client, query, expected):
    SiteFactory(name="Lyon FS", france_services=True)
    SiteFactory(name="Lyon itinérant", itinerant=True)
    marseille = commune("13211")
    SiteFactory(
        name="Marseille",
        commune=marseille,
        departement=marseille.departement,
        postal_code="13011",
        services=["Loisirs et créations numériques"],
    )
    response = client.get(reverse("sites:list"), query)
    shown = {site.name for site in response.context["page"].object_list}
    assert shown == expected
    assert "correspond" in html(response)


def test_the_list_is_paginated_and_keeps_the_filters_in_page_links(client):
    SiteFactory.create_batch(25, france_services=True)
    page = html(client.get(reverse("sites:list"), {"france_services": "on"}))
    assert "Page 1 sur 2" in page and "france_services=on&amp;page=2" in page
    second = client.get(reverse("sites:list"), {"france_services": "on", "page": 2})
    assert len(second.context["page"].object_list) == 5


def test_the_list_makes_the_same_number_of_queries_for_5_or_20_sites(client, django_assert_num_queries):
    SiteFactory.create_batch(5)
    client.get(reverse("sites:list"))  # warm caches (content types, sessions)
    with django_assert_num_queries(4) as five:
        client.get(reverse("sites:list"))
    SiteFactory.create_batch(15)
    with django_assert_num_queries(len(five.captured_queries)):
        client.get(reverse("sites:list"))


# --- detail -------------------------------------------------------------------------------------------------


def test_the_detail_page_shows_address_hours_in_french_services_contact_and_coordinates(client):
    site = SiteFactory(
        name="Espace numérique",
        address_complement="2e étage",
        phone="+33472103030",
        emails=["contact@espace.fr"],
        websites=["https://espace.fr"],
        opening_hours="Mo-Fr 09:00-12:00,13:30-17:00; Sa 09:00-12:00; PH off",
        services=["Aide aux démarches administratives", "Utilisation sécurisée du numérique"],
        fees=["Gratuit"],
        pivot="43493312300029",
    )
    page = html(client.get(reverse("sites:detail", args=[site.pk])))
    assert "1 place de la Comédie" in page and "2e étage" in page and "69001 Lyon" in page
    assert "Du lundi au vendredi 9 h–12 h, 13 h 30–17 h ; samedi 9 h–12 h ; fermé les jours fériés." in page
    assert '<th scope="row">Dimanche</th><td>fermé</td>' in page
    assert "Utilisation sécurisée du numérique" in page and "Gratuit" in page
    assert "04 72 10 30 30" in page and "mailto:contact@espace.fr" in page
    assert "45.7675, 4.8357" in page
    assert "Modifier" not in page


def test_hours_beyond_the_french_subset_are_shown_as_written(client):
    site = SiteFactory(opening_hours="Jan-Jun Mo 10:00-12:00")
    page = html(client.get(reverse("sites:detail", args=[site.pk])))
    assert "Horaires au format OpenStreetMap : <code>Jan-Jun Mo 10:00-12:00</code>" in page


def test_the_detail_page_never_shows_personal_data_of_the_linked_structure(client):
    employer = structure(
        identifier="43493312300029",
        contact_first_name="Camille",
        contact_last_name="Martin",
        contact_email="camille.martin@exemple.fr",
        contact_phone="0612345678",
    )
    site = SiteFactory(structure=employer, pivot="43493312300029")
    page = html(client.get(reverse("sites:detail", args=[site.pk])))
    assert employer.name in page
    for personal in ("Camille", "Martin", "camille.martin@exemple.fr", "0612345678"):
        assert personal not in page


def test_an_unpublished_site_is_not_found_by_the_public(client):
    site = SiteFactory(unpublished=True)
    assert client.get(reverse("sites:detail", args=[site.pk])).status_code == 404


# --- edit ---------------------------------------------------------------------------------------------------


def programme_team():
    return UserFactory(programme_team=True)


def manager_of(employer):
    assignment = RoleAssignmentFactory(role=Role.STRUCTURE_MANAGER, scope=employer)
    return assignment.user


def test_edit_permissions():
    employer, other = structure(identifier="43493312300029"), structure(identifier="", name="Autre")
    site = SiteFactory(structure=employer)
    anonymous = type("Anonymous", (), {"is_authenticated": False})()
    assert perms.can_edit_site(programme_team(), site)
    assert perms.can_edit_site(manager_of(employer), site)
    assert not perms.can_edit_site(manager_of(other), site)
    assert not perms.can_edit_site(UserFactory(advisor=True), site)
    assert not perms.can_edit_site(anonymous, site)
    assert not perms.can_edit_site(manager_of(employer), SiteFactory(structure=None))
    hidden = SiteFactory(unpublished=True)
    assert site in Site.objects.visible_to(anonymous) and hidden not in Site.objects.visible_to(anonymous)
    assert not perms.can_view_site(anonymous, hidden) and perms.can_view_site(programme_team(), hidden)


def test_anonymous_visitors_are_sent_to_login_and_others_refused(client):
    employer = structure(identifier="43493312300029")
    site = SiteFactory(structure=employer)
    url = reverse("sites:edit", args=[site.pk])
    assert client.get(url).status_code == 302
    client.force_login(manager_of(structure(name="Autre")))
    assert client.get(url).status_code == 403


def test_the_structure_manager_edits_a_site_of_their_structure(client):
    employer = structure(identifier="43493312300029")
    site = SiteFactory(structure=employer)
    client.force_login(manager_of(employer))
    page = html(client.get(reverse("sites:detail", args=[site.pk])))
    assert reverse("sites:edit", args=[site.pk]) in page
    data = {
        "name": "Médiathèque rénovée",
        "address": "3 rue de la République",
        "postal_code": "69002",
        "commune_name": "lyon 2e",
        "phone": "04 72 10 30 30",
        "emails": "accueil@mediatheque.fr\ncontact@mediatheque.fr",
        "websites": "https://mediatheque.fr",
        "opening_hours": "Tu-Sa 10:00-18:00",
        "services": ["Aide aux démarches administratives", "Loisirs et créations numériques"],
        "fees": ["Gratuit"],
        "mobility": ["Fixe"],
    }
    response = client.post(reverse("sites:edit", args=[site.pk]), data)
    assert response.status_code == 302, response.context["form"].errors
    site.refresh_from_db()
    assert (site.name, site.commune.code, site.departement_id, site.commune_name) == (
        "Médiathèque rénovée",
        "69382",
        "69",
        "Lyon 2e Arrondissement",
    )
    assert site.phone == "+33472103030" and site.emails == ["accueil@mediatheque.fr", "contact@mediatheque.fr"]
    assert site.services == ["Aide aux démarches administratives", "Loisirs et créations numériques"]
    assert site.is_published  # a manager cannot unpublish: the field is not in their form
    event = AuditEvent.objects.filter(action=AuditAction.UPDATE, object_id=str(site.pk)).get()
    assert event.changes["name"][1] == "Médiathèque rénovée"


def test_the_form_refuses_invalid_values_with_french_messages(client):
    site = SiteFactory()
    client.force_login(programme_team())
    data = {
        "name": "Lieu",
        "address": "1 rue A",
        "postal_code": "69001",
        "commune_name": "Atlantide",
        "phone": "12",
        "emails": "pas-une-adresse",
        "websites": "www.sans-protocole.fr",
        "opening_hours": "lundi 9h-12h",
        "latitude": "45.7",
    }
    response = client.post(reverse("sites:edit", args=[site.pk]), data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["commune_name"][0].startswith("Aucune commune « Atlantide » pour le code postal 69001.")
    assert errors["phone"][0].startswith("Téléphone « 12 » non reconnu")
    assert errors["emails"] == ["Courriel « pas-une-adresse » invalide."]
    assert errors["websites"][0].startswith("Adresse web « www.sans-protocole.fr » invalide")
    assert "syntaxe OpenStreetMap attendue" in errors["opening_hours"][0]
    assert errors["longitude"] == ["Indiquez la latitude et la longitude, ou aucune des deux."]
    assert "is_published" in response.context["form"].fields  # the programme team may unpublish
