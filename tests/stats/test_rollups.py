"""The rollup tables stay equal to the activities through every write: random histories of recordings, edits,
deletions, merges, a structure moving and team memberships, written through the services; then, for random
scopes, periods and filters, the figures read from the rollups equal the live computation on the raw rows, and the
tables equal a rebuild from scratch."""

import datetime

import pytest
from django.core.cache import cache
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cnum.activities import services
from cnum.activities.enums import TagScope
from cnum.activities.models import Activity, Beneficiary, Tag
from cnum.stats import engine, indicators, rollups, rollups_sql
from cnum.stats.models import StatCell, StatPeople, StatTag
from cnum.stats.scopes import Filters, Scope, activities
from cnum.structures.enums import StructureType
from cnum.territories.models import Epci
from tests.activities.factories import BeneficiaryFactory, TagFactory
from tests.advisors.factories import ContractFactory, TeamFactory, TeamMembershipFactory
from tests.sites.factories import SiteFactory
from tests.structures.factories import HubFactory, NetworkFactory, StructureFactory
from tests.territories.factories import CommuneFactory, DepartementFactory

DAY = datetime.date(2024, 12, 1)  # activities from December 2024 to April 2025: across a year and quarters
PEOPLE = 2  # followed people per advisor
TAGS = 3  # the programme's, the private structure's (public), the public structure's (private to it)
PERIODS = [
    (None, None),
    (datetime.date(2025, 1, 1), datetime.date(2025, 12, 31)),
    (datetime.date(2025, 1, 1), datetime.date(2025, 3, 31)),
    (datetime.date(2025, 2, 1), datetime.date(2025, 2, 28)),
    (datetime.date(2025, 2, 1), datetime.date(2025, 4, 30)),  # whole months, not a calendar period
    (datetime.date(2025, 1, 15), datetime.date(2025, 3, 10)),  # any days: computed live
    (None, datetime.date(2025, 2, 28)),
]
FILTERS = [
    Filters(),
    Filters(type="collectif"),
    Filters(type="individuel"),
    Filters(place_type="a_distance"),
    Filters(employer_kind="public"),
    Filters(theme="email"),
    "tag",  # the world's first tag (its id is the world's): computed live
]
progress = st.sampled_from(["oui", "non", "non_demande"])
themes = st.lists(st.sampled_from(["email", "sante", "aide_aux_demarches_administratives"]), min_size=1, unique=True)


@st.composite
def activity_data(draw):
    collective = draw(st.booleans())
    values = {
        "type": "collectif" if collective else "individuel",
        "day": draw(st.integers(0, 150)),
        "remote": draw(st.booleans()),
        "themes": draw(themes),
        "duration": draw(st.sampled_from([15, 45, 90, 150])),
        "equipment": draw(st.lists(st.sampled_from(["ordinateur", "telephone"]), unique=True)),
        "tags": draw(st.lists(st.integers(0, TAGS - 1), unique=True, max_size=2)),
    }
    if collective:
        anonymous = draw(st.integers(0, 5))
        asked = draw(st.integers(0, anonymous))
        women = draw(st.integers(0, anonymous))
        values.update(
            listed=draw(st.lists(st.integers(0, PEOPLE - 1), unique=True, min_size=0 if anonymous else 1)),
            anonymous=anonymous,
            first_time=draw(st.integers(0, anonymous)),
            asked=asked,
            progressed=draw(st.integers(0, asked)),
            women=women,
        )
    else:
        values.update(person=draw(st.none() | st.integers(0, PEOPLE - 1)), answer=draw(progress))
        values["genre"] = draw(st.sampled_from(["feminin", "masculin", ""]))
    return values


operations = st.lists(
    st.one_of(
        st.tuples(st.just("record"), st.integers(0, 1), activity_data()),
        st.tuples(st.just("update"), st.integers(0, 20), activity_data()),
        st.tuples(st.just("delete"), st.integers(0, 20)),
        st.tuples(st.just("merge"), st.integers(0, 1)),
        st.tuples(st.just("move"), st.just(0)),
        st.tuples(st.just("join_team"), st.integers(0, 1)),
        st.tuples(st.just("join_network"), st.just(0)),
        # Tags attached and detached outside the services: activity.tags.add/remove/clear (the gateway's m2m path).
        st.tuples(st.just("tag"), st.integers(0, 20), st.integers(0, TAGS - 1)),
        st.tuples(st.just("untag"), st.integers(0, 20), st.integers(0, TAGS - 1)),
        st.tuples(st.just("clear_tags"), st.integers(0, 20)),
    ),
    min_size=1,
    max_size=10,
)


