"""The access matrix with real bodies (issue #15 "The access matrix tests what attackers send").

Every form route is sent a *valid* body, built from the form class its view uses for the object inside the role's
scope: the roles allowed get their success (and the row is written), the others are refused. Then every choice
that names an object (a structure, a post, a site, an advisor, a person, a team…) is sent with the object of the
other side, outside the caller's scope: it must be refused — a form error (200), a 403 or a 404, or the API's 422
— and nothing may be written. Each request runs in a savepoint rolled back afterwards.
"""

import dataclasses
import datetime
from collections.abc import Callable

import pytest
from django import forms as django_forms
from django.urls import reverse
from django.utils import timezone

from cnum.accounts.enums import Role
from cnum.activities.enums import ActivityType, CoordinationKind, Level, PlaceType, RedirectionCategory, Theme
from cnum.activities.forms import ActivityForm, BeneficiaryForm
from cnum.advisors import forms as advisor_forms
from cnum.advisors.enums import CertificationOutcome, ContractEndReason, ContractKind, TrainingKind
from cnum.funding.enums import AdvisorChoice, CampaignDecision
from cnum.sites.forms import SiteForm
from cnum.structures.enums import AmendmentKind, CoselecOutcome, Decision, Opinion, Phase, StructureType
from cnum.structures.forms import StructureForm
from cnum.structures.models import PostAmendment
from tests.core.access_world import (
    REFUSED,
    ROLE_LABELS,
    ROLES,
    clients,
    expect,
    module_world,
    send,
    signed_in,
)
from tests.structures.factories import valid_siret

world = pytest.fixture(scope="module")(module_world)


@pytest.fixture(scope="module")
def callers(world, django_db_blocker):
    with django_db_blocker.unblock():
        return clients(world)


def form_body(form: django_forms.BaseForm) -> dict:
    """What a browser sends for an unbound form as shown: every field with its initial value."""
    body = {}
    for bound in form:
        value = bound.field.prepare_value(bound.value())
        if value is None or value is False or value == "":
            continue
        if isinstance(value, list | tuple):
            body[bound.html_name] = [str(item) for item in value]
        else:
            body[bound.html_name] = "on" if value is True else str(value)
    return body


def as_programme(world):
    return world["users"][Role.PROGRAMME_TEAM]


# --- the bodies -------------------------------------------------------------------------------------------------


def structure_body(world, caller):
    return form_body(StructureForm()) | {
        "name": "Centre social de la Croix-Rousse",
        "identifier": valid_siret(),
        "type": StructureType.ASSOCIATION,
        "address": "3 rue d'Austerlitz",
        "insee_code": "69123",
        "postal_code": "69001",
        "commune_name": "Lyon",
    }


def structure_edit_body(world, caller):
    return form_body(StructureForm(instance=world["in"]["structure"])) | {"address": "2 place Sathonay"}


def site_edit_body(world, caller):
    site = world["in"]["site"]
    return form_body(SiteForm(instance=site, can_publish=True)) | {"commune_name": "Lyon", "summary": "Ouvert à tous."}


def advisor_create_body(world, caller):
    contract = advisor_forms.AdvisorCreateContractForm(
        prefix="contrat", user=as_programme(world), required=True, structure=world["in"]["structure"]
    )
    identity = {"first_name": "Noa", "last_name": "Nouvelle", "email": "noa.nouvelle@exemple.fr"}
    return (
        identity
        | form_body(contract)
        | {"contrat-kind": ContractKind.CDD, "contrat-start": timezone.localdate().isoformat()}
    )


def advisor_edit_body(world, caller):
    return form_body(advisor_forms.AdvisorForm(instance=world["in"]["advisor"])) | {"phone": "0472000000"}


def contract_create_body(world, caller):
    form = advisor_forms.ContractStartForm(
        user=as_programme(world), advisor=world["in"]["advisor"], structure=world["in"]["structure"]
    )
    return form_body(form) | {"kind": ContractKind.CDD, "start": timezone.localdate().isoformat()}


def contract_edit_body(world, caller):
    form = advisor_forms.ContractEditForm(instance=world["in"]["contract"], user=as_programme(world))
    return form_body(form) | {"kind": ContractKind.CDI}


def contract_end_body(world, caller):
    return {"end": timezone.localdate().isoformat(), "end_reason": ContractEndReason.RESIGNATION}


