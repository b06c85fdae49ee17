"""Settings shared by every environment. Each environment module imports from here only."""

import os
import urllib.parse
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("CNUM_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on", "oui"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")

INSTALLED_APPS = [
    # Django's admin, behind cnum's sign-in and second factor (cnum/accounts/admin_site.py).
    "cnum.accounts.apps.CnumAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "dsfr",
    "widget_tweaks",
    "django_htmx",
    "ninja",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks",
    "django_tasks_db",
    "cnum.core",
    "cnum.territories",
    "cnum.accounts",
    "cnum.structures",
    "cnum.sites",
    "cnum.advisors",
    "cnum.activities",
    "cnum.stats",
    "cnum.funding",
    "cnum.api",
    "cnum.access",
    "cnum.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Django's, but writing the session at most once a minute (the idle timeout without a write per request), and
    # never on the views marked `not_renewed` (a task's page, its progress) unless they changed it.
    "cnum.core.sessions.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Before any view or the CSRF check reads the body: anonymous bodies stay small, uploads need a session.
    "cnum.core.limits.RequestBodyLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "cnum.accounts.middleware.ActiveRoleMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "cnum.accounts.otp.SecondFactorMiddleware",
    "cnum.core.middleware.AuditActorMiddleware",
    # Axes must come last: it answers locked-out requests itself.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cnum.core.context_processors.service",
                "cnum.accounts.context_processors.roles",
            ],
        },
    },
]

# SQLite is the embedded default; DATABASE_URL (postgres://…) selects PostgreSQL.
SQLITE_PATH = Path(os.environ.get("CNUM_SQLITE_PATH", VAR_DIR / "cnum.sqlite3"))
SQLITE_OPTIONS = {
    # WAL lets readers work while one writer writes; IMMEDIATE avoids "database is locked" on upgrade.
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}


CNUM_CONN_MAX_AGE = int(os.environ.get("CNUM_CONN_MAX_AGE", 60))


def database_config() -> dict:
    # Connections persist between a worker's requests (a minute): opening one costs ≈ 1.3 ms of CPU on SQLite
    # (Django registers its SQL functions, the PRAGMAs run), a round trip and an authentication on PostgreSQL.
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        config = dj_database_url.parse(url, conn_max_age=CNUM_CONN_MAX_AGE, conn_health_checks=True)
        if config["ENGINE"] == "django.db.backends.postgresql":
            # Django's backend with a health check that sends nothing while the server has said nothing
            # (cnum/core/postgresql/base.py).
            config["ENGINE"] = "cnum.core.postgresql"
            # The statements bound on the server (a recording's reads and writes, the drains' upserts:
            # cnum.core.prepared) are prepared by psycopg once run this many times on a connection, then planned once
            # instead of at each run (issue #20: a third of the server's CPU per recording). Django leaves it off for
            # connection poolers in transaction mode: empty turns it off behind a pooler that does not keep prepared
            # statements (PgBouncer before 1.21, or without max_prepared_statements).
            threshold = os.environ.get("CNUM_PG_PREPARE_THRESHOLD", "5").strip()
            config.setdefault("OPTIONS", {})["prepare_threshold"] = int(threshold) if threshold else None
        return config
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(SQLITE_PATH),
        "OPTIONS": SQLITE_OPTIONS,
        "CONN_MAX_AGE": CNUM_CONN_MAX_AGE,
        "CONN_HEALTH_CHECKS": True,
    }


