"""Upload page for file imports: analyse (dry run) first, show every rejected row, then apply on confirmation."""

import uuid
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from cnum.core import imports
from cnum.core.forms import ImportUploadForm

SESSION_KEY = "cnum_pending_imports"
REJECTED_SHOWN = 500


def _check(request):
    if not request.user.has_perm("core.import_files"):
        raise PermissionDenied


def _upload_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


@login_required
def upload(request):
    _check(request)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        import_format = form.cleaned_data["format"]
        token = uuid.uuid4().hex
        path = _upload_dir() / f"{token}{Path(form.cleaned_data['file'].name).suffix.lower()}"
        with path.open("wb") as destination:
            for chunk in form.cleaned_data["file"].chunks():
                destination.write(chunk)
        report = imports.run_import(format_name=import_format.name, path=path, dry_run=True)
        pending = request.session.get(SESSION_KEY, {})
        pending[token] = {"path": str(path), "format": import_format.name, "name": form.cleaned_data["file"].name}
        request.session[SESSION_KEY] = pending
        return render(
            request,
            "core/imports/preview.html",
            {
                "title": "Analyse du fichier",
                "report": report,
                "token": token,
                "import_format": import_format,
                "file_name": form.cleaned_data["file"].name,
                "rejected": report.rejected[:REJECTED_SHOWN],
            },
        )
    return render(request, "core/imports/upload.html", {"title": "Importer un fichier", "form": form})


@login_required
@require_POST
def confirm(request):
    _check(request)
    pending = request.session.get(SESSION_KEY, {})
    entry = pending.pop(request.POST.get("token", ""), None)
    request.session[SESSION_KEY] = pending
    if entry is None or not Path(entry["path"]).exists():
        return redirect("core:import_upload")
    path = Path(entry["path"])
    try:
        report = imports.run_import(format_name=entry["format"], path=path, dry_run=False)
    finally:
        path.unlink(missing_ok=True)
    return render(
        request,
        "core/imports/done.html",
        {
            "title": "Import terminé",
            "report": report,
            "file_name": entry["name"],
            "import_format": imports.get_format(entry["format"]),
            "rejected": report.rejected[:REJECTED_SHOWN],
        },
    )
