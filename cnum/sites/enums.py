from django.db import models


class DuplicateStatus(models.TextChoices):
    PENDING = "pending", "À examiner"
    MERGED = "merged", "Fusionné"
    REJECTED = "rejected", "Pas un doublon"
