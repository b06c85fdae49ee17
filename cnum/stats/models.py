"""Rollup tables: the indicators pre-aggregated per scope, so that a dashboard reads a few hundred rows instead of
scanning the activities (docs/statistics.md, "Rollups").

Each activity adds to one row of StatCell per scope it belongs to (France, its région, département, EPCI,
commune, hub, networks, employer structure, teams and advisor) × its month × the filter dimensions (activity
type, place type, employer kind). A row holds counts only — rates and shares are computed when read — and one
column per breakdown value (theme, age bracket…): a wide row keeps national scale to one row per cell, where a
row per value would multiply the table by the ~65 values. Distinct people, which cannot be summed, are counted
per scope and calendar period (month, quarter, year, all time) in StatPeople.

The tables are maintained on every write (cnum.stats.rollups listens to cnum.activities.signals) and rebuilt from
scratch by `python manage.py stats_rebuild`.
"""

from django.conf import settings
from django.db import models

from cnum.stats.catalogue import COLUMN_BREAKDOWNS, DISTINCTS, column_name

KEY = ("scope_kind", "scope_code", "month", "type", "place_type", "employer_kind")
PEOPLE_KEY = ("scope_kind", "scope_code", "period", "type")
COUNTS = ("activities", "accompaniments", "followed", "new_people", "anonymous_new", "progressed", "asked", "minutes")
#: Breakdown dimension → its values (cnum.stats.catalogue); each (dimension, value) is a column of StatCell.
BREAKDOWNS = {breakdown.dimension: breakdown.values for breakdown in COLUMN_BREAKDOWNS}
BREAKDOWN_COLUMNS = tuple(column_name(d, v) for d, values in BREAKDOWNS.items() for v in values)


class StatCell(models.Model):
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
    # + one IntegerField per breakdown value (BREAKDOWN_COLUMNS), added below.

    KEY_FIELDS = KEY
    MEASURES = COUNTS + BREAKDOWN_COLUMNS

    class Meta:
        verbose_name = "cellule agrégée"
        verbose_name_plural = "cellules agrégées"
        constraints = [models.UniqueConstraint(fields=KEY, name="unique_stat_cell")]

    def __str__(self):
        return " · ".join(str(getattr(self, name)) for name in KEY if getattr(self, name) != "")


for _dimension, _values in BREAKDOWNS.items():
    for _value in _values:
        StatCell.add_to_class(column_name(_dimension, _value), models.IntegerField(default=0))


class StatPeople(models.Model):
    """Distinct people accompanied (beneficiary rows, `count`) and distinct advisors recording (`advisors`) per
    scope, calendar period and activity type ("" = all): one column per distinct count of the catalogue."""

    scope_kind = models.CharField(max_length=12)
    scope_code = models.CharField(max_length=20)
    period = models.CharField(max_length=7, help_text="« all », « 2025 », « 2025-T1 » ou « 2025-03 ».")
    type = models.CharField(max_length=12, blank=True)
    # + one IntegerField per distinct count of the catalogue (`count`: people, `advisors`), added below.

    KEY_FIELDS = PEOPLE_KEY
    MEASURES = tuple(distinct.column for distinct in DISTINCTS)

    class Meta:
        verbose_name = "personnes distinctes agrégées"
        verbose_name_plural = "personnes distinctes agrégées"
        constraints = [models.UniqueConstraint(fields=PEOPLE_KEY, name="unique_stat_people")]

    def __str__(self):
        return " · ".join(str(getattr(self, name)) for name in PEOPLE_KEY if getattr(self, name) != "")


for _distinct in DISTINCTS:
    StatPeople.add_to_class(_distinct.column, models.IntegerField(default=0))


class StatTag(models.Model):
    """Activities per tag (catalogue.TAG_BREAKDOWN), per cell of StatCell's key: tags are created as the programme
    goes, so they cannot be columns. `tag` is the tag's id (a plain integer: a tag is archived, never deleted)."""

    scope_kind = models.CharField(max_length=12)
    scope_code = models.CharField(max_length=20)
    month = models.DateField()
    type = models.CharField(max_length=12)
    place_type = models.CharField(max_length=15)
    employer_kind = models.CharField(max_length=7)
    tag = models.IntegerField()
    activities = models.IntegerField(default=0)

    KEY_FIELDS = (*KEY, "tag")
    MEASURES = ("activities",)

    class Meta:
        verbose_name = "activités agrégées par étiquette"
        verbose_name_plural = "activités agrégées par étiquette"
        constraints = [models.UniqueConstraint(fields=(*KEY, "tag"), name="unique_stat_tag")]
        indexes = [models.Index(fields=["scope_kind", "scope_code", "month"], name="stat_tag_scope_month")]

    def __str__(self):
        return " · ".join(str(getattr(self, name)) for name in self.KEY_FIELDS if getattr(self, name) != "")


class ScopeVersion(models.Model):
    """A counter per scope of the rollup tables, moved by every write that touches the scope's figures, so that a
    dashboard cached under a version is never read after the write (cnum.stats.versions, docs/adr/0008). Two rows
    stand apart: the tables' generation (kind "*"), moved by a rebuild, and the registry's (kind "registry"), moved
    by a write of what the pages read beside the rollups (contracts, posts, names, tags)."""

    scope_kind = models.CharField(max_length=12)
    scope_code = models.CharField(max_length=20)
    version = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "version des chiffres d'un périmètre"
        verbose_name_plural = "versions des chiffres des périmètres"
        constraints = [models.UniqueConstraint(fields=("scope_kind", "scope_code"), name="unique_scope_version")]

    def __str__(self):
        return f"{self.scope_kind}:{self.scope_code} v{self.version}"


class FiguresShare(models.Model):
    """A public link to the figures of one advisor or one structure, published by that advisor or a manager of that
    structure (issue #21, deliverable 6) and revocable at any time. The figures shown follow the public pages'
    statistical secrecy (cnum.stats.public.shared_secrecy): totals only, never a count under 5, no personal data.

    `scope` is written as cnum.stats.scopes.Scope prints it ("advisor:12", "structure:<id>"); `token`, the secret
    part of the link, is unguessable (secrets.token_urlsafe)."""

    scope = models.CharField("périmètre", max_length=60, db_index=True)
    token = models.CharField("jeton du lien", max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="publié par", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("publié le", auto_now_add=True)
    revoked_at = models.DateTimeField("révoqué le", null=True, blank=True)

    class Meta:
        verbose_name = "lien de partage des statistiques"
        verbose_name_plural = "liens de partage des statistiques"
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Partage des statistiques {self.scope}"


class StatPending(models.Model):
    """A new activity written but not yet counted in the rollup tables (docs/adr/0009-deferred-rollups.md).

    Recording an activity writes this row in the same transaction as the activity; `cnum.stats.rollups.drain()`
    adds the pending activities to the tables in batches just after, and deletes their rows in the same
    transaction. So the tables always equal a recount of the activities that have no pending row, and a process
    that dies between the write and the drain loses nothing: the next drain replays its rows. `activity` is the
    activity's id (a plain integer: an activity deleted before the drain leaves a row that adds nothing)."""

    activity = models.BigIntegerField(unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "activité en attente d'agrégation"
        verbose_name_plural = "activités en attente d'agrégation"

    def __str__(self):
        return f"Activité {self.activity} en attente"
