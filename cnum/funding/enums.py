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


class CampaignDecision(models.TextChoices):
    RENEW = "renew", "Nous souhaitons renouveler"
    NOT_RENEW = "not_renew", "Nous ne renouvelons pas"


class AdvisorChoice(models.TextChoices):
    """DOMAIN.md "Funding rules": a structure may keep its advisor or recruit a new one within 3 months."""

    KEEP = "keep", "Conserver le ou les conseillers actuels"
    REPLACE = "replace", "Recruter un nouveau conseiller sur chaque poste"
    PER_POST = "per_post", "Selon les postes (préciser le nombre de recrutements)"


class NonRenewalReason(models.TextChoices):
    """Why a structure does not renew. DOMAIN.md gives no list of its own: these are cnum's categories, built on
    its facts (the degressive grant leaves a growing share to the employer, a post vacant > 6 months is returned,
    contract end reasons), with "other" and a comment for the rest. Documented in docs/funding.md."""

    COST = "cost", "Reste à charge trop élevé (subvention dégressive)"
    RECRUITMENT = "recruitment", "Difficulté à recruter ou à garder un conseiller"
    ADVISOR_LEFT = "advisor_left", "Départ du conseiller, poste vacant"
    NEED_COVERED = "need_covered", "Besoin couvert autrement (autre dispositif, agent interne)"
    PRIORITIES = "priorities", "Changement de priorités de la structure"
    OTHER = "other", "Autre motif (préciser en commentaire)"


class CampaignMessageKind(models.TextChoices):
    """The e-mails of a campaign to one structure, each sent once (CampaignMessage)."""

    INVITATION = "invitation", "Invitation"
    REMINDER_14 = "reminder_14", "Relance J-14"
    REMINDER_3 = "reminder_3", "Relance J-3"
