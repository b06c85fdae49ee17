"""Create and edit pages, and the posts workflow pages: French messages, nothing typed lost, POST only."""

import pytest
from django.urls import reverse, reverse_lazy

from cnum.structures.enums import AmendmentKind, Decision, Opinion, PostStatus
from cnum.structures.models import CoselecDecision, PostAmendment, Structure
from tests.structures.factories import PostAmendmentFactory, PostFactory, StructureFactory

CREATE = reverse_lazy("structures:create")
VALID = {
    "name": "Médiathèque de Villeurbanne",
    "identifier": "732 829 320 00074",
    "type": "commune",
    "address": "247 cours Émile Zola",
    "insee_code": "",
    "postal_code": "69100",
    "commune_name": "villeurbanne",
    "contact_email": "contact@exemple.fr",
}


def errors(response) -> str:
    return " ".join(str(message) for messages in response.context["form"].errors.values() for message in messages)


def test_programme_team_creates_a_structure_from_postal_code_and_name(client, cog, programme_team):
    client.force_login(programme_team)
    response = client.post(CREATE, VALID)
    structure = Structure.objects.get()
    assert response.status_code == 302 and response.url == reverse("structures:detail", args=[structure.pk])
    assert (structure.identifier, structure.identifier_kind) == ("73282932000074", "siret")
    assert (structure.commune.code, structure.departement_id, structure.postal_code) == ("69266", "69", "69100")


def test_an_invalid_siret_is_explained_and_nothing_typed_is_lost(client, cog, programme_team):
    client.force_login(programme_team)
    response = client.post(CREATE, {**VALID, "identifier": "732 829 320 00075"})
    assert response.status_code == 200
    assert "SIRET invalide : la clé de contrôle (Luhn) ne correspond pas" in errors(response)
    html = response.content.decode()
    assert 'value="732 829 320 00075"' in html
    assert 'value="Médiathèque de Villeurbanne"' in html
    assert 'value="247 cours Émile Zola"' in html and 'value="villeurbanne"' in html
    assert not Structure.objects.exists()


def test_an_unknown_commune_gives_the_lookup_reason(client, cog, programme_team):
    client.force_login(programme_team)
    response = client.post(CREATE, {**VALID, "postal_code": "69100", "commune_name": "Gotham"})
    assert "Aucune commune « Gotham » pour le code postal 69100" in errors(response)
    assert 'value="Gotham"' in response.content.decode()
    response = client.post(CREATE, {**VALID, "insee_code": "99999", "postal_code": "", "commune_name": ""})
    assert "Aucune commune de code INSEE 99999 dans le COG." in errors(response)
    response = client.post(CREATE, {**VALID, "insee_code": "", "postal_code": "", "commune_name": ""})
    assert "Indiquez le code INSEE, ou le code postal et le nom de la commune." in errors(response)
    assert not Structure.objects.exists()


def test_an_identifier_already_registered_is_refused(client, cog, programme_team):
    StructureFactory(name="Déjà là", identifier="73282932000074")
    client.force_login(programme_team)
    response = client.post(CREATE, VALID)
    assert "La structure « Déjà là » porte déjà l'identifiant 732 829 320 00074." in errors(response)


def test_a_corrected_commune_is_accepted_with_a_note(client, cog, programme_team):
    client.force_login(programme_team)
    response = client.post(CREATE, {**VALID, "insee_code": "1001", "postal_code": "", "commune_name": ""}, follow=True)
    assert Structure.objects.get().commune.code == "01001"
    assert "Code INSEE complété par un zéro initial" in response.content.decode()


def test_the_manager_edits_address_and_contact_only(client, cog, lyon_manager, lyon_structure):
    client.force_login(lyon_manager)
    url = reverse("structures:edit", args=[lyon_structure.pk])
    form = client.get(url).context["form"]
    assert "name" not in form.fields and "application_status" not in form.fields
    assert form["insee_code"].value() == "69123"
    response = client.post(
        url, {"name": "Autre nom", "insee_code": "69266", "contact_email": "accueil@exemple.fr", "qpv": "on"}
    )
    assert response.status_code == 302
    lyon_structure.refresh_from_db()
    assert lyon_structure.name == "Ville de Lyon" and not lyon_structure.qpv
    assert (lyon_structure.commune.code, lyon_structure.contact_email) == ("69266", "accueil@exemple.fr")


