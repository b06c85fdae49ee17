"""The world of the access matrix (tests/core/test_access_matrix*.py): two sides, each with a structure and
everything hanging on it, one user per role scoped on the Lyon side, and the helpers that send one request in a
savepoint rolled back afterwards.

The world is built once per test module (`module_world`), inside a transaction rolled back when the module ends:
the matrix sends thousands of requests, and rebuilding the world for each test would cost more than all of them.
"""

import copy
import dataclasses
import datetime
import io
import json
import re

from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cnum.access.models import AccessRequest, Invitation
from cnum.accounts.enums import Role
from cnum.activities.enums import TagScope
from cnum.advisors.models import SiteAssignment
from cnum.api.models import ApiToken
from cnum.core.enums import JobStatus
from cnum.core.models import Job
from cnum.funding.models import Campaign, CampaignTarget
from cnum.funding.reference_data import funding_reference_load
from cnum.sites.models import SiteDuplicateCandidate
from cnum.sites.schema import FRANCE_SERVICES
from cnum.stats.models import FiguresShare
from cnum.territories.enums import EpciKind
from cnum.territories.lookup import reset_index
from cnum.territories.models import Epci, PostalCode
from tests.accounts.factories import RoleAssignmentFactory, UserFactory
from tests.activities.factories import ActivityFactory, BeneficiaryFactory, CoordinationActivityFactory, TagFactory
from tests.advisors.factories import (
    AdvisorFactory,
    ContractFactory,
    TeamFactory,
    TeamMembershipFactory,
    TrainingFactory,
)
from tests.funding.factories import signed_convention
from tests.sites.factories import SiteFactory
from tests.structures.factories import HubFactory, NetworkFactory, PostAmendmentFactory, StructureFactory
from tests.territories.factories import DepartementFactory

#: The callers, in the order of the table's columns. "jeton" is an anonymous client holding a structure's API token.
ROLES = (
    "anonyme",
    Role.ADVISOR,
    Role.COORDINATOR,
    Role.STRUCTURE_MANAGER,
    Role.PREFECTURE_DEPARTEMENT,
    Role.PREFECTURE_REGION,
    Role.HUB,
    Role.NATIONAL_NETWORK,
    Role.PROGRAMME_TEAM,
    "jeton",
)
ROLE_LABELS = {
    "anonyme": "anonyme",
    Role.ADVISOR: "conseiller",
    Role.COORDINATOR: "coordinateur",
    Role.STRUCTURE_MANAGER: "structure",
    Role.PREFECTURE_DEPARTEMENT: "préf. dép.",
    Role.PREFECTURE_REGION: "préf. région",
    Role.HUB: "hub",
    Role.NATIONAL_NETWORK: "grand réseau",
    Role.PROGRAMME_TEAM: "équipe nationale",
    "jeton": "jeton API",
}
#: Outcomes that refuse: a caller outside the roles an entry allows must get one of these.
REFUSED = {"connexion", "401", "403", "404", "405"}
NO_ROLE = ("anonyme", "jeton")
#: Rows the sign-in and the API's bookkeeping write whatever the request: they are not what a form saves.
BOOKKEEPING = {("UPDATE", "api_apitoken"), ("INSERT", "django_session"), ("UPDATE", "django_session")}
BOOKKEEPING |= {("DELETE", "django_session")}
# The API's rate limit counts every call, refused or not (cnum.core.ratelimit.count: an upsert, stale rows deleted).
BOOKKEEPING |= {("INSERT", "core_ratecounter"), ("DELETE", "core_ratecounter")}


def expect(default: str, **overrides: str) -> dict[str, str]:
    """Expected outcome per caller: `default` for all, then per role (keyword = Role value or anonyme / jeton).

    "200/404" reads "200 on the object inside the role's scope, 404 on the one outside"."""
    unknown = set(overrides) - {str(role) for role in ROLES}
    assert not unknown, f"rôles inconnus : {unknown}"
    return {str(role): overrides.get(str(role), default) for role in ROLES}


def signed_in(default: str, **overrides: str) -> dict[str, str]:
    """Pages behind the sign-in: the anonymous and the token holder are sent to the sign-in page."""
    return expect(default, **{"anonyme": "connexion", "jeton": "connexion", **overrides})


# --- the world ------------------------------------------------------------------------------------------------