class World:
    def __init__(self):
        ain = DepartementFactory(code="01", name="Ain")
        epci = Epci.objects.get_or_create(siren="200046977", defaults={"name": "Métropole de Lyon", "kind": "ME"})[0]
        lyon = CommuneFactory()
        lyon.epci = epci
        lyon.save()
        self.hub = HubFactory()
        self.hub.departements.add(lyon.departement)
        self.network = NetworkFactory()
        public = StructureFactory(type=StructureType.COMMUNE, commune=lyon, departement=lyon.departement)
        private = StructureFactory(type=StructureType.ASSOCIATION, departement=ain)
        public.networks.add(self.network)
        self.structures = [public, private]
        self.advisors = [ContractFactory(structure=s).advisor for s in self.structures]
        self.team = TeamFactory(structure=public, coordinator=self.advisors[0])
        self.people = {
            a.pk: [BeneficiaryFactory(advisor=a, followed=True) for _ in range(PEOPLE)] for a in self.advisors
        }
        self.site = SiteFactory()
        self.tags = [
            TagFactory(),
            TagFactory(scope=TagScope.STRUCTURE, structure=private),
            TagFactory(scope=TagScope.STRUCTURE, structure=public, private=True),
        ]
        self.other = DepartementFactory(code="13", name="Bouches-du-Rhône", region__code="93")

    def data(self, advisor, values) -> dict:
        day = DAY + datetime.timedelta(days=values["day"])
        data = {
            "type": values["type"],
            "date": day,
            "duration_minutes": values["duration"],
            "place_type": "a_distance" if values["remote"] else "lieu_activite",
            "site": None if values["remote"] else self.site,
            "themes": values["themes"],
            "equipment": values["equipment"],
            # The tags drawn that this advisor may attach (the private one is the public structure's advisor's).
            "tags": list(
                Tag.objects.usable_by(advisor).filter(pk__in=[self.tags[i].pk for i in values.get("tags", ())])
            ),
        }
        people = self.people[advisor.pk]
        if values["type"] == "collectif":
            data.update(
                level="debutant",
                beneficiaries=[
                    people[i] for i in values["listed"] if Beneficiary.objects.filter(pk=people[i].pk).exists()
                ],
                anonymous_participants=values["anonymous"],
                anonymous_first_time=values["first_time"],
                anonymous_asked=values["asked"],
                anonymous_progressed=values["progressed"],
                anonymous_breakdown={"genre": {"feminin": values["women"]}},
            )
            if not data["beneficiaries"] and not values["anonymous"]:
                data["anonymous_participants"] = 1
        else:
            person = people[values["person"]] if values["person"] is not None else None
            if person is not None and not Beneficiary.objects.filter(pk=person.pk).exists():
                person = None
            data.update(beneficiary=person, progressed=values["answer"], genre=values["genre"])
        return data

    def apply(self, operation) -> None:
        kind, index, *rest = operation
        existing = list(Activity.objects.order_by("pk"))
        if kind == "record":
            advisor = self.advisors[index]
            services.activity_record(advisor=advisor, data=self.data(advisor, rest[0]))
        elif kind == "update" and existing:
            activity = existing[index % len(existing)]
            services.activity_update(activity=activity, data=self.data(activity.advisor, rest[0]))
        elif kind == "delete" and existing:
            services.activity_delete(activity=existing[index % len(existing)])
        elif kind == "merge":
            keep, merge = self.people[self.advisors[index].pk]
            if Beneficiary.objects.filter(pk__in=[keep.pk, merge.pk]).count() == 2:
                services.beneficiaries_merge(keep=keep, merge=merge)
        elif kind == "move":
            structure = self.structures[1]
            structure.departement = (
                self.other if structure.departement_id != self.other.pk else self.structures[0].departement
            )
            structure.type = (
                StructureType.EPCI if structure.type == StructureType.ASSOCIATION else StructureType.ASSOCIATION
            )
            structure.save()
        elif kind == "join_team":
            advisor = self.advisors[index]
            if not self.team.memberships.filter(advisor=advisor).exists():
                TeamMembershipFactory(team=self.team, advisor=advisor, start=DAY + datetime.timedelta(days=40))
        elif kind == "join_network":
            self.structures[1].networks.add(self.network)
        elif kind in ("tag", "untag") and existing:
            tags = existing[index % len(existing)].tags
            (tags.add if kind == "tag" else tags.remove)(self.tags[rest[0]])
        elif kind == "clear_tags" and existing:
            existing[index % len(existing)].tags.clear()

    def scopes(self) -> list[Scope]:
        public, private = self.structures
        return [
            Scope.parse("national"),
            Scope.parse("region:84"),
            Scope.parse("departement:69"),
            Scope.parse(f"departement:{private.departement_id}"),
            Scope.parse("epci:200046977"),
            Scope.parse("commune:69123"),
            Scope.parse(f"hub:{self.hub.pk}"),
            Scope.parse(f"network:{self.network.pk}"),
            Scope.parse(f"structure:{private.pk}"),
            Scope.parse(f"team:{self.team.pk}"),
            Scope.parse(f"advisor:{self.advisors[0].pk}"),
        ]


