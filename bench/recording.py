"""Recording throughput over HTTP against gunicorn on 127.0.0.1: advisors sign in (login form with CSRF) and post
the recording form, and partner tools post to the API with a bearer token; 1, 8 and 32 concurrent clients (threads,
each with its keep-alive connection: `Poster`), each its own advisor. Latency p50/p95, requests per second, errors
(any unexpected status), the server's CPU per request (gunicorn's processes, from /proc: the clients' CPU apart) and
the bench's own, and how late the dashboards are: while the clients post, a probe advisor posts too and times, from
the answer, until the rollup tables count its activity (docs/adr/0009-deferred-rollups.md; read directly, so that no
dashboard read drains for it)."""

import datetime
import http.client
import json
import os
import threading
import time
import urllib.parse
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import requests
from django.db import close_old_connections
from django.db.models import Sum

from bench.server import cpu_seconds, gunicorn, machine_ticks, quantiles_ms, user_with_role
from cnum.accounts.enums import Role
from cnum.advisors.models import Contract, SiteAssignment
from cnum.core.prepared import Prepared
from cnum.stats import pending
from cnum.stats.models import StatCell

PASSWORD = "mesure-bench-2025"
LEVELS = (1, 8, 32)


def advisors(count: int) -> list[tuple]:
    """`count` advisors in post with a current site: (advisor, site id), each with a user and an API token."""
    from cnum.api.models import ApiToken

    chosen = []
    for contract in Contract.objects.current().select_related("advisor").order_by("pk"):
        site = SiteAssignment.objects.current().filter(advisor_id=contract.advisor_id).first()
        if site is None:
            continue
        advisor = contract.advisor
        user = user_with_role(f"bench-{advisor.pk}@exemple.fr", Role.ADVISOR, password=PASSWORD)
        advisor.user = user
        advisor.save(update_fields=["user"])
        _, secret = ApiToken.issue(name="bench", owner=user, advisor=advisor)
        chosen.append((user.email, site.site_id, secret, advisor.pk))
        if len(chosen) == count:
            break
    return chosen


def login(base: str, email: str) -> requests.Session:
    session = requests.Session()
    session.get(f"{base}/connexion/", timeout=60)
    response = session.post(
        f"{base}/connexion/",
        data={"username": email, "password": PASSWORD, "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        allow_redirects=False,
        timeout=60,
    )
    if response.status_code != 302:
        raise RuntimeError(f"login of {email} answered {response.status_code}")
    return session


def form_post_data(site: int, n: int) -> dict:
    """The recording form's fields for the `n`-th post of a client (an anonymous person, June 2025)."""
    return {
        "type": "individuel",
        "date": f"2025-06-{1 + n % 28:02d}",
        "duration_preset": "30",
        "place_type": "lieu_activite",
        "site": site,
        "themes": ["email", "securite_numerique"],
        "genre": "feminin",
        "age_bracket": "soixante_dix_plus",
        "social_status": "retraite",
        "autonomy": "partiellement_autonome",
        "progressed": "oui",
    }


#: The answer of a recording that went in: the form redirects, the API creates.
RECORDED = {"form": 302, "api": 201}


class Poster:
    """A client's keep-alive connection (http.client), with the cookies of its signed-in session if any. The 32
    clients run in the bench's process, on the 2 cores gunicorn uses: with `requests` a post cost the bench ≈ 1–1.5 ms
    of CPU, ≈ 0.3 ms this way, so that the clients take less of the machine the server is measured on (the server's
    CPU per request is measured apart, from /proc). Every post sends its whole body and reads the whole answer."""

    def __init__(self, base: str, session: requests.Session | None = None):
        address = urllib.parse.urlsplit(base)
        self.connection = http.client.HTTPConnection(address.hostname, address.port, timeout=120)
        self.cookies = dict(session.cookies) if session is not None else {}

    def post(self, path: str, body: bytes, headers: dict) -> int:
        if self.cookies:
            headers = {**headers, "Cookie": "; ".join(f"{name}={value}" for name, value in self.cookies.items())}
        self.connection.request("POST", path, body, headers)
        response = self.connection.getresponse()
        response.read()
        return response.status

    def close(self) -> None:
        self.connection.close()


def form_post_body(site: int, n: int, **extra) -> str:
    """`form_post_data` URL-encoded, as a browser posts a form without a file."""
    return urllib.parse.urlencode({**extra, **form_post_data(site, n)}, doseq=True)


def form_post(poster: Poster, site: int, n: int) -> int:
    """The status of the form's answer (302: recorded)."""
    body = form_post_body(site, n, csrfmiddlewaretoken=poster.cookies["csrftoken"]).encode()
    return poster.post("/activites/nouvelle/", body, {"Content-Type": "application/x-www-form-urlencoded"})


def api_post_payload(site: int, n: int) -> dict:
    """The API's body for the `n`-th post of a client (an anonymous person, June 2025)."""
    return {
        "type": "individuel",
        "date": f"2025-06-{1 + n % 28:02d}",
        "duration_minutes": 45,
        "place_type": "lieu_activite",
        "site": site,
        "themes": ["prendre_en_main_du_materiel"],
        "genre": "masculin",
        "progressed": "oui",
    }


def api_post(poster: Poster, site: int, n: int, secret: str) -> int:
    """The status of the API's answer (201: recorded; 422 or 429, throttled, count as errors)."""
    body = json.dumps(api_post_payload(site, n)).encode()
    headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}
    return poster.post("/api/v1/activities", body, headers)


