from django.urls import path

from cnum.stats import views_opendata

app_name = "opendata"

urlpatterns = [
    path("", views_opendata.opendata_page, name="page"),
    path("<str:name>", views_opendata.opendata_file, name="file"),
]