def _side(structure, departement_code: str, city: str) -> dict:
    """One structure with everything hanging on it: an advisor under contract on a site, a team, activities… Names
    carry the city, so that a page showing something of the other side is caught (test_lists_stay_in_scope)."""
    advisor = AdvisorFactory(with_account=True, first_name="Camille", last_name=f"Conseillère-{city}")
    contract = ContractFactory(advisor=advisor, structure=structure, post__structure=structure)
    site = SiteFactory(
        structure=structure,
        name=f"Médiathèque de {city}",
        departement=structure.departement,
        postal_code=f"{departement_code}001",
    )
    team = TeamFactory(structure=structure, name=f"Équipe de {city}")
    activity = ActivityFactory(advisor=advisor, structure=structure, site=site)
    beneficiary = BeneficiaryFactory(advisor=advisor, followed=True)
    token, _ = ApiToken.issue(name="Logiciel de la structure", owner=UserFactory(), structure=structure)
    return {
        "structure": structure,
        "advisor": advisor,
        "contract": contract,
        "site": site,
        "site_assignment": SiteAssignment.objects.create(advisor=advisor, site=site, start=datetime.date(2024, 1, 1)),
        "training": TrainingFactory(advisor=advisor),
        "team": team,
        "membership": TeamMembershipFactory(team=team, advisor=advisor),
        "coordination": CoordinationActivityFactory(team=team, partners=f"Mairie de {city}"),
        "activity": activity,
        "beneficiary": beneficiary,
        "tag": TagFactory(name=f"Projet de {city}", scope=TagScope.STRUCTURE, structure=structure),
        "convention": signed_convention(structure=structure),
        "amendment": PostAmendmentFactory(structure=structure),
        "duplicate": SiteDuplicateCandidate.objects.create(site=site, source="autre", proposed=PROPOSED, score=0.9),
        "campaign": _campaign(structure),
        "token": token,
        **_form_targets(structure, advisor, site, beneficiary, city),
        **_access(structure, city),
    }


def _access(structure, city: str) -> dict:
    """An invitation to manage the structure (with its link's secret) and an agent's request to manage it."""
    invitation = Invitation(
        email=f"invitee-{city.lower()}@exemple.fr", role=Role.STRUCTURE_MANAGER, scope=f"structure:{structure.pk}"
    )
    invitation_token = invitation.new_token()
    invitation.save()
    access_request = AccessRequest.objects.create(
        user=UserFactory(email=f"demandeur-{city.lower()}@exemple.fr"),
        role=Role.STRUCTURE_MANAGER,
        scope=f"structure:{structure.pk}",
    )
    return {"invitation": invitation, "invitation_token": invitation_token, "access_request": access_request}


def _form_targets(structure, advisor, site, beneficiary, city: str) -> dict:
    """What the forms of tests/core/test_access_matrix_forms.py choose: a second site (France Services, where an
    advisor directs people), a second followed person,
    an advisor the structure employs who belongs to no team, an amendment awaiting the national decision, and an
    activity counting a followed person."""
    recruit = AdvisorFactory(first_name="Dominique", last_name=f"Recrue-{city}")
    ContractFactory(advisor=recruit, structure=structure, post__structure=structure)
    return {
        "site2": SiteFactory(
            structure=structure,
            national_programmes=[FRANCE_SERVICES],
            name=f"Centre social de {city}",
            departement=structure.departement,
            postal_code=site.postal_code,
        ),
        "beneficiary2": BeneficiaryFactory(advisor=advisor, followed=True),
        "recruit": recruit,
        "amendment_with_opinion": PostAmendmentFactory(structure=structure, with_opinion=True),
        "followed_activity": ActivityFactory(
            advisor=advisor, structure=structure, site=site, accompaniment__beneficiary=beneficiary
        ),
    }


#: A duplicate candidate's proposal, as an importer stores it.
PROPOSED = {"name": "Médiathèque (autre source)", "address": "1 place de la Mairie", "updated_on": "2025-01-15"}


def _campaign(structure) -> Campaign:
    campaign = Campaign.objects.create(
        name=f"Renouvellement n° {structure.pk}",
        terms="Conditions de test.",
        deadline=timezone.localdate() + datetime.timedelta(days=20),
        sent_at=timezone.now(),
    )
    CampaignTarget.objects.create(
        campaign=campaign, structure=structure, posts=1, convention_end=timezone.localdate() + datetime.timedelta(90)
    )
    return campaign


