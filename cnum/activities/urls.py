from django.urls import path

from cnum.activities import views, views_tags

app_name = "activities"

urlpatterns = [
    path("", views.activity_list, name="list"),
    path("nouvelle/", views.activity_create, name="create"),
    path("<int:pk>/modifier/", views.activity_update, name="update"),
    path("<int:pk>/supprimer/", views.activity_delete, name="delete"),
    path("<int:pk>/dupliquer/", views.activity_duplicate, name="duplicate"),
    path("export.<str:fmt>", views.activity_export, name="export"),
    path("etiquettes/", views_tags.tag_list, name="tag_list"),
    path("etiquettes/nouvelle/", views_tags.tag_create, name="tag_create"),
    path("etiquettes/<int:pk>/modifier/", views_tags.tag_update, name="tag_update"),
    path("etiquettes/<int:pk>/archiver/", views_tags.tag_archive, name="tag_archive"),
    path("beneficiaires/", views.beneficiary_list, name="beneficiary_list"),
    path("beneficiaires/nouveau/", views.beneficiary_create, name="beneficiary_create"),
    path("beneficiaires/<int:pk>/", views.beneficiary_detail, name="beneficiary_detail"),
    path("beneficiaires/<int:pk>/fusionner/", views.beneficiary_merge, name="beneficiary_merge"),
    path("beneficiaires/<int:pk>/effacer/", views.beneficiary_erase, name="beneficiary_erase"),
]