def table_rows() -> dict:
    return {
        model.__name__: sorted(model.objects.values_list(*model.KEY_FIELDS, *model.MEASURES))
        for model in (StatCell, StatPeople, StatTag)
    }


def without_computed(figures: dict) -> dict:
    return {key: value for key, value in figures.items() if key != "computed"}


@pytest.mark.django_db
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    ops=operations,
    checks=st.lists(st.tuples(st.integers(0, 10), st.integers(0, 6), st.integers(0, 6)), min_size=4, max_size=8),
)
def test_rollups_equal_live_figures_and_a_rebuild(ops, checks):
    with transaction.atomic():
        world = World()
        for operation in ops:
            world.apply(operation)
        scopes = world.scopes()
        for scope_index, period_index, filter_index in checks:
            scope, (since, until), filters = scopes[scope_index], PERIODS[period_index], FILTERS[filter_index]
            filters = Filters(tag=str(world.tags[0].pk)) if filters == "tag" else filters
            read = engine.figures(scope, since, until, filters)
            live = indicators.summary(activities(scope, since, until, filters))
            assert without_computed(read) == live, (str(scope), since, until, filters)
            if scope.kind in ("departement", "epci", "commune", "network"):
                counted = engine.counts_by(activities(scope, since, until, filters), "structure_id")
                assert engine.by_structure(scope, since, until, filters) == counted, str(scope)
        maintained = table_rows()
        rollups.rebuild()
        assert table_rows() == maintained
        rollups_sql.rebuild()
        assert table_rows() == maintained
        transaction.set_rollback(True)
        cache.clear()  # the tests' cache (LocMem) does not roll back with the example, as production's table does


@pytest.mark.django_db
def test_calendar_periods_read_people_from_the_rollups():
    world = World()
    world.apply(
        (
            "record",
            0,
            {
                "type": "individuel",
                "day": 71,  # 10 February 2025
                "remote": True,
                "themes": ["email"],
                "duration": 30,
                "equipment": [],
                "person": 0,
                "answer": "oui",
                "genre": "",
            },
        )
    )
    scope = Scope.parse("departement:69")
    assert engine.figures(scope)["computed"] == {"figures": "rollups", "people": "rollups"}
    year = engine.figures(scope, datetime.date(2025, 1, 1), datetime.date(2025, 12, 31))
    assert year["beneficiaries"] == 1 and year["computed"]["people"] == "rollups"
    spring = engine.figures(scope, datetime.date(2025, 2, 1), datetime.date(2025, 4, 30))
    assert spring["beneficiaries"] == 1 and spring["computed"] == {"figures": "rollups", "people": "live"}
    days = engine.figures(scope, datetime.date(2025, 2, 3), datetime.date(2025, 2, 20))
    assert days["activities"] == 1 and days["computed"] == {"figures": "live", "people": "live"}


