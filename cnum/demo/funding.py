"""The demo's conventions: a phase 1 convention for every demo structure's posts, starting the month the
structure recruits its first advisor (2021 to early 2023, France Relance), and, for the structures that re-engaged
(Structure.convention_status, 70 % in the demo as in the written answer no. 2656), a phase 2 renewal starting when
phase 1 ends, between January 2023 (the degressive terms were announced in December 2022) and April 2025 (no new
conventions since May 2025). Instalments already due are paid, a few weeks later. Assumptions are listed in
docs/funding.md.
"""

import datetime
import random

from django.db.models import Min
from django.utils import timezone

from cnum.advisors.models import Contract
from cnum.core import audit
from cnum.demo import later_waves, registry
from cnum.funding.enums import (
    AdvisorChoice,
    CampaignDecision,
    ConventionStatus,
    EmployerKind,
    InstalmentStatus,
    NonRenewalReason,
)
from cnum.funding.models import (
    Campaign,
    CampaignResponse,
    CampaignTarget,
    Convention,
    ConventionPost,
    GrantScheme,
    Instalment,
)
from cnum.funding.reference_data import funding_reference_load, funding_reference_loaded
from cnum.funding.schedules import add_months, convention_end
from cnum.funding.services import planned_instalments
from cnum.structures.enums import ConventionStatus as StructureConventionStatus
from cnum.structures.enums import Phase
from cnum.structures.models import Structure

PHASE_2_FIRST_START = datetime.date(2023, 1, 1)
PHASE_2_LAST_START = datetime.date(2025, 4, 1)
#: Share of a zoned structure's posts that serve the QPV or ZRR itself (≈25 % of posts in zones overall, as the
#: 630 ZRR + 815 QPV advisors of June 2023 out of ≈4,000 suggest; DOMAIN.md headline figures).
ZONED_POST_SHARE = 0.75
#: Posts of a renewal that join later (a new recruit, within months).
LATE_JOIN_SHARE = 0.1


def demo_funding_create(*, seed: int, today: datetime.date | None = None) -> dict:
    """Conventions, covered posts and the ledger of the demo structures; nothing when conventions exist."""
    if Convention.objects.exists():
        return {}
    if not funding_reference_loaded():
        funding_reference_load()
    rng, today = random.Random(seed), today or timezone.localdate()
    schemes = {(s.phase, s.employer_kind): s for s in GrantScheme.objects.prefetch_related("tranches")}
    plans, recruited = [], _first_recruitments()
    structures = Structure.objects.filter(source__in=[registry.SOURCE, later_waves.SOURCE])
    for structure in structures.prefetch_related("posts", "coselec_decisions").order_by("pk"):
        posts = list(structure.posts.all())
        decision = min(structure.coselec_decisions.all(), key=lambda d: d.date, default=None)
        if not posts or decision is None:
            continue
        kind = EmployerKind.PUBLIC if structure.is_public else EmployerKind.PRIVATE
        start = recruited.get(structure.pk) or add_months(decision.date.replace(day=1), rng.randint(1, 3))
        phase_1 = _plan(structure, schemes[(Phase.PHASE_1, kind)], start, posts, rng)
        plans.append(phase_1)
        if structure.convention_status == StructureConventionStatus.RENEWAL_VALIDATED:
            renewal = add_months(phase_1["convention"].end + datetime.timedelta(days=1), rng.randint(0, 4))
            renewal = min(max(renewal.replace(day=1), PHASE_2_FIRST_START), PHASE_2_LAST_START)
            plans.append(_plan(structure, schemes[(Phase.PHASE_2, kind)], renewal, posts, rng, late_joins=True))
    summary = _save(plans, rng, today)
    summary.update(demo_campaign_create(rng=rng))
    return summary


def _first_recruitments() -> dict[int, datetime.date]:
    """The first day of the month each structure's first advisor started: when its phase 1 convention starts
    (the grant pays for a post in post); structures that never recruited start 1–3 months after their COSELEC."""
    rows = Contract.objects.values("structure_id").annotate(first=Min("start")).order_by()
    return {row["structure_id"]: row["first"].replace(day=1) for row in rows}


def _plan(structure, scheme: GrantScheme, start, posts, rng, *, late_joins=False) -> dict:
    end = convention_end(start, scheme.as_schedule_scheme())
    convention = Convention(
        structure=structure,
        number=f"CN{scheme.phase}-{structure.pk:05d}",
        phase=scheme.phase,
        scheme=scheme,
        start=start,
        end=end,
        status=ConventionStatus.SIGNED,
        signed_on=start - datetime.timedelta(days=rng.randint(10, 40)),
    )
    covered = []
    for post in posts:
        joins = start
        if late_joins and rng.random() < LATE_JOIN_SHARE:
            joins = add_months(start, rng.randint(2, 12))
        covered.append(
            ConventionPost(
                convention=convention,
                post=post,
                in_qpv=structure.qpv and rng.random() < ZONED_POST_SHARE,
                in_zrr=structure.zrr and rng.random() < ZONED_POST_SHARE,
                start=joins,
                end=end,
            )
        )
    return {"convention": convention, "posts": covered, "scheme": scheme.as_schedule_scheme()}


