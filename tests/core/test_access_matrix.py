"""The access matrix (issue #8 "Trust"): every URL and every API operation, for every role, on an object inside
and an object outside the role's scope (DOMAIN.md "Roles (who sees what)").

The expectations are data (ROUTES, ADMIN); a route without an entry fails the test, so that a new page
cannot ship without someone deciding who may open it. docs/access-matrix.md is generated from the same data:

    UPDATE_ACCESS_MATRIX=1 .venv/bin/pytest tests/core/test_access_matrix.py

Outcomes: "200" the page or the answer; "connexion" a redirect to the sign-in page; "302" another redirect (the
form's next step, or where a user without the role lands); 400/401/403/404/405/422 as HTTP says. Each request runs
in a savepoint rolled back afterwards, so a POST allowed to one role never changes what the next role sees.
"""

import dataclasses
import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from cnum.access import rules
from cnum.accounts.enums import Role
from cnum.api.api import api
from tests.core.access_world import (
    REFUSED,
    ROLE_LABELS,
    ROLES,
    clients,
    expect,
    module_world,
    normalized,
    request,
    signed_in,
)

MATRIX_FILE = Path(__file__).resolve().parents[2] / "docs" / "access-matrix.md"


@dataclasses.dataclass(frozen=True)
class Entry:
    """One route of the matrix. `kwargs(world, side)` and `query(world, side)` build the URL's arguments and query
    string for the object inside ("in") or outside ("out") the role's scope. A route with neither is requested once
    and its expectations are single outcomes; otherwise they read "inside/outside" ("200/403")."""

    expected: dict[str, str]
    method: str = "GET"
    kwargs: Callable[[dict, str], dict] | None = None
    query: Callable[[dict, str], str] | None = None

    @property
    def sided(self) -> bool:
        return self.kwargs is not None or self.query is not None


def obj(key: str, arg: str = "pk") -> Callable[[dict, str], dict]:
    return lambda world, side: {arg: world[side][key].pk}


def scope_of(key: str, kind: str) -> Callable[[dict, str], str]:
    return lambda world, side: f"scope={kind}:{world[side][key].pk}"


PUBLIC = expect("200")
ANY_SIGNED_IN = signed_in("200")
PROGRAMME_ONLY = signed_in("403", programme_team="200")
TAG_MANAGERS = signed_in("403", programme_team="200", structure_manager="200", coordinator="200")
# Territorial roles and the national network see the structures of their scope (structures.perms).
REGISTRY_READERS = {
    role: "200/403"
    for role in (
        "advisor",
        "coordinator",
        "structure_manager",
        "prefecture_departement",
        "prefecture_region",
        "hub",
        "national_network",
    )
}
ACCOUNT_READERS = signed_in(
    "403",
    structure_manager="200",
    prefecture_departement="200",
    prefecture_region="200",
    hub="200",
    national_network="200",
    programme_team="200",
)
# Readers who may not grant the invitation's role see it (403), outside their scope it is hidden (404).
INVITATION_MANAGERS = signed_in(
    "404",
    structure_manager="302/404",
    prefecture_departement="403/404",
    prefecture_region="403/404",
    hub="403/404",
    national_network="403/404",
    programme_team="302",
)
ROLE_REMOVERS = INVITATION_MANAGERS
# Changing a role: its page (the form again with its errors) for whoever may take the role back.
ROLE_CHANGERS = signed_in(
    "404",
    structure_manager="200/404",
    prefecture_departement="403/404",
    prefecture_region="403/404",
    hub="403/404",
    national_network="403/404",
    programme_team="200",
)


def advisor_role(world, side):
    return {"pk": world[side]["advisor"].user.roles.get().pk}


def advisor_account(world, side):
    return {"pk": world[side]["advisor"].user.pk}


def invitation_token(world, side):
    return {"token": world[side]["invitation_token"]}


FUNDING_READERS = signed_in("403", prefecture_departement="200", prefecture_region="200", programme_team="200")

