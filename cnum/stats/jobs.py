"""The statistics' long work as background tasks (cnum.core.jobs): the rollups rebuilt and verified, the open data
written, every night by itself (issue #22: /donnees-ouvertes/ publishes what it writes)."""

import logging

from django.conf import settings
from django.http import QueryDict

from cnum.core import jobs, schedule
from cnum.stats import exports, pending, presenter
from cnum.stats.forms import DashboardForm
from cnum.stats.scopes import Scope

logger = logging.getLogger("cnum.jobs")
OPENDATA = "opendata_export"
FICHE = "stats_fiche_pdf"


def fiche(*, job, progress) -> jobs.Outcome:
    """The dashboard's PDF fact sheet (the fiche territoriale) of the scope and filters asked, as a file."""
    scope = Scope.parse(job.params["scope"])
    # The tags its author may read (a tag filter is checked against them, as on the page).
    form = DashboardForm(QueryDict(job.params["query"]), user=job.started_by)
    if not form.is_valid():
        raise jobs.JobFailed("Période ou filtres invalides : revenez au tableau de bord pour les corriger.")
    since, until = form.period
    bar = progress(total=1, desc="Fiche PDF")
    path, relative = jobs.output_path(job, job.params["filename"])
    path.write_bytes(exports.fiche_pdf(presenter.build(scope, since, until, form.filters, user=job.started_by)))
    bar.update(1)
    return jobs.Outcome(result={"message": f"Fiche « {scope.label} » prête."}, file=relative)


def opendata_hour() -> int | None:
    """CNUM_OPENDATA_HOUR, the local hour of the nightly open data; None when it is empty (no schedule)."""
    value = str(settings.CNUM_OPENDATA_HOUR).strip()
    return int(value) if value else None


def count_pending() -> None:
    """At the task worker's start: the activities a dead process wrote but did not count (docs/adr/0009), counted
    even when no web worker runs to drain them."""
    counted = pending.drain()
    if counted:
        logger.info("%s activité(s) en attente comptée(s) au démarrage du service de tâches.", counted)


def register() -> None:
    # The rollups are rebuilt in one transaction with the task's "done": stopped half-way, nothing changes.
    jobs.register_command("stats_rebuild", label="Reconstruire les tables d'agrégats des statistiques", atomic=True)
    jobs.register_command("stats_verify", label="Vérifier les statistiques (recompte de toutes les activités)")
    # Files only, written anew each time: running it twice is harmless.
    jobs.register_command(OPENDATA, label="Régénérer les données ouvertes")
    jobs.register(FICHE, fiche)
    jobs.at_worker_start(count_pending)
    schedule.daily(kind=OPENDATA, label="Données ouvertes de la nuit", hour=opendata_hour())
