"""The simulator's rules, without the database."""

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnum.funding.simulator import RULES, PostNeed, cost_of_keeping, simulate

JAN_2023, JAN_2025 = datetime.date(2023, 1, 1), datetime.date(2025, 2, 1)


def need(post_id, amount, *, departement="69", ongoing=True, in_zone=False, start=JAN_2023, structure_id=None):
    return PostNeed(
        post_id=post_id,
        structure_id=structure_id or post_id,
        structure_name=f"Structure {structure_id or post_id}",
        departement=departement,
        convention_start=start,
        ongoing=ongoing,
        in_zone=in_zone,
        need=amount,
    )


PORTFOLIO = [
    need(1, 20000, ongoing=False, start=JAN_2025, in_zone=True),
    need(2, 12500, start=datetime.date(2023, 6, 1)),
    need(3, 10000, start=datetime.date(2023, 3, 1), departement="13"),
    need(4, 17500, start=datetime.date(2024, 1, 1), in_zone=True, departement="13"),
]


def funded_ids(credits, rule):
    return [post.post_id for post in simulate(PORTFOLIO, credits=credits, rule=rule).funded]


def test_ongoing_first_funds_running_conventions_oldest_first_and_stops_at_the_first_uncovered_post():
    assert funded_ids(40000, "ongoing_first") == [3, 2, 4]
    # 3 and 2 cost 22,500; 4 (17,500) does not fit in 30,000: nothing after it is funded either.
    assert funded_ids(30000, "ongoing_first") == [3, 2]


def test_zones_first_funds_qpv_and_zrr_posts_first():
    assert funded_ids(40000, "zones_first") == [4, 1]


def test_proportional_shares_credits_by_departement_demand():
    # Demand: 69 = 32,500, 13 = 27,500 (60,000). With 30,000: 69 gets 16,250, 13 gets 13,750.
    result = simulate(PORTFOLIO, credits=30000, rule="proportional")
    assert sorted(post.post_id for post in result.funded) == [2, 3]
    assert result.by_departement() == {
        "13": {"funded": 1, "unfunded": 1, "cost": 10000, "demand": 27500},
        "69": {"funded": 1, "unfunded": 1, "cost": 12500, "demand": 32500},
    }


def test_result_lists_the_structures_losing_posts():
    portfolio = [need(1, 100, structure_id=7), need(2, 100, structure_id=7), need(3, 100, structure_id=8)]
    result = simulate(portfolio, credits=100, rule="ongoing_first")
    assert result.cost == 100
    assert result.structures_unfunded() == [
        {"id": 7, "name": "Structure 7", "departement": "69", "lost": 1, "kept": 1},
        {"id": 8, "name": "Structure 8", "departement": "69", "lost": 1, "kept": 0},
    ]


def test_cost_of_keeping_n_posts():
    assert cost_of_keeping(PORTFOLIO, 2, rule="ongoing_first") == 22500
    assert cost_of_keeping(PORTFOLIO, 0, rule="ongoing_first") == 0
    assert cost_of_keeping(PORTFOLIO, 4, rule="zones_first") == 60000
    assert cost_of_keeping(PORTFOLIO, 5, rule="ongoing_first") is None


def test_unknown_rule_is_refused():
    with pytest.raises(ValueError, match="inconnue"):
        simulate(PORTFOLIO, credits=1, rule="au_hasard")


post_needs = st.lists(
    st.builds(
        need,
        post_id=st.integers(min_value=1, max_value=10**6),
        amount=st.integers(min_value=1, max_value=60000),
        departement=st.sampled_from(["01", "13", "69", "971"]),
        ongoing=st.booleans(),
        in_zone=st.booleans(),
        start=st.dates(min_value=datetime.date(2021, 1, 1), max_value=datetime.date(2025, 4, 30)),
    ),
    max_size=40,
    unique_by=lambda post: post.post_id,
)


@given(
    portfolio=post_needs, rule=st.sampled_from(sorted(RULES)), low=st.integers(0, 10**6), extra=st.integers(0, 10**6)
)
def test_more_credits_never_fund_fewer_posts(portfolio, rule, low, extra):
    fewer = simulate(portfolio, credits=low, rule=rule)
    more = simulate(portfolio, credits=low + extra, rule=rule)
    assert len(more.funded) >= len(fewer.funded)
    assert fewer.cost <= low and more.cost <= low + extra
    assert len(fewer.funded) + len(fewer.unfunded) == len(portfolio)


@given(portfolio=post_needs, rule=st.sampled_from(sorted(RULES)))
def test_the_whole_demand_funds_every_post(portfolio, rule):
    result = simulate(portfolio, credits=sum(post.need for post in portfolio), rule=rule)
    assert result.unfunded == []