#: Every page by URL name, and every API operation by "api:" + its name. Refused answers are 403 when the page
#: exists for the role but not for this object or action, 404 when the object is hidden from the role.
ROUTES: dict[str, Entry] = {
    # Accounts: a signed-in user is sent on from the sign-in page; switching to a role one does not hold is refused.
    "accounts:login": Entry(expect("302", anonyme="200", jeton="200")),
    "accounts:logout": Entry(expect("302"), method="POST"),
    "accounts:proconnect_logged_out": Entry(expect("302")),
    # Without a second factor to enter (CNUM_OTP_REQUIRED is off in tests), the form sends the user on.
    "accounts:otp_verify": Entry(signed_in("302")),
    "accounts:otp_setup": Entry(ANY_SIGNED_IN),
    "accounts:profile": Entry(ANY_SIGNED_IN),
    "accounts:switch_role": Entry(signed_in("403"), method="POST"),
    "accounts:password_reset": Entry(PUBLIC),
    "accounts:password_reset_done": Entry(PUBLIC),
    "accounts:password_reset_confirm": Entry(
        PUBLIC, kwargs=lambda world, side: {"uidb64": "MQ", "token": "jeton-invalide"}
    ),
    "accounts:password_reset_complete": Entry(PUBLIC),
    # ProConnect is not configured in tests: the sign-in through it does not exist.
    "oidc_authentication_callback": Entry(expect("404")),
    "oidc_authentication_init": Entry(expect("404")),
    "oidc_logout": Entry(expect("302"), method="POST"),
    # Core pages.
    "core:home": Entry(PUBLIC),
    "core:dashboard": Entry(ANY_SIGNED_IN),
    "core:favicon": Entry(expect("302")),
    "core:audit_log": Entry(PROGRAMME_ONLY),
    "core:import_upload": Entry(PROGRAMME_ONLY),
    "core:import_confirm": Entry(signed_in("403", programme_team="302"), method="POST"),
    "core:import_template": Entry(
        PROGRAMME_ONLY, kwargs=lambda world, side: {"name": "structures-csv", "extension": "csv"}
    ),
    # Background tasks: a person sees its own (the programme team's failed import inside), never another's (404).
    "core:job_list": Entry(ANY_SIGNED_IN),
    "core:job_launch": Entry(PROGRAMME_ONLY),
    "core:job_detail": Entry(signed_in("404", programme_team="200/404"), kwargs=obj("job", "job_id")),
    # A finished task's progress sends the page on to its result (HTMX: 204 and HX-Redirect).
    "core:job_progress": Entry(signed_in("404", programme_team="204/404"), kwargs=obj("job", "job_id")),
    "core:job_retry": Entry(signed_in("404", programme_team="302/404"), method="POST", kwargs=obj("job", "job_id")),
    # The failed task has no file to offer: 404 for its author too (the download: tests/core/test_jobs_pages.py).
    "core:job_file": Entry(signed_in("404"), kwargs=obj("job", "job_id")),
    "core:accessibility": Entry(PUBLIC),
    "core:legal_notice": Entry(PUBLIC),
    "core:privacy": Entry(PUBLIC),
    "core:sitemap": Entry(PUBLIC),
    "core:demo": Entry(PUBLIC),
    # The registry: structures.
    "structures:list": Entry(ANY_SIGNED_IN),
    "structures:create": Entry(PROGRAMME_ONLY),
    "structures:detail": Entry(signed_in("403", **REGISTRY_READERS, programme_team="200"), kwargs=obj("structure")),
    "structures:edit": Entry(PROGRAMME_ONLY | {"structure_manager": "200/403"}, kwargs=obj("structure")),
    "structures:coselec_decide": Entry(PROGRAMME_ONLY, method="POST", kwargs=obj("structure")),
    "structures:amendment_request": Entry(PROGRAMME_ONLY | {"structure_manager": "200/403"}, kwargs=obj("structure")),
    "structures:amendment_opinion": Entry(
        signed_in("403", prefecture_departement="200/403", prefecture_region="200/403"), kwargs=obj("amendment")
    ),
    "structures:amendment_decide": Entry(PROGRAMME_ONLY, method="POST", kwargs=obj("amendment")),
    # Sites are open data; an unpublished site (the one outside) is seen only by those who may edit it.
    # Territories: suggestions of communes for the forms that ask for one.
    "territories:commune_suggestions": Entry(ANY_SIGNED_IN),
    "sites:list": Entry(PUBLIC),
    # The public map, its embeddable version (framed by any site) and the page giving its <iframe> code.
    "sites:map": Entry(PUBLIC, query=lambda world, side: "q=69001" if side == "in" else "q=13001"),
    "sites:map_embed": Entry(PUBLIC, query=lambda world, side: f"departement={world[side]['departement'].code}"),
    "sites:map_embed_code": Entry(PUBLIC),
    "sites:detail": Entry(expect("200/404", programme_team="200"), kwargs=obj("site")),
    "sites:edit": Entry(signed_in("403/404", structure_manager="200/404", programme_team="200"), kwargs=obj("site")),
    # The programme team imports and reviews everywhere; a hub in its territory (sites.perms): a duplicate of a site
    # elsewhere is not found.
    "sites:import_wizard": Entry(PROGRAMME_ONLY | {"hub": "200"}),
    # An unknown upload token sends back to the upload step.
    "sites:import_wizard_mapping": Entry(
        signed_in("403", hub="302", programme_team="302"), kwargs=lambda world, side: {"token": "inconnu"}
    ),
    "sites:duplicates": Entry(PROGRAMME_ONLY | {"hub": "200"}),
    "sites:duplicate_detail": Entry(PROGRAMME_ONLY | {"hub": "200/404"}, kwargs=obj("duplicate")),
    "sites:duplicate_not_duplicate": Entry(
        signed_in("403", hub="302/404", programme_team="302"), method="POST", kwargs=obj("duplicate")
    ),
    # The registry: advisors, contracts, sites where they work, trainings, teams.
    "advisors:list": Entry(ANY_SIGNED_IN),
    "advisors:create": Entry(PROGRAMME_ONLY | {"structure_manager": "200"}),
    "advisors:detail": Entry(signed_in("403", **REGISTRY_READERS, programme_team="200"), kwargs=obj("advisor")),
    "advisors:edit": Entry(
        PROGRAMME_ONLY | {"advisor": "200/403", "structure_manager": "200/403"}, kwargs=obj("advisor")
    ),
    "advisors:contract_create": Entry(PROGRAMME_ONLY | {"structure_manager": "200/403"}, kwargs=obj("advisor")),
    "advisors:contract_edit": Entry(PROGRAMME_ONLY | {"structure_manager": "200/403"}, kwargs=obj("contract")),
    "advisors:contract_end": Entry(PROGRAMME_ONLY | {"structure_manager": "200/403"}, kwargs=obj("contract")),
    "advisors:site_assignment_create": Entry(
        PROGRAMME_ONLY | {"advisor": "200/403", "coordinator": "200/403", "structure_manager": "200/403"},
        kwargs=obj("advisor"),
    ),
    "advisors:site_assignment_edit": Entry(
        PROGRAMME_ONLY | {"advisor": "200/403", "coordinator": "200/403", "structure_manager": "200/403"},
        kwargs=obj("site_assignment"),
    ),
    "advisors:training_create": Entry(
        PROGRAMME_ONLY | {"coordinator": "200/403", "structure_manager": "200/403"}, kwargs=obj("advisor")
    ),
    "advisors:training_edit": Entry(
        PROGRAMME_ONLY | {"coordinator": "200/403", "structure_manager": "200/403"}, kwargs=obj("training")
    ),
    "advisors:team_list": Entry(ANY_SIGNED_IN),
    "advisors:team_create": Entry(PROGRAMME_ONLY | {"structure_manager": "200"}),
    "advisors:team_detail": Entry(signed_in("403", **REGISTRY_READERS, programme_team="200"), kwargs=obj("team")),
    "advisors:team_edit": Entry(
        PROGRAMME_ONLY | {"coordinator": "200/403", "structure_manager": "200/403"}, kwargs=obj("team")
    ),
    "advisors:membership_create": Entry(
        PROGRAMME_ONLY | {"coordinator": "200/403", "structure_manager": "200/403"}, kwargs=obj("team")
    ),
    "advisors:membership_edit": Entry(
        PROGRAMME_ONLY | {"coordinator": "200/403", "structure_manager": "200/403"}, kwargs=obj("membership")
    ),
    # The advisor or their employer accepts or refuses a coordinator's request; the world's membership is already
    # accepted, so every decision is refused (the consent itself: tests/advisors/test_team_consent.py).
    "advisors:membership_accept": Entry(signed_in("403"), method="POST", kwargs=obj("membership")),
    "advisors:membership_refuse": Entry(signed_in("403"), method="POST", kwargs=obj("membership")),
    # Activities are recorded by the advisor; beneficiaries are personal data, seen by their advisor only —
    # never by the coordinator, the structure nor the programme team.
    "activities:list": Entry(signed_in("403", advisor="200", coordinator="200")),
    "activities:create": Entry(signed_in("403", advisor="200")),
    "activities:update": Entry(signed_in("403", advisor="200/404"), kwargs=obj("activity")),
    "activities:duplicate": Entry(signed_in("403", advisor="200/404"), kwargs=obj("activity")),
    # The list's download: the advisor's own activities, a coordinator's team's; never anyone else's.
    "activities:export": Entry(
        signed_in("403", advisor="200", coordinator="200"), kwargs=lambda world, side: {"fmt": "csv"}
    ),
    "activities:delete": Entry(signed_in("403", advisor="302/404"), method="POST", kwargs=obj("activity")),
    # Tags: the programme team, a structure manager and a coordinator manage those of their own scope (the world's
    # tags are each structure's); advisors and the territorial roles do not (issue #21).
    "activities:tag_list": Entry(TAG_MANAGERS),
    "activities:tag_create": Entry(TAG_MANAGERS),
    "activities:tag_update": Entry(
        signed_in("403", programme_team="404", coordinator="404", structure_manager="200/404"), kwargs=obj("tag")
    ),
    "activities:tag_archive": Entry(
        signed_in("403", programme_team="404", coordinator="404", structure_manager="302/404"),
        method="POST",
        kwargs=obj("tag"),
    ),
    "activities:beneficiary_list": Entry(signed_in("403", advisor="200")),
    "activities:beneficiary_create": Entry(signed_in("403", advisor="200")),
    # The advisor's followed people in and out: import (analysis, then confirmation), template, export, duplicates.
    "activities:beneficiary_import": Entry(signed_in("403", advisor="200")),
    "activities:beneficiary_import_confirm": Entry(signed_in("403", advisor="302"), method="POST"),
    "activities:beneficiary_template": Entry(
        signed_in("403", advisor="200"), kwargs=lambda world, side: {"fmt": "csv"}
    ),
    "activities:beneficiary_export": Entry(signed_in("403", advisor="200"), kwargs=lambda world, side: {"fmt": "csv"}),
    "activities:beneficiary_duplicates": Entry(signed_in("403", advisor="200")),
    "activities:beneficiary_detail": Entry(signed_in("403", advisor="200/404"), kwargs=obj("beneficiary")),
    "activities:beneficiary_merge": Entry(
        signed_in("403", advisor="302/404"), method="POST", kwargs=obj("beneficiary")
    ),
    "activities:beneficiary_erase": Entry(
        signed_in("403", advisor="302/404"), method="POST", kwargs=obj("beneficiary")
    ),
    # Coordination activities: recorded by a coordinator for its team, changed by whoever recorded them; read by the
    # structure, the territories and the programme team; an advisor who is not a coordinator is refused.
    "activities:coordination_list": Entry(
        signed_in(
            "403",
            coordinator="200",
            structure_manager="200",
            prefecture_departement="200",
            prefecture_region="200",
            hub="200",
            national_network="200",
            programme_team="200",
        )
    ),
    "activities:coordination_create": Entry(signed_in("403", coordinator="200")),
    "activities:coordination_update": Entry(signed_in("403", coordinator="200/404"), kwargs=obj("coordination")),
    "activities:coordination_delete": Entry(
        signed_in("403", coordinator="302/404"), method="POST", kwargs=obj("coordination")
    ),
    # Statistics: the public page for all; the dashboard and its exports for the scopes of the active role.
    # The public page of a territory (département inside, another outside): public whoever asks.
    "stats:public": Entry(PUBLIC, query=lambda world, side: f"scope=departement:{world[side]['departement'].code}"),
    "stats:dashboard": Entry(
        signed_in("200/403", advisor="403", coordinator="403", programme_team="200"),
        query=scope_of("structure", "structure"),
    ),
    "stats:export": Entry(
        signed_in("200/403", advisor="403", coordinator="403", programme_team="200"),
        kwargs=lambda world, side: {"fmt": "csv"},
        query=scope_of("structure", "structure"),
    ),
    # Shared figures: the advisor or the structure manager publishes a link to its own; the link is public while
    # published (the Lyon advisor's), not found once revoked (the Marseille one's).
    "stats:share": Entry(signed_in("403", advisor="200", structure_manager="200")),
    "stats:shared": Entry(expect("200/404"), kwargs=lambda world, side: {"token": world[side]["figures_share"].token}),
    # Open data: the page for all; a file that is not one of the published ones is not found.
    "opendata:page": Entry(PUBLIC),
    "opendata:file": Entry(expect("404"), kwargs=lambda world, side: {"name": "inconnu.csv"}),
    # Funding: budget and simulations for the programme team; prefectures read conventions and campaigns of their
    # territory; a structure manager answers the campaigns sent to their structure.
    "funding:budget": Entry(
        PROGRAMME_ONLY | {"prefecture_departement": "302", "prefecture_region": "302", "structure_manager": "302"}
    ),
    # A structure manager reads its own conventions, schedules and payments.
    "funding:convention_list": Entry(FUNDING_READERS | {"structure_manager": "200"}),
    "funding:convention_detail": Entry(
        FUNDING_READERS
        | {"prefecture_departement": "200/403", "prefecture_region": "200/403", "structure_manager": "200/403"},
        kwargs=obj("convention"),
    ),
    "funding:simulator": Entry(PROGRAMME_ONLY),
    "funding:simulator_export": Entry(
        PROGRAMME_ONLY,
        kwargs=lambda world, side: {"table": "structures", "extension": "csv"},
        query=lambda world, side: "fiscal_year=2025&credits=1000&kind=cp&rule=ongoing_first",
    ),
    "funding:scenarios": Entry(PROGRAMME_ONLY),
    "funding:campaign_list": Entry(FUNDING_READERS),
    "funding:campaign_create": Entry(PROGRAMME_ONLY),
    # A campaign is national; its dashboard and export show a prefecture only the answers of its territory.
    "funding:campaign_detail": Entry(FUNDING_READERS, kwargs=obj("campaign")),
    "funding:campaign_send": Entry(signed_in("403", programme_team="302"), method="POST", kwargs=obj("campaign")),
    "funding:campaign_export": Entry(FUNDING_READERS, kwargs=obj("campaign")),
    "funding:campaign_answer": Entry(signed_in("403", structure_manager="200/404"), kwargs=obj("campaign")),
    "funding:cost_per_outcome": Entry(PROGRAMME_ONLY),
    "funding:fact_sheet": Entry(PROGRAMME_ONLY),
    "funding:fact_sheet_pdf": Entry(PROGRAMME_ONLY),
    # API tokens: every signed-in user sees their own; advisors and structure managers create them; a structure's
    # token is revoked by its manager (the token outside belongs to another structure).
    "api_tokens:list": Entry(ANY_SIGNED_IN),
    "api_tokens:create": Entry(signed_in("403", advisor="200", structure_manager="200")),
    "api_tokens:revoke": Entry(signed_in("404", structure_manager="302/404"), method="POST", kwargs=obj("token")),
    # Accounts and access (issue #18): /comptes/ for the roles that read a scope's accounts; invitations, removals
    # and deactivations by whoever may grant the role (cnum.access.rules.GRANTS); the invitation's link is public.
    "access:accounts": Entry(ACCOUNT_READERS),
    "access:accounts_export": Entry(ACCOUNT_READERS),
    "access:invite": Entry(
        signed_in("403", structure_manager="200", hub="200", national_network="200", programme_team="200")
    ),
    "access:invitation_resend": Entry(INVITATION_MANAGERS, method="POST", kwargs=obj("invitation")),
    "access:invitation_revoke": Entry(INVITATION_MANAGERS, method="POST", kwargs=obj("invitation")),
    "access:role_change": Entry(ROLE_CHANGERS, kwargs=advisor_role),
    "access:role_remove": Entry(ROLE_REMOVERS, method="POST", kwargs=advisor_role),
    "access:deactivate": Entry(ROLE_REMOVERS, method="POST", kwargs=advisor_account),
    "access:request_decide": Entry(
        signed_in("404", structure_manager="302/404", programme_team="302"),
        method="POST",
        kwargs=obj("access_request"),
    ),
    "access:invitation": Entry(PUBLIC, kwargs=invitation_token),
    "access:invitation_renew": Entry(expect("404"), method="POST", kwargs=invitation_token),
    "access:request": Entry(ANY_SIGNED_IN),
    # The REST API: its documentation and the sites are open data; the partner API needs a token and shows only
    # the token's scope. Signing in on the site does not open the partner API.
    "api:openapi-json": Entry(PUBLIC),
    "api:openapi-view": Entry(PUBLIC),
    "api:api-root": Entry(expect("404")),
    "api:list_sites": Entry(PUBLIC),
    "api:get_site": Entry(expect("200/404"), kwargs=obj("site", "site_id")),
    # The nearby search is open data too (no token), around a point in Lyon or Marseille.
    "api:search_sites_nearby": Entry(
        PUBLIC, query=lambda world, side: "lat=45.76&lon=4.83" if side == "in" else "lat=43.30&lon=5.37"
    ),
    "api:list_activities": Entry(expect("401", jeton="200")),
    # An empty body is refused as unreadable, after the token is checked.
    "api:create_activity": Entry(expect("401", jeton="400"), method="POST"),
    # One activity, read, corrected (an empty body misses the required fields: checked before the scope) or deleted.
    "api:get_activity": Entry(expect("401", jeton="200/404"), kwargs=obj("activity", "activity_id")),
    "api:update_activity": Entry(expect("401", jeton="422"), method="PUT", kwargs=obj("activity", "activity_id")),
    # Corrections and deletions are the activity's advisor's, as on the web: a structure's token is refused.
    "api:delete_activity": Entry(
        expect("401", jeton="403/404"), method="DELETE", kwargs=obj("activity", "activity_id")
    ),
}

