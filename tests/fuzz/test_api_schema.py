"""Every operation of the OpenAPI schema, called with data schemathesis generates from it: no answer is a server
error, and every answer has a documented status, content type and shape.

The schema is the one the app serves at /api/openapi.json, so an operation added later is fuzzed too. Requests go
through the real WSGI application, authenticated with the token of an advisor in post; the database holds a
published site, a commune and an activity, so that valid payloads exist and lists are not empty. Each generated
request runs in a savepoint rolled back afterwards: what one example records does not leak into the next.
"""

from dataclasses import dataclass

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from cnum.activities.enums import PlaceType
from cnum.activities.models import Activity
from cnum.api.api import api
from cnum.api.models import ApiToken
from cnum.sites.models import Site
from cnum.territories.models import Commune
from tests.activities.factories import ActivityFactory
from tests.advisors.factories import AdvisorFactory, ContractFactory
from tests.sites.factories import SiteFactory
from tests.territories.factories import CommuneFactory

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
MODES = {"valides": schemathesis.GenerationMode.POSITIVE, "invalides": schemathesis.GenerationMode.NEGATIVE}
OPERATIONS = [
    (method.upper(), path)
    for path, methods in api.get_openapi_schema(path_prefix="/api/")["paths"].items()
    for method in methods
]


@pytest.fixture
def application(db):
    """The WSGI app, called in the test's transaction: like Django's test client, it must not close the
    connection at the end of each request (the test transaction would go with it)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@dataclass
class World:
    secret: str
    site: Site
    commune: Commune


@pytest.fixture
def world(db, fresh_index):
    """An advisor in post, with the secret of their token, who recorded an activity at a published site and one
    at home."""
    commune = CommuneFactory()
    contract = ContractFactory(advisor=AdvisorFactory(with_account=True))
    site = SiteFactory(commune=commune, is_published=True, structure=contract.structure)
    mine = {"advisor": contract.advisor, "structure": contract.structure}
    ActivityFactory(**mine, site=site)
    ActivityFactory(**mine, place_type=PlaceType.HOME, site=None, commune=commune)
    _, secret = ApiToken.issue(name="Fuzz", owner=contract.advisor.user, advisor=contract.advisor)
    return World(secret=secret, site=site, commune=commune)


@pytest.fixture
def schema(application):
    return schemathesis.openapi.from_wsgi("/api/openapi.json", application)


def bearer(world: World) -> dict[str, str]:
    return {"Authorization": f"Bearer {world.secret}"}


def activity(**fields) -> dict:
    return {
        "type": "individuel",
        "date": "2025-03-10",
        "duration_minutes": 30,
        "themes": ["aide_aux_demarches_administratives"],
        "demarche_themes": ["logement"],
        **fields,
    }


def test_the_schema_lists_every_api_operation():
    assert ("GET", "/api/lieux/") in OPERATIONS
    assert ("POST", "/api/v1/activities") in OPERATIONS


@pytest.mark.parametrize("mode", MODES.values(), ids=MODES.keys())
@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_no_operation_answers_a_server_error(schema, world, method, path, mode):
    strategy = schema[path][method].as_strategy(generation_mode=mode, headers=bearer(world))

    @settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(case=strategy)
    def answers_without_error(case):
        with transaction.atomic():
            response = case.call()
            transaction.set_rollback(True)
        case.validate_response(response, checks=CHECKS)

    answers_without_error()


def test_successful_answers_match_the_schema(schema, world):
    """Random data seldom makes a valid activity: the successes are checked on known requests."""
    cases = {
        201: [
            schema["/api/v1/activities"]["POST"].Case(body=activity(place_type="lieu_activite", site=world.site.pk)),
            schema["/api/v1/activities"]["POST"].Case(body=activity(place_type="domicile", commune="69123")),
        ],
        200: [
            schema["/api/v1/activities"]["GET"].Case(query={"limit": 1}),
            schema["/api/lieux/"]["GET"].Case(query={"departement": "69"}),
            schema["/api/lieux/{site_id}"]["GET"].Case(path_parameters={"site_id": world.site.pk}),
            schema["/api/v1/lieux/"]["GET"].Case(query={"lat": 45.76, "lon": 4.83, "rayon_km": 20}),
        ],
    }
    for status, requests in cases.items():
        for case in requests:
            response = case.call(headers=bearer(world))
            assert response.status_code == status, response.text
            case.validate_response(response, checks=CHECKS)


# Found by the fuzzing above: the commune of an activity is an INSEE code, not the database id of a commune; it
# was looked up by id (a 500 for a code with letters) and answered as the id (a 500 on any activity with a commune).


def test_the_commune_of_an_activity_is_read_from_its_insee_code(client, world):
    response = client.post(
        "/api/v1/activities",
        activity(place_type="domicile", commune="69123"),
        "application/json",
        headers=bearer(world),
    )
    assert response.status_code == 201, response.json()
    assert Activity.objects.get(pk=response.json()["id"]).commune == world.commune


@pytest.mark.parametrize("code", ["Candidature déposée", "2A999", "99999"])
def test_an_unknown_commune_is_a_french_error_not_a_server_error(client, world, code):
    response = client.post(
        "/api/v1/activities", activity(place_type="autre", commune=code), "application/json", headers=bearer(world)
    )
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["commune"]


def test_activities_at_home_are_listed_with_their_commune_code(client, world):
    response = client.get("/api/v1/activities", headers=bearer(world))
    assert response.status_code == 200
    assert sorted(str(item["commune"]) for item in response.json()["items"]) == ["69123", "None"]


# Found by the fuzzing above on PostgreSQL, which refuses the NUL character in text (DataError, a 500): the API
# answers 422 before any query.


def test_a_nul_character_in_the_site_filters_is_refused(client, world):
    response = client.get("/api/lieux/", {"departement": "6\x009"})
    assert response.status_code == 422
    assert response.json() == {"detail": "Caractère nul interdit dans les filtres."}


def test_a_nul_character_in_an_activity_is_refused(client, world):
    data = activity(place_type="lieu_activite", site=world.site.pk, source_id="a\x00b")
    response = client.post("/api/v1/activities", data, "application/json", headers=bearer(world))
    assert response.status_code == 422
    assert response.json() == {"errors": {"source_id": ["Caractère nul interdit."]}}
    assert not Activity.objects.filter(source="api").exists()
