import base64
import datetime
import re

import pytest
from django.contrib.contenttypes.models import ContentType

from cnum.accounts.enums import Role
from cnum.activities.enums import TagScope
from cnum.activities.models import Activity, Beneficiary
from cnum.advisors.models import Contract
from cnum.api.models import ApiToken
from cnum.core.enums import AuditAction
from cnum.core.models import AuditEvent
from cnum.sites.schema import FRANCE_SERVICES
from cnum.stats import engine
from cnum.stats.scopes import Scope
from tests.accounts.factories import RoleAssignmentFactory
from tests.activities.factories import ActivityFactory, TagFactory
from tests.advisors.factories import AdvisorFactory, ContractFactory, SiteAssignmentFactory, TeamFactory
from tests.sites.factories import SiteFactory
from tests.territories.factories import DepartementFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/activities"


@pytest.fixture
def contract():
    return ContractFactory(advisor=AdvisorFactory(with_account=True))


@pytest.fixture
def advisor_token(contract):
    return ApiToken.issue(name="Outil", owner=contract.advisor.user, advisor=contract.advisor)


@pytest.fixture
def structure_token(contract):
    manager = RoleAssignmentFactory(role=Role.STRUCTURE_MANAGER, scope=contract.structure).user
    return ApiToken.issue(name="SI", owner=manager, structure=contract.structure)


def bearer(secret):
    return {"Authorization": f"Bearer {secret}"}


def payload(**fields):
    """A valid individual activity at a site of the employer of the first advisor (the `contract` fixture)."""
    return {
        "type": "individuel",
        "date": "2025-03-10",
        "duration_minutes": 30,
        "place_type": "lieu_activite",
        "site": SiteFactory(structure=Contract.objects.earliest("pk").structure).pk,
        "themes": ["aide_aux_demarches_administratives"],
        "demarche_themes": ["logement"],
        "genre": "feminin",
        **fields,
    }


def test_an_advisor_token_records_an_activity(client, advisor_token, contract):
    token, secret = advisor_token
    response = client.post(URL, payload(), content_type="application/json", headers=bearer(secret))

    assert response.status_code == 201, response.json()
    activity = Activity.objects.get()
    assert response.json()["id"] == activity.pk
    assert (activity.advisor, activity.structure, activity.source) == (contract.advisor, contract.structure, "api")
    assert activity.accompaniments.get().beneficiary.genre == "feminin"
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_recording_reads_only_what_it_needs(client, advisor_token, django_assert_max_num_queries):
    """Issue #20: one statement for the rate limit, the site looked up among the advisor's, no France Services
    list without an orientation, no tag read back from the new activity."""
    _, secret = advisor_token
    body = payload()
    client.post(URL, body, content_type="application/json", headers=bearer(secret))  # the token's last use
    # The token with its owner, their roles, the rate counter, the site; then the contract, the activity, the
    # person, their accompaniment, the queue and two audit rows, in one transaction (2 statements).
    with django_assert_max_num_queries(13) as captured:
        response = client.post(URL, body, content_type="application/json", headers=bearer(secret))
    assert response.status_code == 201 and response.json()["tags"] == []
    assert not [query for query in captured.captured_queries if "activities_tag" in query["sql"]]


def test_invalid_activities_get_french_messages_per_field(client, advisor_token):
    _, secret = advisor_token
    data = payload(date="2019-12-31", themes=[], demarche_themes=[], site=None, duration_minutes=None)
    response = client.post(URL, data, content_type="application/json", headers=bearer(secret))

    assert response.status_code == 422
    errors = response.json()["errors"]
    assert set(errors) == {"date", "themes", "site", "duration_minutes"}
    assert errors["themes"] == ["Choisissez au moins une thématique."]


def test_badly_typed_fields_are_reported_in_the_same_shape(client, advisor_token):
    _, secret = advisor_token
    response = client.post(
        URL, payload(duration_minutes="long"), content_type="application/json", headers=bearer(secret)
    )
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["duration_minutes"]


def test_a_structure_token_records_for_an_advisor_of_the_structure_only(client, structure_token, contract):
    _, secret = structure_token
    response = client.post(URL, payload(), content_type="application/json", headers=bearer(secret))
    assert response.json()["errors"]["advisor"] == ["Indiquez le conseiller (jeton de structure)."]

    outsider = ContractFactory().advisor
    response = client.post(URL, payload(advisor=outsider.pk), content_type="application/json", headers=bearer(secret))
    assert response.status_code == 422
    assert "advisor" in response.json()["errors"]

    response = client.post(
        URL, payload(advisor=contract.advisor_id), content_type="application/json", headers=bearer(secret)
    )
    assert response.status_code == 201
    assert Activity.objects.get().advisor == contract.advisor


