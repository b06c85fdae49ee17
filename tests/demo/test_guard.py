"""The demo installs only on an empty database or one it built (issue #15, finding 9): its accounts' password is
published, and --reset erases everything."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cnum.demo.models import DemoDatabase
from cnum.structures.models import Structure
from tests.accounts.factories import UserFactory
from tests.structures.factories import StructureFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("options", [{}, {"reset": True}, {"if_empty": True}, {"scale": "national"}])
def test_demo_refuses_a_database_holding_real_data(options):
    UserFactory(email="agent@prefecture.gouv.fr")
    StructureFactory(name="Commune de Villeurbanne")
    with pytest.raises(CommandError, match=r"n'est pas une base de démonstration : elle contient 1 comptes, 1 struct"):
        call_command("demo", **options)
    assert Structure.objects.get().name == "Commune de Villeurbanne"  # nothing erased, nothing added
    assert not DemoDatabase.objects.exists()


def test_demo_accounts_are_not_listed_on_a_database_that_is_not_a_demo(capsys):
    UserFactory(email="conseiller@demo.cnum.fr")
    call_command("demo_accounts")
    out = capsys.readouterr().out
    assert "n'est pas une base de démonstration" in out
    assert "cnum-demo" not in out


def test_a_marked_demo_database_may_be_built_again():
    DemoDatabase.objects.create(scale="small")
    StructureFactory()
    from cnum.demo.guard import demo_database_check

    demo_database_check()  # no error: the data are the demo's own
