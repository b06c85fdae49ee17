"""Only a demo database gets the demo: `demo` refuses a database holding accounts, structures or activities that it
did not make itself (they would be mixed with generated data, or erased by --reset, and given published passwords).
"""

from django.core.management.base import CommandError

from cnum.accounts.models import User
from cnum.activities.models import Activity
from cnum.demo.models import DemoDatabase
from cnum.structures.models import Structure


def is_demo_database() -> bool:
    return DemoDatabase.objects.exists()


def foreign_data() -> dict[str, int]:
    """What the database holds that is not reference data, by kind (empty: the database may become a demo)."""
    counts = {
        "comptes": User.objects.count(),
        "structures": Structure.objects.count(),
        "activités": Activity.objects.count(),
    }
    return {kind: count for kind, count in counts.items() if count}


def demo_database_check() -> None:
    """Raise CommandError, in French, unless the database is empty of data or was built by the demo."""
    if is_demo_database():
        return
    found = foreign_data()
    if found:
        held = ", ".join(f"{count} {kind}" for kind, count in found.items())
        raise CommandError(
            f"Cette base n'est pas une base de démonstration : elle contient {held}. La démonstration (et ses comptes "
            "au mot de passe publié) ne s'installe que sur une base vide ou déjà faite par `demo`. Choisissez une "
            "autre base : CNUM_SQLITE_PATH=var/demo.sqlite3 ou DATABASE_URL."
        )


def demo_database_mark(*, scale: str) -> None:
    DemoDatabase.objects.update_or_create(pk=1, defaults={"scale": scale})
