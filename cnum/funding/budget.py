"""The simulator's inputs and outputs in the database: the portfolio of a fiscal year (what each post needs
from the year's credits), the activity a set of posts carries, and saved scenarios.

The pure rules live in cnum.funding.simulator; this module only reads the ledger and the activity records.
"""

import datetime
import json
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from cnum.activities.models import Activity
from cnum.advisors.models import Contract
from cnum.funding.enums import CreditKind, PaymentTiming
from cnum.funding.models import GrantScheme, Instalment, SimulationScenario
from cnum.funding.simulator import PostNeed, SimulationResult, cost_of_keeping, simulate
from cnum.stats import indicators
from cnum.structures.enums import PostStatus
from cnum.structures.models import Post

IMPACT_DAYS = 365
#: What the budget debate said a year's credits would fund (reference file, beside the simulation of that year).
ESTIMATES_FILE = Path(__file__).resolve().parent / "reference" / "published-estimates.json"


def published_estimate(fiscal_year: int) -> dict | None:
    """The published estimate of `fiscal_year` (label, credits, posts_low, posts_high, source), or None."""
    estimates = json.loads(ESTIMATES_FILE.read_text(encoding="utf-8"))["estimates"]
    return next((estimate for estimate in estimates if estimate["year"] == fiscal_year), None)


def portfolio(*, fiscal_year: int, kind: str = CreditKind.CP) -> list[PostNeed]:
    """Every post needing credits in `fiscal_year`, with that need.

    CP: the instalments due in the year and not cancelled (paid or not: a paid one has consumed its credits).
    AE: the whole grant of the conventions signed in the year (their commitment), per post.
    A post covered by two conventions in the year (a phase 1 ending, its renewal starting) needs both.
    """
    instalments = Instalment.objects.not_cancelled()
    if kind == CreditKind.AE:
        instalments = instalments.filter(convention_post__convention__signed_on__year=fiscal_year)
    else:
        instalments = instalments.due_in(fiscal_year)
    rows = instalments.values_list(
        "amount",
        "convention_post__post_id",
        "convention_post__post__structure_id",
        "convention_post__post__structure__name",
        "convention_post__post__structure__departement_id",
        "convention_post__convention__start",
        "convention_post__in_qpv",
        "convention_post__in_zrr",
    )
    needs: dict[int, dict] = defaultdict(lambda: {"need": 0, "in_zone": False})
    for amount, post_id, structure_id, name, departement, start, in_qpv, in_zrr in rows.order_by():
        post = needs[post_id]
        post["need"] += amount
        post["in_zone"] |= in_qpv or in_zrr
        post.update(structure_id=structure_id, structure_name=name, departement=departement or "")
        post["convention_start"] = min(start, post.get("convention_start", start))
    year_start = datetime.date(fiscal_year, 1, 1)
    return [
        PostNeed(post_id=post_id, ongoing=post["convention_start"] < year_start, **post)
        for post_id, post in sorted(needs.items())
        if post["need"] > 0
    ]


def portfolio_assumptions(*, fiscal_year: int, posts: Sequence[PostNeed], funded: int) -> dict:
    """What a simulation of `fiscal_year` rests on, computed from the registry and the ledger: posts in the
    registry, posts needing credits and their average need, which year of which convention the year's instalments
    pay (a post paid for two conventions in the year counts under the later one), the schemes' payment timing and,
    when the budget debate gave one, the published estimate beside the `funded` posts of the simulation."""
    needing = {post.post_id for post in posts}
    latest: dict[int, tuple[int, int]] = {}
    rows = Instalment.objects.not_cancelled().due_in(fiscal_year).order_by()
    for post_id, phase, rank in rows.values_list(
        "convention_post__post_id", "convention_post__convention__phase", "rank"
    ):
        if post_id in needing:
            latest[post_id] = max(latest.get(post_id, (phase, rank)), (phase, rank))
    counts = Counter(latest.values())
    demand = sum(post.need for post in posts)
    published = published_estimate(fiscal_year)
    if published:
        published = published | {
            "need_high": published["credits"] // published["posts_low"],
            "need_low": published["credits"] // published["posts_high"],
            "within": published["posts_low"] <= funded <= published["posts_high"],
        }
    return {
        "registry_posts": Post.objects.filter(status=PostStatus.ACTIVE).count(),
        "posts": len(posts),
        "average_need": demand // len(posts) if posts else None,
        "convention_years": [
            {"phase": phase, "year": rank, "posts": n, "share": round(100 * n / len(latest))}
            for (phase, rank), n in sorted(counts.items(), key=lambda item: (-item[0][0], item[0][1]))
        ],
        "schemes": [
            {
                "label": scheme.label,
                "timing": scheme.get_payment_timing_display(),
                "at_end": scheme.payment_timing == PaymentTiming.END,
            }
            for scheme in GrantScheme.objects.order_by("phase", "employer_kind")
        ],
        "published": published,
    }


