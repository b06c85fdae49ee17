from django.contrib import admin
from django.urls import include, path

from cnum.api.api import api
from cnum.core import views as core_views

urlpatterns = [
    path("", include("cnum.accounts.urls")),
    path("", include("cnum.access.urls")),
    path("oidc/", include("mozilla_django_oidc.urls")),
    path("", include("cnum.core.urls")),
    path("territoires/", include("cnum.territories.urls")),
    path("structures/", include("cnum.structures.urls")),
    path("lieux/", include("cnum.sites.urls")),
    path("conseillers/", include("cnum.advisors.urls")),
    path("activites/", include("cnum.activities.urls")),
    path("statistiques/", include("cnum.stats.urls")),
    path("donnees-ouvertes/", include("cnum.stats.urls_opendata")),
    path("financement/", include("cnum.funding.urls")),
    path("jetons-api/", include("cnum.api.urls")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]

handler403 = core_views.error_403
handler404 = core_views.error_404
handler500 = core_views.error_500
