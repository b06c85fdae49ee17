"""PDF documents from HTML (WeasyPrint), fetching nothing (issue #15, finding 12).

WeasyPrint's default URL fetcher follows any URL the HTML names — `file:///etc/passwd` in an <img>, an internal
address in a stylesheet — and the fiches' HTML holds names typed by users. The documents are self-contained (their
styles inline), so every fetch is refused but `data:` URIs, which carry their content with them.
"""

import weasyprint
from weasyprint.urls import URLFetcher


def no_fetch() -> URLFetcher:
    """WeasyPrint's fetcher allowing the `data:` scheme only, and no redirect."""
    return URLFetcher(allowed_protocols={"data"}, allow_redirects=False)


def html_to_pdf(html: str, *, title: str) -> bytes:
    """The PDF of `html`, its title also in the metadata (where indexers and screen readers look for it)."""
    rendered = weasyprint.HTML(string=html, url_fetcher=no_fetch()).render()
    rendered.metadata.title = title
    rendered.metadata.authors = ["Conseiller numérique"]
    return rendered.write_pdf()
