"""The open-data page (`/donnees-ouvertes/`): each published file with its description, size, date and licence, and
the files themselves. They are written by `opendata_export` (scheduled every night) in CNUM_OPENDATA_DIR; only the
files it writes are served, never another file of that folder."""

import datetime
import mimetypes
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils import timezone

from cnum.stats import opendata

CONTENT_TYPES = {".csv": "text/csv; charset=utf-8", ".json": "application/json", ".md": "text/markdown; charset=utf-8"}


def _path(name: str) -> Path | None:
    path = Path(settings.CNUM_OPENDATA_DIR) / name
    return path if name in opendata.FILES and path.is_file() else None


def opendata_page(request):
    files = []
    for name, description in opendata.FILES.items():
        path = _path(name)
        stat = path.stat() if path else None
        files.append(
            {
                "name": name,
                "description": description,
                "size": stat.st_size if stat else None,
                "updated": (
                    datetime.datetime.fromtimestamp(stat.st_mtime, tz=datetime.UTC).astimezone(
                        timezone.get_current_timezone()
                    )
                    if stat
                    else None
                ),
            }
        )
    context = {
        "title": "Données ouvertes",
        "files": files,
        "licence": opendata.LICENCE,
        "licence_url": opendata.LICENCE_URL,
        "published": any(item["size"] is not None for item in files),
    }
    return render(request, "stats/opendata.html", context)


def opendata_file(request, name: str):
    path = _path(name)
    if path is None:
        raise Http404("Fichier inconnu ou pas encore publié.")
    content_type = CONTENT_TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return FileResponse(path.open("rb"), as_attachment=True, filename=name, content_type=content_type)
