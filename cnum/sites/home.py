"""Home panel of the sites (cnum.core.home): duplicates waiting for review and the import assistant, for whoever
reviews them (the programme team everywhere, a hub in its territory: sites.perms)."""

from django.urls import reverse

from cnum.core.formatting import number
from cnum.core.home import Figure, Link, Panel
from cnum.sites import perms
from cnum.sites.models import SiteDuplicateCandidate


def duplicates_panel(user) -> Panel | None:
    if not perms.can_review_duplicates(user):
        return None
    pending = perms.visible_duplicates(SiteDuplicateCandidate.objects.pending(), user).count()
    tasks = [Link("Examiner les doublons", reverse("sites:duplicates"))]
    if perms.can_import_sites(user):
        tasks.append(Link("Importer des lieux", reverse("sites:import_wizard")))
    return Panel(
        title="Lieux d'activité",
        order=35,
        figures=[Figure("doublons possibles à examiner", number(pending))],
        tasks=tasks,
    )


def connect() -> None:
    from cnum.core import home

    home.register(duplicates_panel)
