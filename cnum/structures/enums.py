from django.db import models


class StructureType(models.TextChoices):
    """DOMAIN.md "Structure types". The first six are public employers."""

    COMMUNE = "commune", "Commune"
    EPCI = "epci", "EPCI"
    DEPARTEMENT = "departement", "Département"
    REGION = "region", "Région"
    COLLECTIVITE = "collectivite", "Autre collectivité"
    GIP = "gip", "GIP"
    ASSOCIATION = "association", "Association"
    PRIVATE = "private", "Autre structure privée"

    @classmethod
    def public_types(cls) -> frozenset[str]:
        return frozenset({cls.COMMUNE, cls.EPCI, cls.DEPARTEMENT, cls.REGION, cls.COLLECTIVITE, cls.GIP})


class IdentifierKind(models.TextChoices):
    SIRET = "siret", "SIRET"
    RIDET = "ridet", "RIDET (Nouvelle-Calédonie)"
    RNA = "rna", "RNA (association)"


class ApplicationStatus(models.TextChoices):
    """DOMAIN.md "COSELEC / convention statuses", structure application."""

    CREATED = "created", "Candidature déposée"
    COSELEC_APPROVED = "coselec_approved", "Validée en COSELEC"
    COSELEC_REFUSED = "coselec_refused", "Refusée en COSELEC"
    ABANDONED = "abandoned", "Abandonnée"
    DUPLICATE = "duplicate", "Doublon"


class ConventionStatus(models.TextChoices):
    """DOMAIN.md "COSELEC / convention statuses", convention."""

    NOT_INTERESTED = "not_interested", "Non intéressée"
    IN_PROGRESS = "in_progress", "Conventionnement en cours"
    VALIDATED = "validated", "Conventionnée"
    RENEWAL_STARTED = "renewal_started", "Renouvellement en cours"
    RENEWAL_VALIDATED = "renewal_validated", "Renouvellement validé"


class Phase(models.IntegerChoices):
    PHASE_1 = 1, "Phase 1 (2021, France Relance)"
    PHASE_2 = 2, "Phase 2 (renouvellement, conventions de 36 mois)"


class CoselecOutcome(models.TextChoices):
    APPROVED = "approved", "Favorable"
    REFUSED = "refused", "Défavorable"


class PostStatus(models.TextChoices):
    ACTIVE = "active", "Actif"
    RETURNED = "returned", "Rendu"


class AmendmentKind(models.TextChoices):
    ADD = "add", "Ajout de postes"
    WITHDRAW = "withdraw", "Retrait de postes"


class Opinion(models.TextChoices):
    FAVOURABLE = "favourable", "Favorable"
    UNFAVOURABLE = "unfavourable", "Défavorable"


class Decision(models.TextChoices):
    PENDING = "pending", "En attente"
    APPROVED = "approved", "Accordé"
    REFUSED = "refused", "Refusé"
