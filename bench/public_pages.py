"""The public side of issue #22, for anyone without an account: the map page (every site, then a search around a
postal code), the nearby API around a point, a site page and a territory's statistics page; ≥ 20 runs each through
Django's test client (anonymous), then once each over HTTP through gunicorn.

The national demo's sites carry no coordinates (the COG gives communes none): before measuring, each published site
without them is placed at a point drawn near a centre drawn for its département (seeded, so every run places them
alike), and given common opening hours, so that the map draws every site, the list computes "open now" and a
10 km search finds the sites of a town as it would in a real département.
"""

import random
import time

import requests
from django.db.models import Count
from django.test import Client

from bench.server import gunicorn, quantiles_ms
from cnum.activities.models import Activity
from cnum.sites.models import Site

SEED = 22
HOURS = "Mo-Fr 09:00-12:00,14:00-17:30; Sa 09:00-12:00"
#: Mainland France's box, where each département's centre is drawn.
LATITUDES, LONGITUDES = (43.3, 50.5), (-1.2, 7.3)
#: How far from its département's centre a site is drawn (degrees, about ±30 km).
SPREAD = 0.3
RADIUS_KM = 10


def place_sites() -> int:
    """Coordinates and hours for the published sites that have none (see module); the number placed."""
    rng = random.Random(SEED)
    centres: dict[str, tuple[float, float]] = {}
    sites = list(Site.objects.published().filter(latitude__isnull=True).order_by("pk"))
    for site in sites:
        if site.departement_id not in centres:
            centres[site.departement_id] = (rng.uniform(*LATITUDES), rng.uniform(*LONGITUDES))
        latitude, longitude = centres[site.departement_id]
        site.latitude = round(latitude + rng.uniform(-SPREAD, SPREAD), 6)
        site.longitude = round(longitude + rng.uniform(-SPREAD, SPREAD), 6)
        site.opening_hours = site.opening_hours or HOURS
    Site.objects.bulk_update(sites, ["latitude", "longitude", "opening_hours"], batch_size=1000)
    return len(sites)


def scenarios() -> dict[str, str]:
    """The pages measured, on the busiest département and its busiest site's place."""
    busiest = (
        Activity.objects.filter(site__is_published=True)
        .values("site_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "site_id")
        .first()
    )
    sites = Site.objects.published()
    site = sites.get(pk=busiest["site_id"]) if busiest else sites.order_by("pk").first()
    if site is None or site.latitude is None:
        raise RuntimeError("no published site with coordinates: the measure would be meaningless")
    return {
        "carte, tous les lieux": "/lieux/carte/",
        "carte, recherche d'un code postal": f"/lieux/carte/?q={site.postal_code}&rayon_km={RADIUS_KM}",
        "API autour d'un point": f"/api/v1/lieux/?lat={site.latitude}&lon={site.longitude}&rayon_km={RADIUS_KM}",
        "page d'un lieu": f"/lieux/{site.pk}/",
        "statistiques d'un département": f"/statistiques/?scope=departement:{site.departement_id}",
    }


def run(*, runs: int) -> dict:
    placed = place_sites()
    client = Client(HTTP_HOST="127.0.0.1")
    rows = []
    for name, path in scenarios().items():
        response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path} answered {response.status_code}: the measure would be meaningless")
        timings = []
        for _ in range(runs):
            start = time.perf_counter()
            client.get(path)
            timings.append(time.perf_counter() - start)
        rows.append({"page": name, "path": path, "bytes": len(response.content), **quantiles_ms(timings)})
    with gunicorn() as base:
        for row in rows:
            requests.get(base + row["path"], timeout=120)  # each worker's first request
            start = time.perf_counter()
            response = requests.get(base + row["path"], timeout=120)
            row["http_ms"] = round((time.perf_counter() - start) * 1000, 2)
            row["http_status"] = response.status_code
    return {"sites": Site.objects.published().count(), "placed": placed, "rows": rows}
