from django.urls import path

from cnum.funding import views

app_name = "funding"

urlpatterns = [
    path("", views.budget, name="budget"),
    path("conventions/", views.convention_list, name="convention_list"),
    path("conventions/<int:pk>/", views.convention_detail, name="convention_detail"),
    path("simulateur/", views.simulator, name="simulator"),
    path("scenarios/", views.scenario_compare, name="scenarios"),
]
