from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "cnum.api"
    label = "api"
    verbose_name = "API"

    def ready(self):
        from cnum.api import signals

        signals.connect()
