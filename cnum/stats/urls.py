from django.urls import path, re_path

from cnum.stats import views, views_public

app_name = "stats"

urlpatterns = [
    path("", views_public.public, name="public"),
    path("tableau-de-bord/", views.dashboard, name="dashboard"),
    re_path(r"^tableau-de-bord/export\.(?P<fmt>csv|xlsx|pdf)$", views.export, name="export"),
]
