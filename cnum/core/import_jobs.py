"""Web imports too long for a request (cnum.core.views_imports, the sites' assistant): the confirmed import runs as a
background task whose page shows its progress, then the same report as the page would have.

`params`: `path` (the uploaded file), `format` (an import format's name), `name` (the file's name as the person chose
it) and `options`, the importer's options exactly as the page would have passed them."""

import contextlib
import os
from pathlib import Path

from cnum.core import imports, jobs

KIND = "import"


def run(*, job, progress) -> jobs.Outcome:
    """Import the file the person confirmed, with the page's options. The task is atomic (cnum.core.jobs):
    interrupted, it leaves nothing and runs again from the start."""
    path = Path(job.params["path"])
    if not path.is_file():
        raise jobs.JobFailed("Le fichier déposé n'est plus disponible : déposez-le de nouveau sur la page d'import.")
    progress.unit = "lignes"
    report = imports.run_import(
        format_name=job.params["format"], path=path, dry_run=False, progress=progress, **job.params.get("options", {})
    )
    return jobs.Outcome(result={"report": report.as_dict(), "message": report.summary()})


def discard_file(job) -> None:
    """The uploaded file of a finished import, and its folder when it was the file's own (cnum.core.views_imports)."""
    path = Path(job.params["path"])
    path.unlink(missing_ok=True)
    with contextlib.suppress(OSError):  # a folder shared with other uploads is not empty, and stays
        os.rmdir(path.parent)


def register() -> None:
    jobs.register(KIND, run, atomic=True, on_done=discard_file)
