"""Home panel of the sites (cnum.core.home): duplicates waiting for review, for whoever reviews them."""

from django.urls import reverse

from cnum.core.formatting import number
from cnum.core.home import Figure, Link, Panel
from cnum.sites.models import SiteDuplicateCandidate


def duplicates_panel(user) -> Panel | None:
    if not user.has_perm("sites.review_duplicates"):
        return None
    pending = SiteDuplicateCandidate.objects.pending().count()
    return Panel(
        title="Lieux d'activité",
        order=35,
        figures=[Figure("doublons possibles à examiner", number(pending))],
        tasks=[
            Link("Examiner les doublons", reverse("sites:duplicates")),
            Link("Importer des lieux", reverse("sites:import_wizard")),
        ],
    )


def connect() -> None:
    from cnum.core import home

    home.register(duplicates_panel)
