from django.apps import AppConfig


class AdvisorsConfig(AppConfig):
    name = "cnum.advisors"
    label = "advisors"
    verbose_name = "Conseillers"
