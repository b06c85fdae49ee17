import pytest
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cnum.api.models import ApiToken
from cnum.api.throttling import parse_rate
from cnum.core.models import RateCounter
from tests.advisors.factories import AdvisorFactory, ContractFactory

pytestmark = pytest.mark.django_db
PARTNER_URL = "/api/v1/activities"
PUBLIC_URL = "/api/lieux/"


@pytest.fixture(autouse=True)
def low_rates(settings):
    settings.CNUM_API_RATE_PER_TOKEN = "3/min"
    settings.CNUM_API_RATE_PER_IP = "2/min"
    cache.clear()
    yield
    cache.clear()


def new_token():
    contract = ContractFactory(advisor=AdvisorFactory(with_account=True))
    _, secret = ApiToken.issue(name="Outil", owner=contract.advisor.user, advisor=contract.advisor)
    return {"Authorization": f"Bearer {secret}"}


def test_a_token_beyond_its_rate_gets_429_in_french_with_retry_after(client):
    headers = new_token()
    assert [client.get(PARTNER_URL, headers=headers).status_code for _ in range(3)] == [200, 200, 200]

    response = client.get(PARTNER_URL, headers=headers)

    assert response.status_code == 429
    assert response.json()["detail"].startswith("Trop de requêtes")
    assert 1 <= int(response["Retry-After"]) <= 60


def test_each_token_has_its_own_allowance_whatever_the_address(client):
    first, second = new_token(), new_token()
    for _ in range(3):
        client.get(PARTNER_URL, headers=first)
    assert client.get(PARTNER_URL, headers=first).status_code == 429
    assert client.get(PARTNER_URL, headers=second).status_code == 200
    # A token is not limited by the per-address rate (2/min here), only by its own.
    assert client.get(PARTNER_URL, headers=second, REMOTE_ADDR="10.0.0.9").status_code == 200


def test_calls_without_token_are_limited_per_address(client):
    assert [client.get(PUBLIC_URL).status_code for _ in range(2)] == [200, 200]
    response = client.get(PUBLIC_URL)
    assert response.status_code == 429
    assert "Réessayez dans" in response.json()["detail"]
    assert int(response["Retry-After"]) >= 1
    assert client.get(PUBLIC_URL, REMOTE_ADDR="10.0.0.2").status_code == 200


def test_refused_tokens_count_against_the_address(client):
    wrong = {"Authorization": "Bearer cnum_inconnu"}
    assert [client.get(PARTNER_URL, headers=wrong).status_code for _ in range(2)] == [401, 401]
    response = client.get(PARTNER_URL, headers=wrong)
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1


def test_the_window_is_counted_in_one_statement_and_ends_on_the_clock(client, monkeypatch):
    """A fixed window aligned on the clock (cnum.core.ratelimit.count): Retry-After says when it ends, and the
    next window starts afresh; counting a request is one upsert, not a cache read, count and write."""
    now = [60 * 16_667 + 10.0]  # 10 s into a minute
    monkeypatch.setattr("cnum.core.ratelimit.time.time", lambda: now[0])
    assert client.get(PUBLIC_URL).status_code == 200  # the first of its window also forgets the stale clients
    with CaptureQueriesContext(connection) as captured:
        assert client.get(PUBLIC_URL).status_code == 200
    assert [query["sql"].split()[0] for query in captured if "core_ratecounter" in query["sql"]] == ["INSERT"]
    now[0] += 20
    response = client.get(PUBLIC_URL)
    assert response.status_code == 429
    assert response["Retry-After"] == "30"
    now[0] += 30
    assert client.get(PUBLIC_URL).status_code == 200


def test_clients_gone_for_a_day_are_forgotten(client, monkeypatch):
    now = [1_000_000.0]
    monkeypatch.setattr("cnum.core.ratelimit.time.time", lambda: now[0])
    client.get(PUBLIC_URL, REMOTE_ADDR="10.0.0.7")
    now[0] += 86_400 + 120
    client.get(PUBLIC_URL, REMOTE_ADDR="10.0.0.8")
    assert [row.name for row in RateCounter.objects.all()] == ["cnum-api-rate:ip:10.0.0.8"]


def test_the_forwarded_address_is_ignored_unless_a_proxy_is_trusted(client, settings):
    for _ in range(2):
        client.get(PUBLIC_URL, HTTP_X_FORWARDED_FOR="203.0.113.1")
    # Without a trusted proxy, a client cannot escape its limit by inventing X-Forwarded-For.
    assert client.get(PUBLIC_URL, HTTP_X_FORWARDED_FOR="203.0.113.2").status_code == 429


def test_an_invalid_rate_is_refused_with_a_french_message():
    assert parse_rate("120/min") == (120, 60)
    assert parse_rate("5000/day") == (5000, 86400)
    with pytest.raises(ImproperlyConfigured, match="Limite de requêtes invalide"):
        parse_rate("beaucoup")
