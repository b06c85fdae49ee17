"""Web imports too long for a request (cnum.core.views_imports): the confirmed import runs as a background task
whose page shows its progress, then the same report as the page would have."""

import shutil
from pathlib import Path

from cnum.core import imports, jobs

KIND = "import"


def run(*, job, progress) -> jobs.Outcome:
    """Import the file the person confirmed: the rows shown valid are imported, whatever others are rejected (as on
    the page). The task is atomic (cnum.core.jobs): interrupted, it leaves nothing and runs again from the start."""
    path = Path(job.params["path"])
    if not path.is_file():
        raise jobs.JobFailed("Le fichier déposé n'est plus disponible : déposez-le de nouveau sur la page d'import.")
    progress.unit = "lignes"
    report = imports.run_import(
        format_name=job.params["format"], path=path, dry_run=False, allow_partial=True, progress=progress
    )
    return jobs.Outcome(result={"report": report.as_dict(), "message": report.summary()})


def discard_file(job) -> None:
    """The uploaded file of a finished import (its folder of its own, cnum.core.views_imports)."""
    shutil.rmtree(Path(job.params["path"]).parent, ignore_errors=True)


def register() -> None:
    jobs.register(KIND, run, atomic=True, on_done=discard_file)
