import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from config.settings.checks import check_production_settings

SQLITE = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "x"}}
POSTGRES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "cnum"}}
GOOD_KEY = "k" * 50


@pytest.mark.parametrize(
    ("secret_key", "hosts", "databases", "allow_sqlite", "message"),
    [
        ("", ["cnum.example.fr"], POSTGRES, False, "SECRET_KEY"),
        ("court", ["cnum.example.fr"], POSTGRES, False, "SECRET_KEY"),
        (GOOD_KEY, [], POSTGRES, False, "ALLOWED_HOSTS"),
        (GOOD_KEY, ["*"], POSTGRES, False, "ALLOWED_HOSTS"),
        (GOOD_KEY, ["cnum.example.fr"], SQLITE, False, "PostgreSQL"),
    ],
)
def test_production_refuses_an_insecure_configuration(secret_key, hosts, databases, allow_sqlite, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        check_production_settings(
            secret_key=secret_key, allowed_hosts=hosts, databases=databases, allow_sqlite=allow_sqlite
        )


def test_production_accepts_a_complete_configuration():
    check_production_settings(
        secret_key=GOOD_KEY, allowed_hosts=["cnum.example.fr"], databases=POSTGRES, allow_sqlite=False
    )
    check_production_settings(
        secret_key=GOOD_KEY, allowed_hosts=["cnum.example.fr"], databases=SQLITE, allow_sqlite=True
    )


def _load_prod_settings(env):
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings.prod'; django.setup();"
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, s.DEBUG)"
    )
    clean_env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"}}
    return subprocess.run(
        [sys.executable, "-c", code], env={**clean_env, **env}, capture_output=True, text=True, cwd=settings.BASE_DIR
    )


def test_prod_settings_module_refuses_to_start_without_configuration():
    result = _load_prod_settings({})
    assert result.returncode != 0
    assert "Configuration de production refusée" in result.stderr


def test_prod_settings_module_starts_secure_when_configured():
    result = _load_prod_settings(
        {
            "SECRET_KEY": GOOD_KEY,
            "ALLOWED_HOSTS": "cnum.example.fr",
            "DATABASE_URL": "postgres://cnum@127.0.0.1:5432/cnum",
        }
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "31536000", "False"]


def test_sqlite_is_the_default_and_runs_in_wal_mode(tmp_path):
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        pytest.skip("the suite runs on PostgreSQL here")
    assert "journal_mode=WAL" in settings.DATABASES["default"]["OPTIONS"]["init_command"]
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings.dev'; django.setup();"
        "from django.db import connection; c = connection.cursor(); c.execute('PRAGMA journal_mode');"
        "print(connection.settings_dict['NAME'], c.fetchone()[0])"
    )
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["CNUM_SQLITE_PATH"] = str(tmp_path / "essai.sqlite3")
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=settings.BASE_DIR
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(tmp_path / "essai.sqlite3"), "wal"]


# --- Insecure defaults (issue #15, finding 9) ---------------------------------------------------------------------


def _environment_without_settings() -> dict:
    drop = {"DJANGO_SETTINGS_MODULE", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"}
    return {k: v for k, v in os.environ.items() if k not in drop}


@pytest.mark.parametrize("entry", ["manage.py", "wsgi"])
def test_manage_py_and_the_wsgi_application_default_to_the_production_settings(entry, tmp_path):
    """Forgetting DJANGO_SETTINGS_MODULE must not serve debug pages with a published key: production refuses."""
    env = _environment_without_settings() | {"CNUM_VAR_DIR": str(tmp_path)}
    if entry == "manage.py":
        command = [sys.executable, "manage.py", "check"]
    else:
        command = [sys.executable, "-c", "import config.wsgi"]
    result = subprocess.run(command, env=env, capture_output=True, text=True, cwd=settings.BASE_DIR)
    assert result.returncode != 0
    assert "Configuration de production refusée" in result.stderr


def test_the_demo_settings_hide_the_debug_page_and_answer_the_dsfr_404(tmp_path):
    """`make run` serves config.settings.demo: an unknown page is the DSFR 404, not Django's list of every URL, and
    the secret key is this installation's own, kept private in var/."""
    code = (
        "import django; django.setup();"
        "from django.core.management import call_command; call_command('migrate', verbosity=0);"
        "from django.conf import settings; from django.test import Client;"
        "r = Client(HTTP_HOST='127.0.0.1').get('/page-inconnue/');"
        "print(settings.DEBUG, r.status_code, 'fr-header' in r.content.decode(), 'URLconf' in r.content.decode());"
        "print(settings.SECRET_KEY)"
    )
    env = _environment_without_settings() | {
        "DJANGO_SETTINGS_MODULE": "config.settings.demo",
        "CNUM_VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=settings.BASE_DIR
    )
    assert result.returncode == 0, result.stderr
    first, key = result.stdout.splitlines()
    assert first.split() == ["False", "404", "True", "False"]
    key_file = tmp_path / "secret_key"
    assert key == key_file.read_text().strip() and len(key) >= 50
    assert key_file.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(("given", "expected"), [(None, 5), ("", None), ("2", 2)])
def test_postgresql_statements_bound_on_the_server_are_prepared_unless_turned_off(monkeypatch, given, expected):
    from config.settings.base import database_config

    monkeypatch.setenv("DATABASE_URL", "postgres://cnum@127.0.0.1:5432/cnum")
    if given is None:
        monkeypatch.delenv("CNUM_PG_PREPARE_THRESHOLD", raising=False)
    else:
        monkeypatch.setenv("CNUM_PG_PREPARE_THRESHOLD", given)
    assert database_config()["OPTIONS"]["prepare_threshold"] == expected


def test_a_sqlite_database_url_gets_no_postgresql_option(monkeypatch, tmp_path):
    """`DATABASE_URL=sqlite:///…` is a valid address: sqlite3's connection would refuse psycopg's option."""
    from config.settings.base import database_config

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cnum.sqlite3'}")
    config = database_config()
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert "prepare_threshold" not in config.get("OPTIONS", {})