def test_calendar_period_names():
    d = datetime.date
    assert engine.calendar_period(None, None) == "all"
    assert engine.calendar_period(d(2025, 1, 1), d(2025, 12, 31)) == "2025"
    assert engine.calendar_period(d(2025, 4, 1), d(2025, 6, 30)) == "2025-T2"
    assert engine.calendar_period(d(2025, 2, 1), d(2025, 2, 28)) == "2025-02"
    assert engine.calendar_period(d(2025, 2, 1), d(2025, 4, 30)) is None
    assert engine.calendar_period(d(2025, 1, 1), d(2025, 12, 30)) is None
    assert engine.calendar_period(d(2024, 12, 1), d(2025, 1, 31)) is None


@pytest.mark.django_db
def test_the_sql_rebuild_counts_a_person_once_per_period_across_months_years_and_types():
    world = World()
    base = {"remote": True, "themes": ["email"], "duration": 30, "equipment": []}
    individual = {**base, "type": "individuel", "person": 0, "answer": "oui", "genre": ""}
    collective = {
        **base,
        "type": "collectif",
        **dict(listed=[0], anonymous=0, first_time=0, asked=0, progressed=0, women=0),
    }
    # Person 0 of the first advisor: December 2024, then January (twice, both types), February and April 2025.
    for day, values in [(9, individual), (40, individual), (50, collective), (71, individual), (125, collective)]:
        world.apply(("record", 0, {**values, "day": day}))
    world.apply(("record", 0, {**collective, "day": 76, "listed": [1]}))  # person 1, February
    maintained = table_rows()
    rollups_sql.rebuild()
    assert table_rows() == maintained
    advisor = str(world.advisors[0].pk)
    counts = {
        (period, kind): count
        for period, kind, count in StatPeople.objects.filter(scope_kind="advisor", scope_code=advisor).values_list(
            "period", "type", "count"
        )
    }
    assert counts[("all", "")] == 2 and counts[("2024", "")] == 1 and counts[("2025", "")] == 2
    assert counts[("2025-T1", "")] == 2 and counts[("2025-T1", "individuel")] == 1
    assert counts[("2025-T1", "collectif")] == 2 and counts[("2025-T2", "")] == 1
    assert counts[("2025-01", "")] == 1 and counts[("2025-01", "individuel")] == 1


@pytest.mark.django_db
def test_the_rebuild_sorts_in_sqlites_default_cache_even_inside_a_loads_larger_one(monkeypatch):
    """Each sort of the rebuild may hold as much memory as SQLite's page cache: the recount of a history, at the end
    of its import, runs in the default cache, not the load's, and the load gets its own back."""
    from django.db import connection

    from cnum.core import bulk

    if connection.vendor != "sqlite":
        pytest.skip("SQLite's page cache")
    seen = []

    def cache_size():
        with connection.cursor() as cursor:
            return cursor.execute("PRAGMA cache_size").fetchone()[0]

    monkeypatch.setattr(
        rollups_sql, "STEPS", [*rollups_sql.STEPS, ("cache", lambda cursor: seen.append(cache_size()))]
    )
    with bulk.load_cache():
        rollups_sql.rebuild()
        assert cache_size() == -bulk.SQLITE_LOAD_CACHE_KIB
    assert seen == [-bulk.SQLITE_SORT_CACHE_KIB]


@pytest.mark.django_db
def test_the_rebuilds_fine_table_holds_its_measures_in_statcells_types():
    """The families sum the fine table's measures again: as counts (integers; the minutes a bigint), not as the
    numerics PostgreSQL gives a sum of counts, summed in numeric arithmetic (the cells twice as slow)."""
    from django.db import connection

    from tests.activities.factories import ActivityFactory

    if connection.vendor != "postgresql":
        pytest.skip("SQLite declares a table's columns by their affinity (INT), whatever their sums")
    ActivityFactory()
    with transaction.atomic(), connection.cursor() as cursor:
        rollups_sql._create_fine(cursor)
        cursor.execute(
            "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = %s::regclass "
            "AND attnum > 0",
            [rollups_sql.FINE],
        )
        types = dict(cursor.fetchall())
        transaction.set_rollback(True)
    assert {types[name].lower() for name in StatCell.MEASURES if name != "minutes"} == {"integer"}
    assert types["minutes"].lower() == "bigint"
