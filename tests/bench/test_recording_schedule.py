"""The paced level of the recording measure (bench.recording._level) times each post from when it was due; the
schedule starts with the clients, not before the work the level does first (its yardstick drains the previous level's
backlog and asks 100 pages: a second or more), which made every post due meanwhile late from the start."""

import http.server
import os
import threading
import time

import pytest

from bench import recording
from bench.server import Served

SLOW_YARDSTICK_S = 1.5


class Recorded(http.server.BaseHTTPRequestHandler):
    """Answers every post at once as the API does a recorded activity (201), on a keep-alive connection."""

    protocol_version = "HTTP/1.1"

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(201)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def served():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorded)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = Served(f"http://127.0.0.1:{server.server_address[1]}")
    base.pid = os.getpid()
    yield base
    server.shutdown()
    server.server_close()


def test_the_paced_schedule_starts_with_the_clients_not_before_the_yardstick(served, monkeypatch):
    def slow_yardstick(base):
        time.sleep(SLOW_YARDSTICK_S)
        return 1.0

    monkeypatch.setattr(recording, "reference_cpu_ms", slow_yardstick)
    monkeypatch.setattr(recording, "_probe", lambda *args: None)
    clients = [(f"client-{index}@example.org", 1, "secret", index) for index in range(4)]

    result, timings = recording._level(served, "api", clients, [None] * 4, 10, None, rate=100)

    assert result["errors"] == 0 and len(timings) == 40
    # Each post answered at once: late by less than the yardstick took (before the fix, each of the first was late by
    # all of it, the last ones by more than a second).
    assert sorted(timings)[len(timings) // 2] < SLOW_YARDSTICK_S / 3
    assert max(timings) < SLOW_YARDSTICK_S