def test_programme_team_edits_everything(client, cog, programme_team, marseille_structure):
    client.force_login(programme_team)
    url = reverse("structures:edit", args=[marseille_structure.pk])
    data = {**VALID, "name": "Renommée", "identifier": "W133001234", "type": "association", "insee_code": "13055"}
    data.update(postal_code="", commune_name="", application_status="abandoned", convention_status="")
    assert client.post(url, data).status_code == 302
    marseille_structure.refresh_from_db()
    assert (marseille_structure.name, marseille_structure.identifier_kind) == ("Renommée", "rna")
    assert marseille_structure.application_status == "abandoned"


@pytest.mark.django_db
def test_coselec_decision_page(client, programme_team, prefecture_69, lyon_structure):
    url = reverse("structures:coselec_decide", args=[lyon_structure.pk])
    client.force_login(prefecture_69)
    assert client.get(url).status_code == 403
    assert client.post(url, {}).status_code == 403

    client.force_login(programme_team)
    assert client.get(url).status_code == 200
    assert not CoselecDecision.objects.exists()  # GET never writes
    data = {"date": "2021-03-15", "number": "3", "phase": "1", "outcome": "approved", "posts_granted": "2"}
    response = client.post(url, {**data, "posts_granted": "0"})
    assert "Une décision favorable accorde au moins un poste." in response.content.decode()
    assert client.post(url, data).status_code == 302
    assert lyon_structure.posts.count() == 2


@pytest.mark.django_db
def test_the_amendment_workflow_through_the_pages(
    client, programme_team, prefecture_69, prefecture_13, lyon_manager, lyon_structure
):
    PostFactory(structure=lyon_structure)
    client.force_login(lyon_manager)
    response = client.post(
        reverse("structures:amendment_request", args=[lyon_structure.pk]),
        {"kind": "add", "posts_count": "2", "reason": "Nouvelle médiathèque"},
    )
    assert response.status_code == 302
    amendment = PostAmendment.objects.get()
    opinion_url = reverse("structures:amendment_opinion", args=[amendment.pk])
    decide_url = reverse("structures:amendment_decide", args=[amendment.pk])

    client.force_login(programme_team)
    response = client.post(decide_url, {"decision": "approved"})
    assert "Impossible de décider avant l&#x27;avis de la préfecture." in response.content.decode()
    assert client.post(opinion_url, {"opinion": "favourable"}).status_code == 403

    client.force_login(prefecture_13)
    assert client.get(opinion_url).status_code == 403
    client.force_login(prefecture_69)
    assert "Prendre la décision nationale" not in client.get(lyon_structure.get_absolute_url()).content.decode()
    response = client.post(opinion_url, {"opinion": "unfavourable", "comment": ""})
    assert "Motivez un avis défavorable" in response.content.decode()
    assert client.post(opinion_url, {"opinion": "favourable"}).status_code == 302
    assert client.post(decide_url, {"decision": "approved"}).status_code == 403

    client.force_login(programme_team)
    assert client.post(decide_url, {"decision": "approved"}).status_code == 302
    amendment.refresh_from_db()
    assert (amendment.prefecture_opinion, amendment.decision) == (Opinion.FAVOURABLE, Decision.APPROVED)
    assert lyon_structure.posts.filter(status=PostStatus.ACTIVE).count() == 3


@pytest.mark.django_db
def test_unknown_amendment_is_404_and_a_structure_manager_cannot_decide(client, lyon_manager, lyon_structure):
    client.force_login(lyon_manager)
    assert client.get(reverse("structures:amendment_decide", args=[999_999])).status_code == 404
    amendment = PostAmendmentFactory(structure=lyon_structure, kind=AmendmentKind.ADD, with_opinion=True)
    assert (
        client.post(reverse("structures:amendment_decide", args=[amendment.pk]), {"decision": "approved"}).status_code
        == 403
    )