def _level(base, kind, clients, sessions, per_client, prober, rate: float | None = None) -> dict:
    """`rate`: the clients together post `rate` times a second, each at its own regular pace (an open loop), and a
    post's time runs from when it was due, so that a server falling behind shows in the latencies; else each client
    posts again as soon as it is answered (a closed loop: the server's capacity)."""
    timings, errors, lock = [], [], threading.Lock()
    interval = len(clients) / rate if rate else 0
    begin = 0.0  # the schedule's start: set once the yardstick and the probe have started, just before the clients

    def client(index: int) -> None:
        email, site, secret, _ = clients[index]
        poster = Poster(base, sessions[index] if kind == "form" else None)
        for n in range(per_client):
            start = time.perf_counter()
            if interval:  # due at its place in the schedule, the clients spread over one interval
                due = begin + interval * (n + index / len(clients))
                time.sleep(max(0.0, due - start))
                start = due
            try:
                status = form_post(poster, site, n) if kind == "form" else api_post(poster, site, n, secret)
            except (OSError, http.client.HTTPException) as error:
                status = type(error).__name__
                poster.close()  # the next post opens a new connection
            with lock:
                timings.append(time.perf_counter() - start)
                if status != RECORDED[kind]:
                    errors.append(str(status))
        poster.close()

    reference = reference_cpu_ms(base)
    done = threading.Event()
    probe = threading.Thread(target=_probe, args=(base, prober, done, delays := []), daemon=True)
    ticks = machine_ticks()
    cpu, start, own = cpu_seconds(base.pid), time.perf_counter(), time.process_time()
    probe.start()
    # Set here, not before the yardstick: its drain of the previous level's backlog and its 100 GETs (≈ 1 s) made every
    # post due meanwhile late from the start, a burst that the p95 at the target's rate counted as the server's.
    begin = time.perf_counter() + 0.05
    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        list(pool.map(client, range(len(clients))))
    elapsed, cpu, own = time.perf_counter() - start, cpu_seconds(base.pid) - cpu, time.process_time() - own
    done.set()
    probe.join()
    result = {"requests": len(timings), "errors": len(errors), "per_second": round(len(timings) / elapsed, 1)}
    if rate:
        result["offered_per_second"] = rate
    if errors:  # what the server answered instead, so that an error can be looked into
        result["error_answers"] = dict(Counter(errors))
    # The probe's posts are few (one at a time, each waiting for its count) and counted in the server's CPU.
    result["server_cpu_ms_per_request"] = round(cpu * 1000 / max(1, len(timings) + len(delays)), 2)
    # What the bench's clients and probe took of the same cores (the probe's reads of the tables included).
    result["clients_cpu_ms_per_request"] = round(own * 1000 / max(1, len(timings) + len(delays)), 2)
    # The whole machine's CPU a request (the server, PostgreSQL, the clients), and the share the host stole.
    busy, stolen, total = (after - before for after, before in zip(machine_ticks(), ticks, strict=True))
    result["machine_cpu_ms_per_request"] = round(busy * 1000 / os.sysconf("SC_CLK_TCK") / max(1, len(timings)), 2)
    result["stolen_percent"] = round(100 * stolen / max(1, total), 1)
    result["reference_cpu_ms"] = reference
    if delays:
        result |= {f"dashboard_delay_{key}": value for key, value in quantiles_ms(delays).items()}
    return result, timings


