"""Sessions read by a compiled statement (cnum.core.session_store): Django's behaviour kept — a live session is
read back, an ended or unknown one is not, and the store then makes a new key."""

import datetime

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from cnum.core.session_store import SessionStore

pytestmark = pytest.mark.django_db


def test_a_live_session_is_read_back_and_an_ended_one_is_not():
    session = SessionStore()
    session["colour"] = "bleu"
    session.save()
    assert SessionStore(session.session_key)["colour"] == "bleu"

    Session.objects.filter(session_key=session.session_key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    ended = SessionStore(session.session_key)
    assert ended.get("colour") is None
    assert ended.session_key is None  # as Django's: the next save makes a new key


def test_an_unknown_key_reads_nothing():
    unknown = SessionStore("x" * 32)
    assert unknown.load() == {}
    assert unknown.session_key is None


def test_the_settings_use_it(client, settings):
    assert settings.SESSION_ENGINE == "cnum.core.session_store"
    response = client.get("/connexion/")
    assert response.status_code == 200
