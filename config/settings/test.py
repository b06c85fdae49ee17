"""Test settings: fast hashing, e-mails kept in memory; the database engine comes from DATABASE_URL as in base."""

from config.settings.base import *

DEBUG = False
SECRET_KEY = "test-only-key"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve static files straight from the apps (no collectstatic before tests).
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True

# Close connections after each request: the live server's threads must not keep the test database open,
# or PostgreSQL refuses to drop it at the end of the run.
DATABASES["default"]["CONN_MAX_AGE"] = 0

# The second factor is switched on by the tests that exercise it (tests/accounts/test_otp.py), so that the other
# tests may sign in a programme-team or prefecture user with client.force_login.
CNUM_OTP_REQUIRED = False

# django-oauth-toolkit plays ProConnect in tests/accounts/test_oidc.py (its URLs: config/urls_test_oidc.py).
INSTALLED_APPS = [*INSTALLED_APPS, "oauth2_provider"]

# Each test process keeps its own cache; the API rate limits are out of the way but in tests/api/test_throttling.py,
# which sets low ones and empties the cache.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CNUM_API_RATE_PER_TOKEN = CNUM_API_RATE_PER_IP = "100000/min"
# The same for password-reset e-mails, but in tests/accounts/test_password_reset_limits.py.
CNUM_PASSWORD_RESET_RATE_PER_EMAIL = CNUM_PASSWORD_RESET_RATE_PER_IP = "100000/min"