def impact_period(fiscal_year: int, *, today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The twelve months whose activity stands for the simulated year's: the year itself once it is over, else
    the twelve months up to today (the latest activity known for a year under way or to come)."""
    today = today or timezone.localdate()
    until = min(today, datetime.date(fiscal_year, 12, 31))
    return until - datetime.timedelta(days=IMPACT_DAYS - 1), until


def activity_impact(post_ids, *, fiscal_year: int | None = None, today: datetime.date | None = None) -> dict:
    """What the advisors holding these posts recorded over the twelve months of `impact_period`: the activity
    expected to be lost if the posts go (cnum.stats.indicators definitions). Without a fiscal year, the last twelve
    months."""
    today = today or timezone.localdate()
    since, until = impact_period(fiscal_year or today.year, today=today)
    advisors = Contract.objects.current(until).filter(post_id__in=list(post_ids)).values("advisor_id")
    activities = Activity.objects.filter(advisor_id__in=advisors, date__gte=since, date__lte=until)
    return {
        "advisors": advisors.count(),
        "activities": activities.count(),
        "accompaniments": indicators.accompaniments(activities),
        "beneficiaries": indicators.beneficiaries(activities),
        "since": since.isoformat(),
        "until": until.isoformat(),
    }


def result_summary(result: SimulationResult, *, fiscal_year: int, kind: str, today=None) -> dict:
    """The JSON snapshot of a simulation: what the CLI prints, the page shows and a scenario keeps."""
    funded, unfunded = len(result.funded), len(result.unfunded)
    return {
        "year": fiscal_year,
        "credits": result.credits,
        "kind": kind,
        "rule": result.rule,
        "posts": funded + unfunded,
        "posts_funded": funded,
        "posts_unfunded": unfunded,
        "cost": result.cost,
        "demand": result.demand,
        "unspent": result.credits - result.cost,
        "by_departement": result.by_departement(),
        "structures_unfunded": result.structures_unfunded(),
        "impact": activity_impact([post.post_id for post in result.unfunded], fiscal_year=fiscal_year, today=today),
    }


def simulation_run(
    *, fiscal_year: int, credits: int, rule: str, kind: str = CreditKind.CP, keep: int | None = None, today=None
) -> dict:
    """Simulate the year's credits over the current portfolio and summarise the outcome with its `assumptions`;
    with `keep`, also the credits needed to keep that many posts under the same rule (`keep_cost`, None if fewer
    posts need credits)."""
    posts = portfolio(fiscal_year=fiscal_year, kind=kind)
    summary = result_summary(
        simulate(posts, credits=credits, rule=rule), fiscal_year=fiscal_year, kind=kind, today=today
    )
    summary["assumptions"] = portfolio_assumptions(
        fiscal_year=fiscal_year, posts=posts, funded=summary["posts_funded"]
    )
    if keep is not None:
        summary["keep"] = keep
        summary["keep_cost"] = cost_of_keeping(posts, keep, rule=rule)
    return summary


@transaction.atomic
def scenario_save(*, name: str, results: dict, created_by=None) -> SimulationScenario:
    """Keep a simulation's inputs and results to compare it with others later."""
    return SimulationScenario.objects.create(
        name=name,
        fiscal_year=results["year"],
        credits=results["credits"],
        credit_kind=results["kind"],
        rule=results["rule"],
        results=results,
        created_by=created_by,
    )
