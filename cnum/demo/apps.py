from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "cnum.demo"
    label = "demo"
    verbose_name = "Démonstration"