def site_assignment_body(world, caller):
    return {"site": world["in"]["site2"].pk, "start": timezone.localdate().isoformat()}


def site_assignment_edit_body(world, caller):
    assignment = world["in"]["site_assignment"]
    return form_body(advisor_forms.SiteAssignmentForm(instance=assignment, advisor=assignment.advisor))


def coordination_body(world, caller):
    return {
        "kind": CoordinationKind.EVENT,
        "date": timezone.localdate().isoformat(),
        "duration_minutes": "120",
        "participants": "30",
        "partners": "Médiathèque",
    }


def training_body(world, caller):
    return {
        "kind": TrainingKind.CONTINUING,
        "start": "2025-02-03",
        "end": "2025-02-04",
        "hours": "14",
        "provider": "Pix",
        "certification": CertificationOutcome.NOT_APPLICABLE,
    }


def training_edit_body(world, caller):
    training = world["in"]["training"]
    return form_body(advisor_forms.TrainingForm(instance=training, advisor=training.advisor)) | {"hours": "150"}


def team_body(world, caller):
    return {
        "name": "Équipe des Pentes",
        "structure": world["in"]["structure"].pk,
        "coordinator": world["in"]["advisor"].pk,
    }


def team_edit_body(world, caller):
    form = advisor_forms.TeamForm(instance=world["in"]["team"], user=as_programme(world))
    return form_body(form) | {"name": "Équipe de Lyon (renommée)"}


def membership_body(world, caller):
    return {"advisor": world["in"]["recruit"].pk, "start": timezone.localdate().isoformat()}


def membership_edit_body(world, caller):
    membership = world["in"]["membership"]
    form = advisor_forms.TeamMembershipForm(instance=membership, user=as_programme(world), team=membership.team)
    return form_body(form) | {"end": timezone.localdate().isoformat()}


def activity_body(world, caller):
    form = ActivityForm(advisor=world["in"]["advisor"])
    return form_body(form) | {
        "type": ActivityType.INDIVIDUAL,
        "date": timezone.localdate().isoformat(),
        "duration_preset": "30",
        "place_type": PlaceType.SITE,
        "site": world["in"]["site"].pk,
        "themes": [Theme.EMAIL],
    }


def activity_update_body(world, caller):
    activity = world["in"]["activity"]
    form = ActivityForm(advisor=activity.advisor, initial=ActivityForm.initial_from(activity))
    return form_body(form) | {"notes": "Corrigée."}


def collective(world, people: list) -> dict:
    """The activity as a workshop with followed people present."""
    return {
        "type": ActivityType.COLLECTIVE,
        "title": "Atelier courriel",
        "level": Level.BEGINNER,
        "beneficiaries": [person.pk for person in people],
        "anonymous_participants": "3",
    }


def redirection(site) -> dict:
    return {"redirection_category": RedirectionCategory.ADMINISTRATION, "redirection_site": site.pk}


def beneficiary_body(world, caller):
    return form_body(BeneficiaryForm()) | {
        "first_name": "Yanis",
        "last_name": "Nouveau",
        "consent_date": timezone.localdate().isoformat(),
    }


def campaign_body(world, caller):
    return {
        "name": "Renouvellement 2027",
        "terms": "Nouvelles conditions.",
        "deadline": (timezone.localdate() + datetime.timedelta(30)).isoformat(),
        "ending_before": (timezone.localdate() + datetime.timedelta(365)).isoformat(),
    }


def campaign_answer_body(world, caller):
    return {"decision": CampaignDecision.RENEW, "posts_requested": "1", "advisor_choice": AdvisorChoice.KEEP}


def scenario_body(world, caller):
    return {"fiscal_year": "2025", "credits": "28000000", "kind": "cp", "rule": "ongoing_first", "name": "Test"}


def token_body(world, caller):
    if caller == Role.ADVISOR:
        return {"name": "Mon logiciel", "scope": f"advisor:{world['in']['advisor'].pk}"}
    return {"name": "Logiciel de la structure", "scope": f"structure:{world['in']['structure'].pk}"}


def switch_body(world, caller):
    user = world["users"].get(caller)
    return {"role": user.roles.first().pk} if user else {"role": "1"}


def api_activity_body(world, caller):
    return {
        "advisor": world["in"]["advisor"].pk,
        "type": ActivityType.INDIVIDUAL,
        "date": "2025-03-12",
        "duration_minutes": 45,
        "place_type": PlaceType.SITE,
        "site": world["in"]["site"].pk,
        "themes": [Theme.EMAIL],
    }