def _territory(structure, *, siren: str, epci_name: str, postal_code: str) -> None:
    """The structure's commune in an EPCI, and reachable by its postal code (the forms' commune lookup)."""
    commune = structure.commune
    # The real COG may be loaded already (tests/conftest.py loads it for the tests that need it): reuse its EPCI.
    commune.epci, _ = Epci.objects.get_or_create(siren=siren, defaults={"name": epci_name, "kind": EpciKind.METRO})
    commune.save()
    PostalCode.objects.get_or_create(code=postal_code, commune=commune)


def build_world() -> dict:
    """Two départements (Rhône, inside every territorial scope; Bouches-du-Rhône, outside), one structure in each
    with its advisor, site, team, activity, followed beneficiary, convention, amendment, campaign and API token;
    one user per role, scoped on the Rhône side. The site outside is unpublished: the public must not see it.

    Each side also names its territories and networks, so that every statistics scope kind has a value inside and
    one outside (tests/core/test_access_matrix_scopes.py). The Ain shares the Rhône's région: the région is wider
    than what a département's prefecture or the hub covers."""
    funding_reference_load()
    rhone = DepartementFactory(code="69")
    DepartementFactory(code="01", name="Ain")
    inside = StructureFactory(approved=True, name="Ville de Lyon")
    outside = StructureFactory(approved=True, in_marseille=True, name="Association phocéenne")
    _territory(inside, siren="200046977", epci_name="Métropole de Lyon", postal_code="69001")
    _territory(outside, siren="200054807", epci_name="Métropole d'Aix-Marseille-Provence", postal_code="13001")
    reset_index()
    hub = HubFactory(name="Hub du Rhône")
    hub.departements.add(rhone)
    other_hub = HubFactory(name="Hub de Provence")
    other_hub.departements.add(outside.departement)
    network = NetworkFactory(name="Grand réseau")
    inside.networks.add(network)
    other_network = NetworkFactory(name="Réseau du Sud")
    outside.networks.add(other_network)
    world = {"in": _side(inside, "69", "Lyon"), "out": _side(outside, "13", "Marseille")}
    world["out"]["site"].is_published = False
    world["out"]["site"].save()
    sides = (("in", inside, hub, network), ("out", outside, other_hub, other_network))
    for side, structure, its_hub, its_network in sides:
        world[side] |= {
            "hub": its_hub,
            "network": its_network,
            "commune": structure.commune,
            "epci": structure.commune.epci,
            "departement": structure.departement,
            "region": structure.departement.region,
        }
    scopes = {
        Role.COORDINATOR: world["in"]["team"],
        Role.STRUCTURE_MANAGER: inside,
        Role.PREFECTURE_DEPARTEMENT: rhone,
        Role.PREFECTURE_REGION: rhone.region,
        Role.HUB: hub,
        Role.NATIONAL_NETWORK: network,
    }
    users = {Role.ADVISOR: world["in"]["advisor"].user}
    for role in ROLES:
        if role not in NO_ROLE and role != Role.ADVISOR:
            users[role] = RoleAssignmentFactory(role=role, scope=scopes.get(role)).user
    world["users"] = users
    # A link to the Lyon advisor's figures, published; the Marseille one's, revoked.
    world["in"]["figures_share"] = FiguresShare.objects.create(
        scope=f"advisor:{world['in']['advisor'].pk}", token="a" * 32
    )
    world["out"]["figures_share"] = FiguresShare.objects.create(
        scope=f"advisor:{world['out']['advisor'].pk}", token="b" * 32, revoked_at=timezone.now()
    )
    # The token is its structure manager's: a token whose owner has lost the role opens nothing (finding 5).
    world["secret"] = ApiToken.issue(name="Jeton de test", owner=users[Role.STRUCTURE_MANAGER], structure=inside)[1]
    world |= _movers(world["in"], world["out"])
    # Background tasks are their author's only: the programme team's failed import inside, someone else's outside.
    for side, author in (("in", users[Role.PROGRAMME_TEAM]), ("out", UserFactory())):
        world[side]["job"] = Job.objects.create(
            kind="import", label=f"Import {side}", started_by=author, status=JobStatus.FAILED, error="Illisible."
        )
    # Factories write activities without the services' upkeep of the statistics: rebuild them.
    call_command("stats_rebuild", verbosity=0, stdout=io.StringIO())
    return world


