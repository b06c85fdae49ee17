"""Request bodies are bounded before anything reads them (issue #15, finding 12)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def big_file(kilobytes: int) -> SimpleUploadedFile:
    return SimpleUploadedFile("gros.csv", b"a;b\n" * (kilobytes * 256), content_type="text/csv")


@pytest.mark.parametrize("name", ["accounts:login", "accounts:password_reset", "api:create_activity"])
def test_an_anonymous_body_over_the_limit_is_refused_before_it_is_read(client, settings, name):
    settings.CNUM_MAX_ANONYMOUS_BODY_KB = 64
    url = reverse(name)
    response = client.post(url, {"fichier": big_file(100)}, HTTP_AUTHORIZATION="Bearer cnum_inconnu")
    assert response.status_code == 413
    assert "Requête trop volumineuse : 64 Ko au plus." in response.content.decode()


def test_a_small_anonymous_body_goes_through(client, settings):
    settings.CNUM_MAX_ANONYMOUS_BODY_KB = 64
    response = client.post(reverse("accounts:login"), {"username": "x@exemple.fr", "password": "y"})
    assert response.status_code == 200


def test_a_signed_in_upload_has_the_larger_limit(client, settings):
    settings.CNUM_MAX_ANONYMOUS_BODY_KB = 64
    settings.CNUM_MAX_UPLOAD_MB = 1
    client.force_login(UserFactory(programme_team=True))
    url = reverse("core:import_upload")
    assert client.post(url, {"fichier": big_file(100)}).status_code != 413
    response = client.post(url, {"fichier": big_file(1100)})
    assert response.status_code == 413
    assert "1 Mo au plus" in response.content.decode()


def test_an_unreadable_content_length_is_a_bad_request(client):
    assert client.generic("POST", reverse("accounts:login"), b"", CONTENT_LENGTH="beaucoup").status_code == 400
