"""The database cache (rate limits shared by gunicorn's workers) gets its table from the migrations."""

import importlib
from types import SimpleNamespace

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import override_settings

DATABASE_CACHE = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "cnum_cache"}}


@pytest.mark.django_db
def test_the_migration_creates_the_cache_table_and_the_cache_works():
    migration = importlib.import_module("cnum.core.migrations.0003_cache_table")
    with override_settings(CACHES=DATABASE_CACHE):
        assert "cnum_cache" not in connection.introspection.table_names()  # the tests' settings use memory
        # The migration reads only the editor's connection (SQLite refuses a schema editor inside the test's atomic).
        migration.create_cache_table(apps=None, schema_editor=SimpleNamespace(connection=connection))
        assert "cnum_cache" in connection.introspection.table_names()
        cache = caches.create_connection("default")
        cache.set("compteur", 3)
        assert cache.get("compteur") == 3