def _movers(inside: dict, outside: dict) -> dict:
    """An advisor employed by another structure of Lyon (a coordinator may not recruit them into a team of the Ville
    de Lyon: finding 2), and one who left the Ville de Lyon for a third structure, in Marseille, with an activity
    recorded under each employer (the former employer sees only the first: finding 7)."""
    neighbour = AdvisorFactory(first_name="Sacha", last_name="Voisin-Lyon")
    ContractFactory(advisor=neighbour, structure=StructureFactory(approved=True, name="Association lyonnaise"))
    mobile = AdvisorFactory(first_name="Alex", last_name="Parti-Marseille")
    former = inside["structure"]
    new = StructureFactory(approved=True, in_marseille=True, name="Centre social marseillais")
    ContractFactory(advisor=mobile, structure=former, post__structure=former, ended=True)
    ContractFactory(advisor=mobile, structure=new, post__structure=new, start=datetime.date(2024, 7, 1))
    before = ActivityFactory(advisor=mobile, structure=former, site=inside["site"], date=datetime.date(2024, 3, 1))
    after = ActivityFactory(advisor=mobile, structure=new, site=outside["site"], date=datetime.date(2025, 3, 10))
    return {"neighbour": neighbour, "mobile": mobile, "new_employer": new, "mobile_activities": (before, after)}


def module_world(django_db_setup, django_db_blocker):
    """The world, built once for a test module and rolled back after it; each test still runs in its own
    transaction (the `db` fixture), nested in this one."""
    with django_db_blocker.unblock(), transaction.atomic():
        world = build_world()
        yield world
        transaction.set_rollback(True)
    reset_index()


# --- requests -------------------------------------------------------------------------------------------------


def outcome(response) -> str:
    """ "200", "403"…; a redirect reads "connexion" (the sign-in page), "code" (the second factor's page) or "302"."""
    if response.status_code in (301, 302):
        target = response["Location"].split("?")[0]
        if target.endswith(reverse("accounts:login")):
            return "connexion"
        if target.endswith(reverse("accounts:otp_verify")):
            return "code"
        return "302"
    return str(response.status_code)


def signed_in_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def token_client(secret: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {secret}"})


def clients(world) -> dict[str, Client]:
    result = {"anonyme": Client(), "jeton": token_client(world["secret"])}
    for role, user in world["users"].items():
        result[str(role)] = signed_in_client(user)
    return result


@dataclasses.dataclass
class Answer:
    """What one request gave: its outcome, the rows it wrote (kind, table) and the response itself."""

    outcome: str
    writes: set[tuple[str, str]]
    response: object

    @property
    def saved(self) -> bool:
        return bool(self.writes - BOOKKEEPING)


WRITE = re.compile(r'^\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)
FOLDED = re.compile(r'\bINSERT\s+INTO\s+"?(\w+)"?', re.IGNORECASE)


def send(client: Client, method: str, url: str, data=None, *, as_json: bool = False, prepare=None) -> Answer:
    """One request in a savepoint rolled back afterwards, with the rows it wrote; the client's cookies are kept (a
    logout or a role switch must not change who the next request comes from). Forms are sent as a browser does;
    the API's bodies as JSON. `prepare()` sets the world up in the same savepoint, before the request."""
    cookies = copy.deepcopy(client.cookies)
    writes = set()

    def record(execute, sql, params, many, context):
        if match := WRITE.match(sql):
            writes.add((match.group(1).split()[0].upper(), match.group(2)))
        elif sql.lstrip().upper().startswith("WITH"):  # rows written together (cnum.core.bulk.folded_inserts)
            writes.update(("INSERT", table) for table in FOLDED.findall(sql))
        return execute(sql, params, many, context)

    with transaction.atomic():
        if prepare is not None:
            prepare()
        with connection.execute_wrapper(record):
            response = _sent(client, method, url, data, as_json)
        transaction.set_rollback(True)
    client.cookies = cookies
    return Answer(outcome(response), writes, response)


def _sent(client: Client, method: str, url: str, data, as_json: bool):
    if as_json:
        return client.generic(
            method, url, json.dumps(data if data is not None else {}), content_type="application/json"
        )
    if method == "GET":
        return client.get(url)
    if method == "POST":
        return client.post(url, data or {})
    return client.generic(method, url)  # the API's PUT and DELETE, with an empty body


def request(client: Client, method: str, url: str) -> str:
    """The outcome of one request with an empty body (the matrix of tests/core/test_access_matrix.py)."""
    return send(client, method, url).outcome


def normalized(expected: str) -> str:
    inside, _, outside = expected.partition("/")
    return inside if not outside or inside == outside else expected
