from django.db import models


class AuditAction(models.TextChoices):
    CREATE = "create", "Création"
    UPDATE = "update", "Modification"
    DELETE = "delete", "Suppression"
    BULK = "bulk", "Traitement en masse"


class JobStatus(models.TextChoices):
    QUEUED = "en_attente", "En attente"
    RUNNING = "en_cours", "En cours"
    DONE = "terminee", "Terminée"
    FAILED = "echec", "Échec"
