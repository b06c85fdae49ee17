"""A WSGI application that answers 200 to everything: gunicorn's access log is tested without Django."""


def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]
