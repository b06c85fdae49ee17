"""The demo registry: the real CnFS permanences of 2022 and the France Services sites, and around them a
population of employer structures, posts and advisors shaped like the programme (DOMAIN.md headline figures:
≈60 % public / 40 % private employers, ≈1.3 posts per structure, ≈85 % of posts filled).

Structures are the real employers of the export (its `structureId`), identified by the real SIRET (`pivot`) when
it is valid; names, people and dates are generated, deterministically from a seed.
"""

import datetime
import json
import random
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Count

from cnum.advisors.enums import CertificationOutcome, ContractEndReason, ContractKind, MembershipStatus, TrainingKind
from cnum.advisors.models import Advisor, Contract, SiteAssignment, Team, TeamMembership, Training
from cnum.core.imports import run_import
from cnum.sites.importers.base import not_a_name
from cnum.sites.models import Site
from cnum.sites.schema import CNFS_FILE, FRANCE_SERVICES_FILE, reference_dir
from cnum.structures.enums import ApplicationStatus, ConventionStatus, IdentifierKind, Phase, StructureType
from cnum.structures.identifiers import identify
from cnum.structures.models import CoselecDecision, Hub, Network, Post, Structure
from cnum.territories.lookup import normalize_name

#: National networks some private employers belong to in the demo (real networks, fictitious membership).
DEMO_NETWORKS = [
    "Emmaüs Connect",
    "Croix-Rouge française",
    "Familles Rurales",
    "Fédération des centres sociaux",
    "Ligue de l'enseignement",
    "WeTechCare",
]
#: How a member of each network is named (normalised words): members are found by their name, never drawn.
NETWORK_MARKERS = {
    "Emmaüs Connect": ("EMMAUS CONNECT",),
    "Croix-Rouge française": ("CROIX ROUGE",),
    "Familles Rurales": ("FAMILLES RURALES",),
    "Fédération des centres sociaux": ("CENTRE SOCIAL", "CENTRE SOCIO CULTUREL", "CENTRES SOCIAUX"),
    "Ligue de l'enseignement": ("LIGUE DE L ENSEIGNEMENT", "FOL"),
    "WeTechCare": ("WETECHCARE",),
}
#: DOMAIN.md: "≈60 % public / 40 % private" employers (end 2024).
PUBLIC_SHARE = 0.6
SIREN_PREFIX_TYPES = {
    "21": StructureType.COMMUNE,
    "22": StructureType.DEPARTEMENT,
    "23": StructureType.REGION,
    "24": StructureType.EPCI,
    "20": StructureType.EPCI,
    "13": StructureType.GIP,
    "18": StructureType.GIP,
}
NAME_RULES = [
    (("COMMUNAUTE DE COMMUNES", "COMMUNAUTE D AGGLOMERATION", "AGGLO", "METROPOLE", "INTERCOMMUNAL"), "epci"),
    (("CONSEIL DEPARTEMENTAL", "DEPARTEMENT"), "departement"),
    (("CONSEIL REGIONAL", "REGION "), "region"),
    (("MAIRIE", "COMMUNE", "VILLE DE", "CCAS", "MEDIATHEQUE", "BIBLIOTHEQUE", "HOTEL DE VILLE"), "commune"),
    (("ASSOCIATION", "ASSO", "ASS", "CENTRE SOCIAL", "MJC", "FOYER", "EMMAUS", "MISSION LOCALE"), "association"),
    (("SAS", "SARL", "SCIC", "SCOP", "FONDATION", "MUTUELLE", "COOPERATIVE"), "private"),
]


@dataclass
class DemoStructure:
    key: str  # the export's structureId (the first one, when several are merged)
    site_records: list[dict] = field(default_factory=list)
    advisor_keys: list[str] = field(default_factory=list)
    identifier: str = ""
    identifier_kind: str = IdentifierKind.SIRET
    type: str = ""
    name: str = ""

    def absorb(self, other: "DemoStructure") -> None:
        self.site_records.extend(other.site_records)
        self.advisor_keys.extend(key for key in other.advisor_keys if key not in self.advisor_keys)
        self.identifier = self.identifier or other.identifier


def read_cnfs_records() -> list[dict]:
    path = reference_dir() / CNFS_FILE
    return json.loads(path.read_text(encoding="utf-8"))


