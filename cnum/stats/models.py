"""Rollup tables: the indicators pre-aggregated per scope, so that a dashboard reads a few hundred rows instead of
scanning the activities (docs/statistics.md, "Rollups").

Each activity adds to one row per scope it belongs to (France, its région, département, EPCI, commune, hub,
networks, employer structure, teams and advisor) × its month × the filter dimensions (activity type, place type,
employer kind). Rows hold counts only — rates and shares are computed when read. Distinct people, which cannot
be summed, are counted per scope and calendar period (month, quarter, year, all time) in StatPeople.

The tables are maintained on every write (cnum.stats.rollups listens to cnum.activities.signals) and rebuilt from
scratch by `python manage.py stats_rebuild`.
"""

from django.db import models

KEY = ("scope_kind", "scope_code", "month", "type", "place_type", "employer_kind")
BREAKDOWN_KEY = (*KEY, "dimension", "value")
PEOPLE_KEY = ("scope_kind", "scope_code", "period", "type")


class RollupRow(models.Model):
    class Meta:
        abstract = True

    def __str__(self):
        return " · ".join(str(getattr(self, name)) for name in self.KEY_FIELDS if getattr(self, name) != "")


class StatCell(RollupRow):
    scope_kind = models.CharField(max_length=12)
    scope_code = models.CharField(max_length=20)
    month = models.DateField()
    type = models.CharField(max_length=12)
    place_type = models.CharField(max_length=15)
    employer_kind = models.CharField(max_length=7)
    activities = models.IntegerField(default=0)
    accompaniments = models.IntegerField(default=0)
    followed = models.IntegerField(default=0, help_text="Accompagnements de personnes suivies.")
    new_people = models.IntegerField(default=0, help_text="Premiers accompagnements (dont participants anonymes).")
    anonymous_new = models.IntegerField(default=0, help_text="Participants anonymes venus pour la première fois.")
    progressed = models.IntegerField(default=0)
    asked = models.IntegerField(default=0)
    minutes = models.BigIntegerField(default=0)

    KEY_FIELDS = KEY
    MEASURES = ("activities", "accompaniments", "followed", "new_people", "anonymous_new", "progressed", "asked")
    MEASURES += ("minutes",)

    class Meta:
        verbose_name = "cellule agrégée"
        verbose_name_plural = "cellules agrégées"
        constraints = [models.UniqueConstraint(fields=KEY, name="unique_stat_cell")]


class StatBreakdown(RollupRow):
    """Counts by one dimension (theme, age bracket…) within a cell of StatCell."""

    scope_kind = models.CharField(max_length=12)
    scope_code = models.CharField(max_length=20)
    month = models.DateField()
    type = models.CharField(max_length=12)
    place_type = models.CharField(max_length=15)
    employer_kind = models.CharField(max_length=7)
    dimension = models.CharField(max_length=20)
    value = models.CharField(max_length=50)
    count = models.IntegerField(default=0)

    KEY_FIELDS = BREAKDOWN_KEY
    MEASURES = ("count",)

    class Meta:
        verbose_name = "répartition agrégée"
        verbose_name_plural = "répartitions agrégées"
        constraints = [models.UniqueConstraint(fields=BREAKDOWN_KEY, name="unique_stat_breakdown")]


class StatPeople(RollupRow):
    """Distinct people accompanied (beneficiary rows) per scope, calendar period and activity type ("" = all)."""

    scope_kind = models.CharField(max_length=12)
    scope_code = models.CharField(max_length=20)
    period = models.CharField(max_length=7, help_text="« all », « 2025 », « 2025-T1 » ou « 2025-03 ».")
    type = models.CharField(max_length=12, blank=True)
    count = models.IntegerField(default=0)

    KEY_FIELDS = PEOPLE_KEY
    MEASURES = ("count",)

    class Meta:
        verbose_name = "personnes distinctes agrégées"
        verbose_name_plural = "personnes distinctes agrégées"
        constraints = [models.UniqueConstraint(fields=PEOPLE_KEY, name="unique_stat_people")]