def _save(plans: list[dict], rng: random.Random, today: datetime.date) -> dict:
    Convention.objects.bulk_create([plan["convention"] for plan in plans], batch_size=500)
    for plan in plans:
        for covered in plan["posts"]:
            covered.convention_id = covered.convention.pk
    ConventionPost.objects.bulk_create([c for plan in plans for c in plan["posts"]], batch_size=1000)
    instalments = []
    for plan in plans:
        convention = plan["convention"]
        departement = convention.structure.departement_id or ""
        for covered in plan["posts"]:
            for instalment in planned_instalments(covered, scheme=plan["scheme"], departement=departement):
                paid_on = instalment.due_on + datetime.timedelta(days=rng.randint(15, 60))
                if paid_on <= today:
                    instalment.status, instalment.paid_on = InstalmentStatus.PAID, paid_on
                instalments.append(instalment)
                convention.committed_amount += instalment.amount
    Instalment.objects.bulk_create(instalments, batch_size=2000)
    Convention.objects.bulk_update([plan["convention"] for plan in plans], ["committed_amount"], batch_size=500)
    summary = {
        "conventions": len(plans),
        "postes conventionnés": sum(len(plan["posts"]) for plan in plans),
        "versements": len(instalments),
    }
    audit.record_bulk(Convention, summary=summary, description="Conventions de démonstration")
    return summary


#: The December 2022 campaign: the degressive phase 2 terms offered to every phase 1 structure (DOMAIN.md).
CAMPAIGN_SENT = datetime.datetime(2022, 12, 15, 10, 0, tzinfo=datetime.UTC)
CAMPAIGN_DEADLINE = datetime.date(2023, 3, 31)
#: Share of the structures that did not re-engage which still answered (saying why); the others never answered.
NOT_RENEWING_ANSWER_SHARE = 0.35
CAMPAIGN_TERMS = (
    "Convention de 36 mois, subvention dégressive par poste : employeurs publics 17 500 €, 12 500 €, 12 500 € "
    "(+ 2 500 € la 1re année et + 5 000 € la 2e année en QPV ou ZRR) ; employeurs privés 20 000 €, 14 000 €, "
    "10 000 €. Vous pouvez garder votre conseiller ou en recruter un nouveau dans les 3 mois."
)


def demo_campaign_create(*, rng: random.Random) -> dict:
    """The renewal campaign of December 2022 as the demo's conventions tell it: every structure with a phase 1
    convention was concerned; those that re-engaged (a phase 2 convention) answered "renew" for their posts, a
    share of the others answered "not renew" with a reason, the rest never answered."""
    scheme = GrantScheme.objects.filter(phase=Phase.PHASE_2, employer_kind=EmployerKind.PUBLIC).first()
    campaign = Campaign.objects.create(
        name="Renouvellement 2023 — conditions dégressives",
        terms=CAMPAIGN_TERMS,
        scheme=scheme,
        deadline=CAMPAIGN_DEADLINE,
        sent_at=CAMPAIGN_SENT,
        site_url="http://127.0.0.1:8000",
    )
    phase_1 = Convention.objects.filter(phase=Phase.PHASE_1).order_by("structure_id")
    renewed = set(Convention.objects.filter(phase=Phase.PHASE_2).values_list("structure_id", flat=True))
    targets, responses = [], []
    for convention in phase_1.prefetch_related("posts"):
        posts = len(convention.posts.all())
        targets.append(
            CampaignTarget(
                campaign=campaign, structure_id=convention.structure_id, posts=posts, convention_end=convention.end
            )
        )
        answered_at = CAMPAIGN_SENT + datetime.timedelta(days=rng.randint(1, 100), hours=rng.randint(0, 8))
        if convention.structure_id in renewed:
            choice = rng.choices(list(AdvisorChoice), weights=[75, 15, 10])[0]
            responses.append(
                CampaignResponse(
                    campaign=campaign,
                    structure_id=convention.structure_id,
                    decision=CampaignDecision.RENEW,
                    posts_requested=posts,
                    advisor_choice=choice,
                    new_advisors={AdvisorChoice.KEEP: 0, AdvisorChoice.REPLACE: posts}.get(choice, min(1, posts)),
                    answered_at=answered_at,
                )
            )
        elif rng.random() < NOT_RENEWING_ANSWER_SHARE:
            responses.append(
                CampaignResponse(
                    campaign=campaign,
                    structure_id=convention.structure_id,
                    decision=CampaignDecision.NOT_RENEW,
                    reason=rng.choices(list(NonRenewalReason), weights=[45, 20, 15, 8, 8, 4])[0],
                    answered_at=answered_at,
                )
            )
    CampaignTarget.objects.bulk_create(targets, batch_size=1000)
    CampaignResponse.objects.bulk_create(responses, batch_size=1000)
    return {"campagne de renouvellement": len(targets), "réponses": len(responses)}
