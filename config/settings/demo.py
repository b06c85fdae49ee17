"""The demo that `make run` serves: production-like pages (no debug page, the DSFR 404 and 500), on SQLite, with
e-mails printed on the console and a secret key of this installation (made once in var/, never published).

Chosen explicitly (`DJANGO_SETTINGS_MODULE=config.settings.demo`, which the Makefile sets): manage.py and the
WSGI application default to the production settings, which refuse to start on an insecure configuration.
"""

import os
import secrets

from config.settings.base import *


def installation_secret_key() -> str:
    """SECRET_KEY if set, else a random key kept in var/secret_key (made on first use, readable by its owner only)."""
    if SECRET_KEY:
        return SECRET_KEY
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


DEBUG = False
SECRET_KEY = installation_secret_key()
ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]"]
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
# The demo's programme-team and prefecture accounts open without an authenticator app (their password is published
# in the README); CNUM_OTP_REQUIRED=1 asks for the second factor as in production.
CNUM_OTP_REQUIRED = env_bool("CNUM_OTP_REQUIRED", False)
#: Every page says that its data are generated (issue #19).
CNUM_DEMO = True
