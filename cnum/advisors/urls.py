from django.urls import path

from cnum.advisors import views

app_name = "advisors"

urlpatterns = [
    path("", views.advisor_list, name="list"),
    path("nouveau/", views.advisor_create, name="create"),
    path("<int:pk>/", views.advisor_detail, name="detail"),
    path("<int:pk>/modifier/", views.advisor_edit, name="edit"),
    path("<int:pk>/contrats/nouveau/", views.contract_create, name="contract_create"),
    path("contrats/<int:pk>/corriger/", views.contract_edit, name="contract_edit"),
    path("contrats/<int:pk>/fin/", views.contract_end, name="contract_end"),
    path("<int:pk>/lieux/nouveau/", views.site_assignment_create, name="site_assignment_create"),
    path("lieux/<int:pk>/modifier/", views.site_assignment_edit, name="site_assignment_edit"),
    path("<int:pk>/formations/nouvelle/", views.training_create, name="training_create"),
    path("formations/<int:pk>/modifier/", views.training_edit, name="training_edit"),
    path("equipes/", views.team_list, name="team_list"),
    path("equipes/nouvelle/", views.team_create, name="team_create"),
    path("equipes/<int:pk>/", views.team_detail, name="team_detail"),
    path("equipes/<int:pk>/modifier/", views.team_edit, name="team_edit"),
    path("equipes/<int:pk>/membres/nouveau/", views.membership_create, name="membership_create"),
    path("equipes/membres/<int:pk>/modifier/", views.membership_edit, name="membership_edit"),
    path("equipes/membres/<int:pk>/accepter/", views.membership_decide, {"accept": True}, name="membership_accept"),
    path("equipes/membres/<int:pk>/refuser/", views.membership_decide, {"accept": False}, name="membership_refuse"),
]
