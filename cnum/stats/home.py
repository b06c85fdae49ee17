"""Home panel of the statistics (cnum.core.home): the key figures of the active role's own scope, this month and this
year, read from the rollups (whole calendar months), with a link to the full dashboard."""

import calendar
import datetime

from django.urls import reverse
from django.utils import timezone

from cnum.core.formatting import number, percent
from cnum.core.home import Figure, Link, Panel
from cnum.stats import engine, perms

MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip


def key_figures_panel(user) -> Panel | None:
    scope = perms.default_scope(user)
    if scope is None or not perms.can_view(user, scope):
        return None
    today = timezone.localdate()
    month_start = today.replace(day=1)
    month_end = today.replace(day=calendar.monthrange(today.year, today.month)[1])
    month = engine.figures(scope, month_start, month_end)
    year = engine.figures(scope, datetime.date(today.year, 1, 1), datetime.date(today.year, 12, 31))
    return Panel(
        title=f"Chiffres clés — {scope.label}",
        order=5,
        figures=[
            Figure(f"accompagnements en {MONTHS[today.month - 1]}", number(month["accompaniments"])),
            Figure(f"personnes accompagnées en {MONTHS[today.month - 1]}", number(month["beneficiaries"])),
            Figure(f"accompagnements en {today.year}", number(year["accompaniments"])),
            Figure(
                f"disent avoir progressé en {today.year}",
                percent(year["progressed_rate"]),
                "parmi les personnes à qui la question a été posée",
            ),
        ],
        more=Link("Toutes les statistiques", reverse("stats:dashboard")),
    )


def connect() -> None:
    from cnum.core import home

    home.register(key_figures_panel)
