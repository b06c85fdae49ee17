import datetime

from cnum.funding.budget import portfolio, portfolio_assumptions
from tests.funding.factories import signed_convention


def test_assumptions_show_the_portfolio_the_convention_years_paid_and_the_published_estimate(reference):
    # Phase 2 pays at the end of each convention year, phase 1 at the start (grant-schemes.json).
    signed_convention(start=datetime.date(2024, 1, 1))  # year 2 due 31 Dec 2025: 12,500
    signed_convention(start=datetime.date(2024, 3, 1), association=True)  # year 1 due 28 Feb 2025: 20,000
    signed_convention(phase=1, start=datetime.date(2024, 6, 1))  # tranche 2 due 1 Jun 2025: 25,000
    signed_convention(start=datetime.date(2025, 3, 1))  # year 1 due in 2026: nothing in 2025

    posts = portfolio(fiscal_year=2025)
    assumptions = portfolio_assumptions(fiscal_year=2025, posts=posts, funded=1600)

    assert (assumptions["registry_posts"], assumptions["posts"]) == (4, 3)
    assert assumptions["average_need"] == (12_500 + 20_000 + 25_000) // 3
    assert assumptions["convention_years"] == [
        {"phase": 2, "year": 1, "posts": 1, "share": 33},
        {"phase": 2, "year": 2, "posts": 1, "share": 33},
        {"phase": 1, "year": 2, "posts": 1, "share": 33},
    ]
    timings = {(row["label"][:7], row["timing"], row["at_end"]) for row in assumptions["schemes"]}
    assert timings == {
        ("Phase 1", "En début d'année de convention", False),
        ("Phase 2", "En fin d'année de convention", True),
    }
    published = assumptions["published"]
    assert (published["posts_low"], published["posts_high"], published["within"]) == (1500, 1800, True)
    assert (published["need_low"], published["need_high"]) == (27_900_000 // 1800, 27_900_000 // 1500)
    assert portfolio_assumptions(fiscal_year=2025, posts=posts, funded=2000)["published"]["within"] is False


def test_assumptions_of_an_empty_year_without_published_estimate(reference):
    assumptions = portfolio_assumptions(fiscal_year=2027, posts=[], funded=0)
    assert assumptions["average_need"] is None
    assert assumptions["convention_years"] == []
    assert assumptions["published"] is None
