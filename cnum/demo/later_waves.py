"""The demo's later COSELEC waves: employers selected in 2022, which the real export of December 2022 does not list
(their advisors were not yet in post, or had no permanence yet).

The export's ≈2,150 employers and ≈3,000 posts are short of the programme's ≈2,900 structures and ≈4,000 posts
(DOMAIN.md headline figures: ~4,000 advisors end 2024). The missing employers are generated, deterministically from
the demo's seed, on real communes of the loaded geography drawn by population (where people, hence employers, are):
≈60 % public, ≈1.35 posts each, an advisor on ≈85 % of the posts, recruited within months of the decision.
"""

import datetime
import random

from cnum.advisors.enums import ContractEndReason
from cnum.advisors.models import Advisor, Contract, Training
from cnum.demo.registry import PUBLIC_SHARE, contract_kind, convention_status, initial_training
from cnum.structures.enums import ApplicationStatus, Phase, StructureType
from cnum.structures.models import CoselecDecision, Post, Structure
from cnum.territories.enums import CommuneKind
from cnum.territories.lookup import normalize_name
from cnum.territories.models import Commune

SOURCE = "demo-coselec-2022"
#: ≈2,900 structures in all (DOMAIN.md: ~4,000 advisors at ≈1.35 posts per structure), the export giving ≈2,150.
STRUCTURES = 750
#: Posts granted per structure and their odds: 1.35 on average.
POSTS_GRANTED, POSTS_WEIGHTS = [1, 2, 3], [70, 25, 5]
#: Share of posts with an advisor (DOMAIN.md, late 2025: 2,873 filled out of 3,345, ≈85 %).
FILLED_SHARE = 0.85
#: 2022 COSELEC sessions; a late-wave employer recruits within 1–4 months (trained candidates were waiting), so
#: every phase 1 convention of these waves starts by early 2023.
FIRST_DECISION, LAST_DECISION = datetime.date(2022, 1, 15), datetime.date(2022, 10, 31)
RECRUITMENT_DAYS = (30, 180)
PUBLIC_TYPES, PUBLIC_WEIGHTS = [StructureType.COMMUNE, StructureType.EPCI, StructureType.DEPARTEMENT], [65, 30, 5]
PRIVATE_NAMES = ["Association {}", "Centre social de {}", "Espace de vie sociale de {}", "MJC de {}"]


def later_waves_create(*, rng: random.Random, fake, hubs: dict[str, int]) -> dict[str, int]:
    """The later waves' structures, COSELEC decisions, posts and advisors (bulk; the caller audits the whole)."""
    rows = Commune.objects.filter(kind=CommuneKind.CURRENT).order_by("code")
    communes = list(rows.values_list("pk", "name", "departement_id"))
    weights = [population or 1 for population in rows.values_list("population", flat=True)]
    taken = {(normalize_name(name), commune) for name, commune in Structure.objects.values_list("name", "commune")}
    taken |= {(normalize_name(name), None) for name in Structure.objects.values_list("name", flat=True)}
    structures = []
    for number in range(STRUCTURES):
        structure = _structure(number, rng.choices(communes, weights=weights)[0], rng, hubs)
        # No two structures of one name in one commune, and one council per département.
        while _name_key(structure) in taken:
            structure = _structure(number, rng.choices(communes, weights=weights)[0], rng, hubs)
        taken.add(_name_key(structure))
        structures.append(structure)
    Structure.objects.bulk_create(structures, batch_size=500)
    decisions = []
    for structure in structures:
        day = FIRST_DECISION + datetime.timedelta(days=rng.randrange((LAST_DECISION - FIRST_DECISION).days + 1))
        granted = rng.choices(POSTS_GRANTED, weights=POSTS_WEIGHTS)[0]
        decisions.append(
            CoselecDecision(
                structure=structure, date=day, phase=Phase.PHASE_1, posts_granted=granted, number=f"C{day:%y%m}"
            )
        )
    CoselecDecision.objects.bulk_create(decisions, batch_size=500)
    posts = [
        Post(structure=d.structure, granted_by=d, phase=Phase.PHASE_1, granted_on=d.date, vacant_since=d.date)
        for d in decisions
        for _ in range(d.posts_granted)
    ]
    Post.objects.bulk_create(posts, batch_size=1000)
    advisors = _advisors(posts, rng, fake)
    return {"structures": len(structures), "postes": len(posts), "conseillers": advisors}