def api_update_body(world, caller):
    return api_activity_body(world, caller) | {"advisor": None}


INVITE_SCOPES = {"hub": ("hub", "hub"), "national_network": ("national_network", "network")}


def invite_body(world, caller):
    """Each granter invites within its own scope: a co-manager for a structure (and the programme team), a
    colleague for a hub or a network."""
    role, kind = INVITE_SCOPES.get(caller, (Role.STRUCTURE_MANAGER, "structure"))
    key = kind if kind != "structure" else "structure"
    return {"email": "invitee-new@exemple.fr", "role": role, "scope": f"{kind}:{world['in'][key].pk}"}


def access_request_body(world, caller):
    role = Role.STRUCTURE_MANAGER if caller == Role.ADVISOR else Role.ADVISOR
    return {"role": role, "scope": f"structure:{world['in']['structure'].pk}", "message": "Nouvelle recrue."}


def invitation_accept_body(world, caller):
    password = "un-mot-de-passe-solide"
    return {"first_name": "Noa", "last_name": "Invitée", "password1": password, "password2": password}


def decide_open_amendments(world) -> None:
    """A structure asks for one amendment at a time: those of the world are decided first."""
    open_ones = PostAmendment.objects.filter(structure=world["in"]["structure"], decision=Decision.PENDING)
    open_ones.update(decision=Decision.REFUSED, decided_on=timezone.localdate())


# --- the table --------------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Choice:
    """A choice sent with the other side's object: `overrides(world)` replaces fields of the valid body."""

    label: str
    overrides: Callable[[dict], dict]
    #: Only for these callers (default: every caller allowed on the valid body, but the programme team, which has
    #: no outside).
    callers: tuple[str, ...] = ()
    #: A marker for a refusal that a sibling branch brings (pytest.mark.xfail(strict=True, …)).
    marks: tuple = ()
    #: For a choice sent with other fields: the same with the object inside, which must be accepted (so that the
    #: refusal comes from the scope, not from the other fields).
    control: Callable[[dict], dict] | None = None


@dataclasses.dataclass(frozen=True)
class Form:
    """One form route: its valid body for the object inside, the outcome per caller, the table a success writes."""

    expected: dict[str, str]
    body: Callable[[dict, str], dict]
    saves: str | None
    kwargs: Callable[[dict], dict] | None = None
    method: str = "POST"
    choices: tuple[Choice, ...] = ()
    #: Outcomes that refuse a choice outside the scope, beyond nothing written.
    refusals: frozenset = frozenset({"200", "403", "404"})
    as_json: bool = False
    #: What the world must be for the body to be valid, set in the request's savepoint.
    prepare: Callable[[dict], None] | None = None


def the(key: str, arg: str = "pk") -> Callable[[dict], dict]:
    return lambda world: {arg: world["in"][key].pk}


def out(key: str, field: str, many: bool = False) -> Callable[[dict], dict]:
    return lambda world: {field: [world["out"][key].pk] if many else world["out"][key].pk}


REGISTRY_EDITORS = {"programme_team": "302", "structure_manager": "302"}
TEAM_CHOICES = (
    Choice("structure", out("structure", "structure")),
    Choice("coordinator", out("advisor", "coordinator")),
)
ACTIVITY_CHOICES = (
    Choice("site", out("site2", "site")),
    Choice("beneficiary", out("beneficiary", "beneficiary")),
    Choice(
        "beneficiaries",
        lambda world: collective(world, [world["out"]["beneficiary"]]),
        control=lambda world: collective(world, [world["in"]["beneficiary2"]]),
    ),
    Choice(
        "redirection_site",
        lambda world: redirection(world["out"]["site2"]),
        control=lambda world: redirection(world["in"]["site2"]),
    ),
)


def duplicate_merge_body(world, caller):
    """The merge form of the world's duplicate as shown: each row keeps the value the page proposes."""
    from cnum.sites import services as site_services
    from cnum.sites.forms_imports import MergeForm

    return form_body(MergeForm(rows=site_services.differences(world["in"]["duplicate"])))


