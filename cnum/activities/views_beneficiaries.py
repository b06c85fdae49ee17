"""The advisor's followed people in and out (issue #21, deliverable 5): import from the template (analysis first,
then confirmation, all or nothing), export, and the duplicates screen that says why two records look alike and
merges them in one step. Only the advisor who follows the people sees any of it (cnum.activities.perms)."""

import shutil
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Max
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from cnum.activities import perms, services
from cnum.activities.forms import BeneficiaryImportForm
from cnum.activities.importers import beneficiaries as people_file
from cnum.activities.models import Beneficiary
from cnum.core.imports import plural
from cnum.core.tabular import csv_bytes, xlsx_bytes

SESSION_KEY = "cnum_pending_beneficiary_imports"
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _advisor(request):
    advisor = perms.acting_advisor(request.user)
    if advisor is None:
        raise PermissionDenied
    return advisor


def _download(fmt: str, filename: str, sheet: str, headers, rows) -> HttpResponse:
    if fmt not in CONTENT_TYPES:
        raise Http404("Format inconnu.")
    content = csv_bytes(headers, rows) if fmt == "csv" else xlsx_bytes(sheet, headers, rows)
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


@login_required
def beneficiary_template(request, fmt: str):
    """The import's template: its columns and one example line."""
    _advisor(request)
    example = [column.example for column in people_file.COLUMNS]
    return _download(fmt, "modele-beneficiaires-suivis", "Modèle", people_file.HEADERS, [example])


@login_required
def beneficiary_export(request, fmt: str):
    """The advisor's followed people (never erased ones) in the import's columns, formula-safe (cnum.core.tabular)."""
    advisor = _advisor(request)
    people = (
        Beneficiary.objects.visible_to(request.user)
        .filter(advisor=advisor, is_followed=True, erased_at__isnull=True)
        .annotate(accompaniment_count=Count("accompaniments"), last_seen=Max("accompaniments__activity__date"))
        .order_by("last_name", "first_name", "pk")
    )
    filename = f"beneficiaires-suivis-{timezone.localdate():%Y-%m-%d}"
    return _download(
        fmt, filename, "Bénéficiaires suivis", people_file.EXPORT_HEADERS, people_file.beneficiary_rows(people)
    )


#: An analysed file never confirmed holds personal data: it is removed after this long (docs/privacy.md).
PENDING_HOURS = 24


def _pending_root() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports" / "beneficiaires-suivis"


def _sweep() -> None:
    """Remove the analysed files older than PENDING_HOURS (an analysis abandoned, never confirmed)."""
    cutoff = time.time() - PENDING_HOURS * 3600
    for folder in _pending_root().glob("*"):
        if folder.is_dir() and folder.stat().st_mtime < cutoff:
            shutil.rmtree(folder, ignore_errors=True)


def _store(upload) -> tuple[str, Path]:
    _sweep()
    token = uuid.uuid4().hex
    folder = _pending_root() / token
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / ("fichier.xlsx" if upload.name.lower().endswith(".xlsx") else "fichier.csv")
    with path.open("wb") as destination:
        for chunk in upload.chunks():
            destination.write(chunk)
    return token, path


def _discard(path: Path) -> None:
    shutil.rmtree(path.parent, ignore_errors=True)


@login_required
def beneficiary_import(request):
    """GET: the upload form and the columns. POST: the analysis of the file — nothing written yet."""
    advisor = _advisor(request)
    form = BeneficiaryImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        token, path = _store(upload)
        report = people_file.analyse(advisor=advisor, path=path)
        if report.importable:
            pending = request.session.get(SESSION_KEY, {})
            pending[token] = {"path": str(path), "name": upload.name, "advisor": advisor.pk}
            request.session[SESSION_KEY] = pending
        else:
            _discard(path)
        context = {
            "title": f"Analyse de « {upload.name} »",
            "report": report,
            "token": token,
            "file_name": upload.name,
        }
        return render(request, "activities/beneficiary_import_preview.html", context)
    context = {"title": "Importer des bénéficiaires suivis", "form": form, "columns": people_file.COLUMNS}
    return render(request, "activities/beneficiary_import.html", context)


@login_required
@require_POST
def beneficiary_import_confirm(request):
    """Import the file analysed, in one transaction; an analysis of another advisor's or an expired one is gone."""
    advisor = _advisor(request)
    pending = request.session.get(SESSION_KEY, {})
    entry = pending.pop(request.POST.get("token", ""), None)
    request.session[SESSION_KEY] = pending
    if entry is None or entry["advisor"] != advisor.pk or not Path(entry["path"]).exists():
        messages.error(request, "Cette analyse n'est plus disponible : déposez le fichier de nouveau.")
        return redirect("activities:beneficiary_import")
    path = Path(entry["path"])
    try:
        report = people_file.beneficiaries_import(
            advisor=advisor, path=path, skip_look_alikes=bool(request.POST.get("skip_look_alikes"))
        )
    except ValidationError as error:
        messages.error(request, f"Import annulé, rien n'a été enregistré : {' '.join(error.messages)}")
        return redirect("activities:beneficiary_import")
    finally:
        _discard(path)
    added = plural(report.created, "personne suivie ajoutée", "personnes suivies ajoutées")
    skipped = ", " + plural(report.unchanged, "doublon possible laissé de côté", "doublons possibles laissés de côté")
    messages.success(request, f"Import terminé : {added}{skipped if report.unchanged else ''}.")
    return redirect(
        "activities:beneficiary_duplicates" if services.find_duplicates(advisor) else "activities:beneficiary_list"
    )


@login_required
def beneficiary_duplicates(request):
    """The groups of followed people that look like one person, each other record with why it looks like the first,
    and a button that merges it into the first (its accompaniments move; cnum.activities.services)."""
    advisor = _advisor(request)
    groups = [
        {"keep": group[0], "others": [(person, services.likeness_reasons(group[0], person)) for person in group[1:]]}
        for group in services.find_duplicates(advisor)
    ]
    return render(request, "activities/beneficiary_duplicates.html", {"title": "Doublons possibles", "groups": groups})
