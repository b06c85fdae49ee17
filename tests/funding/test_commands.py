import datetime
import io
import json

import pytest
from django.core.management import call_command
from django.utils import timezone

from cnum.core.models import AuditEvent
from cnum.funding.enums import InstalmentStatus
from cnum.funding.models import BudgetLine, GrantScheme, GrantSchemeTranche, Instalment, SimulationScenario
from cnum.structures.enums import PostStatus
from cnum.structures.models import Post
from tests.activities.factories import ActivityFactory
from tests.advisors.factories import ContractFactory
from tests.funding.factories import signed_convention


def run(*args, **options) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, **options)
    return out.getvalue()


@pytest.mark.django_db
def test_reference_loader_reads_the_files_and_is_idempotent():
    first = run("load_funding_reference")
    assert "0 mis à jour" in first
    assert BudgetLine.objects.get(fiscal_year=2025, version="plf").cp == 27_900_000
    assert BudgetLine.objects.get(fiscal_year=2025, version="final").cp == 40_000_000
    assert GrantScheme.objects.get(code="phase2-public").duration_months == 36
    events, rows = AuditEvent.objects.count(), (BudgetLine.objects.count(), GrantSchemeTranche.objects.count())

    assert "0 créés, 0 mis à jour" in run("load_funding_reference")
    assert AuditEvent.objects.count() == events
    assert (BudgetLine.objects.count(), GrantSchemeTranche.objects.count()) == rows
    assert "rien à faire" in run("load_funding_reference", if_empty=True)

    BudgetLine.objects.filter(fiscal_year=2026).update(cp=1)
    assert "1 mis à jour" in run("load_funding_reference")
    assert BudgetLine.objects.get(fiscal_year=2026).cp == 14_000_000


@pytest.fixture
def portfolio(reference):
    """2025 needs (phase 2 pays at the end of each convention year): two posts in year 2 since January 2024, a
    public one (12,500) and a private one (14,000), and a public post in year 1 since December 2024 (17,500)."""
    start_2024 = datetime.date(2024, 1, 1)
    public = signed_convention(start=start_2024)
    private = signed_convention(start=start_2024, association=True)
    signed_convention(start=datetime.date(2024, 12, 1))
    contract = ContractFactory(
        structure=private.structure, post=private.posts.get().post, start=datetime.date(2024, 1, 1)
    )
    # Recorded in the simulated year: the activity a simulation of 2025 exposes is 2025's.
    for _ in range(3):
        ActivityFactory(advisor=contract.advisor, structure=private.structure, date=datetime.date(2025, 6, 15))
    return public, private


def simulate_json(*args) -> dict:
    return json.loads(run("budget_simulate", "--year", "2025", "--json", *args))


def test_budget_simulate_prints_the_results_as_json(portfolio):
    public, private = portfolio
    results = simulate_json("--credits", "27000")
    assert {"posts_funded", "posts_unfunded", "cost", "by_departement", "rule", "year", "credits"} <= set(results)
    assert {"structures_unfunded", "impact"} <= set(results)
    # Ongoing first, oldest first: the public post (12,500), then the private one (14,000); the third does not fit.
    assert (results["posts_funded"], results["posts_unfunded"], results["cost"]) == (2, 1, 26500)
    assert results["by_departement"] == {"69": {"funded": 2, "unfunded": 1, "cost": 26500, "demand": 44000}}
    assert results["impact"]["accompaniments"] == 0

    results = simulate_json("--credits", "20000", "--rule", "zones_first")
    assert results["posts_funded"] == 1
    lost = {row["id"] for row in results["structures_unfunded"]}
    assert private.structure_id in lost
    assert results["impact"] == results["impact"] | {"advisors": 1, "accompaniments": 3, "beneficiaries": 3}


def test_budget_simulate_gives_the_cost_of_keeping_n_posts(portfolio):
    assert simulate_json("--credits", "0", "--keep", "2")["keep_cost"] == 26500
    assert simulate_json("--credits", "0", "--keep", "4")["keep_cost"] is None
    assert "Maintenir 3 poste(s) : 44000 €." in run(
        "budget_simulate", "--year", "2025", "--credits", "0", "--keep", "3"
    )


def test_budget_simulate_counts_commitments_with_kind_ae(portfolio):
    signed_convention(start=datetime.date(2025, 3, 1))
    results = simulate_json("--credits", "100000", "--kind", "ae")
    # Only the convention signed in 2025 commits credits in 2025: 42,500 €.
    assert (results["posts_funded"], results["cost"]) == (1, 42500)


def test_budget_simulate_saves_a_scenario(portfolio):
    out = run("budget_simulate", "--year", "2025", "--credits", "27000", "--save", "PLF 2025")
    assert "2 poste(s) financé(s)" in out and "enregistré" in out
    scenario = SimulationScenario.objects.get()
    assert (scenario.name, scenario.fiscal_year, scenario.credits, scenario.rule) == (
        "PLF 2025",
        2025,
        27000,
        "ongoing_first",
    )
    assert scenario.results["posts_funded"] == 2


@pytest.fixture
def flagged_post(reference):
    vacant_since = timezone.localdate() - datetime.timedelta(days=250)
    start = timezone.localdate().replace(day=1) - datetime.timedelta(days=400)
    return signed_convention(start=start, post_kwargs={"vacant_since": vacant_since}).posts.get().post


def test_apply_post_returns_dry_run_writes_nothing(flagged_post):
    events = AuditEvent.objects.count()
    out = run("apply_post_returns", dry_run=True)
    assert "1 poste(s) vacant(s)" in out and "aucune modification" in out
    flagged_post.refresh_from_db()
    assert flagged_post.status == PostStatus.ACTIVE
    assert not Instalment.objects.filter(status=InstalmentStatus.CANCELLED).exists()
    assert AuditEvent.objects.count() == events


def test_apply_post_returns_returns_the_post_and_cancels_its_future_instalments(flagged_post):
    out = run("apply_post_returns")
    assert "1 poste(s) rendu(s)" in out
    assert Post.objects.get(pk=flagged_post.pk).status == PostStatus.RETURNED
    assert Instalment.objects.filter(status=InstalmentStatus.CANCELLED, due_on__gt=timezone.localdate()).exists()
    assert not Instalment.objects.filter(status=InstalmentStatus.PLANNED, due_on__gt=timezone.localdate()).exists()
    assert AuditEvent.objects.filter(actor_label="commande apply_post_returns").exists()
