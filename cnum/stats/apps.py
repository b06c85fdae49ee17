from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "cnum.stats"
    label = "stats"
    verbose_name = "Statistiques"
