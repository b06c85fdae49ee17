"""The access matrix's other callers (issue #15): a signed-in user with no role, technical staff and a superuser;
a user holding two roles who switches between them; API tokens other than a structure's; the second factor
required; a former employer.

Every page and API operation of tests/core/test_access_matrix.py's ROUTES is sent again for these callers.
"""

import csv
import io

import pytest
from django.test import override_settings
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from cnum.accounts.enums import Role
from cnum.api.models import ApiToken
from tests.accounts.factories import RoleAssignmentFactory, UserFactory
from tests.core.access_world import (
    REFUSED,
    ROLE_LABELS,
    module_world,
    normalized,
    send,
    signed_in_client,
    token_client,
)
from tests.core.test_access_matrix import ROUTES, observed, project_routes
from tests.core.test_access_matrix_forms import api_activity_body

world = pytest.fixture(scope="module")(module_world)


#: A few pages of the Django admin: its index, a model's list, one object.
def admin_pages(user) -> tuple[str, ...]:
    """The admin's index, the accounts list and one account that exists: the caller's own (ids differ by engine:
    PostgreSQL's sequences go on after a rolled-back or truncated test)."""
    return ("/admin/", "/admin/accounts/user/", f"/admin/accounts/user/{user.pk}/change/")


def site_routes() -> dict[str, str]:
    """The routes of the matrix (the admin apart, see admin_pages)."""
    return {key: pattern for key, pattern in project_routes().items() if key in ROUTES}


def column(client, world, keys=None) -> dict[str, str]:
    """What one caller gets on every route of the matrix (or on `keys`)."""
    routes = site_routes()
    return {key: observed(key, routes[key], ROUTES[key], world, client) for key in keys or routes}


def differences(got: dict[str, str], expected: dict[str, str]) -> list[str]:
    return [
        f"{key} : attendu {expected[key]}, obtenu {got[key]}"
        for key in expected
        if got[key] != normalized(expected[key])
    ]


# --- no role, staff, superuser ----------------------------------------------------------------------------------

#: Pages open to every signed-in user whatever their roles: the account, the dashboard, the lists (which show what
#: the role sees: nothing without one) and one's own API tokens.
OPEN_TO_SIGNED_IN = {
    "accounts:login": "302",
    "accounts:logout": "302",
    "accounts:proconnect_logged_out": "302",
    "accounts:otp_verify": "302",
    "accounts:otp_setup": "200",
    "accounts:profile": "200",
    "core:dashboard": "200",
    "structures:list": "200",
    "advisors:list": "200",
    "advisors:team_list": "200",
    "api_tokens:list": "200",
    # Suggestions of communes (the COG, public reference data) for the forms that ask for one.
    "territories:commune_suggestions": "200",
    # Another user's token is hidden, as is an unpublished site (the one outside).
    "api_tokens:revoke": "404",
    "sites:edit": "403/404",
    # An account without a role asks for one (issue #18); the invitations, roles, accounts and requests of a scope
    # are hidden from it.
    "access:request": "200",
    "access:invitation_resend": "404",
    "access:invitation_revoke": "404",
    "access:role_change": "404",
    "access:role_remove": "404",
    "access:deactivate": "404",
    "access:request_decide": "404",
    # One's own background tasks (none here); another's are hidden.
    "core:job_list": "200",
    "core:job_detail": "404",
    "core:job_progress": "404",
    "core:job_retry": "404",
    "core:job_file": "404",
}


def without_role() -> dict[str, str]:
    """A signed-in user holding no role gets what the anonymous gets on public pages, and 403 on every page
    behind the sign-in but those open to every signed-in user: is_staff and is_superuser give nothing more on the
    site — what a user may see comes from their roles (accounts.models.User)."""
    expected = {}
    for key, entry in ROUTES.items():
        anonymous = normalized(entry.expected["anonyme"])
        expected[key] = OPEN_TO_SIGNED_IN.get(key, "403" if anonymous == "connexion" else anonymous)
    return expected


NO_ROLE_EXPECTED = without_role()
#: The Django admin: its sign-in page for a user without is_staff; staff see the index and what their model
#: permissions allow (none here: 403); the superuser sees everything. The second factor (below) comes first.
ADMIN_EXPECTED = {
    "sans rôle": ("302", "302", "302"),
    "staff": ("200", "403", "403"),
    "superuser": ("200", "200", "200"),
}


@pytest.fixture(scope="module")
def plain_users(world, django_db_blocker):
    with django_db_blocker.unblock():
        return {
            "sans rôle": UserFactory(),
            "staff": UserFactory(is_staff=True),
            "superuser": UserFactory(is_staff=True, is_superuser=True),
        }


