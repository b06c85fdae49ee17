from django.apps import AppConfig


class SitesConfig(AppConfig):
    name = "cnum.sites"
    label = "sites"
    verbose_name = "Lieux d'activité"

    def ready(self):
        from cnum.core import audit
        from cnum.sites.importers import register_formats
        from cnum.sites.models import Site

        audit.register(Site)
        register_formats()

        from cnum.sites import home

        home.connect()  # its panels on the home page (cnum.core.home)
