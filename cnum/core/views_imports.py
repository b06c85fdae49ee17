"""Upload page for file imports: analyse (dry run) first, show every rejected row, then apply on confirmation.

A file refused as a whole (unreadable, required columns missing) is never offered for confirmation: the page says
why and lists the columns the format expects. The uploaded file keeps its original name (in a folder of its own),
so the importers' messages and the audit trail name the file the user chose. A file of more than
CNUM_TASKS_ROWS_THRESHOLD rows is imported by a background task (cnum.core.import_jobs), whose page shows its progress
and ends on the same report.
"""

import shutil
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from cnum.core import import_jobs, imports, jobs
from cnum.core.forms import ImportUploadForm
from cnum.core.tabular import csv_bytes, xlsx_bytes

SESSION_KEY = "cnum_pending_imports"
REJECTED_SHOWN = 500
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _check(request):
    if not request.user.has_perm("core.import_files"):
        raise PermissionDenied


def _store(upload) -> tuple[str, Path]:
    """Write the upload under MEDIA_ROOT/imports/<token>/<its own name>; the token and the path."""
    token = uuid.uuid4().hex
    folder = Path(settings.MEDIA_ROOT) / "imports" / token
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / _file_name(upload.name)
    with path.open("wb") as destination:
        for chunk in upload.chunks():
            destination.write(chunk)
    return token, path


def _file_name(name: str) -> str:
    """The user's file name, as it was (spaces and accents kept), without any folder, NUL or "..": a name of its own
    inside a folder of its own."""
    name = Path(name.replace("\x00", "").replace("\\", "/")).name.strip()[-200:]
    return name if name.strip(".") else "fichier"


def _discard(path: Path) -> None:
    shutil.rmtree(path.parent, ignore_errors=True)


def _run(import_format, path: Path, *, dry_run: bool) -> imports.ImportReport:
    # The page imports the rows it showed as valid, whatever others are rejected (the command line chooses).
    return imports.run_import(format_name=import_format.name, path=path, dry_run=dry_run, allow_partial=True)


@login_required
def upload(request):
    _check(request)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        import_format, upload_file = form.cleaned_data["format"], form.cleaned_data["file"]
        token, path = _store(upload_file)
        report = _run(import_format, path, dry_run=True)
        if report.importable:
            pending = request.session.get(SESSION_KEY, {})
            pending[token] = {
                "path": str(path),
                "format": import_format.name,
                "name": upload_file.name,
                "rows": report.total,
            }
            request.session[SESSION_KEY] = pending
        else:
            _discard(path)
        return render(
            request,
            "core/imports/preview.html",
            {
                "title": "Fichier refusé" if report.refusal else "Analyse du fichier",
                "report": report,
                "token": token,
                "import_format": import_format,
                "file_name": upload_file.name,
                "rejected": report.rejected[:REJECTED_SHOWN],
            },
        )
    return render(
        request,
        "core/imports/upload.html",
        {"title": "Importer un fichier", "form": form, "formats": imports.formats()},
    )


@login_required
@require_POST
def confirm(request):
    _check(request)
    pending = request.session.get(SESSION_KEY, {})
    entry = pending.pop(request.POST.get("token", ""), None)
    request.session[SESSION_KEY] = pending
    if entry is None or not Path(entry["path"]).exists():
        return redirect("core:import_upload")
    path, import_format = Path(entry["path"]), imports.get_format(entry["format"])
    if entry.get("rows", 0) > settings.CNUM_TASKS_ROWS_THRESHOLD:
        job = jobs.start(
            kind=import_jobs.KIND,
            label=f"Import de « {entry['name']} » ({import_format.label})",
            user=request.user,
            # The page imports the rows it showed as valid, whatever others are rejected (as `_run`).
            params={
                "path": str(path),
                "format": import_format.name,
                "name": entry["name"],
                "options": {"allow_partial": True},
            },
        )
        return redirect("core:job_detail", job_id=job.pk)
    try:
        report = _run(import_format, path, dry_run=False)
    finally:
        _discard(path)
    return render(
        request,
        "core/imports/done.html",
        {
            "title": "Import refusé" if report.refusal else "Import terminé",
            "report": report,
            "file_name": entry["name"],
            "import_format": import_format,
            "rejected": report.rejected[:REJECTED_SHOWN],
        },
    )


@login_required
def template(request, name: str, extension: str):
    """The format's template file: its columns as the header, one example line."""
    try:
        import_format = imports.get_format(name)
    except KeyError:
        _check(request)
        raise Http404 from None
    if not import_format.readable_by(request.user):
        raise PermissionDenied
    if not import_format.has_template or extension not in ("csv", "xlsx"):
        raise Http404
    headers = [column.name for column in import_format.columns]
    rows = [[column.example for column in import_format.columns]]
    if extension == "csv":
        response = HttpResponse(csv_bytes(headers, rows), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(xlsx_bytes("Modèle", headers, rows), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="modele-{import_format.name}.{extension}"'
    return response
