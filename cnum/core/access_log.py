"""The gunicorn logger of cnum (config/gunicorn.conf.py, `logger_class`): its access log and error log hold no
e-mail, free-text search, phone number or password-reset token (docs/privacy.md, "Mesures de sécurité")."""

import logging

from gunicorn.glogging import Logger, SafeAtoms

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


class MaskedAtoms(SafeAtoms):
    """gunicorn's atoms, each text masked (then its quotes escaped, as gunicorn does) when the line's format reads
    it: a line reads about ten of the forty-odd atoms (every request and response header, every environ variable),
    and masking them all took ≈ 5 % of a recording's CPU (issue #20)."""

    def __init__(self, atoms):
        dict.__init__(self, atoms)

    def __getitem__(self, key):
        value = super().__getitem__(key)
        return mask_url(value).replace('"', '\\"') if isinstance(value, str) else value


class PersonalDataLogger(Logger):
    """Every text atom of the access log (request line, path, query, referer, headers, environ) through
    `mask_url`, whatever `access_log_format` says."""

    atoms_wrapper_class = MaskedAtoms

    def setup(self, cfg):
        super().setup(cfg)
        if not any(isinstance(existing, UrlFilter) for existing in self.error_log.filters):
            self.error_log.addFilter(UrlFilter())
