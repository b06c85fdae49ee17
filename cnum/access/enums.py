from django.db import models


class AccessRequestStatus(models.TextChoices):
    PENDING = "pending", "En attente"
    ACCEPTED = "accepted", "Acceptée"
    REFUSED = "refused", "Refusée"


class AccountStatus(models.TextChoices):
    """What /comptes/ shows for each line: an account, or an invitation not accepted yet."""

    INVITED = "invited", "Invité"
    ACTIVE = "active", "Actif"
    DEACTIVATED = "deactivated", "Désactivé"
