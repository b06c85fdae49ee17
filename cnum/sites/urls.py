from django.urls import path

from cnum.sites import views, views_duplicates, views_imports, views_map

app_name = "sites"

urlpatterns = [
    path("", views.site_list, name="list"),
    path("<int:pk>/", views.site_detail, name="detail"),
    path("carte/", views_map.site_map, name="map"),
    path("carte/integrer/", views_map.site_map_embed, name="map_embed"),
    path("carte/integrer/code/", views_map.site_map_embed_code, name="map_embed_code"),
    path("<int:pk>/modifier/", views.site_edit, name="edit"),
    path("import/assistant/", views_imports.wizard_upload, name="import_wizard"),
    path("import/assistant/<str:token>/", views_imports.wizard_mapping, name="import_wizard_mapping"),
    path("doublons/", views_duplicates.duplicate_list, name="duplicates"),
    path("doublons/<int:pk>/", views_duplicates.duplicate_detail, name="duplicate_detail"),
    path("doublons/<int:pk>/distinct/", views_duplicates.duplicate_not_duplicate, name="duplicate_not_duplicate"),
]
