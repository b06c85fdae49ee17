"""Content-Security-Policy without unsafe-inline: every page sends the policy, and its HTML has nothing inline that
the policy would refuse — no <script> or <style> without the request's nonce, no style="…" or on…="…" attribute.

Every URL pattern without parameters is fetched anonymously and as the programme team (the role that reaches the
most pages), so a page added later is checked without being listed here.
"""

import re
from html.parser import HTMLParser

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db
SKIPPED = ("admin/", "api/", "oidc/", "deconnexion")  # Django's admin, JSON endpoints, OIDC redirects, logout


def plain_routes(patterns=None, prefix="") -> list[str]:
    """Paths of the URL patterns that take no parameter."""
    routes = []
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        route = str(pattern.pattern)
        if "<" in route or "(?P" in route or route.startswith("^"):
            continue
        if isinstance(pattern, URLResolver):
            routes += plain_routes(pattern.url_patterns, prefix + route)
        elif isinstance(pattern, URLPattern):
            routes.append("/" + prefix + route)
    return sorted({route for route in routes if not route.lstrip("/").startswith(SKIPPED)})


class InlineFinder(HTMLParser):
    def __init__(self, nonce: str):
        super().__init__()
        self.nonce, self.problems = nonce, []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        inline_script = tag == "script" and "src" not in attributes and attributes.get("type") != "application/json"
        if (inline_script or tag == "style") and attributes.get("nonce") != self.nonce:
            self.problems.append(f"<{tag}> sans nonce")
        for name, _ in attrs:
            if name == "style" or name.startswith("on"):
                self.problems.append(f"attribut {name} sur <{tag}>")


def check_page(client, path: str) -> list[str]:
    response = client.get(path)
    if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
        return []
    policy = response.get("Content-Security-Policy", "")
    problems = [] if policy else ["pas d'en-tête Content-Security-Policy"]
    if "unsafe-inline" in policy or "unsafe-eval" in policy:
        problems.append(f"politique trop permissive : {policy}")
    nonce = re.search(r"'nonce-([^']+)'", policy)
    finder = InlineFinder(nonce.group(1) if nonce else "")
    finder.feed(response.content.decode())
    return [f"{path} : {problem}" for problem in problems + finder.problems]


def test_the_policy_refuses_inline_code():
    from django.conf import settings

    directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    for directive in ("script-src", "style-src", "default-src"):
        assert "'unsafe-inline'" not in directives[directive]
    assert directives["object-src"] == ["'none'"] and directives["frame-ancestors"] == ["'none'"]


def test_routes_are_found():
    routes = plain_routes()
    assert "/" in routes and "/statistiques/" in routes and "/lieux/" in routes


def test_every_page_anonymous(client):
    problems = [problem for path in plain_routes() for problem in check_page(client, path)]
    assert problems == []


def test_every_page_programme_team(client):
    client.force_login(UserFactory(programme_team=True))
    problems = [problem for path in plain_routes() for problem in check_page(client, path)]
    assert problems == []


def test_inline_finder_catches_what_the_policy_refuses():
    finder = InlineFinder("abc")
    finder.feed('<script>x()</script><script nonce="abc">y()</script><div style="color:red" onclick="z()"></div>')
    assert finder.problems == ["<script> sans nonce", "attribut style sur <div>", "attribut onclick sur <div>"]
