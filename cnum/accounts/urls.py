from django.contrib.auth import views as auth_views
from django.urls import path

from cnum.accounts import views

app_name = "accounts"

urlpatterns = [
    path("connexion/", views.LoginView.as_view(), name="login"),
    path("deconnexion/", views.LogoutView.as_view(), name="logout"),
    path("deconnexion/proconnect/", views.proconnect_logged_out, name="proconnect_logged_out"),
    path("double-authentification/", views.otp_verify, name="otp_verify"),
    path("double-authentification/activation/", views.otp_setup, name="otp_setup"),
    path("compte/", views.profile, name="profile"),
    path("compte/role/", views.switch_role, name="switch_role"),
    path("mot-de-passe/oubli/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "mot-de-passe/oubli/envoye/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "mot-de-passe/nouveau/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "mot-de-passe/nouveau/termine/",
        auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_reset_complete.html"),
        name="password_reset_complete",
    ),
]