@pytest.mark.parametrize("caller", ["sans rôle", "staff", "superuser"])
def test_no_role_staff_and_superuser_get_no_page_of_a_role(caller, world, plain_users, db):
    client = signed_in_client(plain_users[caller])
    problems = differences(column(client, world), NO_ROLE_EXPECTED)
    pages = admin_pages(plain_users[caller])
    admin = tuple(send(client, "GET", page).outcome for page in pages)
    if admin != ADMIN_EXPECTED[caller]:
        problems.append(f"admin {pages} : attendu {ADMIN_EXPECTED[caller]}, obtenu {admin}")
    assert not problems, f"{caller} :\n" + "\n".join(problems)


# --- two roles: the active one decides ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def two_roles(world, django_db_blocker):
    """A user who manages the Ville de Lyon and coordinates its team: two roles."""
    with django_db_blocker.unblock():
        user = RoleAssignmentFactory(role=Role.STRUCTURE_MANAGER, scope=world["in"]["structure"]).user
        RoleAssignmentFactory(user=user, role=Role.COORDINATOR, scope=world["in"]["team"])
        return user


@pytest.mark.parametrize(
    "role",
    [
        pytest.param(Role.STRUCTURE_MANAGER, id="structure"),
        pytest.param(Role.COORDINATOR, id="coordinateur"),
    ],
)
def test_a_user_with_two_roles_gets_exactly_the_active_ones_column(role, world, two_roles, db, django_db_blocker):
    """After switching to a role, every route answers as the matrix says for that role alone: the pages of the other
    role are refused."""
    client = signed_in_client(two_roles)
    other = Role.COORDINATOR if role == Role.STRUCTURE_MANAGER else Role.STRUCTURE_MANAGER
    for target in (other, role):  # the switch away first, so that the switch back is tested too
        assignment = two_roles.roles.get(role=target)
        assert client.post(reverse("accounts:switch_role"), {"role": assignment.pk}).status_code == 302
    expected = {key: normalized(entry.expected[str(role)]) for key, entry in ROUTES.items()}
    # Switching to one's own role is allowed: the matrix's empty body names none, hence its 403.
    problems = differences(column(client, world), expected)
    assert not problems, f"en tant que {ROLE_LABELS[role]} :\n" + "\n".join(problems)


# --- API tokens ---------------------------------------------------------------------------------------------------

API_ROUTES = ("api:list_activities", "api:create_activity", "api:get_activity", "api:update_activity")
API_ROUTES += ("api:delete_activity",)


def api_requests(world, side: str, *, advisor_token: bool) -> dict[str, tuple[str, str, dict | None]]:
    """Each API operation with a valid body, on the activity of `side`."""
    body = api_activity_body(world, "jeton") | ({"advisor": None} if advisor_token else {})
    activity = reverse("api:get_activity", kwargs={"activity_id": world[side]["activity"].pk})
    return {
        "api:list_activities": ("GET", reverse("api:list_activities"), None),
        "api:create_activity": ("POST", reverse("api:create_activity"), body),
        "api:get_activity": ("GET", activity, None),
        "api:update_activity": ("PUT", activity, body | {"advisor": None}),
        "api:delete_activity": ("DELETE", activity, None),
    }


#: Caller → operation → outcome on the Lyon activity / the Marseille one.
API_EXPECTED = {
    # A structure's software reads and records; corrections and deletions are the advisor's, as on the web.
    "jeton structure": {
        "api:list_activities": "200",
        "api:create_activity": "201",
        "api:get_activity": "200/404",
        "api:update_activity": "403/404",
        "api:delete_activity": "403/404",
    },
    "jeton conseiller": {
        "api:list_activities": "200",
        "api:create_activity": "201",
        "api:get_activity": "200/404",
        "api:update_activity": "200/404",
        "api:delete_activity": "204/404",
    },
    "jeton d'un compte désactivé": dict.fromkeys(API_ROUTES, "401"),
    "jeton d'un ex-gestionnaire": dict.fromkeys(API_ROUTES, "401"),
}


@pytest.fixture(scope="module")
def api_callers(world, django_db_blocker):
    with django_db_blocker.unblock():
        inside = world["in"]
        advisor = inside["advisor"]
        deactivated = RoleAssignmentFactory(role=Role.STRUCTURE_MANAGER, scope=inside["structure"]).user
        former = UserFactory()  # issued the token as the manager, then lost the role
        secrets = {
            "jeton structure": world["secret"],
            "jeton conseiller": ApiToken.issue(name="Mon logiciel", owner=advisor.user, advisor=advisor)[1],
            "jeton d'un compte désactivé": ApiToken.issue(
                name="Logiciel", owner=deactivated, structure=inside["structure"]
            )[1],
            "jeton d'un ex-gestionnaire": ApiToken.issue(name="Logiciel", owner=former, structure=inside["structure"])[
                1
            ],
        }
        deactivated.is_active = False
        deactivated.save()
        return {caller: token_client(secret) for caller, secret in secrets.items()}