def import_upload_body(world, caller):
    """A structures CSV of one valid row, as the upload page takes it (the analysis writes nothing yet)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from cnum.structures.importers.csv import COLUMNS

    commune = world["in"]["structure"].commune
    row = {"nom": "Centre social du Tonkin", "siret": valid_siret(), "type": "association", "code_insee": commune.code}
    text = ";".join(COLUMNS) + "\n" + ";".join(row.get(column, "") for column in COLUMNS) + "\n"
    return {"format": "structures-csv", "file": SimpleUploadedFile("structures.csv", text.encode(), "text/csv")}


FORMS: dict[str, Form] = {
    # A user switches only to a role they hold: another user's role is refused.
    "accounts:switch_role": Form(
        signed_in("302"),
        switch_body,
        saves=None,
        choices=(
            Choice(
                "role",
                lambda world: {"role": world["users"][Role.PROGRAMME_TEAM].roles.first().pk},
                callers=("advisor", "coordinator", "structure_manager", "prefecture_departement", "hub"),
            ),
        ),
    ),
    "structures:create": Form(signed_in("403", programme_team="302"), structure_body, "structures_structure"),
    "structures:edit": Form(
        signed_in("403", **REGISTRY_EDITORS), structure_edit_body, "structures_structure", the("structure")
    ),
    "structures:coselec_decide": Form(
        signed_in("403", programme_team="302"),
        lambda world, caller: {
            "date": "2025-01-15",
            "phase": str(Phase.PHASE_1),
            "outcome": CoselecOutcome.APPROVED,
            "posts_granted": "1",
        },
        "structures_coselecdecision",
        the("structure"),
    ),
    "structures:amendment_request": Form(
        signed_in("403", **REGISTRY_EDITORS),
        lambda world, caller: {"kind": AmendmentKind.ADD, "posts_count": "1", "reason": "Forte demande."},
        "structures_postamendment",
        the("structure"),
        prepare=decide_open_amendments,
    ),
    "structures:amendment_opinion": Form(
        signed_in("403", prefecture_departement="302", prefecture_region="302"),
        lambda world, caller: {"opinion": Opinion.FAVOURABLE, "comment": "Avis favorable."},
        "structures_postamendment",
        the("amendment"),
    ),
    "structures:amendment_decide": Form(
        signed_in("403", programme_team="302"),
        lambda world, caller: {"decision": Decision.APPROVED},
        "structures_postamendment",
        the("amendment_with_opinion"),
    ),
    # The programme team's own forms (and a hub's merge of a duplicate of its territory; one elsewhere is not
    # found, tests/core/test_access_matrix.py): no choice points outside a scope, the body alone is checked.
    "sites:duplicate_detail": Form(
        signed_in("403", hub="302", programme_team="302"),
        duplicate_merge_body,
        "sites_siteduplicatecandidate",
        the("duplicate"),
    ),
    "core:import_upload": Form(signed_in("403", programme_team="200"), import_upload_body, None),
    "sites:edit": Form(signed_in("403", **REGISTRY_EDITORS), site_edit_body, "sites_site", the("site")),
    "advisors:create": Form(
        signed_in("403", **REGISTRY_EDITORS),
        advisor_create_body,
        "advisors_contract",
        choices=(
            Choice("contrat-structure", out("structure", "contrat-structure")),
            Choice("contrat-post", lambda world: {"contrat-post": world["out"]["contract"].post_id}),
        ),
    ),
    "advisors:edit": Form(
        signed_in("403", advisor="302", **REGISTRY_EDITORS), advisor_edit_body, "advisors_advisor", the("advisor")
    ),
    "advisors:contract_create": Form(
        signed_in("403", **REGISTRY_EDITORS),
        contract_create_body,
        "advisors_contract",
        the("advisor"),
        choices=(
            Choice("structure", out("structure", "structure")),
            Choice("post", lambda world: {"post": world["out"]["contract"].post_id}),
        ),
    ),
    "advisors:contract_edit": Form(
        signed_in("403", **REGISTRY_EDITORS),
        contract_edit_body,
        "advisors_contract",
        the("contract"),
        choices=(Choice("post", lambda world: {"post": world["out"]["contract"].post_id}),),
    ),
    "advisors:contract_end": Form(
        signed_in("403", **REGISTRY_EDITORS), contract_end_body, "advisors_contract", the("contract")
    ),
    "advisors:site_assignment_create": Form(
        signed_in("403", advisor="302", coordinator="302", **REGISTRY_EDITORS),
        site_assignment_body,
        "advisors_siteassignment",
        the("advisor"),
        choices=(Choice("site", out("site2", "site")), Choice("site (non publié)", out("site", "site"))),
    ),
    "advisors:site_assignment_edit": Form(
        signed_in("403", advisor="302", coordinator="302", **REGISTRY_EDITORS),
        site_assignment_edit_body,
        "advisors_siteassignment",
        the("site_assignment"),
        choices=(Choice("site", out("site2", "site")),),
    ),
    "advisors:training_create": Form(
        signed_in("403", coordinator="302", **REGISTRY_EDITORS), training_body, "advisors_training", the("advisor")
    ),
    "advisors:training_edit": Form(
        signed_in("403", coordinator="302", **REGISTRY_EDITORS),
        training_edit_body,
        "advisors_training",
        the("training"),
    ),
    "advisors:team_create": Form(
        signed_in("403", **REGISTRY_EDITORS),
        team_body,
        "advisors_team",
        choices=(
            Choice("structure", out("structure", "structure")),
            Choice("coordinator", out("advisor", "coordinator")),
        ),
    ),
    "advisors:team_edit": Form(
        signed_in("403", coordinator="302", **REGISTRY_EDITORS),
        team_edit_body,
        "advisors_team",
        the("team"),
        choices=(
            Choice("structure", out("structure", "structure")),
            Choice("coordinator", out("advisor", "coordinator")),
        ),
    ),
    "advisors:membership_create": Form(
        signed_in("403", coordinator="302", **REGISTRY_EDITORS),
        membership_body,
        "advisors_teammembership",
        the("team"),
        choices=(
            Choice("advisor", out("advisor", "advisor")),
            Choice(
                "advisor (employé par une autre structure du département)",
                lambda world: {"advisor": world["neighbour"].pk},
                callers=("coordinator", "structure_manager"),
            ),
            Choice(
                "start (antidaté)",
                lambda world: {"start": "2020-01-01"},
                callers=("coordinator", "structure_manager"),
            ),
        ),
    ),
    "advisors:membership_edit": Form(
        signed_in("403", coordinator="302", **REGISTRY_EDITORS),
        membership_edit_body,
        "advisors_teammembership",
        the("membership"),
        choices=(
            Choice(
                "start (antidaté)",
                lambda world: {"start": "2020-01-01"},
                callers=("coordinator", "structure_manager"),
            ),
        ),
    ),
    "activities:create": Form(
        signed_in("403", advisor="302"), activity_body, "activities_activity", choices=ACTIVITY_CHOICES
    ),
    "activities:update": Form(
        signed_in("403", advisor="302"),
        activity_update_body,
        "activities_activity",
        the("activity"),
        choices=ACTIVITY_CHOICES,
    ),
    "activities:beneficiary_create": Form(signed_in("403", advisor="302"), beneficiary_body, "activities_beneficiary"),
    # The merge answers a wrong choice with a message on the person's page: a redirect, with nothing written.
    "activities:beneficiary_merge": Form(
        signed_in("403", advisor="302"),
        lambda world, caller: {"merge": world["in"]["beneficiary2"].pk},
        "activities_beneficiary",
        the("beneficiary"),
        choices=(Choice("merge", out("beneficiary", "merge")),),
        refusals=frozenset({"200", "302", "403", "404"}),
    ),
    "activities:coordination_create": Form(
        signed_in("403", coordinator="302"), coordination_body, "activities_coordinationactivity"
    ),
    "activities:coordination_update": Form(
        signed_in("403", coordinator="302"),
        coordination_body,
        "activities_coordinationactivity",
        the("coordination"),
    ),
    "funding:campaign_create": Form(signed_in("403", programme_team="302"), campaign_body, "funding_campaign"),
    "funding:campaign_answer": Form(
        signed_in("403", structure_manager="302"), campaign_answer_body, "funding_campaignresponse", the("campaign")
    ),
    "funding:simulator": Form(signed_in("403", programme_team="302"), scenario_body, "funding_simulationscenario"),
    # The created token's secret is shown on the answer page, once.
    "api_tokens:create": Form(
        signed_in("403", advisor="200", structure_manager="200"),
        token_body,
        "api_apitoken",
        choices=(
            Choice("scope (structure)", lambda world: {"scope": f"structure:{world['out']['structure'].pk}"}),
            Choice("scope (conseiller)", lambda world: {"scope": f"advisor:{world['out']['advisor'].pk}"}),
        ),
    ),
    # Accounts and access (issue #18): nobody grants beyond their scope or a role above theirs (cnum.access.rules).
    "access:invite": Form(
        signed_in("403", structure_manager="302", hub="302", national_network="302", programme_team="302"),
        invite_body,
        "access_invitation",
        choices=(
            Choice(
                "scope (structure)",
                lambda world: {"scope": f"structure:{world['out']['structure'].pk}"},
                callers=("structure_manager",),
            ),
            Choice("scope (hub)", lambda world: {"scope": f"hub:{world['out']['hub'].pk}"}, callers=("hub",)),
            Choice(
                "scope (réseau)",
                lambda world: {"scope": f"network:{world['out']['network'].pk}"},
                callers=("national_network",),
            ),
            Choice(
                "role (au-dessus du sien)",
                lambda world: {"role": Role.PROGRAMME_TEAM, "scope": "national"},
                callers=("structure_manager", "hub", "national_network"),
            ),
            Choice(
                "role (préfecture)",
                lambda world: {"role": Role.PREFECTURE_DEPARTEMENT, "scope": "departement:69"},
                callers=("structure_manager", "hub", "national_network"),
            ),
        ),
    ),
    # The advisor's role becomes a co-manager's of its structure; never another structure, never a role above.
    "access:role_change": Form(
        signed_in(
            "404",
            structure_manager="302",
            prefecture_departement="403",
            prefecture_region="403",
            hub="403",
            national_network="403",
            programme_team="302",
        ),
        lambda world, caller: {"role": Role.STRUCTURE_MANAGER, "scope": f"structure:{world['in']['structure'].pk}"},
        "accounts_roleassignment",
        lambda world: {"pk": world["in"]["advisor"].user.roles.get().pk},
        choices=(
            Choice(
                "scope (structure)",
                lambda world: {"scope": f"structure:{world['out']['structure'].pk}"},
                callers=("structure_manager",),
            ),
            Choice(
                "role (au-dessus du sien)",
                lambda world: {"role": Role.PROGRAMME_TEAM, "scope": "national"},
                callers=("structure_manager",),
            ),
        ),
    ),
    "access:request_decide": Form(
        signed_in("404", structure_manager="302", programme_team="302"),
        lambda world, caller: {"decision": "accept"},
        "accounts_roleassignment",
        the("access_request"),
    ),
    "access:request": Form(signed_in("302"), access_request_body, "access_accessrequest"),
    # The link's page creates the invitee's account; signed in with another address, it is refused.
    "access:invitation": Form(
        expect("403", anonyme="302", jeton="302"),
        invitation_accept_body,
        "accounts_user",
        lambda world: {"token": world["in"]["invitation_token"]},
    ),
    # The partner API, with the Lyon structure's token.
    "api:create_activity": Form(
        expect("401", jeton="201"),
        api_activity_body,
        "activities_activity",
        choices=(
            Choice("advisor", out("advisor", "advisor")),
            Choice("site", out("site2", "site")),
            Choice(
                "redirection_site",
                lambda world: redirection(world["out"]["site2"]),
                control=lambda world: redirection(world["in"]["site2"]),
            ),
        ),
        refusals=frozenset({"404", "422"}),
        as_json=True,
    ),
    # Corrections are the activity's advisor's, as on the web: the structure's token is refused even a valid body
    # (the advisor's token and the sites it may name: tests/api/test_activities.py).
    "api:update_activity": Form(
        expect("401", jeton="403"),
        api_update_body,
        "activities_activity",
        lambda world: {"activity_id": world["in"]["activity"].pk},
        method="PUT",
        refusals=frozenset({"403", "404", "422"}),
        as_json=True,
    ),
}


# --- the tests --------------------------------------------------------------------------------------------------


def url_of(key: str, form: Form, world) -> str:
    return reverse(key, kwargs=form.kwargs(world) if form.kwargs else None)


def send_form(client, key: str, form: Form, world, body: dict):
    prepare = (lambda: form.prepare(world)) if form.prepare else None
    return send(client, form.method, url_of(key, form, world), body, as_json=form.as_json, prepare=prepare)


def errors_of(answer) -> str:
    """The form errors shown on a page, to say why a valid body was refused."""
    shown = []
    for context in answer.response.context or []:
        for value in context.flatten().values():
            for item in value if isinstance(value, list | tuple) else [value]:
                if isinstance(item, django_forms.BaseForm) and item.errors:
                    shown.append(item.errors.as_text().replace("\n", " "))
    return " ".join(dict.fromkeys(shown)) or getattr(answer.response, "content", b"")[:300].decode(errors="replace")


@pytest.mark.parametrize("key", FORMS)
def test_a_valid_body_succeeds_for_the_roles_allowed_only(key, world, callers, db):
    form = FORMS[key]
    differences = []
    for caller in ROLES:
        expected = form.expected[str(caller)]
        body = form.body(world, str(caller))
        answer = send_form(callers[str(caller)], key, form, world, body)
        if answer.outcome != expected:
            differences.append(
                f"{ROLE_LABELS[caller]} : attendu {expected}, obtenu {answer.outcome} {errors_of(answer)}"
            )
        elif expected in REFUSED and answer.saved:
            differences.append(f"{ROLE_LABELS[caller]} : refusé mais écrit {sorted(answer.writes)}")
        elif expected not in REFUSED and form.saves and not any(table == form.saves for _, table in answer.writes):
            differences.append(f"{ROLE_LABELS[caller]} : {expected} sans rien écrire dans {form.saves}")
    assert not differences, f"{form.method} {key} :\n" + "\n".join(differences)


def allowed_callers(form: Form) -> list[str]:
    return [caller for caller, expected in form.expected.items() if expected not in REFUSED]


CHOICES = [
    pytest.param(key, choice, id=f"{key}-{choice.label}", marks=choice.marks)
    for key, form in FORMS.items()
    for choice in form.choices
]


@pytest.mark.parametrize(("key", "choice"), CHOICES)
def test_a_choice_outside_the_scope_is_refused_and_nothing_written(key, choice, world, callers, db):
    form = FORMS[key]
    targets = choice.callers or [caller for caller in allowed_callers(form) if caller != Role.PROGRAMME_TEAM]
    assert targets, f"{key} : personne à qui envoyer le choix « {choice.label} »"
    accepted = []
    for caller in targets:
        if choice.control is not None:
            control = send_form(callers[caller], key, form, world, form.body(world, caller) | choice.control(world))
            assert control.outcome == form.expected[caller], f"{key} : le témoin de « {choice.label} » est refusé"
        body = form.body(world, caller) | choice.overrides(world)
        answer = send_form(callers[caller], key, form, world, body)
        if answer.outcome not in form.refusals or answer.saved:
            written = sorted(table for kind, table in answer.writes if (kind, table))
            accepted.append(f"{ROLE_LABELS[caller]} : {answer.outcome}, écrit {written}")
    assert not accepted, f"{form.method} {key}, « {choice.label} » hors périmètre accepté :\n" + "\n".join(accepted)


# --- docs/access-matrix.md --------------------------------------------------------------------------------------

SECTION = """
## Formulaires avec un corps valide, et des choix hors périmètre