#: The Django admin is for technical staff (is_staff), which none of the roles is: every admin URL sends everyone
#: to the admin's sign-in page, which itself sends to cnum's (one sign-in, then the second factor). Entries by
#: prefix: the admin adds one route per model.
ADMIN = Entry(expect("302"))
ADMIN_EXCEPTIONS: dict[str, Entry] = {
    "admin:login": Entry(expect("connexion")),
    "admin:logout": Entry(expect("302"), method="POST"),
}


world = pytest.fixture(scope="module")(module_world)


# --- enumeration and requests ---------------------------------------------------------------------------------


def project_routes(patterns=None, namespace="", prefix="") -> dict[str, str]:
    """Every URL pattern of the project: namespaced name (or full pattern when it has none) → full pattern."""
    routes = {}
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            routes |= project_routes(pattern.url_patterns, inner, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            full = prefix + str(pattern.pattern)
            routes[f"{namespace}{pattern.name}" if pattern.name else full] = full
    return routes


def entry_for(key: str, pattern: str) -> Entry | None:
    if key in ROUTES:
        return ROUTES[key]
    if pattern.startswith("admin/"):
        return ADMIN_EXCEPTIONS.get(key, ADMIN)
    return None


def api_operations() -> list[tuple[str, str]]:
    """(method, path) of every operation of the API's OpenAPI schema, paths as "/api/lieux/{site_id}"."""
    schema = api.get_openapi_schema()
    return [(method.upper(), path) for path, operations in schema["paths"].items() for method in operations]


def admin_url(pattern: str) -> str:
    """A concrete URL for an admin pattern: object 1 of a model, the accounts app, an unknown page."""
    url = re.sub(r"\^\(\?P<app_label>[^)]*\)/\$", "accounts/", pattern)
    url = url.replace("(?P<url>.*)$", "inconnu/")
    return "/" + re.sub(r"<[^>]+>", "1", url)


def url_for(key: str, pattern: str, entry: Entry, world: dict, side: str) -> str:
    if key in ROUTES:
        url = reverse(key, kwargs=entry.kwargs(world, side) if entry.kwargs else None)
    else:
        url = admin_url(pattern)
    return f"{url}?{entry.query(world, side)}" if entry.query else url


def observed(key: str, pattern: str, entry: Entry, world: dict, client) -> str:
    """The outcome for one caller: "200", or "200/403" (inside/outside) when the two sides differ."""
    sides = ("in", "out") if entry.sided else ("in",)
    outcomes = [request(client, entry.method, url_for(key, pattern, entry, world, side)) for side in sides]
    return outcomes[0] if len(set(outcomes)) == 1 else "/".join(outcomes)


# --- the tests ------------------------------------------------------------------------------------------------


def test_every_url_has_an_entry_in_the_matrix():
    routes = project_routes()
    missing = [key for key, pattern in routes.items() if entry_for(key, pattern) is None]
    assert not missing, "route sans entrée dans la matrice d'accès : " + ", ".join(missing)
    stale = sorted(set(ROUTES) - set(routes))
    assert not stale, "entrée de la matrice d'accès sans route : " + ", ".join(stale)


def test_every_api_operation_has_an_entry_in_the_matrix():
    routes = project_routes()
    covered = {
        (entry.method, "/" + re.sub(r"<(\w+:)?(\w+)>", r"{\2}", routes[key]))
        for key, entry in ROUTES.items()
        if key.startswith("api:") and key in routes
    }
    missing = [f"{method} {path}" for method, path in api_operations() if (method, path) not in covered]
    assert not missing, "route sans entrée dans la matrice d'accès : " + ", ".join(missing)


def test_every_role_gets_what_the_matrix_says(world, db):
    by_caller = clients(world)
    differences = []
    for key, pattern in project_routes().items():
        entry = entry_for(key, pattern)
        assert entry is not None, f"route sans entrée dans la matrice d'accès : {key}"
        for caller in ROLES:
            got = observed(key, pattern, entry, world, by_caller[str(caller)])
            expected = normalized(entry.expected[str(caller)])
            if got != expected:
                differences.append(f"{entry.method} {key} — {ROLE_LABELS[caller]} : attendu {expected}, obtenu {got}")
    assert not differences, "la matrice d'accès n'est plus respectée :\n" + "\n".join(differences)


def test_the_table_uses_known_outcomes_and_no_token_opens_a_page():
    """The table itself: whoever holds no role never gets a page behind the sign-in, and every outcome is known."""
    known = REFUSED | {"200", "204", "302", "400", "422"}
    for key, entry in ROUTES.items():
        for caller, expected in entry.expected.items():
            assert set(expected.split("/")) <= known, f"{key} — {caller} : issue inconnue « {expected} »"
        if entry.expected["anonyme"] == "connexion":
            assert entry.expected["jeton"] == "connexion", f"{key} : un jeton d'API ouvre une page"


#: List pages and dashboards of the signed-in roles: they may show the Lyon side, never the Marseille one.
LISTS = (
    "core:dashboard",
    "structures:list",
    "advisors:list",
    "advisors:team_list",
    "activities:list",
    "activities:beneficiary_list",
    "activities:coordination_list",
    "activities:beneficiary_duplicates",
    "stats:dashboard",
    "funding:convention_list",
    "funding:campaign_list",
    "api_tokens:list",
)


def test_lists_stay_in_scope(world, db):
    """Beyond the status code: no list or dashboard shows a role the structure, advisor, team or beneficiary of the
    other département — and the programme team, which sees everything, does see them (so the check can fail)."""
    outside = world["out"]
    names = [outside["structure"].name, str(outside["advisor"]), outside["team"].name, str(outside["beneficiary"])]
    by_caller = clients(world)
    leaks = []
    for role in world["users"]:
        for name in LISTS:
            response = by_caller[str(role)].get(reverse(name))
            shown = [text for text in names if text in response.content.decode()]
            if response.status_code == 200 and shown and role != Role.PROGRAMME_TEAM:
                leaks.append(f"{name} — {ROLE_LABELS[role]} : {', '.join(shown)}")
    assert not leaks, "données hors périmètre affichées :\n" + "\n".join(leaks)
    everything = by_caller[Role.PROGRAMME_TEAM].get(reverse("structures:list")).content.decode()
    assert outside["structure"].name in everything


# --- docs/access-matrix.md ------------------------------------------------------------------------------------

HEADER = """# Matrice d'accès

Générée depuis `tests/core/test_access_matrix*.py` (ne pas modifier à la main) :
`UPDATE_ACCESS_MATRIX=1 .venv/bin/pytest tests/core/test_access_matrix.py`. Le test échoue si une route n'y
figure pas, si un rôle obtient autre chose que ce qui est écrit ici, ou si ce fichier n'est plus à jour. Après la
matrice des routes (corps vides), cinq sections : les formulaires avec des corps valides et des choix hors
périmètre, chaque type de périmètre des statistiques, les autres appelants (sans rôle, staff, deux rôles, jetons,
double authentification, ancien employeur), qui attribue quel rôle.

Chaque rôle agit dans son périmètre : le département du Rhône (69) et sa région, un hub qui le couvre, un grand
réseau dont une structure lyonnaise est membre, cette structure, une équipe de cette structure et l'un de ses
conseillers. « 200/403 » se lit : 200 sur l'objet dans le périmètre du rôle (à Lyon), 403 sur l'objet hors
périmètre (à Marseille). « connexion » : redirection vers la page de connexion ; « 302 » : autre redirection (étape
suivante d'un formulaire, ou page d'accueil du rôle) ; 401 : API sans jeton ; 403 : refusé ; 404 : caché ou
inexistant ; 405 : méthode refusée ; 204 : supprimé (l'API) ; 422 : données refusées (l'API). Les requêtes POST, PUT
et DELETE sont envoyées vides. La colonne « jeton API » est un client
anonyme qui présente le jeton d'API de la structure lyonnaise.

L'administration technique de Django (`/admin/`, réservée aux comptes `is_staff`, qu'aucun rôle n'a) renvoie tout le
monde vers sa propre page de connexion (302), sauf cette page elle-même ; ses routes (une série par modèle) ne sont
pas détaillées ici.
"""


def matrix_markdown() -> str:
    columns = ["route", "méthode", *(ROLE_LABELS[role] for role in ROLES)]
    lines = [HEADER, "| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for key, entry in ROUTES.items():
        cells = [f"`{key}`", entry.method, *(normalized(entry.expected[str(role)]) for role in ROLES)]
        lines.append("| " + " | ".join(cells) + " |")
    # Imported here: those modules import this one's ROUTES.
    from tests.core import test_access_matrix_callers, test_access_matrix_forms, test_access_matrix_scopes

    sections = (test_access_matrix_forms, test_access_matrix_scopes, test_access_matrix_callers)
    return "\n".join(lines) + "\n" + "".join(section.markdown() for section in sections) + grants_markdown()


def grants_markdown() -> str:
    """Who may grant what: cnum.access.rules.GRANTS, the data the invitation and access request pages apply."""
    lines = [
        "",
        "## Qui attribue quel rôle",
        "",
        "Tiré de `cnum.access.rules` (`GRANTS`, `ACCOUNT_READERS`). « son périmètre » : le rôle n'est attribué que sur"
        " le périmètre de celui qui l'attribue (sa structure, son hub, son réseau) ; le rôle de conseiller suit un"
        f" contrat en cours ou à venir avec la structure et prend fin {rules.ADVISOR_ROLE_GRACE_DAYS} jours après le"
        " dernier contrat (commande quotidienne `advisor_roles`).",
        "",
        "| rôle | lit `/comptes/` | attribue |",
        "|---|---|---|",
    ]
    for role, grants in rules.GRANTS.items():
        given = ", ".join(
            f"{Role(grant.role).label} ({'partout' if grant.within == rules.ANYWHERE else 'son périmètre'})"
            for grant in grants
        )
        reads = "oui" if role in rules.ACCOUNT_READERS else "non"
        lines.append(f"| {Role(role).label} | {reads} | {given or 'rien'} |")
    return "\n".join(lines) + "\n"


def test_docs_access_matrix_is_up_to_date():
    if os.environ.get("UPDATE_ACCESS_MATRIX"):
        MATRIX_FILE.write_text(matrix_markdown(), encoding="utf-8")
    assert MATRIX_FILE.exists(), "docs/access-matrix.md manque : UPDATE_ACCESS_MATRIX=1 pour le créer"
    assert MATRIX_FILE.read_text(encoding="utf-8") == matrix_markdown(), (
        "docs/access-matrix.md n'est plus à jour : UPDATE_ACCESS_MATRIX=1 .venv/bin/pytest "
        "tests/core/test_access_matrix.py pour le régénérer"
    )
