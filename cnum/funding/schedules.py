"""Grant schedules, computed without the database: what a post receives, when, under a grant scheme.

DOMAIN.md "Funding rules": a scheme pays one tranche per year of the convention (phase 2: 36 months, degressive
amounts by employer kind, a bonus for posts in QPV or ZRR in years 1 and 2; phase 1: 24 or 18 months, overseas
amounts). The rules below are cnum's reading of them, documented in docs/funding.md:

- a tranche is paid in one instalment, due on the first day of its convention year (or on the day the post
  joins, if later) when the scheme pays in advance (`payment="start"`), or on the last day of the year (or the
  day the post leaves, if earlier) when it pays at the end of the year (`payment="end"`); the reference file
  says which;
- a post covered for only part of a convention year receives that year's amount pro rata by month:
  covered months / months of the tranche, rounded down to the euro, so never more than the full amount. The
  month a post joins in counts in full, as does the month it leaves in;
- no instalment falls outside the convention period.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Tranche:
    """One year of a scheme: how many months it covers and what it pays for them."""

    months: int
    amount: int
    zone_bonus: int = 0
    #: (département code, amount replacing `amount`), e.g. (("971", 35000),).
    overseas_amounts: tuple[tuple[str, int], ...] = ()

    def full_amount(self, *, in_zone: bool = False, departement: str = "") -> int:
        """The tranche for a post covered all year: the overseas amount if any, plus the QPV/ZRR bonus."""
        base = dict(self.overseas_amounts).get(departement, self.amount)
        return base + (self.zone_bonus if in_zone else 0)


PAYMENT_AT_START, PAYMENT_AT_END = "start", "end"


@dataclass(frozen=True)
class Scheme:
    code: str
    tranches: tuple[Tranche, ...]
    payment: str = PAYMENT_AT_START

    @property
    def duration_months(self) -> int:
        return sum(tranche.months for tranche in self.tranches)

    def total(self, *, in_zone: bool = False, departement: str = "") -> int:
        """What a post covered for the whole convention receives."""
        return sum(t.full_amount(in_zone=in_zone, departement=departement) for t in self.tranches)


@dataclass(frozen=True)
class ScheduledInstalment:
    rank: int
    due_on: datetime.date
    months: int
    amount: int
    full_amount: int


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later, on the month's last day when that month is shorter (31 Jan + 1 → 28 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    next_month = datetime.date(year + month // 12, month % 12 + 1, 1)
    last_day = (next_month - datetime.timedelta(days=1)).day
    return datetime.date(year, month, min(day.day, last_day))


def convention_end(start: datetime.date, scheme: Scheme) -> datetime.date:
    """The last day of a convention starting on `start`: the day before its duration has elapsed."""
    return add_months(start, scheme.duration_months) - datetime.timedelta(days=1)


def months_elapsed(start: datetime.date, day: datetime.date) -> int:
    """Whole months from `start` to `day` (0 in the first month of the convention)."""
    months = (day.year - start.year) * 12 + day.month - start.month
    while months > 0 and add_months(start, months) > day:
        months -= 1
    return months


def _months_started(start: datetime.date, day_after: datetime.date) -> int:
    """Convention months begun before `day_after`: a month begun is a month covered."""
    months = months_elapsed(start, day_after)
    return months + (1 if add_months(start, months) < day_after else 0)


def post_schedule(
    *,
    scheme: Scheme,
    convention_start: datetime.date,
    post_start: datetime.date | None = None,
    post_end: datetime.date | None = None,
    in_zone: bool = False,
    departement: str = "",
) -> list[ScheduledInstalment]:
    """The instalments of one post of a convention, covered from `post_start` to `post_end` (inclusive; by
    default the whole convention). Dates outside the convention are brought back inside it."""
    end = convention_end(convention_start, scheme)
    first_day = max(post_start or convention_start, convention_start)
    last_day = min(post_end or end, end)
    if first_day > last_day:
        return []
    covered_from = months_elapsed(convention_start, first_day)
    covered_until = _months_started(convention_start, last_day + datetime.timedelta(days=1))
    instalments, offset = [], 0
    for rank, tranche in enumerate(scheme.tranches, start=1):
        months = min(offset + tranche.months, covered_until) - max(offset, covered_from)
        if months > 0:
            full = tranche.full_amount(in_zone=in_zone, departement=departement)
            if scheme.payment == PAYMENT_AT_END:
                year_end = add_months(convention_start, offset + tranche.months) - datetime.timedelta(days=1)
                due_on = min(year_end, last_day)
            else:
                due_on = max(add_months(convention_start, offset), first_day)
            instalments.append(
                ScheduledInstalment(
                    rank=rank, due_on=due_on, months=months, amount=full * months // tranche.months, full_amount=full
                )
            )
        offset += tranche.months
    return instalments


def amounts_by_year(instalments: Iterable[ScheduledInstalment]) -> dict[int, int]:
    """Sum of the instalments due in each calendar (fiscal) year."""
    years: dict[int, int] = defaultdict(int)
    for instalment in instalments:
        years[instalment.due_on.year] += instalment.amount
    return dict(sorted(years.items()))
