"""Random small histories: the indicators equal a recount from scratch over the raw rows, first accompaniments
included (recomputed here in Python, not read from the stored flags)."""

import datetime

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cnum.activities.enums import Progress
from cnum.activities.models import Activity
from cnum.activities.services import recompute_first_accompaniments
from cnum.stats import indicators
from tests.activities.factories import AccompanimentFactory, ActivityFactory, BeneficiaryFactory
from tests.advisors.factories import AdvisorFactory
from tests.structures.factories import StructureFactory

PEOPLE = 3
DAY = datetime.date(2025, 1, 1)
progress = st.sampled_from(Progress.values)


@st.composite
def workshop(draw):
    anonymous = draw(st.integers(0, 6))
    asked = draw(st.integers(0, anonymous))
    return {
        "type": "collectif",
        "day": draw(st.integers(0, 90)),
        "listed": draw(st.dictionaries(st.integers(0, PEOPLE - 1), progress, max_size=PEOPLE)),
        "anonymous": anonymous,
        "first_time": draw(st.integers(0, anonymous)),
        "asked": asked,
        "progressed": draw(st.integers(0, asked)),
    }


individual = st.fixed_dictionaries(
    {
        "type": st.just("individuel"),
        "day": st.integers(0, 90),
        "person": st.none() | st.integers(0, PEOPLE - 1),
        "progressed": progress,
    }
)
histories = st.lists(individual | workshop(), max_size=8)


def build(history):
    advisor, structure = AdvisorFactory(), StructureFactory()
    people = [BeneficiaryFactory(advisor=advisor, followed=True) for _ in range(PEOPLE)]
    for entry in history:
        common = {"advisor": advisor, "structure": structure, "date": DAY + datetime.timedelta(days=entry["day"])}
        if entry["type"] == "individuel":
            person = people[entry["person"]] if entry["person"] is not None else None
            ActivityFactory(**common, accompaniment__beneficiary=person, accompaniment__progressed=entry["progressed"])
            continue
        activity = ActivityFactory(
            **common,
            collective=True,
            anonymous_participants=entry["anonymous"],
            anonymous_first_time=entry["first_time"],
            anonymous_asked=entry["asked"],
            anonymous_progressed=entry["progressed"],
        )
        for index, answer in entry["listed"].items():
            AccompanimentFactory(activity=activity, beneficiary=people[index], progressed=answer)
    recompute_first_accompaniments([person.pk for person in people])


def recount(history, since: int, until: int) -> dict:
    """From the generated entries only: accompaniments, new people, progress, in days since..until included."""
    firsts = {}  # followed person -> (day, order) of their earliest accompaniment, over all time
    for order, entry in enumerate(history):
        met = [entry["person"]] if entry["type"] == "individuel" and entry["person"] is not None else []
        for person in met + (list(entry["listed"]) if entry["type"] == "collectif" else []):
            firsts[person] = min(firsts.get(person, (entry["day"], order)), (entry["day"], order))
    accompaniments = new = yes = asked = 0
    distinct = set()
    for order, entry in enumerate(history):
        if not since <= entry["day"] <= until:
            continue
        if entry["type"] == "individuel":
            answers = [entry["progressed"]]
            people = [entry["person"]] if entry["person"] is not None else [f"anonymous-{order}"]
        else:
            answers = list(entry["listed"].values())
            people = list(entry["listed"])
            accompaniments += entry["anonymous"]
            new += entry["first_time"]
            yes += entry["progressed"]
            asked += entry["asked"]
        accompaniments += len(people)
        distinct |= set(people)
        new += sum(1 for p in people if isinstance(p, str) or firsts[p] == (entry["day"], order))
        yes += answers.count(Progress.YES)
        asked += sum(1 for answer in answers if answer != Progress.NOT_ASKED)
    first_time = sum(e["first_time"] for e in history if e["type"] == "collectif" and since <= e["day"] <= until)
    return {
        "accompaniments": accompaniments,
        "new_beneficiaries": new,
        "beneficiaries": len(distinct) + first_time,
        "progressed_rate": yes / asked if asked else None,
    }


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=histories, bounds=st.tuples(st.integers(0, 90), st.integers(0, 90)))
def test_indicators_equal_a_recount_from_scratch(history, bounds):
    since, until = sorted(bounds)
    with transaction.atomic():
        build(history)
        activities = Activity.objects.filter(
            date__gte=DAY + datetime.timedelta(days=since), date__lte=DAY + datetime.timedelta(days=until)
        )
        computed = {
            "accompaniments": indicators.accompaniments(activities),
            "new_beneficiaries": indicators.new_beneficiaries(activities),
            "beneficiaries": indicators.beneficiaries(activities),
            "progressed_rate": indicators.progressed_rate(activities),
        }
        transaction.set_rollback(True)
    assert computed == recount(history, since, until)
