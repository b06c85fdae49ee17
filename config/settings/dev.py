"""Local development and `make run`: SQLite, debug pages, e-mails printed on the console."""

import os

from config.settings.base import *

DEBUG = os.environ.get("DEBUG", "1") != "0"
SECRET_KEY = SECRET_KEY or "dev-only-insecure-key-never-use-in-production"
ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]"]
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