def group_by_employer(records: list[dict]) -> dict[str, DemoStructure]:
    structures: dict[str, DemoStructure] = {}
    for record in records:
        key = record.get("structureId") or f"site-{record['id']}"
        demo = structures.setdefault(key, DemoStructure(key=key))
        demo.site_records.append(record)
        for aidant in record.get("aidants") or []:
            if aidant["aidantId"] not in demo.advisor_keys:
                demo.advisor_keys.append(aidant["aidantId"])
    return structures


def valid_identifier(records: list[dict]) -> tuple[str, str]:
    """The first valid SIRET among the structure's sites, or ("", kind) when none is. The export writes
    "00000000000000" for a site without SIRET: valid by Luhn, but nobody's, and never an identifier here."""
    for record in records:
        if not (record.get("pivot") or "").strip("0 "):
            continue
        try:
            identifier = identify(record.get("pivot") or "")
        except ValidationError:
            continue
        return identifier.value, identifier.kind
    return "", IdentifierKind.SIRET


def structure_type(*, name: str, siret: str, public_odds: float, rng: random.Random) -> str:
    """The employer's type. A SIRET whose SIREN starts with 1 or 2 is a public body's (INSEE legal categories),
    and its prefix gives the kind; any other SIRET is a private body's; without a SIRET the employer is drawn
    public with `public_odds`, the type then guessed from the name."""
    if siret[:1] in {"1", "2"}:
        return SIREN_PREFIX_TYPES.get(siret[:2], StructureType.COLLECTIVITE if siret[:1] == "2" else StructureType.GIP)
    guessed = _type_from_name(name)
    if siret:  # a private body's SIRET: an association or another private employer
        return guessed if guessed in (StructureType.ASSOCIATION, StructureType.PRIVATE) else StructureType.ASSOCIATION
    public = rng.random() < public_odds
    if guessed is not None and (guessed in StructureType.public_types()) == public:
        return guessed
    if public:
        return rng.choices(
            [StructureType.COMMUNE, StructureType.EPCI, StructureType.DEPARTEMENT], weights=[65, 30, 5]
        )[0]
    return StructureType.ASSOCIATION if rng.random() < 0.75 else StructureType.PRIVATE


def _type_from_name(name: str) -> str | None:
    normalized = f" {normalize_name(name)} "
    for keywords, type_ in NAME_RULES:
        if any(f" {keyword} " in normalized for keyword in keywords):
            return type_
    return None


def public_odds_for_target(groups: dict[str, "DemoStructure"], target: float = PUBLIC_SHARE) -> float:
    """Chance of drawing an employer without SIRET public so that `target` of the advisors (hence of the activities)
    work for public employers (DOMAIN.md: ≈60 %). Counted in advisors, not structures: the export repeats public
    employers more than others, and employers_merge folds the repeats."""
    known_public = unknown = total = 0
    for group in groups.values():
        identifier, advisors = valid_identifier(group.site_records)[0], max(1, len(group.advisor_keys))
        total += advisors
        known_public += advisors if identifier[:1] in {"1", "2"} else 0
        unknown += advisors if not identifier else 0
    return min(1.0, max(0.0, (target * total - known_public) / unknown)) if unknown else 0.0


def structure_name(*, records: list[dict], type_: str, communes: dict[str, str]) -> str:
    """The employer's name: "Commune de <official name>" for a commune, else its first site's name. The export
    spells communes in many ways ("VENISSIEUX", "Vénissieux"): the official name of the COG is taken once."""
    first = records[0]
    commune = commune_name(first.get("commune") or "", communes)
    if type_ == StructureType.COMMUNE and commune:
        return f"Commune de {commune}"
    return (first.get("nom") or "").strip() or f"Structure de {commune}"


def commune_name(raw: str, communes: dict[str, str]) -> str:
    """The official (accented) name of the commune spelt `raw`, else `raw` in title case."""
    return communes.get(normalize_name(raw)) or raw.strip().title()


def official_communes() -> dict[str, str]:
    """Current communes' official names by their normalised spelling (the first one for names several share)."""
    from cnum.territories.enums import CommuneKind
    from cnum.territories.models import Commune

    names = {}
    for name in Commune.objects.filter(kind=CommuneKind.CURRENT).order_by("code").values_list("name", flat=True):
        names.setdefault(normalize_name(name), name)
    return names


