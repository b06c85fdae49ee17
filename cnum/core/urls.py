from django.urls import path

from cnum.core import views, views_imports, views_jobs

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("tableau-de-bord/", views.dashboard, name="dashboard"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("journal/", views.audit_log, name="audit_log"),
    path("imports/", views_imports.upload, name="import_upload"),
    path("imports/confirmer/", views_imports.confirm, name="import_confirm"),
    path("imports/modele/<slug:name>.<slug:extension>", views_imports.template, name="import_template"),
    path("taches/", views_jobs.job_list, name="job_list"),
    path("taches/lancer/", views_jobs.job_launch, name="job_launch"),
    path("taches/<int:job_id>/", views_jobs.job_detail, name="job_detail"),
    path("taches/<int:job_id>/progression/", views_jobs.job_progress, name="job_progress"),
    path("taches/<int:job_id>/relancer/", views_jobs.job_retry, name="job_retry"),
    path("taches/<int:job_id>/fichier/", views_jobs.job_file, name="job_file"),
    path("accessibilite/", views.legal_page, {"page": "accessibilite"}, name="accessibility"),
    path("mentions-legales/", views.legal_page, {"page": "mentions-legales"}, name="legal_notice"),
    path("donnees-personnelles/", views.legal_page, {"page": "donnees-personnelles"}, name="privacy"),
    path("plan-du-site/", views.legal_page, {"page": "plan-du-site"}, name="sitemap"),
    path("demonstration/", views.legal_page, {"page": "demonstration"}, name="demo"),
]