@pytest.mark.parametrize("header", [None, "Bearer inconnu", "Basic abc"])
def test_unknown_or_missing_tokens_get_401_in_french(client, header):
    headers = {"Authorization": header} if header else {}
    response = client.get(URL, headers=headers)
    assert response.status_code == 401
    assert response.json() == {"detail": "Jeton d'accès absent, inconnu ou révoqué."}


def test_revoked_tokens_are_refused(client, advisor_token):
    token, secret = advisor_token
    token.revoke()
    assert client.get(URL, headers=bearer(secret)).status_code == 401


def test_the_list_is_paginated_by_cursor_within_the_token_scope(client, advisor_token, contract):
    _, secret = advisor_token
    advisor = contract.advisor
    day = datetime.date(2025, 1, 1)
    mine = [
        ActivityFactory(advisor=advisor, structure=contract.structure, date=day + datetime.timedelta(days=i // 2))
        for i in range(7)
    ]
    ActivityFactory(date=day)  # another advisor's

    seen, url = [], f"{URL}?limit=3"
    while url:
        response = client.get(url, headers=bearer(secret))
        assert response.status_code == 200
        body = response.json()
        seen += [item["id"] for item in body["items"]]
        url = body["next"]
    expected = sorted(mine, key=lambda a: (a.date, a.pk), reverse=True)
    assert seen == [a.pk for a in expected]


def test_the_list_filters_by_dates_and_type(client, advisor_token, contract):
    _, secret = advisor_token
    kw = {"advisor": contract.advisor, "structure": contract.structure}
    ActivityFactory(date=datetime.date(2025, 1, 5), **kw)
    kept = ActivityFactory(date=datetime.date(2025, 2, 5), collective=True, **kw)
    ActivityFactory(date=datetime.date(2025, 2, 6), **kw)
    ActivityFactory(date=datetime.date(2025, 3, 5), collective=True, **kw)

    response = client.get(f"{URL}?since=2025-02-01&until=2025-02-28&type=collectif", headers=bearer(secret))
    assert [item["id"] for item in response.json()["items"]] == [kept.pk]
    assert response.json()["next"] is None


def test_a_structure_token_lists_the_structure_activities(client, structure_token, contract):
    _, secret = structure_token
    colleague = ActivityFactory(structure=contract.structure)
    ActivityFactory()
    response = client.get(URL, headers=bearer(secret))
    assert [item["id"] for item in response.json()["items"]] == [colleague.pk]


@pytest.mark.parametrize("cursor", ["nimportequoi", base64.urlsafe_b64encode(b"[" * 100_000).decode()])
def test_a_bad_cursor_is_a_french_422(client, advisor_token, cursor):
    _, secret = advisor_token
    response = client.get(f"{URL}?cursor={cursor}", headers=bearer(secret))
    assert response.status_code == 422
    assert "cursor" in response.json()["errors"]


def test_openapi_and_docs_render_without_external_hosts(client):
    assert client.get("/api/openapi.json").status_code == 200
    response = client.get("/api/docs")
    assert response.status_code == 200
    page = response.content.decode()
    assert not re.findall(r"""(?:src|href)=["']?(?:https?:)?//""", page)
    assert "/static/" in page


def test_the_list_takes_a_fixed_number_of_queries(client, advisor_token, contract, django_assert_max_num_queries):
    _, secret = advisor_token
    tag = TagFactory()
    for _ in range(10):
        ActivityFactory(advisor=contract.advisor, structure=contract.structure).tags.add(tag)
    client.get(URL, headers=bearer(secret))  # the token's last use is written once a minute at most
    # The token with its owner, the owner's roles (the token acts only while they hold its role), the token's rate
    # counter (one upsert), the page, its activities' tags and the private tags the token reads (once).
    with django_assert_max_num_queries(6):
        response = client.get(URL, headers=bearer(secret))
    assert len(response.json()["items"]) == 10


def recorded(client, secret, **fields) -> int:
    response = client.post(URL, payload(**fields), content_type="application/json", headers=bearer(secret))
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def test_an_activity_is_read_corrected_and_deleted_and_the_statistics_follow(client, advisor_token):
    _, secret = advisor_token
    pk = recorded(client, secret, source_id="outil-1")
    assert client.get(f"{URL}/{pk}", headers=bearer(secret)).json()["duration_minutes"] == 30

    corrected = payload(duration_minutes=90, genre="masculin", progressed="oui", source_id="outil-1")
    response = client.put(f"{URL}/{pk}", corrected, content_type="application/json", headers=bearer(secret))
    assert response.status_code == 200, response.json()
    assert response.json()["duration_minutes"] == 90 and response.json()["source_id"] == "outil-1"
    activity = Activity.objects.get(pk=pk)
    person = activity.accompaniments.get()
    assert (person.beneficiary.genre, person.progressed) == ("masculin", "oui")
    national = engine.figures(Scope.parse("national"))
    assert (national["activities"], national["hours"], national["progressed_rate"]) == (1, 1.5, 1.0)

    assert client.delete(f"{URL}/{pk}", headers=bearer(secret)).status_code == 204
    assert not Activity.objects.exists() and not Beneficiary.objects.exists()
    assert engine.figures(Scope.parse("national"))["activities"] == 0
    assert client.delete(f"{URL}/{pk}", headers=bearer(secret)).status_code == 404


def test_only_the_token_scope_is_read_corrected_or_deleted(client, advisor_token):
    _, secret = advisor_token
    other = ActivityFactory()  # another advisor's
    for response in (
        client.get(f"{URL}/{other.pk}", headers=bearer(secret)),
        client.put(f"{URL}/{other.pk}", payload(), content_type="application/json", headers=bearer(secret)),
        client.delete(f"{URL}/{other.pk}", headers=bearer(secret)),
        client.get(f"{URL}/999999", headers=bearer(secret)),
    ):
        assert response.status_code == 404
        assert response.json()["errors"]["id"] == ["Aucune activité de ce numéro dans le périmètre du jeton."]
    assert Activity.objects.filter(pk=other.pk, duration_minutes=30).exists()


def test_a_correction_is_checked_like_a_recording_and_changes_nothing_when_refused(client, advisor_token, contract):
    _, secret = advisor_token
    pk = recorded(client, secret, source_id="outil-2")
    bad = payload(themes=[], demarche_themes=[], advisor=contract.advisor.pk + 1000, source_id="autre")
    response = client.put(f"{URL}/{pk}", bad, content_type="application/json", headers=bearer(secret))
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"themes", "advisor", "source_id"}
    assert Activity.objects.get(pk=pk).themes == ["aide_aux_demarches_administratives"]


def test_an_activity_with_followed_people_is_corrected_in_cnum_only(client, advisor_token, contract):
    _, secret = advisor_token
    activity = ActivityFactory(advisor=contract.advisor, structure=contract.structure, followed=True)
    response = client.put(f"{URL}/{activity.pk}", payload(), content_type="application/json", headers=bearer(secret))
    assert response.status_code == 409 and "personnes suivies" in response.json()["errors"]["id"][0]
    assert activity.accompaniments.get().beneficiary.is_followed


# Issue #15, finding 3: the API follows the web's rules on who changes what, and where an advisor records.


def test_a_structure_token_neither_corrects_nor_deletes_an_activity(client, structure_token, contract):
    """On the web, an activity is changed or deleted by its advisor only (cnum.activities.perms.can_edit_activity):
    the structure's token reads and records, the advisor's token corrects and deletes."""
    _, secret = structure_token
    in_cnum = ActivityFactory(advisor=contract.advisor, structure=contract.structure, followed=True)
    by_api = ActivityFactory(advisor=contract.advisor, structure=contract.structure, source="api")
    for activity in (in_cnum, by_api):
        put = client.put(
            f"{URL}/{activity.pk}",
            payload(advisor=contract.advisor_id, duration_minutes=90),
            content_type="application/json",
            headers=bearer(secret),
        )
        delete = client.delete(f"{URL}/{activity.pk}", headers=bearer(secret))
        assert (put.status_code, delete.status_code) == (403, 403)
        assert "conseiller" in delete.json()["errors"]["id"][0]
    assert Activity.objects.filter(duration_minutes=30).count() == 2
    assert in_cnum.accompaniments.get().beneficiary.is_followed


def test_an_activity_with_followed_people_is_deleted_in_cnum_only(client, advisor_token, contract):
    _, secret = advisor_token
    activity = ActivityFactory(advisor=contract.advisor, structure=contract.structure, followed=True)
    response = client.delete(f"{URL}/{activity.pk}", headers=bearer(secret))
    assert response.status_code == 409 and "personnes suivies" in response.json()["errors"]["id"][0]
    assert Activity.objects.filter(pk=activity.pk).exists()


def test_an_activity_is_recorded_at_one_of_the_advisors_sites_only(client, advisor_token, contract):
    """The recording form offers the advisor's sites: where they are or were assigned, their employers' sites."""
    _, secret = advisor_token
    elsewhere = SiteFactory(is_published=True)
    assigned = SiteFactory()
    SiteAssignmentFactory(advisor=contract.advisor, site=assigned)

    response = client.post(URL, payload(site=elsewhere.pk), content_type="application/json", headers=bearer(secret))
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["site"]
    pk = recorded(client, secret, site=assigned.pk)

    response = client.put(
        f"{URL}/{pk}", payload(site=elsewhere.pk), content_type="application/json", headers=bearer(secret)
    )
    assert response.status_code == 422 and list(response.json()["errors"]) == ["site"]
    assert Activity.objects.get(pk=pk).site == assigned


def test_the_orientation_is_a_france_services_of_the_employers_departements(client, structure_token, contract):
    """As on the recording form: published France Services sites of the départements of the advisor's employers."""
    _, secret = structure_token
    near = SiteFactory(
        is_published=True, national_programmes=[FRANCE_SERVICES], departement=contract.structure.departement
    )
    elsewhere = DepartementFactory(code="13", name="Bouches-du-Rhône")
    far = SiteFactory(is_published=True, national_programmes=[FRANCE_SERVICES], departement=elsewhere)
    not_france_services = SiteFactory(is_published=True, departement=contract.structure.departement)
    fields = {"advisor": contract.advisor_id, "redirection_category": "aide_aux_demarches_administratives"}

    for refused in (far, not_france_services):
        data = payload(**fields, redirection_site=refused.pk)
        response = client.post(URL, data, content_type="application/json", headers=bearer(secret))
        assert response.status_code == 422 and list(response.json()["errors"]) == ["redirection_site"]
    data = payload(**fields, redirection_site=near.pk)
    response = client.post(URL, data, content_type="application/json", headers=bearer(secret))
    assert response.status_code == 201, response.json()
    assert Activity.objects.get().redirection_site == near


# Issue #15, finding 4: the audit trail names who wrote through the API.


def test_api_writes_are_audited_as_the_token_owner_naming_the_token(client, advisor_token, contract):
    token, secret = advisor_token
    pk = recorded(client, secret)
    response = client.put(
        f"{URL}/{pk}", payload(duration_minutes=90), content_type="application/json", headers=bearer(secret)
    )
    assert response.status_code == 200
    assert client.delete(f"{URL}/{pk}", headers=bearer(secret)).status_code == 204

    events = AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(Activity), object_id=str(pk)
    ).order_by("pk")
    assert [event.action for event in events] == [AuditAction.CREATE, AuditAction.UPDATE, AuditAction.DELETE]
    owner = contract.advisor.user
    for event in events:
        assert event.actor_id == owner.pk
        assert event.actor_label == f"{owner.email} (jeton d'API « Outil », {token.prefix}…, n° {token.pk})"
    # The anonymous person the activity counted is written under the same name.
    people = AuditEvent.objects.filter(content_type=ContentType.objects.get_for_model(Beneficiary))
    assert people.exists() and set(people.values_list("actor_id", flat=True)) == {owner.pk}