def employers_merge(*, groups: dict[str, DemoStructure], rng: random.Random) -> dict[str, DemoStructure]:
    """The export's employers, each once: the export repeats an employer under several `structureId` (one per site
    or per application), so groups sharing a valid SIRET, or a name in the same commune once the names are
    normalised, are one structure. Each gets its identifier, type and name here, once."""
    public_odds = public_odds_for_target(groups)
    communes, merged, by_identifier, by_name = official_communes(), {}, {}, {}
    for key, group in groups.items():
        group.identifier, group.identifier_kind = valid_identifier(group.site_records)
        if group.identifier and group.identifier in by_identifier:
            by_identifier[group.identifier].absorb(group)
            continue
        group.type = structure_type(
            name=group.site_records[0].get("nom", ""), siret=group.identifier, public_odds=public_odds, rng=rng
        )
        group.name = structure_name(records=group.site_records, type_=group.type, communes=communes)[:255]
        place = normalize_name(commune_name(group.site_records[0].get("commune") or "", communes))
        same = by_name.get((normalize_name(group.name), place))
        if same is not None and same.identifier and group.identifier:  # two bodies: told apart by their SIRET
            group.name = f"{group.name} – établissement {group.identifier[-5:]}"[:255]
            same = None
        if same is not None:
            if group.identifier:  # the SIRET, when one of the two has it, says which kind of body it is
                same.type, same.identifier_kind = group.type, group.identifier_kind
                by_identifier[group.identifier] = same
            same.absorb(group)
            continue
        merged[key] = by_name[normalize_name(group.name), place] = group
        if group.identifier:
            by_identifier[group.identifier] = group
    return merged


SOURCE = "demo-cnfs-2022"
#: Days from a 2021 COSELEC decision to the advisor's recruitment: 1 to 14 months. The first waves recruited over
#: 2021 and 2022 (candidates to find and train), and were done by the end of 2022 (DOMAIN.md: 3,614 advisors in
#: post in 2022); the phase 1 convention starts with the recruitment (cnum.demo.funding).
RECRUITMENT_DAYS = (30, 545)


def coselec_date(rng: random.Random) -> datetime.date:
    """The first waves' COSELEC sessions ran through 2021 (the later waves', 2022: cnum.demo.later_waves)."""
    return datetime.date(2021, 1, 15) + datetime.timedelta(days=rng.randrange(0, 330))


def convention_status(rng: random.Random) -> str:
    """70 % of structures re-engaged after the December 2022 terms (written answer no. 2656)."""
    return ConventionStatus.RENEWAL_VALIDATED if rng.random() < 0.70 else ConventionStatus.VALIDATED


def build_structures(*, groups: dict[str, DemoStructure], rng: random.Random) -> dict[str, Structure]:
    """One Structure per employer (merged by employers_merge), with its COSELEC decision and posts (bulk)."""
    structures = {}
    for key, group in groups.items():
        first = group.site_records[0]
        structures[key] = Structure(
            name=group.name,
            identifier=group.identifier,
            identifier_kind=group.identifier_kind,
            type=group.type,
            address=(first.get("adresse") or "")[:255],
            postal_code=(first.get("code_postal") or "")[:5],
            qpv=rng.random() < 0.2,
            zrr=rng.random() < 0.17,
            france_services=any("France Services" in (r.get("labels_nationaux") or "") for r in group.site_records),
            application_status=ApplicationStatus.COSELEC_APPROVED,
            convention_status=convention_status(rng),
            source=SOURCE,
            source_id=key,
        )
    Structure.objects.bulk_create(structures.values(), batch_size=500)
    networks_join(structures.values())
    return structures


def networks_join(structures) -> None:
    """National networks hold their own members only: a structure joins the network its name says it belongs to
    ("Croix-Rouge française – unité locale de Lyon" joins the Croix-Rouge française), never another's."""
    networks = {name: Network.objects.get_or_create(name=name)[0] for name in DEMO_NETWORKS}
    memberships = []
    for structure in structures:
        name = f" {normalize_name(structure.name)} "
        for network, markers in NETWORK_MARKERS.items():
            if any(f" {marker} " in name for marker in markers):
                memberships.append(
                    Structure.networks.through(structure_id=structure.pk, network_id=networks[network].pk)
                )
    Structure.networks.through.objects.bulk_create(memberships, batch_size=500)


