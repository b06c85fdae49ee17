import pytest
from django.core.management import call_command
from django.urls import reverse

from cnum.accounts.enums import Role
from cnum.accounts.models import RoleAssignment, User
from cnum.core.models import AuditEvent
from cnum.demo.accounts import DEMO_PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_demo_creates_one_account_per_role_and_prints_them(capsys):
    call_command("demo")
    call_command("demo_accounts")
    out = capsys.readouterr().out
    assert set(RoleAssignment.objects.values_list("role", flat=True)) == set(Role.values)
    for user in User.objects.all():
        assert user.check_password(DEMO_PASSWORD)
        assert user.email in out
    assert DEMO_PASSWORD in out
    prefecture = RoleAssignment.objects.get(role=Role.PREFECTURE_DEPARTEMENT)
    assert str(prefecture.scope) == "Rhône (69)"


def test_demo_if_empty_keeps_existing_data_and_reset_starts_again(capsys):
    call_command("demo")
    national = User.objects.get(email="national@demo.cnum.fr")
    national.first_name = "Modifié"
    national.save()
    call_command("demo", if_empty=True)
    assert "déjà présentes" in capsys.readouterr().out
    assert User.objects.get(email="national@demo.cnum.fr").first_name == "Modifié"

    call_command("demo", reset=True)
    assert User.objects.get(email="national@demo.cnum.fr").first_name == "Paul"
    assert not AuditEvent.objects.filter(changes__first_name__1="Modifié").exists()


def test_demo_accounts_can_sign_in_and_the_multi_role_one_can_switch(client):
    call_command("demo")
    response = client.post(
        reverse("accounts:login"), {"username": "structure@demo.cnum.fr", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302
    page = client.get(reverse("core:dashboard")).content.decode()
    assert "Gestionnaire de structure" in page and "Changer de rôle" in page
