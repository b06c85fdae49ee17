"""The statistics' long work as background tasks (cnum.core.jobs): the rollups rebuilt and verified, the open data
written, every night by itself (issue #22: /donnees-ouvertes/ publishes what it writes)."""

from django.conf import settings

from cnum.core import jobs, schedule

OPENDATA = "opendata_export"


def opendata_hour() -> int | None:
    """CNUM_OPENDATA_HOUR, the local hour of the nightly open data; None when it is empty (no schedule)."""
    value = str(settings.CNUM_OPENDATA_HOUR).strip()
    return int(value) if value else None


def register() -> None:
    # The rollups are rebuilt in one transaction with the task's "done": stopped half-way, nothing changes.
    jobs.register_command("stats_rebuild", label="Reconstruire les tables d'agrégats des statistiques", atomic=True)
    jobs.register_command("stats_verify", label="Vérifier les statistiques (recompte de toutes les activités)")
    # Files only, written anew each time: running it twice is harmless.
    jobs.register_command(OPENDATA, label="Régénérer les données ouvertes")
    schedule.daily(kind=OPENDATA, label="Données ouvertes de la nuit", hour=opendata_hour())