def build_posts(*, groups: dict[str, DemoStructure], structures: dict[str, Structure], rng: random.Random):
    """A COSELEC decision per structure granting one post per advisor, plus vacant posts (≈1.3 per structure)."""
    decisions, posts = [], []
    for key, structure in structures.items():
        holders = max(1, len(groups[key].advisor_keys))
        granted = holders + (1 if rng.random() < 0.15 else 0)
        day = coselec_date(rng)
        decisions.append(
            CoselecDecision(
                structure=structure, date=day, phase=Phase.PHASE_1, posts_granted=granted, number=f"C{day:%y%m}"
            )
        )
    CoselecDecision.objects.bulk_create(decisions, batch_size=500)
    for decision in decisions:
        for _ in range(decision.posts_granted):
            posts.append(
                Post(
                    structure=decision.structure,
                    granted_by=decision,
                    phase=Phase.PHASE_1,
                    granted_on=decision.date,
                    vacant_since=decision.date,
                )
            )
    Post.objects.bulk_create(posts, batch_size=1000)
    by_structure = defaultdict(list)
    for post in posts:
        by_structure[post.structure_id].append(post)
    return by_structure


#: Contract kinds drawn for public and private employers (the contrat de projet public is for public employers
#: only: ContractKind.kinds_for).
CONTRACT_WEIGHTS = {
    True: {ContractKind.CDD: 50, ContractKind.PEC: 15, ContractKind.PUBLIC_PROJECT: 20, ContractKind.CDI: 15},
    False: {ContractKind.CDD: 60, ContractKind.PEC: 25, ContractKind.CDI: 15},
}


def contract_kind(*, public: bool, rng: random.Random) -> str:
    """A contract kind the employer may sign, drawn with the weights of its side (public or private)."""
    weights = CONTRACT_WEIGHTS[public]
    return str(rng.choices(list(weights), weights=list(weights.values()))[0])


TRAINING_PROVIDERS = ["Simplon.co", "AFPA", "GRETA", "Les Assembleurs", "Hinaura", "WeTechCare"]


def import_real_sites() -> dict[str, int]:
    """Import the real CnFS permanences and France Services sites (the same importers users run)."""
    counts = {}
    directory = reference_dir()
    for format_name, file_name in [("cnfs-v0-json", CNFS_FILE), ("france-services-csv", FRANCE_SERVICES_FILE)]:
        report = run_import(format_name=format_name, path=directory / file_name, dry_run=False)
        counts[format_name] = report.created + report.updated + report.unchanged
    return counts


def link_sites(*, groups: dict[str, DemoStructure], structures: dict[str, Structure]) -> dict[str, Site]:
    """Attach each CnFS site to its employer (even when the export lost the SIRET), name a site whose name is no
    name after it, and give structures a commune."""
    sites = {
        s.source_id: s
        for s in Site.objects.filter(source_id__in=[r["id"] for g in groups.values() for r in g.site_records])
    }
    changed_sites, changed_structures = [], []
    for key, group in groups.items():
        structure = structures[key]
        for record in group.site_records:
            site = sites.get(record["id"])
            if site is None:
                continue
            unnamed = not_a_name(" ".join((record.get("nom") or "").split()))
            if site.structure_id != structure.pk or unnamed:
                site.structure_id = structure.pk
                if unnamed:  # the importer could not know the employer: named after it now that it is
                    site.name = f"{structure.name} — {site.commune_name}"[:255]
                changed_sites.append(site)
            if structure.commune_id is None and site.commune_id:
                structure.commune_id, structure.departement_id = site.commune_id, site.departement_id
                changed_structures.append(structure)
    Site.objects.bulk_update(changed_sites, ["structure", "name"], batch_size=1000)
    Structure.objects.bulk_update(changed_structures, ["commune", "departement"], batch_size=1000)
    hubs = hub_by_departement()
    for structure in structures.values():
        structure.hub_id = hubs.get(structure.departement_id)
    Structure.objects.bulk_update(structures.values(), ["hub"], batch_size=1000)
    return sites


def hub_by_departement() -> dict[str, int]:
    hubs = {}
    for hub_id, codes in Hub.departement_map().items():
        for code in codes:
            hubs.setdefault(code, hub_id)
    return hubs


