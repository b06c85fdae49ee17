from django.db import models


class Role(models.TextChoices):
    """Roles of DOMAIN.md ("Roles (who sees what)"). The anonymous public holds no role."""

    ADVISOR = "advisor", "Conseiller numérique"
    COORDINATOR = "coordinator", "Coordinateur"
    STRUCTURE_MANAGER = "structure_manager", "Gestionnaire de structure"
    PREFECTURE_DEPARTEMENT = "prefecture_departement", "Préfecture de département"
    PREFECTURE_REGION = "prefecture_region", "Préfecture de région"
    HUB = "hub", "Hub territorial"
    NATIONAL_NETWORK = "national_network", "Réseau national"
    PROGRAMME_TEAM = "programme_team", "Équipe nationale du programme"
