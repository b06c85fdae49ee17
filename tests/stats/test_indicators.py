import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnum.activities.enums import Progress, Theme
from cnum.activities.models import Activity
from cnum.activities.services import recompute_first_accompaniments
from cnum.stats import indicators
from cnum.structures.enums import StructureType
from tests.activities.factories import AccompanimentFactory, ActivityFactory, BeneficiaryFactory
from tests.advisors.factories import AdvisorFactory
from tests.structures.factories import StructureFactory

JANUARY = datetime.date(2025, 1, 15)
MARCH = datetime.date(2025, 3, 10)


def march():
    return Activity.objects.filter(date__month=3)


@pytest.mark.django_db
def test_individual_anonymous_is_one_accompaniment_one_new_person():
    ActivityFactory()
    activities = Activity.objects.all()
    assert indicators.activities_count(activities) == 1
    assert indicators.accompaniments(activities) == 1
    assert indicators.beneficiaries(activities) == 1
    assert indicators.new_beneficiaries(activities) == 1
    assert indicators.progressed_rate(activities) is None


@pytest.mark.django_db
def test_followed_person_seen_twice_is_one_distinct_and_one_new():
    advisor = AdvisorFactory()
    person = BeneficiaryFactory(advisor=advisor, followed=True)
    first = ActivityFactory(advisor=advisor, date=JANUARY, accompaniment__beneficiary=person)
    ActivityFactory(advisor=advisor, date=MARCH, accompaniment__beneficiary=person, accompaniment__is_first=False)
    everything = Activity.objects.all()
    assert indicators.accompaniments(everything) == 2
    assert indicators.beneficiaries(everything) == 1
    assert indicators.new_beneficiaries(everything) == 1
    # In March alone: accompanied (distinct), but not new.
    assert indicators.beneficiaries(march()) == 1
    assert indicators.new_beneficiaries(march()) == 0
    # Moving the January session after March makes March's the first accompaniment (as services do on edit).
    Activity.objects.filter(pk=first.pk).update(date=datetime.date(2025, 5, 2))
    recompute_first_accompaniments([person.pk])
    assert indicators.new_beneficiaries(march()) == 1


@pytest.mark.django_db
def test_collective_counts_followed_and_anonymous_participants():
    workshop = ActivityFactory(
        collective=True, anonymous_participants=5, anonymous_first_time=3, anonymous_asked=4, anonymous_progressed=3
    )
    AccompanimentFactory(activity=workshop, followed=True, progressed=Progress.NO)
    AccompanimentFactory(activity=workshop, followed=True, is_first=False, progressed=Progress.NOT_ASKED)
    activities = Activity.objects.all()
    assert indicators.accompaniments(activities) == 2 + 5
    assert indicators.beneficiaries(activities) == 2 + 3
    assert indicators.new_beneficiaries(activities) == 1 + 3
    assert indicators.progressed_rate(activities) == 3 / 5
    assert indicators.individual_vs_collective(activities) == {
        "individuel": {"activities": 0, "accompaniments": 0, "share": 0},
        "collectif": {"activities": 1, "accompaniments": 7, "share": 100},
    }


@pytest.mark.django_db
def test_progress_rate_over_people_asked_only():
    ActivityFactory(accompaniment__progressed=Progress.YES)
    ActivityFactory(accompaniment__progressed=Progress.NO)
    ActivityFactory(accompaniment__progressed=Progress.NOT_ASKED)
    ActivityFactory(accompaniment__progressed=Progress.YES)
    assert indicators.progress_counts(Activity.objects.all()) == (2, 3)
    assert indicators.progressed_rate(Activity.objects.all()) == 2 / 3


@pytest.mark.django_db
def test_themes_months_departements_employers_and_hours():
    public = StructureFactory(type=StructureType.COMMUNE)
    private = StructureFactory(type=StructureType.ASSOCIATION, commune=None)
    ActivityFactory(structure=public, date=JANUARY, themes=[Theme.EMAIL, Theme.HEALTH], duration_minutes=45)
    ActivityFactory(structure=public, date=MARCH, themes=[Theme.EMAIL, Theme.EMAIL], duration_minutes=30)
    ActivityFactory(structure=private, date=MARCH, themes=[Theme.HEALTH], collective=True)
    activities = Activity.objects.all()
    assert indicators.by_theme(activities) == {"email": 2, "sante": 2}
    assert indicators.by_month(activities) == {
        "2025-01": {"activities": 1, "accompaniments": 1},
        "2025-03": {"activities": 2, "accompaniments": 6},
    }
    assert indicators.by_departement(activities) == {
        "69": {"activities": 2, "accompaniments": 2},
        "sans_departement": {"activities": 1, "accompaniments": 5},
    }
    assert indicators.by_employer_type(activities) == {
        "public": {"activities": 2, "accompaniments": 2, "share": 67},
        "private": {"activities": 1, "accompaniments": 5, "share": 33},
    }
    assert indicators.hours(activities) == 2.8  # 165 minutes


@pytest.mark.django_db
def test_empty_scope():
    figures = indicators.summary(Activity.objects.none())
    assert figures["activities"] == figures["accompaniments"] == figures["beneficiaries"] == 0
    assert figures["progressed_rate"] is None and figures["by_theme"] == {} and figures["hours"] == 0


def test_round_shares_examples():
    assert indicators.round_shares({"a": 1, "b": 1, "c": 1}) == {"a": 34, "b": 33, "c": 33}
    assert indicators.round_shares({"a": 0, "b": 0}) == {"a": 0, "b": 0}
    assert indicators.round_shares({"a": 2, "b": 1}) == {"a": 67, "b": 33}


@given(st.dictionaries(st.text(min_size=1, max_size=3), st.integers(min_value=0, max_value=10**6), max_size=12))
def test_round_shares_add_up_to_100_and_stay_within_one_point(counts):
    shares = indicators.round_shares(counts)
    assert shares.keys() == counts.keys()
    total = sum(counts.values())
    if total == 0:
        assert set(shares.values()) <= {0}
        return
    assert sum(shares.values()) == 100
    for key, value in counts.items():
        exact = value * 100 / total
        assert exact - 1 < shares[key] < exact + 1
        if value == 0:
            assert shares[key] == 0