@pytest.mark.parametrize(
    "caller",
    [
        "jeton structure",
        "jeton conseiller",
        "jeton d'un compte désactivé",
        "jeton d'un ex-gestionnaire",
    ],
)
def test_each_token_reads_and_writes_its_scope_only(caller, world, api_callers, db):
    client = api_callers[caller]
    problems = []
    for key in API_ROUTES:
        outcomes = []
        for side in ("in", "out"):
            method, url, body = api_requests(world, side, advisor_token=caller == "jeton conseiller")[key]
            outcomes.append(send(client, method, url, body, as_json=body is not None).outcome)
        got = outcomes[0] if len(set(outcomes)) == 1 else "/".join(outcomes)
        if got != normalized(API_EXPECTED[caller][key]):
            problems.append(f"{key} : attendu {normalized(API_EXPECTED[caller][key])}, obtenu {got}")
    assert not problems, f"{caller} :\n" + "\n".join(problems)


@pytest.mark.parametrize(("caller", "outcome"), [("jeton structure", "403"), ("jeton conseiller", "409")])
def test_no_token_deletes_an_activity_counting_a_followed_person(world, api_callers, db, caller, outcome):
    """The structure's token may not delete at all; the advisor's is sent to cnum (409, as for PUT)."""
    activity = world["in"]["followed_activity"]
    url = reverse("api:delete_activity", kwargs={"activity_id": activity.pk})
    answer = send(api_callers[caller], "DELETE", url)
    assert (answer.outcome, answer.saved) == (outcome, False)


# --- the second factor required ----------------------------------------------------------------------------------

#: With CNUM_OTP_REQUIRED, an agent who owes a code reaches only these pages (cnum.accounts.otp.OPEN_URL_NAMES):
#: without a device, the code page sends on to the enrolment.
OTP_OPEN = {"accounts:otp_verify": "302", "accounts:otp_setup": "200", "accounts:logout": "302", "oidc_logout": "302"}
OTP_ROLES = (Role.PROGRAMME_TEAM, Role.PREFECTURE_DEPARTEMENT, Role.PREFECTURE_REGION)


def owes_a_code() -> dict[str, str]:
    return {key: OTP_OPEN.get(key, "code") for key in ROUTES}


