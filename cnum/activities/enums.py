"""Activity enumerations: the national v2 format (DOMAIN.md "Activity (v2, the current national format)")."""

from django.db import models


class ActivityType(models.TextChoices):
    INDIVIDUAL = "individuel", "Accompagnement individuel"
    COLLECTIVE = "collectif", "Atelier collectif"


class PlaceType(models.TextChoices):
    """lieu_activite requires a site; domicile and autre require a commune."""

    SITE = "lieu_activite", "Lieu d'activité"
    HOME = "domicile", "À domicile"
    REMOTE = "a_distance", "À distance"
    OTHER = "autre", "Autre lieu"


class Theme(models.TextChoices):
    DIAGNOSTIC = "diagnostic_numerique", "Diagnostic numérique"
    DEVICE = "prendre_en_main_du_materiel", "Prendre en main du matériel"
    MAINTENANCE = "maintenance_de_materiel", "Maintenance de matériel"
    CONTENT = "gere_ses_contenus_numeriques", "Gérer ses contenus numériques"
    BROWSING = "navigation_sur_internet", "Navigation sur internet"
    EMAIL = "email", "E-mail"
    OFFICE = "bureautique", "Bureautique"
    SOCIAL = "reseaux_sociaux", "Réseaux sociaux communication"
    HEALTH = "sante", "Santé"
    BANKING = "banque_et_achats_en_ligne", "Banque et achats en ligne"
    ENTREPRENEURSHIP = "entrepreneuriat", "Entrepreneuriat"
    EMPLOYMENT = "insertion_professionnelle", "Insertion professionnelle"
    SECURITY = "securite_numerique", "Prévention en sécurité numérique"
    PARENTING = "parentalite", "Parentalité"
    SCHOOLING = "scolarite_et_numerique", "Scolarité et numérique"
    CREATING = "creer_avec_le_numerique", "Créer avec le numérique"
    CULTURE = "culture_numerique", "Culture numérique"
    AI = "intelligence_artificielle", "Intelligence artificielle (IA)"
    PROCEDURES = "aide_aux_demarches_administratives", "Aide aux démarches administratives"


class DemarcheTheme(models.TextChoices):
    """Only when aide_aux_demarches_administratives is ticked."""

    CITIZENSHIP = "papiers_elections_citoyennete", "Papiers, élections, citoyenneté"
    FAMILY = "famille_scolarite", "Famille, scolarité"
    SOCIAL_HEALTH = "social_sante", "Social, santé"
    WORK = "travail_formation", "Travail, formation"
    HOUSING = "logement", "Logement"
    TRANSPORT = "transports_mobilite", "Transports, mobilité"
    MONEY = "argent_impots", "Argent, impôts"
    JUSTICE = "justice", "Justice"
    FOREIGNERS = "etrangers_europe", "Étrangers, Europe"
    LEISURE = "loisirs_sports_culture", "Loisirs, sports, culture"
    ASSOCIATIONS = "associations", "Associations"


class Equipment(models.TextChoices):
    COMPUTER = "ordinateur", "Ordinateur"
    PHONE = "telephone", "Téléphone"
    TABLET = "tablette", "Tablette"
    OTHER = "autre", "Autre matériel"
    NONE = "aucun", "Pas de matériel"


class Autonomy(models.TextChoices):
    FULLY_ASSISTED = "entierement_accompagne", "Entièrement accompagné"
    PARTLY_AUTONOMOUS = "partiellement_autonome", "Partiellement autonome"
    AUTONOMOUS = "autonome", "Autonome"


class Level(models.TextChoices):
    BEGINNER = "debutant", "Débutant"
    INTERMEDIATE = "intermediaire", "Intermédiaire"
    ADVANCED = "avance", "Avancé"


class RedirectionCategory(models.TextChoices):
    ADMINISTRATION = "administration", "Administration"
    DIGITAL_INCLUSION = "mediation_numerique", "Médiation numérique"
    OPERATOR = "operateur_ou_organisme_en_charge", "Opérateur ou organisme en charge"
    SOCIAL = "aide_sociale", "Aide sociale"
    EMPLOYMENT = "insertion_professionnelle", "Insertion professionnelle"
    PROCEDURES = "aide_aux_demarches_administratives", "Aide aux démarches administratives"
    OTHER = "autre", "Autre"


class Genre(models.TextChoices):
    MALE = "masculin", "Masculin"
    FEMALE = "feminin", "Féminin"
    UNKNOWN = "non_communique", "Non communiqué"


class AgeBracket(models.TextChoices):
    UNDER_12 = "moins_de_douze", "Moins de 12 ans"
    FROM_12 = "douze_dix_huit", "12–18 ans"
    FROM_18 = "dix_huit_vingt_quatre", "18–24 ans"
    FROM_25 = "vingt_cinq_trente_neuf", "25–39 ans"
    FROM_40 = "quarante_cinquante_neuf", "40–59 ans"
    FROM_60 = "soixante_soixante_neuf", "60–69 ans"
    FROM_70 = "soixante_dix_plus", "70 ans et plus"
    UNKNOWN = "non_communique", "Non communiqué"


class SocialStatus(models.TextChoices):
    STUDENT = "scolarise", "Scolarisé"
    UNEMPLOYED = "sans_emploi", "Sans emploi"
    EMPLOYED = "en_emploi", "En emploi"
    RETIRED = "retraite", "Retraité"
    UNKNOWN = "non_communique", "Non communiqué"


class Progress(models.TextChoices):
    """Whether the person says they progressed: the source of "share of people who feel they progressed"."""

    YES = "oui", "Oui"
    NO = "non", "Non"
    NOT_ASKED = "non_demande", "Non demandé"


#: DOMAIN.md: duration presets (minutes) and reporting buckets.
DURATION_PRESETS = (15, 30, 45, 60, 90, 120)
DURATION_BUCKETS = (("moins_30", 0, 30), ("30_60", 30, 60), ("60_120", 60, 120), ("120_plus", 120, None))


def duration_bucket(minutes: int) -> str:
    """Reporting bucket of a duration: <30, 30–60, 60–120, ≥120 (DOMAIN.md)."""
    for name, low, high in DURATION_BUCKETS:
        if minutes >= low and (high is None or minutes < high):
            return name
    raise ValueError(minutes)


class TagScope(models.TextChoices):
    """Who owns a tag (issue #21): the programme team, a structure or a coordinator's team."""

    NATIONAL = "national", "Programme (national)"
    STRUCTURE = "structure", "Structure"
    TEAM = "team", "Équipe de coordination"


class TagVisibility(models.TextChoices):
    """Public: any advisor of the programme may attach it. Private: only the advisors of its owner's scope."""

    PUBLIC = "public", "Publique (tout le programme)"
    PRIVATE = "private", "Privée (mon périmètre)"


class CoordinationKind(models.TextChoices):
    """What a coordinator does besides accompanying people (issue #21): recorded apart from the activities, so that
    it never counts as an accompaniment."""

    TEAM_MEETING = "reunion_equipe", "Réunion d'équipe"
    PARTNER_MEETING = "reunion_partenaires", "Réunion avec des partenaires"
    EVENT = "evenement", "Animation ou événement"
    TRAINING = "formation_donnee", "Formation donnée"
    OTHER = "autre", "Autre"
