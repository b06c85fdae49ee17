import pytest
from django.core.management import call_command
from django.db.models import Count, Sum
from django.urls import reverse
from django.utils import timezone

from cnum.accounts.enums import Role
from cnum.accounts.models import RoleAssignment, User
from cnum.activities.enums import ActivityType
from cnum.activities.models import Accompaniment, Activity
from cnum.advisors.models import Advisor, Contract, Team
from cnum.demo.accounts import DEMO_PASSWORD
from cnum.demo.history import FIRST_MONTH
from cnum.funding.budget import simulation_run
from cnum.sites.models import Site
from cnum.structures.models import Post, Structure

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.demo]
SAMPLE = 0.1


def test_demo_builds_a_programme_shaped_registry_and_one_account_per_role_then_resets(capsys, client):
    """One build and one reset, each a reduced one (`sample`: the activities of a tenth of the structures' advisors,
    and of the demo accounts' structure): CI runs the suite on two engines."""
    call_command("demo", sample=SAMPLE)
    call_command("demo_accounts")
    out = capsys.readouterr().out

    structures = Structure.objects.count()
    # The employers of the real 2022 export, each once (the export repeats them), and of the later COSELEC waves.
    assert 2750 <= structures <= 3000
    assert 2000 < Structure.objects.filter(source="demo-cnfs-2022").count() < 2300
    public_share = Structure.objects.public().count() / structures
    assert 0.55 <= public_share <= 0.65
    assert 3800 <= Post.objects.count() <= 4200
    assert 1.2 <= Post.objects.count() / structures <= 1.5
    # PLF 2025: 28 M€ said to fund 1,500 to 1,800 advisors (DOMAIN.md); the demo's ledger agrees.
    simulation = simulation_run(fiscal_year=2025, credits=28_000_000, rule="ongoing_first")
    assert 1500 <= simulation["posts_funded"] <= 1800
    assert simulation["assumptions"]["published"]["within"]
    assert Site.objects.filter(source="conseiller-numerique").count() >= 0.99 * 4930
    france_services = Site.objects.filter(source="france-services")
    assert france_services.count() >= 2600
    assert all("France Services" in site.national_programmes for site in france_services[:50])
    assert Contract.objects.current().count() / Post.objects.count() > 0.75
    assert Team.objects.exists()

    assert set(RoleAssignment.objects.values_list("role", flat=True)) == set(Role.values)
    for assignment in RoleAssignment.objects.exclude(role__in=[Role.ADVISOR, Role.PROGRAMME_TEAM]):
        assert assignment.scope is not None, assignment
    for user in User.objects.all():
        assert user.check_password(DEMO_PASSWORD)
        assert user.email in out
    assert Advisor.objects.filter(user__email="conseiller@demo.cnum.fr").exists()

    assert_demo_activities()

    client.post(reverse("accounts:login"), {"username": "structure@demo.cnum.fr", "password": DEMO_PASSWORD})
    page = client.get(reverse("structures:list")).content.decode()
    manager = RoleAssignment.objects.get(role=Role.STRUCTURE_MANAGER)
    assert manager.scope.name in page
    assert "Changer de rôle" in page

    national = User.objects.get(email="national@demo.cnum.fr")
    national.first_name = "Modifié"
    national.save()
    call_command("demo", if_empty=True)
    assert "déjà présentes" in capsys.readouterr().out
    assert User.objects.get(email="national@demo.cnum.fr").first_name == "Modifié"

    # --reset starts again from scratch, and the same seed draws the same population.
    first_names = list(Advisor.objects.order_by("pk").values_list("first_name", flat=True)[:20])
    activities = activities_fingerprint()
    call_command("demo", reset=True, sample=SAMPLE)
    assert User.objects.get(email="national@demo.cnum.fr").first_name == "Paul"
    assert list(Advisor.objects.order_by("pk").values_list("first_name", flat=True)[:20]) == first_names
    assert activities_fingerprint() == activities


def assert_demo_activities():
    for email in ("conseiller@demo.cnum.fr", "coordinateur@demo.cnum.fr", "structure@demo.cnum.fr"):
        activities = Activity.objects.filter(advisor__user__email=email)
        types = dict(activities.values_list("type").annotate(n=Count("pk")))
        assert types.get(ActivityType.INDIVIDUAL, 0) > 50, email
        assert types.get(ActivityType.COLLECTIVE, 0) > 5, email
    dates = Activity.objects.order_by("date").values_list("date", flat=True)
    assert dates.first() >= FIRST_MONTH
    assert dates.last() <= timezone.localdate()
    total = Activity.objects.count()
    assert 0.12 <= Activity.objects.filter(type=ActivityType.COLLECTIVE).count() / total <= 0.22
    collective = Activity.objects.filter(type=ActivityType.COLLECTIVE)
    assert not collective.filter(anonymous_participants=0).exists()
    individual = Accompaniment.objects.filter(activity__type=ActivityType.INDIVIDUAL)
    assert 0.2 <= individual.filter(beneficiary__is_followed=False).count() / individual.count() <= 0.4
    august = Activity.objects.filter(date__month=8).count()
    october = Activity.objects.filter(date__month=10).count()
    assert august < 0.6 * october
    # First accompaniments: exactly one per person accompanied, the earliest.
    assert individual.filter(is_first=True).count() == individual.values("beneficiary").distinct().count()


def activities_fingerprint() -> tuple:
    rows = Activity.objects.order_by("pk").values_list("date", "type", "duration_minutes", "themes")
    totals = Activity.objects.aggregate(minutes=Sum("duration_minutes"), people=Sum("anonymous_participants"))
    return Activity.objects.count(), totals, list(rows[:200])
