from django.urls import path

from cnum.activities import views, views_beneficiaries, views_coordination, views_tags

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
    path("beneficiaires/importer/", views_beneficiaries.beneficiary_import, name="beneficiary_import"),
    path(
        "beneficiaires/importer/confirmer/",
        views_beneficiaries.beneficiary_import_confirm,
        name="beneficiary_import_confirm",
    ),
    path("beneficiaires/modele.<str:fmt>", views_beneficiaries.beneficiary_template, name="beneficiary_template"),
    path("beneficiaires/export.<str:fmt>", views_beneficiaries.beneficiary_export, name="beneficiary_export"),
    path("beneficiaires/doublons/", views_beneficiaries.beneficiary_duplicates, name="beneficiary_duplicates"),
    path("beneficiaires/<int:pk>/", views.beneficiary_detail, name="beneficiary_detail"),
    path("beneficiaires/<int:pk>/fusionner/", views.beneficiary_merge, name="beneficiary_merge"),
    path("beneficiaires/<int:pk>/effacer/", views.beneficiary_erase, name="beneficiary_erase"),
    path("coordination/", views_coordination.coordination_list, name="coordination_list"),
    path("coordination/nouvelle/", views_coordination.coordination_create, name="coordination_create"),
    path("coordination/<int:pk>/modifier/", views_coordination.coordination_update, name="coordination_update"),
    path("coordination/<int:pk>/supprimer/", views_coordination.coordination_delete, name="coordination_delete"),
]
