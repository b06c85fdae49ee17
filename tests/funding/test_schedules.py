"""Grant schedules against the published amounts (DOMAIN.md "Funding rules"), and their invariants."""

import datetime

from hypothesis import given
from hypothesis import strategies as st

from cnum.funding.schedules import Scheme, Tranche, add_months, amounts_by_year, convention_end, post_schedule

PHASE_2_PUBLIC = Scheme(
    code="phase2-public",
    tranches=(Tranche(12, 17500, 2500), Tranche(12, 12500, 5000), Tranche(12, 12500, 0)),
)
PHASE_2_PRIVATE = Scheme(code="phase2-private", tranches=(Tranche(12, 20000), Tranche(12, 14000), Tranche(12, 10000)))
OVERSEAS = (("971", 35000), ("972", 35000), ("973", 35000), ("974", 33750), ("976", 33750))
PHASE_1_PUBLIC = Scheme(
    code="phase1-public", tranches=(Tranche(12, 25000, 0, OVERSEAS), Tranche(12, 25000, 0, OVERSEAS))
)
PHASE_1_PRIVATE = Scheme(code="phase1-private", tranches=(Tranche(12, 21333), Tranche(6, 10667)))
SCHEMES = [PHASE_2_PUBLIC, PHASE_2_PRIVATE, PHASE_1_PUBLIC, PHASE_1_PRIVATE]
START = datetime.date(2024, 3, 1)


def amounts(**kwargs):
    return [instalment.amount for instalment in post_schedule(convention_start=START, **kwargs)]


def test_phase_2_public_in_qpv_is_50000_over_three_years():
    assert amounts(scheme=PHASE_2_PUBLIC, in_zone=True) == [20000, 17500, 12500]


def test_phase_2_public_without_zone_is_42500():
    assert amounts(scheme=PHASE_2_PUBLIC) == [17500, 12500, 12500]


def test_phase_2_private_is_44000_and_gets_no_zone_bonus():
    assert amounts(scheme=PHASE_2_PRIVATE) == [20000, 14000, 10000]
    assert amounts(scheme=PHASE_2_PRIVATE, in_zone=True) == [20000, 14000, 10000]


def test_phase_1_public_is_50000_over_24_months():
    schedule = post_schedule(scheme=PHASE_1_PUBLIC, convention_start=datetime.date(2021, 5, 1))
    assert sum(i.amount for i in schedule) == 50000
    assert convention_end(datetime.date(2021, 5, 1), PHASE_1_PUBLIC) == datetime.date(2023, 4, 30)
    assert [i.due_on for i in schedule] == [datetime.date(2021, 5, 1), datetime.date(2022, 5, 1)]


def test_phase_1_overseas_amounts():
    assert sum(amounts(scheme=PHASE_1_PUBLIC, departement="972")) == 70000
    assert sum(amounts(scheme=PHASE_1_PUBLIC, departement="976")) == 67500
    assert sum(amounts(scheme=PHASE_1_PUBLIC, departement="69")) == 50000


def test_phase_1_private_is_32000_over_18_months():
    assert sum(amounts(scheme=PHASE_1_PRIVATE)) == 32000
    assert convention_end(START, PHASE_1_PRIVATE) == datetime.date(2025, 8, 31)


def test_a_post_joining_mid_year_gets_the_rest_of_that_year_pro_rata():
    schedule = post_schedule(scheme=PHASE_2_PUBLIC, convention_start=START, post_start=datetime.date(2024, 9, 15))
    # Joins in the 7th month of year 1: months 7 to 12, 6/12 of 17,500; then full years.
    assert [(i.rank, i.months, i.amount) for i in schedule] == [(1, 6, 8750), (2, 12, 12500), (3, 12, 12500)]
    assert schedule[0].due_on == datetime.date(2024, 9, 15)


def test_a_post_leaving_early_stops_its_schedule():
    schedule = post_schedule(scheme=PHASE_2_PRIVATE, convention_start=START, post_end=datetime.date(2025, 5, 10))
    assert [(i.rank, i.months, i.amount) for i in schedule] == [(1, 12, 20000), (2, 3, 3500)]


def test_a_scheme_paying_at_the_end_of_each_year():
    scheme = Scheme(code="arrears", tranches=PHASE_2_PUBLIC.tranches, payment="end")
    schedule = post_schedule(scheme=scheme, convention_start=START, post_end=datetime.date(2026, 6, 10))
    assert [(i.due_on, i.amount) for i in schedule] == [
        (datetime.date(2025, 2, 28), 17500),
        (datetime.date(2026, 2, 28), 12500),
        (datetime.date(2026, 6, 10), 12500 * 4 // 12),
    ]


def test_amounts_by_year():
    schedule = post_schedule(scheme=PHASE_2_PUBLIC, convention_start=START)
    assert amounts_by_year(schedule) == {2024: 17500, 2025: 12500, 2026: 12500}


def test_add_months_keeps_the_last_day_of_shorter_months():
    assert add_months(datetime.date(2024, 1, 31), 1) == datetime.date(2024, 2, 29)
    assert add_months(datetime.date(2023, 11, 30), 3) == datetime.date(2024, 2, 29)


dates = st.dates(min_value=datetime.date(2020, 1, 1), max_value=datetime.date(2030, 12, 31))


@given(
    scheme=st.sampled_from(SCHEMES + [Scheme(code="arrears", tranches=PHASE_2_PRIVATE.tranches, payment="end")]),
    start=dates,
    in_zone=st.booleans(),
    departement=st.sampled_from(["69", "971", "974"]),
)
def test_a_post_covered_all_along_receives_the_scheme_total(scheme, start, in_zone, departement):
    schedule = post_schedule(scheme=scheme, convention_start=start, in_zone=in_zone, departement=departement)
    assert sum(i.amount for i in schedule) == scheme.total(in_zone=in_zone, departement=departement)


@given(
    scheme=st.sampled_from(SCHEMES + [Scheme(code="arrears", tranches=PHASE_2_PRIVATE.tranches, payment="end")]),
    start=dates,
    join=st.integers(min_value=-400, max_value=1200),
    stay=st.integers(min_value=0, max_value=1200),
    in_zone=st.booleans(),
)
def test_no_payment_outside_the_convention_and_pro_rata_never_exceeds_the_full_amount(
    scheme, start, join, stay, in_zone
):
    post_start = start + datetime.timedelta(days=join)
    post_end = post_start + datetime.timedelta(days=stay)
    end = convention_end(start, scheme)
    schedule = post_schedule(
        scheme=scheme, convention_start=start, post_start=post_start, post_end=post_end, in_zone=in_zone
    )
    for instalment in schedule:
        assert start <= instalment.due_on <= end
        assert max(post_start, start) <= instalment.due_on <= post_end
        assert 0 <= instalment.amount <= instalment.full_amount
        assert instalment.months <= scheme.tranches[instalment.rank - 1].months
    assert sum(i.amount for i in schedule) <= scheme.total(in_zone=in_zone)
    ranks = [i.rank for i in schedule]
    assert ranks == sorted(set(ranks))
