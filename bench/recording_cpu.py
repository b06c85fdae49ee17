"""CPU time and queries of one recording, in one process with Django's test client (no HTTP, no clients' CPU):
the measure of record of issue #20's recording work on a shared machine, where rates are noisy.

    CNUM_SQLITE_PATH=/tmp/quick.sqlite3 python -m bench.recording_cpu [--posts 40] [--profile form|api]

Run it on a bench database (`python -m bench --scale quick --parts dataset --sqlite-file F`; or DATABASE_URL).
The commits queue the activities without draining (as in a gunicorn worker, whose drainer thread counts them
later): the request's own cost is measured, then the drain of the whole batch apart.
"""

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import time


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.recording_cpu")
    parser.add_argument("--posts", type=int, default=40)
    parser.add_argument("--profile", choices=("form", "api"), help="Print a cProfile of these posts.")
    parser.add_argument(
        "--drainer",
        action="store_true",
        help="Run the drainer thread of a gunicorn worker meanwhile: the CPU per request then includes its share of "
        "the drains (the process's CPU, every thread), at the batches one client posting back to back makes.",
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    os.environ["DEBUG"] = "0"
    os.environ["CNUM_OTP_REQUIRED"] = "0"
    os.environ["CNUM_API_RATE_PER_IP"] = os.environ["CNUM_API_RATE_PER_TOKEN"] = "100000/min"
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.recording import advisors, api_post_payload, form_post_body
    from cnum.stats import pending

    class Asleep:  # a drainer that never runs: the commits only queue
        def is_alive(self):
            return True

        def wake(self):
            pass

    if args.drainer:
        pending.start_drainer()
    else:
        pending._drainer = Asleep()
    (email, site, secret, _), *_ = advisors(1)
    from cnum.accounts.models import User

    client, partner = Client(HTTP_HOST="127.0.0.1"), Client(HTTP_HOST="127.0.0.1")  # a partner tool has no session
    client.force_login(User.objects.get(email=email))
    client.get("/activites/nouvelle/")  # warm: templates, first queries

    def shown(response):
        """A browser shows the answer's message on the page it is sent to, which spends it: the client forgets it,
        else every post would carry all the messages before it (as the gunicorn bench's clients, which keep the
        cookies of their sign-in only)."""
        client.cookies.pop(CookieStorage.cookie_name, None)
        return response

    posts = {
        # URL-encoded, as a browser posts a form without a file (the test client's default is multipart).
        "form": lambda n: shown(
            client.post(
                "/activites/nouvelle/", form_post_body(site, n), content_type="application/x-www-form-urlencoded"
            )
        ),
        "api": lambda n: partner.post(
            "/api/v1/activities",
            api_post_payload(site, n),
            content_type="application/json",
            headers={"Authorization": f"Bearer {secret}"},
        ),
    }
    expected = {"form": 302, "api": 201}
    for kind, post in posts.items():
        post(0)  # warm
        pending.drain()
        cpu, queries = [], []
        # CPU time, not wall time: the waits on the database are not the process's work.
        profiler = cProfile.Profile(time.thread_time) if args.profile == kind else None
        for n in range(args.posts):
            with CaptureQueriesContext(connection) as captured:
                start = time.process_time()
                if profiler:
                    profiler.enable()
                response = post(n)
                if profiler:
                    profiler.disable()
                cpu.append(time.process_time() - start)
            if response.status_code != expected[kind]:
                raise RuntimeError(f"{kind} answered {response.status_code}: {response.content[:500]!r}")
            queries.append(len(captured))
        start = time.process_time()
        drained = pending.drain()
        drain = time.process_time() - start
        if args.drainer:  # what the drainer thread left, apart; the requests' CPU counted their share of the rest
            time.sleep(settings.CNUM_STATS_DRAIN_DELAY_MS / 1000 + 0.1)
        print(
            f"{kind}: CPU {statistics.median(cpu) * 1000:.1f} ms median, {statistics.mean(cpu) * 1000:.1f} ms mean "
            f"per request; {max(queries)} queries; drain of {drained}: {drain * 1000 / max(1, drained):.2f} ms each"
        )
        if profiler:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(60)
            print(out.getvalue())
            for query in captured.captured_queries:
                print("  ", (query["sql"] or "")[:200])
    return 0


if __name__ == "__main__":
    sys.exit(main())