#: The yardstick of the machine's speed at a level: gunicorn's CPU for one GET of the sign-in page (a template, the
#: middlewares, no database write), asked this many times from one client just before the level.
REFERENCE_PATH, REFERENCE_REQUESTS = "/connexion/", 100


def reference_cpu_ms(base) -> float:
    """gunicorn's CPU (ms) for one GET of `REFERENCE_PATH`, measured now, the statistics' queue drained first so that
    no drain runs beside it. On a shared host the same code's CPU a request moved by ×2 within minutes, the host
    stealing < 1 % (docs/performance.md): a level's CPU a recording is read against the same moment's yardstick."""
    pending.drain()
    address = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
    cpu = cpu_seconds(base.pid)
    for _ in range(REFERENCE_REQUESTS):
        connection.request("GET", REFERENCE_PATH)
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"{REFERENCE_PATH} a répondu {response.status}")
    cpu = cpu_seconds(base.pid) - cpu
    connection.close()
    return round(cpu * 1000 / REFERENCE_REQUESTS, 2)


#: The probe's read, every 5 ms: compiled once and prepared on the server (cnum.core.prepared), as a dashboard's reads
#: are not. Through the ORM each read cost ≈ 1.8 ms of the machine (the queryset built, the statement planned again):
#: at 200 reads a second, a sixth of the two cores the server is measured on, counted in the tail of its latency.
_COUNTED = Prepared(
    lambda scope_code, month: (
        StatCell.objects.filter(scope_kind="advisor", scope_code=scope_code, month=month)
        .order_by()
        .values("scope_kind")
        .annotate(n=Sum("activities"))
        .values_list("n")
    ),
    scope_code=str,
    month=datetime.date,
)


def _counted(advisor_id: int) -> int:
    row = _COUNTED.first(scope_code=str(advisor_id), month=PROBE_MONTH)
    return (row and row[0]) or 0


def _probe(base: str, prober: tuple, done: threading.Event, delays: list) -> None:
    """Post one activity at a time with the probe advisor's token, and time from each answer until the rollup
    tables count it (read every 5 ms), until the clients are done."""
    _, site, secret, advisor_id = prober
    poster = Poster(base)
    try:
        while not done.is_set():
            before = _counted(advisor_id)
            if api_post(poster, site, 0, secret) != RECORDED["api"]:
                continue
            answered = time.perf_counter()
            while _counted(advisor_id) == before:
                if time.perf_counter() - answered > 30:
                    raise RuntimeError("the dashboards did not count a recorded activity within 30 s")
                time.sleep(0.005)  # a read of the tables every 5 ms: each costs the bench's process CPU
            delays.append(time.perf_counter() - answered)
    finally:
        poster.close()
        close_old_connections()


PROBE_MONTH = datetime.date(2025, 6, 1)  # api_post's activities are in June 2025


def run(
    *, per_client: int, levels: tuple[int, ...] = LEVELS, paced: float | None = None, paced_seconds: float = 10
) -> list[dict]:
    """`paced`: after the closed loops, the most clients again, posting this many times a second together for
    `paced_seconds` at least (`_level`): the latency at the target's load, which a closed loop cannot show (its
    clients always waiting, p95 ≥ clients / capacity)."""
    people = advisors(max(levels) + 1)
    prober, people = people[-1], people[:-1]
    # The production model by default (config/gunicorn.conf.py: 2 processes × 4 threads).
    workers, threads = int(os.environ.get("BENCH_WORKERS", 2)), int(os.environ.get("BENCH_THREADS", 4))
    rows = []
    with gunicorn(workers=workers, threads=threads) as base:
        logins = []
        sessions = []
        for email, *_ in people:
            start = time.perf_counter()
            sessions.append(login(base, email))
            logins.append(time.perf_counter() - start)
        rows.append({"kind": "login", "clients": 1, "requests": len(logins), "errors": 0, **quantiles_ms(logins)})
        for kind in ("form", "api"):
            for level in levels:
                result, durations = _level(base, kind, people[:level], sessions[:level], per_client, prober)
                rows.append({"kind": kind, "clients": level, **result, **quantiles_ms(durations)})
            if paced:
                level = max(levels)
                posts = max(per_client, round(paced * paced_seconds / level))
                result, durations = _level(base, kind, people[:level], sessions[:level], posts, prober, paced)
                rows.append({"kind": kind, "clients": level, **result, **quantiles_ms(durations)})
        server = {"workers": workers, "threads": threads}
    return [{**row, **server} for row in rows]
