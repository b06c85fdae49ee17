"""Local development, chosen explicitly (DJANGO_SETTINGS_MODULE=config.settings.dev, or SETTINGS=… with make):
SQLite, debug pages, e-mails printed on the console. `make run` serves the demo settings (config/settings/demo.py)."""

import os

from config.settings.base import *

DEBUG = os.environ.get("DEBUG", "1") != "0"
SECRET_KEY = SECRET_KEY or "dev-only-insecure-key-never-use-in-production"
ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]"]
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
# The demo's programme-team and prefecture accounts must open without an authenticator app; CNUM_OTP_REQUIRED=1
# asks for the second factor as in production.
CNUM_OTP_REQUIRED = env_bool("CNUM_OTP_REQUIRED", False)
