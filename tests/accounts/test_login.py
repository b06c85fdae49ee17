import datetime
import re
from unittest import mock

import pytest
from django.contrib.sessions.models import Session
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.accounts.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _login(client, email, password):
    return client.post(reverse("accounts:login"), {"username": email, "password": password})


def test_login_with_email_and_password(client):
    user = UserFactory(email="Agent@Exemple.fr", advisor=True)
    response = _login(client, "AGENT@exemple.fr", PASSWORD)
    assert response.status_code == 302
    assert response.url == reverse("core:dashboard")
    page = client.get(reverse("core:dashboard"))
    assert "Conseiller numérique" in page.content.decode()
    assert page.wsgi_request.user == user


def test_wrong_password_shows_a_french_error_and_keeps_the_email(client):
    UserFactory(email="agent@exemple.fr")
    response = _login(client, "agent@exemple.fr", "mauvais")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Adresse électronique ou mot de passe incorrect." in html
    assert 'value="agent@exemple.fr"' in html


def test_login_is_locked_after_repeated_failures_even_with_the_right_password(client, settings):
    UserFactory(email="cible@exemple.fr")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "cible@exemple.fr", "mauvais")
    response = _login(client, "cible@exemple.fr", PASSWORD)
    assert response.status_code == 429
    assert "Connexion temporairement bloquée" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_lockout_is_per_account_not_for_everyone(client, settings):
    UserFactory(email="cible@exemple.fr")
    UserFactory(email="autre@exemple.fr")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "cible@exemple.fr", "mauvais")
    assert _login(client, "autre@exemple.fr", PASSWORD).status_code == 302


def test_logout_is_a_post(client):
    client.force_login(UserFactory())
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_password_reset_by_email(client):
    UserFactory(email="oubli@exemple.fr")
    response = client.post(reverse("accounts:password_reset"), {"email": "oubli@exemple.fr"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["oubli@exemple.fr"]
    assert "réinitialisation" in message.subject
    link = re.search(r"http://testserver(/mot-de-passe/nouveau/\S+)", message.body).group(1)
    form_page = client.get(link, follow=True)
    new_password = "Nouveau-mot-de-passe-2026"
    response = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": new_password, "new_password2": new_password}
    )
    assert response.status_code == 302
    assert _login(client, "oubli@exemple.fr", new_password).status_code == 302


def test_password_reset_says_nothing_about_unknown_addresses(client):
    response = client.post(reverse("accounts:password_reset"), {"email": "inconnu@exemple.fr"}, follow=True)
    assert "Vérifiez votre messagerie" in response.content.decode()
    assert mail.outbox == []


def _at(moment):
    """Django's clock (sessions, the refresh middleware) stopped at `moment`."""
    return mock.patch("django.utils.timezone.now", return_value=moment)


def _expiry(client):
    return Session.objects.get(session_key=client.session.session_key).expire_date


def test_session_expires_after_inactivity(client, settings):
    client.force_login(UserFactory())
    client.get(reverse("core:dashboard"))
    assert 0 < client.session.get_expiry_age() <= settings.SESSION_COOKIE_AGE
    signed_in = _expiry(client)
    with _at(timezone.now() + datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE + 1)):
        response = client.get(reverse("core:dashboard"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
    assert not Session.objects.filter(expire_date__gt=signed_in).exists()  # no new session for the stale cookie


def test_requests_push_the_session_expiry_back_at_most_once_a_refresh_interval(client, settings):
    """The idle timeout without a session write per request (cnum.core.sessions): within the interval the
    session row is not written; past it, a request pushes the expiry back by the whole idle timeout."""
    client.force_login(UserFactory())
    client.get(reverse("core:dashboard"))
    first = _expiry(client)
    start = timezone.now()
    with _at(start + datetime.timedelta(seconds=settings.CNUM_SESSION_REFRESH_SECONDS - 5)):
        client.get(reverse("core:dashboard"))
    assert _expiry(client) == first
    later = start + datetime.timedelta(seconds=settings.CNUM_SESSION_REFRESH_SECONDS + 5)
    with _at(later):
        assert client.get(reverse("core:dashboard")).status_code == 200
        assert _expiry(client) == later + datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)


def test_the_first_page_after_signing_in_does_not_write_the_session_again(client):
    """The sign-in saved it with its expiry from then (cnum.core.sessions.signed_in)."""
    client.force_login(UserFactory())
    saved = _expiry(client)
    with _at(timezone.now() + datetime.timedelta(seconds=5)):
        with CaptureQueriesContext(connection) as page:
            assert client.get(reverse("core:dashboard")).status_code == 200
    assert _expiry(client) == saved
    writes = [query for query in page.captured_queries if query["sql"].startswith('UPDATE "django_session"')]
    assert not writes


def test_pages_for_signed_in_users_redirect_anonymous_visitors_to_login(client):
    response = client.get(reverse("core:dashboard"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_behind_the_proxy_one_address_failing_does_not_lock_the_account_for_the_others(client, settings):
    """Issue #15, finding 12: behind the production proxy every request comes from the proxy's address; axes must
    count the client's (X-Forwarded-For, trusted proxies as for the API), or one attacker locks everyone out."""
    settings.NINJA_NUM_PROXIES = 1
    UserFactory(email="cible@exemple.fr")
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    attacker = {**proxy, "HTTP_X_FORWARDED_FOR": "203.0.113.9"}
    owner = {**proxy, "HTTP_X_FORWARDED_FOR": "198.51.100.20"}
    login = reverse("accounts:login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(login, {"username": "cible@exemple.fr", "password": "mauvais"}, **attacker)
    assert client.post(login, {"username": "cible@exemple.fr", "password": PASSWORD}, **attacker).status_code == 429
    response = client.post(login, {"username": "cible@exemple.fr", "password": PASSWORD}, **owner)
    assert response.status_code == 302


def test_a_client_cannot_choose_its_address_by_sending_the_header(client, settings):
    """With one trusted proxy, only the address the proxy appended counts: a forged first entry is ignored."""
    from cnum.core.ratelimit import client_address

    settings.NINJA_NUM_PROXIES = 1
    meta = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "1.2.3.4, 203.0.113.9"}
    request = type("Request", (), {"META": meta})
    assert client_address(request) == "203.0.113.9"
    settings.NINJA_NUM_PROXIES = 0
    assert client_address(request) == "10.0.0.2"


def test_a_forwarded_value_that_is_not_an_address_counts_as_the_connection(client, settings):
    """A misconfigured proxy count must not hand axes a text it cannot store as an address."""
    from cnum.core.ratelimit import login_client_address

    settings.NINJA_NUM_PROXIES = 2
    request = type("Request", (), {"META": {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "inconnue, 1.2.3.4"}})
    assert login_client_address(request) == "10.0.0.2"
    UserFactory(email="cible@exemple.fr")
    response = client.post(
        reverse("accounts:login"),
        {"username": "cible@exemple.fr", "password": "mauvais"},
        HTTP_X_FORWARDED_FOR="pas-une-adresse, 1.2.3.4",
    )
    assert response.status_code == 200
