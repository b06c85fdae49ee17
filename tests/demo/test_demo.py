import pytest
from django.core.management import call_command
from django.urls import reverse

from cnum.accounts.enums import Role
from cnum.accounts.models import RoleAssignment, User
from cnum.advisors.models import Advisor, Contract, Team
from cnum.demo.accounts import DEMO_PASSWORD
from cnum.sites.models import Site
from cnum.structures.models import Post, Structure

pytestmark = pytest.mark.django_db(transaction=True)


def test_demo_builds_a_programme_shaped_registry_and_one_account_per_role(capsys, client):
    call_command("demo")
    call_command("demo_accounts")
    out = capsys.readouterr().out

    structures = Structure.objects.count()
    assert 2000 < structures < 2300  # the employers of the real 2022 export
    public_share = Structure.objects.public().count() / structures
    assert 0.55 <= public_share <= 0.65
    assert 1.2 <= Post.objects.count() / structures <= 1.5
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


def test_demo_reset_starts_again_from_scratch(capsys):
    call_command("demo")
    User.objects.filter(email="national@demo.cnum.fr").update(first_name="Modifié")
    first_names = list(Advisor.objects.order_by("pk").values_list("first_name", flat=True)[:20])
    call_command("demo", reset=True)
    assert User.objects.get(email="national@demo.cnum.fr").first_name == "Paul"
    assert list(Advisor.objects.order_by("pk").values_list("first_name", flat=True)[:20]) == first_names
