from django.db import models


class Zone(models.TextChoices):
    METRO = "metro", "Métropole"
    DROM = "drom", "Département ou région d'outre-mer"
    COM = "com", "Collectivité d'outre-mer"


class CommuneKind(models.TextChoices):
    CURRENT = "commune-actuelle", "Commune"
    DELEGATED = "commune-deleguee", "Commune déléguée"
    ASSOCIATED = "commune-associee", "Commune associée"
    MUNICIPAL_ARRONDISSEMENT = "arrondissement-municipal", "Arrondissement municipal"


class EpciKind(models.TextChoices):
    CC = "CC", "Communauté de communes"
    CA = "CA", "Communauté d'agglomération"
    CU = "CU", "Communauté urbaine"
    METRO = "METRO", "Métropole"


class LookupStatus(models.TextChoices):
    """Outcome of finding a commune from what a file or a form says (cnum.territories.lookup)."""

    FOUND = "found", "Trouvée"
    CORRECTED = "corrected", "Trouvée après correction"
    AMBIGUOUS = "ambiguous", "Ambiguë"
    NOT_FOUND = "not_found", "Introuvable"
    INVALID = "invalid", "Invalide"
