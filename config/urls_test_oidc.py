"""cnum's URLs plus an OpenID Connect provider (django-oauth-toolkit) that plays ProConnect in the tests.

Used only by tests/accounts/test_oidc.py, through settings.ROOT_URLCONF; never in a deployed configuration.
"""

from django.urls import include, path

from config.urls import handler403, handler404, handler500
from config.urls import urlpatterns as cnum_urlpatterns

urlpatterns = [
    path("fournisseur/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    *cnum_urlpatterns,
]

__all__ = ["urlpatterns", "handler403", "handler404", "handler500"]