Générée depuis `tests/core/test_access_matrix_forms.py`. Chaque formulaire reçoit un corps *valide*, construit depuis
le formulaire de la vue pour l'objet lyonnais : les rôles autorisés obtiennent leur succès (302, ou 200/201 pour la
page qui montre le jeton créé et pour l'API) et l'enregistrement est écrit ; les autres sont refusés sans rien écrire.
Puis chaque choix qui désigne un objet est envoyé avec l'objet marseillais, hors du périmètre de chaque rôle autorisé
(sauf l'équipe nationale, qui n'a pas de hors-périmètre) : il doit être refusé (erreur du formulaire en 200, 403, 404,
422 pour l'API) et rien ne doit être écrit.
"""


def markdown() -> str:
    columns = ["route", "méthode", *(ROLE_LABELS[role] for role in ROLES), "choix hors périmètre refusés"]
    lines = [SECTION, "| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for key, form in FORMS.items():
        choices = ", ".join(f"`{c.label}`" for c in form.choices) or "—"
        cells = [f"`{key}`", form.method, *(form.expected[str(role)] for role in ROLES), choices]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def test_the_valid_upload_body_is_analysed_and_offers_its_confirmation(world, callers, db):
    """The upload's "200" above is the analysis of a valid file, not the form shown again with an error."""
    from django.urls import reverse

    answer = send(
        callers[str(Role.PROGRAMME_TEAM)], "POST", reverse("core:import_upload"), import_upload_body(world, None)
    )
    assert "Confirmer l'import de la ligne valide" in answer.response.content.decode()