def build_advisors(*, groups, structures, posts_by_structure, sites, rng: random.Random, fake) -> dict[str, Advisor]:
    """One advisor per `aidantId` of the export, holding a post of their employer, working at their sites."""
    advisors, contracts, assignments, trainings = {}, [], [], []
    for key, group in groups.items():
        structure = structures[key]
        free_posts = list(posts_by_structure[structure.pk])
        for advisor_key in group.advisor_keys:
            if advisor_key in advisors or not free_posts:
                continue
            first, last = fake.first_name(), fake.last_name()
            advisor = Advisor(first_name=first, last_name=last, email=f"{advisor_key[-8:]}@conseiller.demo.cnum.fr")
            advisors[advisor_key] = advisor
            post = free_posts.pop(0)
            start = post.granted_on + datetime.timedelta(days=rng.randrange(*RECRUITMENT_DAYS))
            contract = Contract(
                advisor=advisor,
                structure=structure,
                post=post,
                start=start,
                kind=contract_kind(public=structure.is_public, rng=rng),
            )
            if rng.random() < 0.12:  # some left: their post is vacant since, and may be due for return
                contract.end = start + datetime.timedelta(days=rng.randrange(200, 900))
                contract.end_reason = rng.choice([ContractEndReason.RESIGNATION, ContractEndReason.DISMISSAL])
            contracts.append(contract)
            post.vacant_since = contract.end
            for record in group.site_records:
                if any(a["aidantId"] == advisor_key for a in record.get("aidants") or []) and record["id"] in sites:
                    assignments.append(
                        SiteAssignment(advisor=advisor, site=sites[record["id"]], start=start, end=contract.end)
                    )
            trainings.append(initial_training(advisor, start, rng))
    Advisor.objects.bulk_create(advisors.values(), batch_size=1000)
    for row in (*contracts, *assignments, *trainings):
        row.advisor_id = row.advisor.pk
    Contract.objects.bulk_create(contracts, batch_size=1000)
    SiteAssignment.objects.bulk_create(assignments, batch_size=1000)
    Training.objects.bulk_create(trainings, batch_size=1000)
    Post.objects.bulk_update([c.post for c in contracts], ["vacant_since"], batch_size=1000)
    return advisors


def initial_training(advisor, contract_start: datetime.date, rng: random.Random) -> Training:
    start = contract_start - datetime.timedelta(days=rng.randrange(20, 60))
    certified = rng.random()
    return Training(
        advisor=advisor,
        kind=TrainingKind.INITIAL,
        start=start,
        end=start + datetime.timedelta(days=rng.randrange(60, 180)),
        hours=rng.choice([105, 175, 245, 315, 420]),
        provider=rng.choice(TRAINING_PROVIDERS),
        certification=CertificationOutcome.CERTIFIED if certified < 0.8 else CertificationOutcome.NOT_CERTIFIED,
        pix_level=rng.randrange(2, 7),
    )


def build_teams(*, structures, rng: random.Random) -> list[Team]:
    """A coordinator and a team in structures employing three advisors or more."""
    teams, memberships = [], []
    current = defaultdict(list)
    for contract in Contract.objects.current().select_related("advisor").order_by("start", "pk"):
        current[contract.structure_id].append(contract)
    for structure in structures.values():
        members = current.get(structure.pk, [])
        if len(members) < 3:
            continue
        coordinator = members[0]
        team = Team(
            name=f"Équipe de coordination — {structure.name}"[:200],
            structure=structure,
            coordinator=coordinator.advisor,
        )
        teams.append(team)
        memberships.extend(
            TeamMembership(
                team=team,
                advisor=m.advisor,
                start=max(m.start, coordinator.start),
                status=MembershipStatus.ACCEPTED,
            )
            for m in members[1:]
        )
    Team.objects.bulk_create(teams, batch_size=500)
    for membership in memberships:
        membership.team_id = membership.team.pk
    TeamMembership.objects.bulk_create(memberships, batch_size=1000)
    return teams


def demo_scopes(*, structures: dict[str, Structure]) -> dict:
    """The objects the demo accounts act on: a structure of the Rhône with a team, its advisors, a hub…"""
    from cnum.territories.models import Departement, Region

    team = (
        Team.objects.filter(structure__departement_id="69").order_by("-pk").first()
        or Team.objects.order_by("pk").first()
    )
    structure = team.structure if team else next(iter(structures.values()))
    staff = [c.advisor for c in Contract.objects.current().filter(structure=structure).select_related("advisor")]
    members = [m for m in staff if team is None or m.pk != team.coordinator_id]
    return {
        "structure": structure,
        "team": team,
        "coordinator": team.coordinator if team else None,
        "advisor": members[0] if members else None,
        "manager_advisor": members[1] if len(members) > 1 else None,
        "departement": Departement.objects.get(code="69"),
        "region": Region.objects.get(code="84"),
        "hub": Hub.objects.filter(name="Hinaura").first(),
        "network": Network.objects.annotate(members=Count("structures")).order_by("-members", "pk").first(),
    }