def _name_key(structure: Structure) -> tuple[str, int | None]:
    national_name = structure.type == StructureType.DEPARTEMENT
    return normalize_name(structure.name), None if national_name else structure.commune_id


def _structure(number: int, commune: tuple, rng: random.Random, hubs: dict[str, int]) -> Structure:
    commune_id, commune_name, departement = commune
    if rng.random() < PUBLIC_SHARE:
        type_ = rng.choices(PUBLIC_TYPES, weights=PUBLIC_WEIGHTS)[0]
        name = {
            StructureType.COMMUNE: f"Commune de {commune_name}",
            StructureType.EPCI: f"Communauté de communes de {commune_name}",
        }.get(type_, f"Conseil départemental ({departement})")
    else:
        type_ = StructureType.ASSOCIATION if rng.random() < 0.75 else StructureType.PRIVATE
        name = rng.choice(PRIVATE_NAMES).format(commune_name)
    return Structure(
        name=name[:255],
        # Generated employers get a generated SIRET of their side (SIREN 2… public, 4… private), valid by Luhn.
        identifier=generated_siret(public=type_ in StructureType.public_types(), rng=rng),
        type=type_,
        commune_id=commune_id,
        departement_id=departement,
        hub_id=hubs.get(departement),
        qpv=rng.random() < 0.2,
        zrr=rng.random() < 0.17,
        application_status=ApplicationStatus.COSELEC_APPROVED,
        convention_status=convention_status(rng),
        source=SOURCE,
        source_id=f"vague-2022-{number:04d}",
    )


def _advisors(posts: list[Post], rng: random.Random, fake) -> int:
    """An advisor on ≈85 % of the posts, recruited 1–4 months after the decision; some left since."""
    contracts, trainings = [], []
    for post in posts:
        if rng.random() >= FILLED_SHARE:
            continue
        advisor = Advisor(
            first_name=fake.first_name(),
            last_name=fake.last_name(),
            email=f"v22-{len(contracts):05d}@conseiller.demo.cnum.fr",
        )
        start = post.granted_on + datetime.timedelta(days=rng.randrange(*RECRUITMENT_DAYS))
        contract = Contract(
            advisor=advisor,
            structure_id=post.structure_id,
            post=post,
            start=start,
            kind=contract_kind(public=post.structure.is_public, rng=rng),
        )
        if rng.random() < 0.12:
            contract.end = start + datetime.timedelta(days=rng.randrange(200, 900))
            contract.end_reason = rng.choice([ContractEndReason.RESIGNATION, ContractEndReason.DISMISSAL])
        post.vacant_since = contract.end
        contracts.append(contract)
        trainings.append(initial_training(advisor, start, rng))
    Advisor.objects.bulk_create([c.advisor for c in contracts], batch_size=1000)
    for row in (*contracts, *trainings):
        row.advisor_id = row.advisor.pk
    Contract.objects.bulk_create(contracts, batch_size=1000)
    Training.objects.bulk_create(trainings, batch_size=1000)
    Post.objects.bulk_update([c.post for c in contracts], ["vacant_since"], batch_size=1000)
    return len(contracts)


def generated_siret(*, public: bool, rng: random.Random) -> str:
    """A SIRET valid by Luhn (SIREN then establishment), of a public body (SIREN starting with 2) or not (4)."""
    siren = luhn_complete(("2" if public else "4") + f"{rng.randrange(10**7):07d}")
    return luhn_complete(siren + f"{rng.randrange(10**4):04d}")


def luhn_complete(digits: str) -> str:
    """`digits` followed by the Luhn check digit (SIREN and SIRET)."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return digits + str(-total % 10)
