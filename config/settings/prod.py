"""Production settings: refuse to start on an insecure configuration.

Set CNUM_ALLOW_SQLITE=1 to run a small deployment on SQLite on purpose.
"""

from config.settings.base import *
from config.settings.checks import check_production_settings

check_production_settings(
    secret_key=SECRET_KEY,
    allowed_hosts=ALLOWED_HOSTS,
    databases=DATABASES,
    allow_sqlite=env_bool("CNUM_ALLOW_SQLITE"),
    otp_required=CNUM_OTP_REQUIRED,
)

DEBUG = False
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
