from django.urls import path

from cnum.api import views

app_name = "api_tokens"

urlpatterns = [
    path("", views.token_list, name="list"),
    path("nouveau/", views.token_create, name="create"),
    path("<int:pk>/revoquer/", views.token_revoke, name="revoke"),
]
