"""Password reset e-mails are limited per address and per client (issue #15): the page never tells."""

import time

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db
DONE = "Vérifiez votre messagerie"


@pytest.fixture(autouse=True)
def production_rates(settings):
    settings.CNUM_PASSWORD_RESET_RATE_PER_EMAIL = "1/15min"
    settings.CNUM_PASSWORD_RESET_RATE_PER_IP = "5/hour"
    cache.clear()
    yield
    cache.clear()


def ask(client, email, address="203.0.113.7"):
    return client.post(reverse("accounts:password_reset"), {"email": email}, REMOTE_ADDR=address, follow=True)


def test_three_requests_for_one_address_send_one_e_mail_and_show_the_same_page(client):
    UserFactory(email="oubli@exemple.fr")
    pages = [ask(client, "oubli@exemple.fr", address=f"203.0.113.{n}") for n in range(3)]
    assert len(mail.outbox) == 1
    assert all(page.redirect_chain == pages[0].redirect_chain and DONE in page.content.decode() for page in pages)


def test_the_address_is_counted_whatever_its_case(client):
    UserFactory(email="oubli@exemple.fr")
    ask(client, "oubli@exemple.fr")
    ask(client, "OUBLI@Exemple.fr")
    assert len(mail.outbox) == 1


def test_the_limit_ends_with_its_window(client, monkeypatch):
    UserFactory(email="oubli@exemple.fr")
    ask(client, "oubli@exemple.fr")
    later = time.time() + 15 * 60 + 1
    monkeypatch.setattr(time, "time", lambda: later)
    ask(client, "oubli@exemple.fr")
    assert len(mail.outbox) == 2


def test_one_client_asking_for_many_addresses_is_limited(client):
    for number in range(7):
        UserFactory(email=f"agent-{number}@exemple.fr")
    pages = [ask(client, f"agent-{number}@exemple.fr") for number in range(7)]
    assert len(mail.outbox) == 5
    assert all(DONE in page.content.decode() for page in pages)
    ask(client, "agent-6@exemple.fr", address="198.51.100.9")
    assert len(mail.outbox) == 6


def test_behind_a_trusted_proxy_the_client_is_the_forwarded_address(client, settings):
    settings.NINJA_NUM_PROXIES = 1
    for number in range(6):
        UserFactory(email=f"agent-{number}@exemple.fr")
    for number in range(6):
        client.post(
            reverse("accounts:password_reset"),
            {"email": f"agent-{number}@exemple.fr"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{number}",
        )
    assert len(mail.outbox) == 6


def test_the_cache_never_holds_the_e_mail_address(client):
    UserFactory(email="oubli@exemple.fr")
    ask(client, "oubli@exemple.fr")
    assert not any("oubli" in str(key) for key in cache._cache)
