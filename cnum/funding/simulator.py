"""The budget simulator, without the database: given the credits of a fiscal year and what each post needs in
that year, which posts a priority rule funds, which it does not, and where.

Every rule funds posts in its order of priority and stops at the first post the remaining credits do not cover:
a post of lower priority is never funded before one of higher priority. That is also what makes every rule
monotone: more credits never fund fewer posts, so "the cost of keeping N posts" is well defined (smallest
credits funding at least N). Rules are registered by name; a new rule is one decorated function.
"""

import datetime
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class PostNeed:
    """A post of the portfolio and the credits it needs in the simulated year (integer euros)."""

    post_id: int
    structure_id: int
    structure_name: str
    departement: str
    convention_start: datetime.date
    ongoing: bool  # its convention was already running when the year began
    in_zone: bool  # QPV or ZRR
    need: int


Selector = Callable[[Sequence[PostNeed], int], list[PostNeed]]


@dataclass(frozen=True)
class Rule:
    name: str
    label: str
    description: str
    select: Selector


RULES: dict[str, Rule] = {}


def register_rule(name: str, *, label: str, description: str) -> Callable[[Selector], Selector]:
    def decorator(select: Selector) -> Selector:
        RULES[name] = Rule(name=name, label=label, description=description, select=select)
        return select

    return decorator


def get_rule(name: str) -> Rule:
    try:
        return RULES[name]
    except KeyError:
        known = ", ".join(sorted(RULES))
        raise ValueError(f"Règle de priorité inconnue : {name!r} (règles : {known}).") from None


def _ongoing_order(post: PostNeed) -> tuple:
    return (not post.ongoing, post.convention_start, post.post_id)


def fund_in_order(posts: Sequence[PostNeed], credits: int) -> list[PostNeed]:
    """The longest prefix of `posts` whose needs the credits cover."""
    funded, spent = [], 0
    for post in posts:
        if spent + post.need > credits:
            break
        funded.append(post)
        spent += post.need
    return funded


@register_rule(
    "ongoing_first",
    label="Conventions en cours d'abord",
    description="Les postes dont la convention court déjà au 1er janvier, puis les autres, par date de début.",
)
def ongoing_first(posts: Sequence[PostNeed], credits: int) -> list[PostNeed]:
    return fund_in_order(sorted(posts, key=_ongoing_order), credits)


@register_rule(
    "zones_first",
    label="QPV et ZRR d'abord",
    description="Les postes en quartier prioritaire ou en zone rurale, puis les autres ; conventions en cours "
    "d'abord dans chaque groupe.",
)
def zones_first(posts: Sequence[PostNeed], credits: int) -> list[PostNeed]:
    return fund_in_order(sorted(posts, key=lambda post: (not post.in_zone, *_ongoing_order(post))), credits)


@register_rule(
    "proportional",
    label="Répartition proportionnelle par département",
    description="Chaque département reçoit une part des crédits proportionnelle à son besoin (arrondie à l'euro "
    "inférieur), puis finance ses postes, conventions en cours d'abord. Le reliquat n'est pas redistribué.",
)
def proportional(posts: Sequence[PostNeed], credits: int) -> list[PostNeed]:
    by_departement: dict[str, list[PostNeed]] = defaultdict(list)
    for post in posts:
        by_departement[post.departement].append(post)
    demand = sum(post.need for post in posts)
    if demand == 0:
        return list(posts)
    funded = []
    for departement_posts in by_departement.values():
        share = credits * sum(post.need for post in departement_posts) // demand
        funded += ongoing_first(departement_posts, share)
    return funded


@dataclass
class SimulationResult:
    rule: str
    credits: int
    funded: list[PostNeed]
    unfunded: list[PostNeed] = field(default_factory=list)

    @property
    def cost(self) -> int:
        return sum(post.need for post in self.funded)

    @property
    def demand(self) -> int:
        return self.cost + sum(post.need for post in self.unfunded)

    def by_departement(self) -> dict[str, dict[str, int]]:
        rows: dict[str, dict[str, int]] = defaultdict(lambda: {"funded": 0, "unfunded": 0, "cost": 0, "demand": 0})
        for post in self.funded:
            row = rows[post.departement]
            row["funded"] += 1
            row["cost"] += post.need
            row["demand"] += post.need
        for post in self.unfunded:
            rows[post.departement]["unfunded"] += 1
            rows[post.departement]["demand"] += post.need
        return dict(sorted(rows.items()))

    def structures_unfunded(self) -> list[dict]:
        """Structures losing at least one post, with how many they keep and lose."""
        kept = defaultdict(int)
        for post in self.funded:
            kept[post.structure_id] += 1
        lost: dict[int, dict] = {}
        for post in self.unfunded:
            row = lost.setdefault(
                post.structure_id,
                {"id": post.structure_id, "name": post.structure_name, "departement": post.departement, "lost": 0},
            )
            row["lost"] += 1
        for row in lost.values():
            row["kept"] = kept[row["id"]]
        return sorted(lost.values(), key=lambda row: (row["departement"], row["name"], row["id"]))


def simulate(portfolio: Sequence[PostNeed], *, credits: int, rule: str) -> SimulationResult:
    """Fund the portfolio's posts with `credits` under the named rule."""
    if credits < 0:
        raise ValueError("Les crédits ne peuvent être négatifs.")
    funded = get_rule(rule).select(portfolio, credits)
    funded_ids = {post.post_id for post in funded}
    unfunded = [post for post in portfolio if post.post_id not in funded_ids]
    return SimulationResult(rule=rule, credits=credits, funded=funded, unfunded=unfunded)


def cost_of_keeping(portfolio: Sequence[PostNeed], posts: int, *, rule: str) -> int | None:
    """The smallest credits with which the rule funds at least `posts` posts; None when the portfolio has fewer.

    A binary search over the credits, valid because every rule is monotone (see the module docstring).
    """
    if posts > len(portfolio):
        return None
    low, high = 0, sum(post.need for post in portfolio)
    while low < high:
        middle = (low + high) // 2
        if len(simulate(portfolio, credits=middle, rule=rule).funded) >= posts:
            high = middle
        else:
            low = middle + 1
    return low
