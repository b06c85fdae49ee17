"""Import assistant for a third-party CSV ("csv-auto"): upload → detected encoding, separator and column mapping,
corrected in a form → analysis without writing (dry run) → confirmed import. For the programme team, and for a hub
within its départements (sites.perms: its rows elsewhere are rejected with their reason). A file of more than
CNUM_TASKS_ROWS_THRESHOLD rows is imported by a background task, as on /imports/."""

import uuid
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render

from cnum.core import import_jobs, imports, jobs
from cnum.sites import perms
from cnum.sites.forms_imports import MappingForm, ValuesForm, WizardUploadForm
from cnum.sites.importers import csv_auto, mapping
from cnum.sites.importers.files import UnreadableFile
from cnum.sites.importers.sniffing import sniff
from cnum.territories.models import Departement

SESSION_KEY = "cnum_site_wizard"
SHOWN = 500


def _check(request):
    if not perms.can_import_sites(request.user):
        raise PermissionDenied


def _territory(user) -> list[str]:
    """The names of the départements a hub imports into, for the page to say so; empty for the programme team."""
    codes = perms.import_departements(user)
    return [] if codes is None else list(Departement.objects.filter(code__in=codes).values_list("name", flat=True))


def _pending(request, token: str) -> dict | None:
    entry = request.session.get(SESSION_KEY, {}).get(token)
    return entry if entry and Path(entry["path"]).exists() else None


def _review(report) -> list[list]:
    """The distinct values in words of an analysis, for the person to review: [column, text, value (a list for
    services and publics), how, rows, the values an ambiguous text points to]."""
    return [
        [column, item, found["value"], found["how"], found["rows"], found.get("candidates", [])]
        for column, items in report.vocabulary.items()
        for item, found in items.items()
        if found["how"] != "exact"
    ]


def _merged(before: dict, changes: dict) -> dict:
    merged = {column: dict(items) for column, items in before.items()}
    for column, items in changes.items():
        merged.setdefault(column, {}).update(items)
    return merged


def _import_in_background(request, token: str, entry: dict, options: dict):
    """A file of many rows is imported by a background task (cnum.core.import_jobs), with the analysed mapping."""
    job = jobs.start(
        kind=import_jobs.KIND,
        label=f"Import de lieux « {entry['name']} » (assistant)",
        user=request.user,
        params={"path": entry["path"], "format": csv_auto.FORMAT, "name": entry["name"], "options": options},
    )
    request.session[SESSION_KEY].pop(token, None)
    request.session.modified = True
    return redirect("core:job_detail", job_id=job.pk)


@login_required
def wizard_upload(request):
    _check(request)
    form = WizardUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        folder = Path(settings.MEDIA_ROOT) / "imports"
        folder.mkdir(parents=True, exist_ok=True)
        token = uuid.uuid4().hex
        path = folder / f"{token}.csv"
        with path.open("wb") as destination:
            for chunk in form.cleaned_data["file"].chunks():
                destination.write(chunk)
        pending = request.session.get(SESSION_KEY, {})
        pending[token] = {
            "path": str(path),
            "name": form.cleaned_data["file"].name,
            "source": form.cleaned_data["source"],
        }
        request.session[SESSION_KEY] = pending
        return redirect("sites:import_wizard_mapping", token=token)
    context = {
        "title": "Assistant d'import de lieux",
        "form": form,
        "territory": _territory(request.user),
        "import_format": imports.get_format(csv_auto.FORMAT),
    }
    return render(request, "sites/imports/wizard_upload.html", context)


@login_required
def wizard_mapping(request, token: str):
    """GET shows the guess; POST "analyser" checks the mapping and runs a dry run; POST "importer" imports."""
    _check(request)
    entry = _pending(request, token)
    if entry is None:
        return redirect("sites:import_wizard")
    try:
        sniffed = sniff(Path(entry["path"]))
    except UnreadableFile as error:
        return render(
            request,
            "sites/imports/wizard_upload.html",
            {"title": "Assistant d'import de lieux", "form": WizardUploadForm(), "error": str(error)},
        )
    chosen = mapping.choose(sniffed.header, rows=sniffed.rows, given=entry.get("columns"), source=entry["source"])
    form = MappingForm(request.POST or None, columns=chosen.columns, rows=sniffed.rows)
    values_form = ValuesForm(request.POST or None, review=entry.get("review", []))
    context = {
        "title": "Correspondance des colonnes",
        "entry": entry,
        "sniffed": sniffed,
        "mapping": chosen,
        "form": form,
        "token": token,
        "values_form": values_form,
    }
    if request.method == "POST" and form.is_valid() and values_form.is_valid():
        entry["columns"] = form.chosen()
        entry["values"] = _merged(entry.get("values", {}), values_form.decided())
        request.session.modified = True
        analysed = [entry["columns"], entry["values"]]
        dry_run = request.POST.get("action") != "importer" or entry.get("analysed") != analysed
        context["changed"] = dry_run and request.POST.get("action") == "importer"
        entry["analysed"] = analysed
        territory = perms.import_departements(request.user)
        options = {  # stored with a background task: JSON only
            "columns": entry["columns"],
            "values": entry["values"],
            "source": entry["source"],
            "departements": None if territory is None else sorted(territory),
        }
        if not dry_run and entry.get("rows", 0) > settings.CNUM_TASKS_ROWS_THRESHOLD:
            return _import_in_background(request, token, entry, options)
        report = imports.run_import(format_name=csv_auto.FORMAT, path=Path(entry["path"]), dry_run=dry_run, **options)
        entry["rows"] = report.total
        entry["review"] = _review(report)
        context["values_form"] = ValuesForm(review=entry["review"])
        context.update(report=report, rejected=report.rejected[:SHOWN], normalised=report.normalised[:SHOWN])
        if not dry_run:
            Path(entry["path"]).unlink(missing_ok=True)
            request.session[SESSION_KEY].pop(token, None)
            request.session.modified = True
            return render(request, "sites/imports/wizard_done.html", {**context, "title": "Import terminé"})
    return render(request, "sites/imports/wizard_mapping.html", context)
