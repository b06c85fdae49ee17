from django.urls import path

from cnum.structures import views

app_name = "structures"

urlpatterns = [
    path("", views.structure_list, name="list"),
    path("nouvelle/", views.structure_create, name="create"),
    path("<int:pk>/", views.structure_detail, name="detail"),
    path("<int:pk>/modifier/", views.structure_edit, name="edit"),
    path("<int:pk>/coselec/", views.coselec_decide, name="coselec_decide"),
    path("<int:pk>/avenants/nouveau/", views.amendment_request, name="amendment_request"),
    path("avenants/<int:pk>/avis/", views.amendment_opinion, name="amendment_opinion"),
    path("avenants/<int:pk>/decision/", views.amendment_decide, name="amendment_decide"),
]
