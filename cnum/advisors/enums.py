from django.db import models


class ContractKind(models.TextChoices):
    """DOMAIN.md "Contracts"."""

    CDI = "cdi", "CDI"
    CDD = "cdd", "CDD"
    PEC = "pec", "PEC (parcours emploi compétences)"
    PUBLIC_PROJECT = "public_project", "Contrat de projet public"

    @classmethod
    def fixed_term_kinds(cls) -> frozenset[str]:
        """Kinds that end at a term and may be converted to a CDI."""
        return frozenset({cls.CDD, cls.PEC, cls.PUBLIC_PROJECT})

    @classmethod
    def kinds_for(cls, *, public: bool) -> list[str]:
        """Kinds an employer may sign: the contrat de projet is a public-law contract, for public employers only
        (loi no 2019-828 of 6 August 2019, article 17; DOMAIN.md "Contracts"); private employers sign CDI, CDD or
        PEC."""
        return list(cls.values) if public else [kind for kind in cls.values if kind != cls.PUBLIC_PROJECT]


class ContractEndReason(models.TextChoices):
    """DOMAIN.md "Contracts": why a contract ended."""

    DISMISSAL = "dismissal", "Licenciement"
    FIXED_TERM_NOT_RENEWED = "fixed_term_not_renewed", "Fin de contrat non renouvelé"
    RESIGNATION = "resignation", "Démission"
    CONVERTED_TO_CDI = "converted_to_cdi", "Passage en CDI"
    END_OF_FUNDING = "end_of_funding", "Fin du financement"

    @classmethod
    def fixed_term_only(cls) -> frozenset[str]:
        """Reasons that make sense only for a fixed-term contract (never for a CDI)."""
        return frozenset({cls.FIXED_TERM_NOT_RENEWED, cls.CONVERTED_TO_CDI})


class TrainingKind(models.TextChoices):
    INITIAL = "initial", "Formation initiale"
    CONTINUING = "continuing", "Formation continue"


class CertificationOutcome(models.TextChoices):
    CERTIFIED = "certified", "Certifié"
    NOT_CERTIFIED = "not_certified", "Non certifié"
    IN_PROGRESS = "in_progress", "En cours"
    NOT_APPLICABLE = "not_applicable", "Sans objet"


class AdvisorStatus(models.TextChoices):
    """List filter: whether the advisor holds a contract today."""

    IN_POST = "en_poste", "En poste (contrat en cours)"
    WITHOUT_CONTRACT = "sans_contrat", "Sans contrat en cours"


class MembershipStatus(models.TextChoices):
    """Whether the advisor (or their employer) agreed to join a team: only an accepted membership lets the
    coordinator see the advisor (security review #15, finding 2)."""

    REQUESTED = "requested", "En attente d'acceptation"
    ACCEPTED = "accepted", "Acceptée"
    REFUSED = "refused", "Refusée"