# --- tags (issue #21) -------------------------------------------------------------------------------------------


def test_tags_are_attached_by_id_or_by_name(client, advisor_token):
    _, secret = advisor_token
    seniors, taxes = TagFactory(name="Seniors"), TagFactory(name="Impôts 2025")
    data = payload(tags=[seniors.pk, "impôts  2025"])
    response = client.post(URL, data, content_type="application/json", headers=bearer(secret))
    assert response.status_code == 201, response.json()
    assert {tag["name"] for tag in response.json()["tags"]} == {"Seniors", "Impôts 2025"}
    assert set(Activity.objects.get().tags.all()) == {seniors, taxes}


def test_tags_the_advisor_may_not_use_are_refused_with_422(client, advisor_token):
    _, secret = advisor_token
    private = TagFactory(name="Privée", private=True, of_structure=True)  # another structure's
    data = payload(tags=[private.pk, "Inconnue"])
    response = client.post(URL, data, content_type="application/json", headers=bearer(secret))
    assert response.status_code == 422
    assert len(response.json()["errors"]["tags"]) == 2
    assert not Activity.objects.exists()


def test_a_correction_without_tags_keeps_them_and_an_empty_list_removes_them(client, advisor_token):
    _, secret = advisor_token
    tag = TagFactory()
    activity_id = recorded(client, secret, tags=[tag.pk])
    url = f"{URL}/{activity_id}"
    headers = bearer(secret)
    assert client.put(url, payload(), content_type="application/json", headers=headers).status_code == 200
    assert list(Activity.objects.get().tags.all()) == [tag]
    assert client.put(url, payload(tags=[]), content_type="application/json", headers=headers).status_code == 200
    assert not Activity.objects.get().tags.exists()


def test_a_structure_token_does_not_read_the_name_of_another_scope_s_private_tag(client, structure_token, contract):
    _, secret = structure_token
    team = TeamFactory()
    theirs = TagFactory(name="Privée de l'équipe", private=True, scope=TagScope.TEAM, team=team)
    ours = TagFactory(
        name="Privée de la structure", private=True, scope=TagScope.STRUCTURE, structure=contract.structure
    )
    activity = ActivityFactory(advisor=contract.advisor, structure=contract.structure)
    activity.tags.add(theirs, ours, TagFactory(name="Publique"))
    response = client.get(f"{URL}/{activity.pk}", headers=bearer(secret))
    assert {tag["name"] for tag in response.json()["tags"]} == {"Privée de la structure", "Publique"}