def verified_client(user):
    client = signed_in_client(user)
    device = TOTPDevice.objects.create(user=user, name="Téléphone", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@override_settings(CNUM_OTP_REQUIRED=True)
@pytest.mark.parametrize("role", [pytest.param(role, id=str(role)) for role in OTP_ROLES])
def test_an_agent_who_owes_a_code_reaches_only_the_code_pages(role, world, db):
    client = signed_in_client(world["users"][role])
    problems = differences(column(client, world), owes_a_code())
    admin = tuple(send(client, "GET", page).outcome for page in admin_pages(world["users"][role]))
    if admin != ("code",) * 3:
        problems.append(f"admin : attendu code, obtenu {admin}")
    assert not problems, f"{ROLE_LABELS[role]} sans code :\n" + "\n".join(problems)


@override_settings(CNUM_OTP_REQUIRED=True)
def test_once_the_code_typed_the_programme_team_gets_its_column(world, db):
    client = verified_client(world["users"][Role.PROGRAMME_TEAM])
    expected = {key: normalized(entry.expected["programme_team"]) for key, entry in ROUTES.items()}
    # With a device, the code page shows its form, and the enrolment page sends there.
    expected["accounts:otp_verify"] = "200"
    expected["accounts:otp_setup"] = "code"
    problems = differences(column(client, world), expected)
    assert not problems, "équipe nationale avec son code :\n" + "\n".join(problems)


@override_settings(CNUM_OTP_REQUIRED=True)
@pytest.mark.parametrize("caller", ["staff", "superuser"])
def test_staff_and_superusers_owe_a_code_too(caller, world, plain_users, db):
    client = signed_in_client(plain_users[caller])
    problems = differences(column(client, world), owes_a_code())
    admin = tuple(send(client, "GET", page).outcome for page in admin_pages(plain_users[caller]))
    if admin != ("code",) * 3:
        problems.append(f"admin : attendu code, obtenu {admin}")
    assert not problems, f"{caller} sans code :\n" + "\n".join(problems)


@override_settings(CNUM_OTP_REQUIRED=True)
def test_staff_reach_the_admin_after_the_code(world, plain_users, db):
    client = verified_client(plain_users["staff"])
    assert send(client, "GET", "/admin/").outcome == "200"


# --- the former employer ------------------------------------------------------------------------------------------


def key_figure(export: bytes, label: str) -> str:
    rows = csv.reader(io.StringIO(export.decode("utf-8-sig")), delimiter=";")
    return next(row[1] for row in rows if row and row[0] == label)


def test_a_former_employer_does_not_see_the_activities_recorded_since_under_the_new_one(world, db):
    """The advisor left the Ville de Lyon for another employer: its manager may see their figures under the Ville de
    Lyon (one activity), never those recorded since (or the scope is refused)."""
    client = signed_in_client(world["users"][Role.STRUCTURE_MANAGER])
    url = reverse("stats:export", kwargs={"fmt": "csv"}) + f"?scope=advisor:{world['mobile'].pk}&periode=tout"
    answer = send(client, "GET", url)
    if answer.outcome == "302":  # sent to its structure's figures narrowed to the advisor
        answer = send(client, "GET", answer.response["Location"])
    assert answer.outcome in REFUSED or key_figure(answer.response.content, "Activités") == "1"


# --- docs/access-matrix.md --------------------------------------------------------------------------------------

SECTION = """
## Autres appelants

Générée depuis `tests/core/test_access_matrix_callers.py`.

- **Sans rôle, staff, superuser** : un compte connecté sans aucun rôle obtient ce qu'obtient l'anonyme sur les
  pages publiques, 403 sur les pages derrière la connexion, sauf celles ouvertes à tout compte connecté (ci-dessous) ;
  `is_staff` et `is_superuser` n'ouvrent aucune page du site de plus : les pages d'un rôle viennent du rôle
  actif, jamais du statut de superuser. Dans `/admin/`, l'index, la liste des utilisateurs et une fiche :
  {admin}.
- **Deux rôles** : un compte gestionnaire de la structure lyonnaise et coordinateur de son équipe obtient, après
  avoir basculé vers l'un de ses rôles, exactement la colonne de ce rôle dans la matrice : les pages de l'autre rôle
  lui sont refusées (les jetons d'API compris : ils suivent le rôle actif).
- **Double authentification exigée** (`CNUM_OTP_REQUIRED`) : l'équipe nationale et les préfectures sans code saisi
  sont renvoyées vers la page du code (« code ») pour toute route, `/admin/` compris, sauf {otp_open} ;
  le code saisi, l'équipe nationale retrouve sa colonne. Il en va de même pour les comptes staff et superuser,
  dont `/admin/` ne répond qu'après le code.
- **Ancien employeur** : la structure qu'un conseiller a quittée ne voit pas, dans ses statistiques, les activités
  enregistrées depuis chez son nouvel employeur (elle est renvoyée vers ses propres chiffres, restreints à ce
  conseiller).

Ce qu'obtient un compte sans rôle ailleurs que 403 derrière la connexion :

| route | issue |
|---|---|
{open_rows}

Jetons d'API (« 200/404 » : l'activité lyonnaise, puis la marseillaise ; corps valides) :

"""


def markdown() -> str:
    admin = " ; ".join(f"{caller} {' / '.join(outcomes)}" for caller, outcomes in ADMIN_EXPECTED.items())
    open_rows = "\n".join(f"| `{key}` | {value} |" for key, value in OPEN_TO_SIGNED_IN.items())
    otp_open = ", ".join(f"`{key}` ({value})" for key, value in OTP_OPEN.items())
    text = SECTION.format(admin=admin, otp_open=otp_open, open_rows=open_rows)
    callers = list(API_EXPECTED)
    lines = ["| route | " + " | ".join(callers) + " |", "|" + "---|" * (len(callers) + 1)]
    for key in API_ROUTES:
        lines.append(f"| `{key}` | " + " | ".join(normalized(API_EXPECTED[c][key]) for c in callers) + " |")
    lines.append("")
    lines.append(
        "Les jetons d'un compte désactivé ou d'un ex-gestionnaire sont refusés (401). Corriger et supprimer "
        "reviennent au conseiller de l'activité, comme sur le site (403 pour le jeton d'une structure) ; une activité "
        "comptant une personne suivie se corrige et se supprime dans cnum (409 pour le jeton du conseiller)."
    )
    return text + "\n".join(lines) + "\n"
