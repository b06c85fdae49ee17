import io
import logging
import sys

import pytest
from django.conf import settings

from cnum.core.logging import PersonalDataFilter, mask_personal_data


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Relance non envoyée à marie.dupont+cnum@exemple.fr", "Relance non envoyée à ***@exemple.fr"),
        ("Appeler le 06 12 34 56 78 demain", "Appeler le [téléphone masqué] demain"),
        ("tél. 0612345678.", "tél. [téléphone masqué]."),
        ("tél. 06.12.34.56.78 ou 01-23-45-67-89", "tél. [téléphone masqué] ou [téléphone masqué]"),
        ("+33 6 12 34 56 78 / +33612345678", "[téléphone masqué] / [téléphone masqué]"),
        ("0033 1 23 45 67 89", "[téléphone masqué]"),
        ("numéro belge +32 470 12 34 56", "numéro belge [téléphone masqué]"),
    ],
)
def test_addresses_and_phone_numbers_are_masked(text, expected):
    assert mask_personal_data(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Import terminé : 12345 lignes en 2026-06-15 10:00:01",
        "SIRET 21690123400019, commune 69123, 127.0.0.1",
        "Structure n° 0612 — 30 minutes",
    ],
)
def test_ordinary_numbers_are_kept(text):
    assert mask_personal_data(text) == text


def record(msg, *args, exc_info=None):
    return logging.LogRecord("cnum.test", logging.ERROR, __file__, 1, msg, args, exc_info)


def test_the_filter_masks_arguments_and_tracebacks():
    try:
        raise ValueError("doublon : jean@exemple.fr")
    except ValueError:
        entry = record("Échec pour %s (%s)", "jean@exemple.fr", "06 12 34 56 78", exc_info=sys.exc_info())

    assert PersonalDataFilter().filter(entry) is True
    text = logging.Formatter().format(entry)
    assert "jean@" not in text and "06 12" not in text
    assert "Échec pour ***@exemple.fr ([téléphone masqué])" in text
    assert "ValueError: doublon : ***@exemple.fr" in text


def test_the_filter_is_wired_on_every_configured_handler(caplog):
    assert settings.LOGGING["filters"]["mask_personal_data"]["()"] == "cnum.core.logging.PersonalDataFilter"
    for handler in settings.LOGGING["handlers"].values():
        assert "mask_personal_data" in handler["filters"]
    root_handlers = [h for h in logging.getLogger().handlers if h.__class__ is logging.StreamHandler]
    assert root_handlers and all(
        any(isinstance(f, PersonalDataFilter) for f in handler.filters) for handler in root_handlers
    )


def test_what_a_command_logs_reaches_the_console_masked():
    console = next(h for h in logging.getLogger().handlers if h.__class__ is logging.StreamHandler)
    stream = io.StringIO()
    previous = console.setStream(stream)
    try:
        logging.getLogger("cnum.commands.send_reminders").warning("Relance non envoyée à %s", "lea.martin@exemple.fr")
    finally:
        console.setStream(previous)
    assert "Relance non envoyée à ***@exemple.fr" in stream.getvalue()
    assert "lea.martin" not in stream.getvalue()


@pytest.fixture
def console():
    """What the configured console handlers write, whichever logger they hang on."""
    handlers = {
        handler
        for logger in [logging.getLogger(), *map(logging.getLogger, logging.root.manager.loggerDict)]
        for handler in getattr(logger, "handlers", [])
        if any(isinstance(f, PersonalDataFilter) for f in handler.filters)  # cnum's, not pytest's
    }
    stream = io.StringIO()
    previous = {handler: handler.setStream(stream) for handler in handlers}
    yield stream
    for handler, old in previous.items():
        handler.setStream(old)


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "status", "words"), [("/journal/", 403, "Forbidden"), ("/nulle-part/", 404, "Not")])
def test_a_refusal_or_a_missing_page_is_one_line_without_traceback(client, console, path, status, words):
    from tests.accounts.factories import UserFactory

    client.force_login(UserFactory())
    assert client.get(path).status_code == status
    lines = [line for line in console.getvalue().splitlines() if path in line]
    assert len(lines) == 1 and words in lines[0], console.getvalue()
    assert "Traceback" not in console.getvalue()
