"""The long commands show a progress bar with its rate and time left on a terminal (issue #20, deliverable 4), and
report to their task's page when run as a background task (cnum.core.jobs)."""

import io
import sys

import pytest
from django.core.management import call_command
from django.db import connection

from tests.activities.factories import ActivityFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def terminal(monkeypatch, capsys):
    """stderr as a terminal (the bars hide when it is a file or a pipe). Called in the test: pytest puts the
    captured stream in place for the test's body only."""

    def as_terminal():
        monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
        return capsys

    return as_terminal


@pytest.mark.parametrize(
    ("command", "options", "label"),
    [
        ("stats_rebuild", {}, "Étapes d'agrégation"),
        ("stats_rebuild", {"method": "python"}, "Activités agrégées"),
        ("stats_verify", {}, "Étapes du recompte"),
        ("stats_verify", {"scope": "national"}, "Activités recomptées"),
        ("opendata_export", {"output": "{tmp}/opendata"}, "Fichiers écrits"),
    ],
)
def test_a_long_command_shows_its_rate_and_time_left(terminal, tmp_path, command, options, label):
    captured = terminal()
    ActivityFactory.create_batch(3)
    options = {key: value.format(tmp=tmp_path) for key, value in options.items()}
    call_command(command, stdout=io.StringIO(), **options)
    bar = captured.readouterr().err
    assert label in bar
    assert "/s]" in bar  # the rate
    assert "<" in bar.split(label)[-1]  # elapsed<remaining


@pytest.mark.django_db(transaction=True)  # the backup copies the database from another connection
def test_the_backup_shows_its_rate_and_time_left(terminal, tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("pg_dump ne dit pas son avancement : la barre suit la copie page à page de SQLite")
    captured = terminal()
    call_command("backup", output=tmp_path / "sauvegarde.tar", stdout=io.StringIO())
    bar = captured.readouterr().err
    assert "Copie" in bar and "pages/s]" in bar and "<" in bar.split("Copie")[-1]


def test_a_quiet_command_shows_no_bar(terminal):
    captured = terminal()
    call_command("stats_rebuild", verbosity=0, stdout=io.StringIO())
    assert captured.readouterr().err == ""
