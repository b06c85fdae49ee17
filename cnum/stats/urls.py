from django.urls import path, re_path

from cnum.stats import views, views_public, views_share

app_name = "stats"

urlpatterns = [
    path("", views_public.public, name="public"),
    path("tableau-de-bord/", views.dashboard, name="dashboard"),
    path("partage/", views_share.share, name="share"),
    path("partage/<str:token>/", views_public.shared, name="shared"),
    re_path(r"^tableau-de-bord/export\.(?P<fmt>csv|xlsx|pdf)$", views.export, name="export"),
]
