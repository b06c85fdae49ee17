"""The gunicorn logger of cnum (config/gunicorn.conf.py, `logger_class`): its access log and error log hold no
e-mail, free-text search, phone number or password-reset token (docs/privacy.md, "Mesures de sécurité")."""

import logging

from gunicorn.glogging import Logger

from cnum.core.logging import mask_url


class UrlFilter(logging.Filter):
    """Mask the URLs gunicorn's own messages quote ("Error handling request /…")."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = f"{record.msg} {record.args}"
        record.msg, record.args = mask_url(message), None
        return True


class PersonalDataLogger(Logger):
    """Every text atom of the access log (request line, path, query, referer, headers, environ) through
    `mask_url`, whatever `access_log_format` says."""

    def setup(self, cfg):
        super().setup(cfg)
        if not any(isinstance(existing, UrlFilter) for existing in self.error_log.filters):
            self.error_log.addFilter(UrlFilter())

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: mask_url(value) if isinstance(value, str) else value for key, value in atoms.items()}
