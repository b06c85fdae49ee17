from django.urls import path

from cnum.access import views

app_name = "access"

urlpatterns = [
    path("comptes/", views.accounts, name="accounts"),
    path("comptes/export.csv", views.accounts_export, name="accounts_export"),
    path("comptes/inviter/", views.invite, name="invite"),
    path("comptes/invitations/<int:pk>/renvoyer/", views.invitation_resend, name="invitation_resend"),
    path("comptes/invitations/<int:pk>/annuler/", views.invitation_revoke, name="invitation_revoke"),
    path("comptes/roles/<int:pk>/changer/", views.role_change, name="role_change"),
    path("comptes/roles/<int:pk>/retirer/", views.role_remove, name="role_remove"),
    path("comptes/<int:pk>/desactiver/", views.deactivate, name="deactivate"),
    path("comptes/demandes/<int:pk>/", views.request_decide, name="request_decide"),
    path("invitation/<str:token>/", views.invitation, name="invitation"),
    path("invitation/<str:token>/nouveau-lien/", views.invitation_renew, name="invitation_renew"),
    path("compte/demande-acces/", views.access_request, name="request"),
]
