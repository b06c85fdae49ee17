from django.db import models


class EmployerKind(models.TextChoices):
    """Public employers are the structure types of StructureType.public_types() (DOMAIN.md)."""

    PUBLIC = "public", "Employeur public"
    PRIVATE = "private", "Employeur privé"


class BudgetVersion(models.TextChoices):
    """A fiscal year's amount changes between the bill and the voted budget (DOMAIN.md "Budget history")."""

    PLF = "plf", "Projet de loi de finances"
    FINAL = "final", "Loi de finances (montant final)"


class CreditKind(models.TextChoices):
    """DOMAIN.md: credits are voted as AE (commitments) and CP (payments)."""

    CP = "cp", "Crédits de paiement (CP)"
    AE = "ae", "Autorisations d'engagement (AE)"


class ConventionStatus(models.TextChoices):
    """The stored lifecycle of a convention. Whether a signed convention is "en cours" or "terminée" follows from
    its dates (Convention.state_on), so it is never stored and never goes stale."""

    DRAFT = "draft", "Brouillon"
    SIGNED = "signed", "Signée"
    TERMINATED = "terminated", "Résiliée"


class InstalmentStatus(models.TextChoices):
    PLANNED = "planned", "Prévu"
    PAID = "paid", "Versé"
    CANCELLED = "cancelled", "Annulé"


class PaymentTiming(models.TextChoices):
    """When a convention year's grant is paid (cnum.funding.schedules)."""

    START = "start", "En début d'année de convention"
    END = "end", "En fin d'année de convention"
