import posixpath
import re

import pytest
from django.urls import reverse

from cnum.core import audit
from cnum.core.models import AuditEvent
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

PUBLIC_PAGES = [
    "core:home",
    "core:accessibility",
    "core:legal_notice",
    "core:privacy",
    "core:sitemap",
    "accounts:login",
]


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_public_pages_are_french_dsfr_pages_with_skip_links_and_mandatory_footer(client, name):
    response = client.get(reverse(name))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="fr"' in html
    assert 'class="fr-skiplinks"' in html and 'href="#contenu"' in html and 'id="contenu"' in html
    assert "République<br>française" in html  # the Marianne block
    for link in ["Accessibilité : partiellement conforme", "Mentions légales", "Données personnelles"]:
        assert link in html


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_pages_load_no_asset_from_outside(client, name):
    html = client.get(reverse(name)).content.decode()
    for url in re.findall(r'(?:src|href)="([^"]+)"', html):
        if re.search(r"\.(css|js|woff2?|svg|png|ico)(\?|$)", url):
            assert url.startswith("/static/"), url


def test_dsfr_assets_and_marianne_font_are_served_locally(client):
    html = client.get(reverse("core:home")).content.decode()
    css = re.search(r'href="(/static/dsfr/dist/dsfr/dsfr\.min\.css)"', html).group(1)
    response = client.get(css)
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode()
    response.close()
    font = re.search(r"url\(([^)]*Marianne-Regular\.woff2)\)", body).group(1)
    assert not font.startswith("http")
    font_url = posixpath.normpath(posixpath.join(posixpath.dirname(css), font))
    font_response = client.get(font_url)
    assert font_response.status_code == 200
    assert len(b"".join(font_response.streaming_content)) > 10_000
    font_response.close()


def test_home_explains_the_service(client):
    html = client.get(reverse("core:home")).content.decode()
    assert "Conseiller numérique" in html
    assert "Se connecter" in html


def test_not_found_page_is_in_french(client):
    response = client.get("/cette-page-n-existe-pas/")
    assert response.status_code == 404
    assert "Page non trouvée" in response.content.decode()


def test_forbidden_page_is_in_french(client):
    client.force_login(UserFactory(advisor=True))
    response = client.get(reverse("core:audit_log"))
    assert response.status_code == 403
    assert "Accès refusé" in response.content.decode()


def test_server_error_page_is_in_french(client, settings):
    from cnum.core.views import error_500

    response = error_500(client.get("/").wsgi_request)
    assert response.status_code == 500
    assert "Erreur inattendue" in response.content.decode()


def test_navigation_follows_the_active_role(client):
    client.force_login(UserFactory(advisor=True))
    audit_link = f'href="{reverse("core:audit_log")}"'
    assert audit_link not in client.get(reverse("core:dashboard")).content.decode()
    client.force_login(UserFactory(programme_team=True))
    assert audit_link in client.get(reverse("core:dashboard")).content.decode()


def test_audit_log_lists_filters_and_paginates(client, django_assert_max_num_queries):
    national = UserFactory(programme_team=True, email="national@exemple.fr")
    with audit.acting_as(audit.Actor(label="commande essai")):
        for number in range(60):
            UserFactory(email=f"agent-{number}@exemple.fr")
    client.force_login(national)
    url = reverse("core:audit_log")
    with django_assert_max_num_queries(12):
        page = client.get(url).content.decode()
    assert "Page 1 sur 2" in page
    assert "commande essai" in page
    filtered = client.get(url, {"actor": "commande", "action": "create"}).content.decode()
    assert "60 éléments" in filtered
    assert AuditEvent.objects.filter(actor_label="commande essai").count() == 60
    empty = client.get(url, {"actor": "personne"}).content.decode()
    assert "Aucun événement ne correspond" in empty
    invalid = client.get(url, {"since": "2026-02-01", "until": "2026-01-01"}).content.decode()
    assert "La date de début doit précéder la date de fin." in invalid


def test_audit_log_shows_field_labels_and_values_in_french(client):
    with audit.acting_as(audit.Actor(label="commande essai")):
        user = UserFactory(email="libelles@exemple.fr", first_name="Anne")
        user.first_name = "Annie"
        user.is_active = False
        user.save()
    client.force_login(UserFactory(programme_team=True))
    page = client.get(reverse("core:audit_log"), {"object_id": user.pk, "action": "update"}).content.decode()
    text = " ".join(page.split())
    assert "prénom</span> : modifié" in text and "Annie" not in text
    assert "actif</span> : oui → non" in text


def test_the_favicon_is_the_dsfr_one(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302 and response.url.endswith(".ico") and "dsfr/dist/favicon/" in response.url
