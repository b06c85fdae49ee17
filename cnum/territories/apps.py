from django.apps import AppConfig


class TerritoriesConfig(AppConfig):
    name = "cnum.territories"
    label = "territories"
    verbose_name = "Territoires"
