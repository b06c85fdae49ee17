"""The gunicorn access log (`make run`, config/gunicorn.conf.py) writes no e-mail, search or reset token."""

import datetime
import io
import logging
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.urls import reverse

from cnum.core.logging import mask_url

ROOT = Path(__file__).resolve().parents[2]
RESET_PATH = "/mot-de-passe/nouveau/MTIz/cb5s1a-0f9c6b7e2d1a4c3b5e6f7a8b9c0d1e2f/"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/conseillers/?q=camille.martin%40example.fr&page=2", "/conseillers/?q=[masqué]&page=2"),
        ("/journal/?actor=camille.martin%40example.fr", "/journal/?actor=[masqué]"),
        ("/x/?courriel=camille.martin%40example.fr", "/x/?courriel=***@example.fr"),
        ("/x/?tel=%2B33612345678", "/x/?tel=[téléphone masqué]"),
        (RESET_PATH, "/mot-de-passe/nouveau/[masqué]/[masqué]/"),
        ("/mot-de-passe/nouveau/MTIz/set-password/", "/mot-de-passe/nouveau/[masqué]/[masqué]/"),
        ("/oidc/callback/?code=abc&state=def", "/oidc/callback/?code=[masqué]&state=[masqué]"),
        ("/statistiques/?scope=departement%3A69&page=3", "/statistiques/?scope=departement:69&page=3"),
    ],
)
def test_urls_are_masked(text, expected):
    assert mask_url(text) == expected


def test_the_reset_route_masked_is_the_real_one():
    path = reverse("accounts:password_reset_confirm", kwargs={"uidb64": "MTIz", "token": "cb5s1a-0f9c6b7e2d1a"})
    assert "MTIz" not in mask_url(path) and "cb5s1a" not in mask_url(path)


def access_line(environ_overrides: dict) -> str:
    from gunicorn.config import Config

    from cnum.core.access_log import PersonalDataLogger

    config = Config()
    config.set("accesslog", "-")
    logger = PersonalDataLogger(config)
    stream = io.StringIO()
    logger.access_log.handlers = [logging.StreamHandler(stream)]
    environ = {
        "REQUEST_METHOD": "GET",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_USER_AGENT": "essai",
        **environ_overrides,
    }
    response = SimpleNamespace(status="200 OK", sent=12, headers=[])
    request = SimpleNamespace(headers=[("REFERER", environ.get("HTTP_REFERER", "-"))])
    logger.access(response, request, environ, datetime.timedelta(seconds=0, microseconds=1500))
    return stream.getvalue()


def test_the_gunicorn_logger_masks_the_request_line_and_the_referer():
    line = access_line(
        {
            "RAW_URI": "/conseillers/?q=camille.martin%40example.fr",
            "PATH_INFO": "/conseillers/",
            "QUERY_STRING": "q=camille.martin%40example.fr",
            "HTTP_REFERER": "https://cnum.example" + RESET_PATH,
        }
    )
    assert '"GET /conseillers/?q=[masqué] HTTP/1.1" 200 12' in line
    assert "camille" not in line and "MTIz" not in line and "cb5s1a" not in line


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_gunicorn_started_with_the_project_configuration_writes_a_masked_access_log(tmp_path):
    port = free_port()
    log = tmp_path / "access.log"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "tests.core.access_log_app:app",
            "--config",
            str(ROOT / "config" / "gunicorn.conf.py"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--access-logfile",
            str(log),
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/conseillers/?q=a%40b.fr&nom=x%40y.fr", timeout=2)
                urllib.request.urlopen(f"http://127.0.0.1:{port}{RESET_PATH}", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        deadline = time.monotonic() + 10
        while log.read_text().count("\n") < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        server.terminate()
        server.wait(timeout=10)
    written = log.read_text()
    assert "/conseillers/?q=[masqué]&nom=***@y.fr" in written
    assert "/mot-de-passe/nouveau/[masqué]/[masqué]/" in written
    assert "a@b.fr" not in written and "a%40b.fr" not in written and "MTIz" not in written
