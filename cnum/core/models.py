from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models

from cnum.core.enums import AuditAction


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
    content_type = models.ForeignKey(
        ContentType, verbose_name="type d'objet", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
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
