"""Gunicorn settings for `make run` (and a production start: `gunicorn config.wsgi -c config/gunicorn.conf.py`).

The access log goes through cnum's logger, which masks e-mails, phone numbers, free-text searches and
password-reset tokens in every line (cnum/core/access_log.py, docs/privacy.md).

Each worker starts a thread that counts recorded activities in the statistics' rollup tables in batches, just after
their write (cnum.stats.pending, docs/adr/0009-deferred-rollups.md).
"""

#: Two processes of four threads each (gthread): on the 2-core bench machine, at 32 clients, they recorded as many
#: form posts as 2 sync workers and up to 60 % more API posts, with 0 errors (docs/performance.md, "After rec2"). A
#: thread waits on the database (SQLite's write lock, PostgreSQL's round trips) without holding the process; more
#: processes only add drains and memory. `--workers`/`--threads` on the command line override these.
workers = 2
threads = 4

logger_class = "cnum.core.access_log.PersonalDataLogger"
accesslog = "-"


def post_worker_init(worker):  # after the worker has loaded the application
    from django.apps import apps

    if not apps.ready:  # an application other than cnum's (a test's bare WSGI app): nothing to drain
        return
    from cnum.stats import pending

    pending.start_drainer()
