from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "cnum.stats"
    label = "stats"
    verbose_name = "Statistiques"

    def ready(self):
        from cnum.stats import receivers

        receivers.connect()

        from cnum.stats import versions

        versions.connect()  # registry writes move the dashboards' versions (docs/adr/0008-dashboard-cache.md)

        from cnum.activities.signals import activities_appended
        from cnum.stats import appends

        # The importers' raw writer announces its rows itself (docs/adr/0006).
        activities_appended.connect(appends.on_activities_appended, dispatch_uid="stats-activities-appended")

        from cnum.stats import home

        home.connect()  # its panels on the home page (cnum.core.home)

        from cnum.stats import jobs

        jobs.register()  # its long commands as background tasks, the open data every night (cnum.core.jobs)

        from cnum.core import audit
        from cnum.core import home as core_home
        from cnum.stats import sharing
        from cnum.stats.models import FiguresShare

        core_home.register(sharing.share_panel)
        audit.register(FiguresShare, redact=["token"])  # the link's secret never goes to the trail
