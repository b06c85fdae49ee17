"""PDFs fetch nothing that their HTML names (issue #15, finding 12)."""

import http.server
import threading

import pytest
import weasyprint

from cnum.core.pdf import html_to_pdf, no_fetch


def _png() -> bytes:
    """A valid 1×1 white PNG, made here."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff"))
        + chunk(b"IEND", b"")
    )


PNG = _png()


@pytest.fixture
def local_server():
    """A server on loopback that counts the requests it gets."""
    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            self.wfile.write(PNG)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()


def test_a_pdf_never_reads_a_local_file_nor_calls_an_address(tmp_path, local_server):
    url, hits = local_server
    image = tmp_path / "image.png"
    image.write_bytes(PNG)
    html = f'<p>Fiche</p><img src="file://{image}"><img src="{url}/interne.png">'
    # What WeasyPrint does on its own: it fetches both (the test would pass for nothing otherwise).
    weasyprint.HTML(string=html).write_pdf()
    assert hits == ["/interne.png"]

    pdf = html_to_pdf(html, title="Fiche")
    assert pdf.startswith(b"%PDF")
    assert hits == ["/interne.png"]  # no second request
    assert b"/Image" not in pdf  # neither image drawn


def test_data_uris_are_still_drawn():
    import base64

    html = f'<img src="data:image/png;base64,{base64.b64encode(PNG).decode()}">'
    assert b"/Image" in html_to_pdf(html, title="Fiche")
    with pytest.raises(ValueError, match="disallowed protocol"):
        no_fetch().fetch("file:///etc/passwd")