DATABASES = {"default": database_config()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "cnum.accounts.backends.ModelBackend",
    "cnum.accounts.oidc.ProConnectBackend",
    "cnum.accounts.backends.RoleBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:dashboard"
LOGOUT_REDIRECT_URL = "core:home"

# Sessions end after a period without activity: a request pushes the expiry back, writing the session at most once
# every CNUM_SESSION_REFRESH_SECONDS (cnum.core.sessions.SessionMiddleware), not at every request.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_IDLE_TIMEOUT", 30 * 60))
SESSION_SAVE_EVERY_REQUEST = False
#: Django's database sessions, each request's read compiled once (issue #20).
SESSION_ENGINE = "cnum.core.session_store"
CNUM_SESSION_REFRESH_SECONDS = int(os.environ.get("CNUM_SESSION_REFRESH_SECONDS", 60))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# Login rate limiting (django-axes): lock a user name + address pair after repeated failures.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", 5))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", 0.25))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "cnum.accounts.backends.login_attempt_username"
AXES_LOCKOUT_TEMPLATE = "accounts/lockout.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Behind the production proxy the connection's address is the proxy's: count failures per real client address.
AXES_CLIENT_IP_CALLABLE = "cnum.core.ratelimit.login_client_address"

# ProConnect, the State's OpenID Connect for public agents (mozilla-django-oidc). Off until the client id, the
# secret and the provider are set; the endpoints follow from PROCONNECT_DOMAIN unless given one by one.
PROCONNECT_DOMAIN = os.environ.get("PROCONNECT_DOMAIN", "").strip()


def proconnect_endpoint(variable: str, path: str) -> str:
    """The endpoint given in `variable`, else ProConnect's own under PROCONNECT_DOMAIN, else "" (ProConnect off)."""
    default = f"https://{PROCONNECT_DOMAIN}/api/v2/{path}" if PROCONNECT_DOMAIN else ""
    return os.environ.get(variable, default).strip()


OIDC_RP_CLIENT_ID = os.environ.get("OIDC_RP_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("OIDC_RP_CLIENT_SECRET", "")
OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_RP_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = "openid email given_name usual_name siret uid"
OIDC_OP_AUTHORIZATION_ENDPOINT = proconnect_endpoint("OIDC_OP_AUTHORIZATION_ENDPOINT", "authorize")
OIDC_OP_TOKEN_ENDPOINT = proconnect_endpoint("OIDC_OP_TOKEN_ENDPOINT", "token")
OIDC_OP_USER_ENDPOINT = proconnect_endpoint("OIDC_OP_USER_ENDPOINT", "userinfo")
OIDC_OP_JWKS_ENDPOINT = proconnect_endpoint("OIDC_OP_JWKS_ENDPOINT", "jwks")
OIDC_OP_LOGOUT_ENDPOINT = proconnect_endpoint("OIDC_OP_LOGOUT_ENDPOINT", "session/end")
OIDC_AUTH_REQUEST_EXTRA_PARAMS = {"acr_values": os.environ.get("PROCONNECT_ACR_VALUES", "eidas1")}
OIDC_CREATE_USER = env_bool("PROCONNECT_CREATE_USERS", True)
OIDC_STORE_ID_TOKEN = True  # sent back as id_token_hint when the agent logs out
OIDC_TIMEOUT = 10
OIDC_AUTHENTICATE_CLASS = "cnum.accounts.oidc.ProConnectAuthenticateView"
OIDC_CALLBACK_CLASS = "cnum.accounts.oidc.ProConnectCallbackView"
OIDC_OP_LOGOUT_URL_METHOD = "cnum.accounts.oidc.provider_logout_url"

# Second factor (django-otp, TOTP): required for the programme team and the prefectures (accounts.perms).
CNUM_OTP_REQUIRED = env_bool("CNUM_OTP_REQUIRED", True)
OTP_TOTP_ISSUER = "cnum"

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", 25))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "cnum <ne-pas-repondre@cnum.localhost>")
# The address of the site, for links in e-mails sent outside a request (`invite` command, access requests).
CNUM_SITE_URL = os.environ.get("CNUM_SITE_URL", "http://localhost:8000")

# Where the reference data the product needs at run time lives (copied into the project, with licences).
REFERENCE_DIR = BASE_DIR / "reference"
# The open-data files `opendata_export` writes (scheduled every night) and /donnees-ouvertes/ publishes.
CNUM_OPENDATA_DIR = Path(os.environ.get("CNUM_OPENDATA_DIR", VAR_DIR / "opendata"))

#: A demonstration instance (config.settings.demo): every page carries a notice that its data are generated.
CNUM_DEMO = env_bool("CNUM_DEMO")

SERVICE_NAME = "cnum"
SERVICE_TAGLINE = "Conseiller numérique — registre, activité, statistiques et financement"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # No personal data in logs: e-mail addresses and phone numbers are masked before any handler writes them.
    "filters": {
        "mask_personal_data": {"()": "cnum.core.logging.PersonalDataFilter"},
        "client_errors_in_one_line": {"()": "cnum.core.logging.ClientErrorsInOneLine"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["mask_personal_data"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # Django's own configuration gives "django" a console handler of its own (with DEBUG) and lets it propagate
        # to the root's: every record was written twice. One handler, no propagation: once.
        "django": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO"), "propagate": False},
        # A 403 or a 404 is one line, without the traceback of the exception that produced it.
        "django.request": {"filters": ["client_errors_in_one_line"]},
    },
}

# One cache shared by every gunicorn worker (the password-reset limits, the dashboards; the API's rate limits count
# in their own table, cnum.core.ratelimit.count): a table made by `manage.py createcachetable`, whose entries roll
# back with the transaction that wrote them. Django's default of 300 entries would empty a third of it every few
# pages (a dashboard is two entries, the national map a hundred small ones); expired entries are deleted first when
# it is full.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "cnum_cache",
        "OPTIONS": {"MAX_ENTRIES": int(os.environ.get("CNUM_CACHE_MAX_ENTRIES", 50_000))},
    }
}
#: Seconds a dashboard stays cached at most (cnum.stats.dashboard_cache): rollup writes invalidate it at once, the
#: expiry bounds only registry writes that send no signal (docs/adr/0008-dashboard-cache.md).
CNUM_STATS_CACHE_SECONDS = int(os.environ.get("CNUM_STATS_CACHE_SECONDS", 600))

# Background work (cnum.core.jobs, docs/adr/0007-background-tasks.md): Django's Tasks API with its database backend,
# on SQLite and PostgreSQL alike; `manage.py tasks_worker` runs the queue (make run starts it beside gunicorn).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
#: Where running tasks write their progress (one small file per task, read by the progress bar's polling).
CNUM_TASKS_PROGRESS_DIR = Path(os.environ.get("CNUM_TASKS_PROGRESS_DIR", VAR_DIR / "tasks"))
#: Web imports and activity exports above this many rows run as a background task with a progress bar.
CNUM_TASKS_ROWS_THRESHOLD = int(os.environ.get("CNUM_TASKS_ROWS_THRESHOLD", 2000))
#: How long a web worker's drainer gathers recorded activities into one batch before counting them in the rollup
#: tables (cnum.stats.pending, docs/adr/0009-deferred-rollups.md): the rollup tables lag the writes by about this (a
#: dashboard read counts what is pending first). A drain's cost is mostly per batch, not per activity: 1 s rather
#: than 200 ms made a recording's share of the drains 2.6 → 1.0 ms of CPU at national scale on PostgreSQL (batches
#: of 64 activities rather than 16; docs/performance.md).
CNUM_STATS_DRAIN_DELAY_MS = int(os.environ.get("CNUM_STATS_DRAIN_DELAY_MS", 1000))
#: Local hour (0-23) at which the worker regenerates the open data each night; empty turns the schedule off.
CNUM_OPENDATA_HOUR = os.environ.get("CNUM_OPENDATA_HOUR", "3")

# Request bodies (cnum.core.limits): without a signed-in session (sign-in, password reset, partner API) and with one
# (file imports). Imports also stop at CNUM_IMPORT_MAX_ROWS rows and CNUM_IMPORT_MAX_COLUMNS columns.
CNUM_MAX_ANONYMOUS_BODY_KB = int(os.environ.get("CNUM_MAX_ANONYMOUS_BODY_KB", 1024))
CNUM_MAX_UPLOAD_MB = int(os.environ.get("CNUM_MAX_UPLOAD_MB", 200))
CNUM_IMPORT_MAX_ROWS = int(os.environ.get("CNUM_IMPORT_MAX_ROWS", 2_000_000))
CNUM_IMPORT_MAX_COLUMNS = int(os.environ.get("CNUM_IMPORT_MAX_COLUMNS", 256))
#: An XLSX workbook is a zip: refuse one whose parts would expand beyond this (a "zip bomb") before opening it.
CNUM_IMPORT_MAX_XLSX_EXPANDED_MB = int(os.environ.get("CNUM_IMPORT_MAX_XLSX_EXPANDED_MB", 2048))

# Partner API rate limits ("requests/period": s, min, hour, day), per token and per address without a token.
CNUM_API_RATE_PER_TOKEN = os.environ.get("CNUM_API_RATE_PER_TOKEN", "120/min")
CNUM_API_RATE_PER_IP = os.environ.get("CNUM_API_RATE_PER_IP", "60/min")
# Password-reset e-mails (cnum.accounts.limits): per e-mail address, and per client address.
CNUM_PASSWORD_RESET_RATE_PER_EMAIL = os.environ.get("CNUM_PASSWORD_RESET_RATE_PER_EMAIL", "1/15min")
CNUM_PASSWORD_RESET_RATE_PER_IP = os.environ.get("CNUM_PASSWORD_RESET_RATE_PER_IP", "10/hour")
# Reverse proxies in front of cnum whose X-Forwarded-For is trusted (API throttles, password reset); 0 uses the
# connection's address only.
NINJA_NUM_PROXIES = int(os.environ.get("CNUM_TRUSTED_PROXIES", 0))

# Retention periods (docs/privacy.md), applied by `manage.py purge`; 0 turns a rule off.
CNUM_RETENTION = {
    "inactive_accounts_months": int(os.environ.get("CNUM_RETENTION_ACCOUNTS_MONTHS", 30)),
    "followed_beneficiaries_inactive_years": int(os.environ.get("CNUM_RETENTION_BENEFICIARIES_YEARS", 3)),
    "login_logs_months": int(os.environ.get("CNUM_RETENTION_LOGIN_LOGS_MONTHS", 12)),
    "audit_log_years": int(os.environ.get("CNUM_RETENTION_AUDIT_YEARS", 5)),
}

# django-dsfr: required fields get the DSFR's asterisk (`fr-required-marker`), optional ones nothing. "(Optionnel)"
# after every optional label broke mid-word in narrow filter columns ("Département (Optionn el)"), and most cnum
# fields are optional (issue #17). The activity form says what the asterisk means; the inputs carry `required`.
DSFR_MARK_OPTIONAL_FIELDS = False

# The public map's background tiles (docs/environment.md): IGN's Géoplateforme "Plan IGN v2" (WMTS, Web Mercator) by
# default; "" shows markers and the list without a background. The tiles' origin is allowed in the CSP's img-src.
CNUM_MAP_TILES_URL = os.environ.get(
    "CNUM_MAP_TILES_URL",
    "https://data.geopf.fr/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=GEOGRAPHICALGRIDSYSTEMS.PLANIGNV2"
    "&STYLE=normal&TILEMATRIXSET=PM&FORMAT=image/png&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}",
)
CNUM_MAP_TILES_ATTRIBUTION = os.environ.get("CNUM_MAP_TILES_ATTRIBUTION", "© IGN – Géoplateforme (Plan IGN)")
_TILES = urllib.parse.urlsplit(CNUM_MAP_TILES_URL)
MAP_TILES_ORIGIN = f"{_TILES.scheme}://{_TILES.netloc}" if _TILES.scheme and _TILES.netloc else ""

# Content-Security-Policy (django-csp): nothing inline runs or styles without the request's nonce, nothing is
# loaded from elsewhere (assets are vendored). Templates give scripts `nonce="{{ request.csp_nonce }}"`; SVG charts
# and maps are styled by classes of static/cnum/cnum.css, never by style attributes. tests/core/test_csp.py checks
# every page. ProConnect's domain is added to form-action so that logging out can go on to its end-session page.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:", *([MAP_TILES_ORIGIN] if MAP_TILES_ORIGIN else [])],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF, *([f"https://{PROCONNECT_DOMAIN}"] if PROCONNECT_DOMAIN else [])],
    }
}
