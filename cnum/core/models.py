from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models

from cnum.core.enums import AuditAction, JobStatus


class AuditEventQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The audit trail is read by whoever holds core.view_auditevent (the programme team, see accounts.perms)."""
        return self if user.has_perm("core.view_auditevent") else self.none()


class AuditEvent(models.Model):
    """One change made by a person or a command. Append-only: database triggers reject UPDATE and DELETE."""

    at = models.DateTimeField("date", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="auteur",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,  # the trail outlives accounts; no cascade may touch it
        db_constraint=False,
        related_name="+",
    )
    actor_label = models.CharField("auteur (libellé)", max_length=200)
    action = models.CharField("action", max_length=10, choices=AuditAction.choices)
    # No index of its own: the index (content_type, object_id) serves it, one index fewer to keep at each write.
    content_type = models.ForeignKey(
        ContentType,
        verbose_name="type d'objet",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    object_id = models.CharField("identifiant", max_length=64, blank=True)
    object_repr = models.CharField("objet", max_length=300)
    changes = models.JSONField("changements", default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = "événement du journal d'audit"
        verbose_name_plural = "journal d'audit"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.get_action_display()} {self.object_repr}"

    @property
    def object_type_label(self) -> str:
        model = self.content_type.model_class()
        return str(model._meta.verbose_name).capitalize() if model else self.content_type.model


class JobQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A person sees the tasks it started, and only those (others' are 404, cnum.core.views_jobs)."""
        return self.filter(started_by=user) if user.is_authenticated else self.none()


class Job(models.Model):
    """One piece of background work as its author sees it: what, by whom, where it stands, and its outcome.

    The queue itself is django-tasks' (`django_tasks_db.DBTaskResult`); a Job outlives its queue entry, is what the
    « Mes tâches » page lists, and records the completion that keeps a task from doing its work twice
    (cnum.core.jobs, docs/adr/0007-background-tasks.md).
    """

    kind = models.CharField("type", max_length=60)
    label = models.CharField("libellé", max_length=300)
    params = models.JSONField("paramètres", default=dict, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="lancée par",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    status = models.CharField("état", max_length=12, choices=JobStatus.choices, default=JobStatus.QUEUED)
    #: Set for scheduled work: one job per key ever (e.g. "opendata_export:2026-12-02"), whoever enqueues it.
    schedule_key = models.CharField("clé de planification", max_length=100, null=True, blank=True, unique=True)
    task_id = models.CharField("identifiant de la tâche", max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField("essais", default=0)
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    started_at = models.DateTimeField("commencée le", null=True, blank=True)
    finished_at = models.DateTimeField("terminée le", null=True, blank=True)
    #: In French, for the person who started it: why the work failed.
    error = models.TextField("erreur", blank=True)
    result = models.JSONField("résultat", default=dict, blank=True)
    #: A file the work produced (export, PDF), relative to MEDIA_ROOT, offered for download when done.
    file = models.CharField("fichier", max_length=300, blank=True)
    processed = models.PositiveIntegerField("éléments traités", default=0)
    total = models.PositiveIntegerField("éléments à traiter", null=True, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        verbose_name = "tâche de fond"
        verbose_name_plural = "tâches de fond"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["started_by", "-created_at"]), models.Index(fields=["status"])]

    def __str__(self):
        return f"{self.label} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)


class RateCounter(models.Model):
    """The requests of one client (an API token, an address) in the current window of its rate limit: one row per
    client, overwritten when a new window starts (cnum.core.ratelimit.count)."""

    name = models.CharField("client", max_length=200, primary_key=True)
    window_start = models.BigIntegerField("début de la fenêtre", db_index=True)
    hits = models.PositiveIntegerField("requêtes")

    class Meta:
        verbose_name = "compteur de requêtes"
        verbose_name_plural = "compteurs de requêtes"

    def __str__(self):
        return f"{self.name} : {self.hits}"
