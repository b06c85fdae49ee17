"""Gunicorn settings for `make run` (and a production start: `gunicorn config.wsgi -c config/gunicorn.conf.py`).

The access log goes through cnum's logger, which masks e-mails, phone numbers, free-text searches and
password-reset tokens in every line (cnum/core/access_log.py, docs/privacy.md).
"""

logger_class = "cnum.core.access_log.PersonalDataLogger"
accesslog = "-"
