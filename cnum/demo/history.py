"""The small demo's activities: every advisor of the demo registry records at the programme's published pace, from
FIRST_MONTH to today, written in bulk by the national generator's writer (cnum.demo.national).

The pace (DOMAIN.md headline figures): 4.5 million accompaniments by ≈4,000 advisors since 2021, about 30 a month per
advisor, an accompaniment being one person in one activity (a workshop of 8 is 8 accompaniments). Not every advisor
records: SILENT_SHARE never do, and the others skip a month now and then (MONTHLY_RECORDING) and record more or less
(a spread of INTENSITY_SPREAD around the mean), so that accompaniments per *recording* advisor per month stay near
the published figure. Seasons, themes, places and workshops are the shapes of cnum.demo.activities, with a few more
workshops (COLLECTIVE_SHARE).

Earlier months have no activity at all rather than a thin history that would read as the programme's: the
`/demonstration/` page says which months the demo covers (FIRST_MONTH to today).
"""

import datetime
import math
import random
from collections import defaultdict

from cnum.activities.enums import PlaceType
from cnum.activities.models import Accompaniment, Activity, Beneficiary
from cnum.advisors.models import Contract, SiteAssignment
from cnum.demo import national
from cnum.structures.models import Structure

SOURCE = "demo"
#: The demo records from the first month of the last full year (2025) to today.
FIRST_MONTH = datetime.date(2025, 1, 1)
#: Written answer no. 2656 (Assemblée nationale, 2025-02-04): 4.5 M accompaniments by ≈4,000 advisors since 2021,
#: about 30 a month. Aimed a little below so that the build stays within three minutes (`stats` then reads ≈27 per
#: recording advisor, an advisor who records part of the year counting for the whole year).
ACCOMPANIMENTS_PER_MONTH = 28
#: Workshops among activities: a little more than the national dataset's 17 % (cnum.demo.activities), for as many
#: accompaniments in fewer rows, which keeps the build within three minutes.
COLLECTIVE_SHARE = 0.20
SILENT_SHARE = 0.05
MONTHLY_RECORDING = 0.88
INTENSITY_SPREAD = 0.45
#: Workshops: 3 to 12 anonymous participants (cnum.demo.national), sometimes a few followed people.
MEAN_WORKSHOP = 7.5 + national.FOLLOWED_IN_WORKSHOP * 2


def accompaniments_per_activity() -> float:
    """Expected accompaniments of one drawn activity: one for an individual one, the participants of a workshop."""
    return (1 - COLLECTIVE_SHARE) + COLLECTIVE_SHARE * MEAN_WORKSHOP


class DemoRegistry:
    """The demo registry's contracts and structures in the shape the national generator reads."""

    def __init__(self, *, first_day: datetime.date, last_day: datetime.date, structures=None):
        rows = Structure.objects.values_list("pk", "commune_id", "type")
        self.structures = {pk: {"commune": commune, "type": type_} for pk, commune, type_ in rows}
        sites = defaultdict(list)
        for advisor_id, site_id in SiteAssignment.objects.order_by("pk").values_list("advisor_id", "site_id"):
            sites[advisor_id].append(site_id)
        contracts = Contract.objects.filter(start__lte=last_day).exclude(end__lt=first_day).order_by("pk")
        if structures is not None:
            contracts = contracts.filter(structure_id__in=structures)
        self.contracts = [
            {"advisor": advisor, "structure": structure, "start": start, "end": end, "sites": sites[advisor]}
            for advisor, structure, start, end in contracts.values_list("advisor_id", "structure_id", "start", "end")
        ]


class DemoHistory(national.People):
    """The national generator's activities and people, at a pace per advisor rather than a total to spread."""

    def __init__(self, *, registry: DemoRegistry, writer, rng: random.Random, last_day: datetime.date, keep=()):
        self.prepare(registry=registry, writer=writer, rng=rng, first_month=FIRST_MONTH, last_day=last_day)
        self.source, self.collective_share = SOURCE, COLLECTIVE_SHARE
        self.keep = set(keep)  # structures whose advisors all record: the demo accounts'
        full_year = [len(national.month_days(datetime.date(2025, m, 1))) / 200 for m in range(1, 13)]
        # Activities a recording month of average weight needs for ACCOMPANIMENTS_PER_MONTH, months skipped included.
        self.rate = ACCOMPANIMENTS_PER_MONTH / accompaniments_per_activity() / MONTHLY_RECORDING
        self.rate /= sum(full_year) / len(full_year)
        # A lognormal of mean 1: most advisors near the pace, a few recording much more.
        self.mu = -(INTENSITY_SPREAD**2) / 2

    def write(self, progress=None) -> None:
        """Every contract's activities; `progress` (a tqdm bar) advances by one advisor."""
        if progress is not None:
            progress.total = len(self.registry.contracts)
            progress.refresh()
        for contract in self.registry.contracts:
            self._advisor(contract)
            if progress is not None:
                progress.update(1)
        self.writer.flush()

    def _advisor(self, contract: dict) -> int:
        rng, followed, written = self.rng, [], 0
        if rng.random() < SILENT_SHARE and contract["structure"] not in self.keep:
            return 0
        structure = self.registry.structures[contract["structure"]]
        intensity = rng.lognormvariate(self.mu, INTENSITY_SPREAD)
        self.names.new_advisor()
        for (month, days), share in zip(self.months, contract["shares"], strict=True):
            if share and rng.random() < MONTHLY_RECORDING:
                expected = self.rate * intensity * self.weight[month] * share
                written += self._month(contract, structure, days, expected, followed)
        return written

    def _place(self, contract, structure) -> tuple[str, int | None, int | None]:
        """At one of the advisor's sites when they have some; else remote, at home or elsewhere in the commune."""
        if contract["sites"] or structure["commune"] is None:
            if not contract["sites"]:
                return PlaceType.REMOTE.value, None, None
            return super()._place(contract, structure)
        roll = self.rng.random()
        if roll < 0.6:
            return PlaceType.OTHER.value, None, structure["commune"]
        if roll < 0.8:
            return PlaceType.HOME.value, None, structure["commune"]
        return PlaceType.REMOTE.value, None, None


def history_create(
    *, rng: random.Random, today: datetime.date, sample: float = 1.0, keep=(), progress=None
) -> dict[str, int]:
    """Write the activities, people and accompaniments of every advisor from FIRST_MONTH to `today`; with `sample`
    below 1, of the advisors of that share of the structures only (a lighter build for the test suite, at the same
    pace). The advisors of the structures `keep` (the demo accounts') are always there, and all record. Return the
    rows written per table; the caller rebuilds the rollups."""
    structures = None
    if sample < 1:
        pks = sorted(Structure.objects.values_list("pk", flat=True))
        structures = {*random.Random(rng.random()).sample(pks, math.ceil(sample * len(pks))), *keep}
    writer = national.BulkWriter()
    registry = DemoRegistry(first_day=FIRST_MONTH, last_day=today, structures=structures)
    DemoHistory(registry=registry, writer=writer, rng=rng, last_day=today, keep=keep).write(progress)
    national.sequences_reset([Activity, Beneficiary, Accompaniment])
    return dict(writer.written)
