from django.urls import path

from cnum.core import views, views_imports

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("tableau-de-bord/", views.dashboard, name="dashboard"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("journal/", views.audit_log, name="audit_log"),
    path("imports/", views_imports.upload, name="import_upload"),
    path("imports/confirmer/", views_imports.confirm, name="import_confirm"),
    path("imports/modele/<slug:name>.<slug:extension>", views_imports.template, name="import_template"),
    path("accessibilite/", views.legal_page, {"page": "accessibilite"}, name="accessibility"),
    path("mentions-legales/", views.legal_page, {"page": "mentions-legales"}, name="legal_notice"),
    path("donnees-personnelles/", views.legal_page, {"page": "donnees-personnelles"}, name="privacy"),
    path("plan-du-site/", views.legal_page, {"page": "plan-du-site"}, name="sitemap"),
    path("demonstration/", views.legal_page, {"page": "demonstration"}, name="demo"),
]
