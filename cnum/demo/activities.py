"""The shapes of the demo's activities, shared by the small demo (cnum.demo.history) and the national one
(cnum.demo.national): fewer sessions in August and over the year-end holidays, ≈17 % collective workshops counted
without names, ≈30 % of individual accompaniments anonymous, help with administrative procedures usually with its
démarche themes, 97 % of the people asked saying they progressed (DOMAIN.md headline figures), and followed people
named without accidental homonyms.
"""

import datetime
import random

from faker.providers.person.fr_FR import Provider as FrenchNames

from cnum.activities.enums import (
    AgeBracket,
    DemarcheTheme,
    Progress,
    SocialStatus,
    Theme,
)
from cnum.activities.services import normalize_person_name

COLLECTIVE_SHARE = 0.17
ANONYMOUS_SHARE = 0.30
RETURNING_SHARE = 0.45
THEME_WEIGHTS = {
    Theme.PROCEDURES: 22,
    Theme.DEVICE: 16,
    Theme.EMAIL: 12,
    Theme.BROWSING: 10,
    Theme.CONTENT: 8,
    Theme.SECURITY: 7,
    Theme.OFFICE: 6,
    Theme.BANKING: 6,
    Theme.HEALTH: 5,
    Theme.SOCIAL: 5,
    Theme.EMPLOYMENT: 5,
    Theme.DIAGNOSTIC: 4,
    Theme.MAINTENANCE: 3,
    Theme.SCHOOLING: 3,
    Theme.PARENTING: 2,
    Theme.CULTURE: 2,
    Theme.CREATING: 2,
    Theme.AI: 2,
    Theme.ENTREPRENEURSHIP: 1,
}
DEMARCHE_WEIGHTS = {
    DemarcheTheme.SOCIAL_HEALTH: 20,
    DemarcheTheme.MONEY: 18,
    DemarcheTheme.CITIZENSHIP: 16,
    DemarcheTheme.WORK: 14,
    DemarcheTheme.HOUSING: 10,
    DemarcheTheme.FAMILY: 8,
    DemarcheTheme.TRANSPORT: 6,
    DemarcheTheme.FOREIGNERS: 4,
    DemarcheTheme.JUSTICE: 2,
    DemarcheTheme.LEISURE: 1,
    DemarcheTheme.ASSOCIATIONS: 1,
}
WORKSHOP_TITLES = [
    "Découvrir sa tablette",
    "Créer et gérer son adresse e-mail",
    "Se protéger des arnaques en ligne",
    "Mon espace santé et Ameli",
    "Premiers pas sur ordinateur",
    "Faire ses démarches sur France Connect",
    "Trier et partager ses photos",
    "Découvrir l'intelligence artificielle",
]
AGE_WEIGHTS = {
    AgeBracket.FROM_12: 3,
    AgeBracket.FROM_18: 6,
    AgeBracket.FROM_25: 15,
    AgeBracket.FROM_40: 25,
    AgeBracket.FROM_60: 24,
    AgeBracket.FROM_70: 22,
    AgeBracket.UNKNOWN: 5,
}
STATUS_BY_AGE = {
    AgeBracket.FROM_12: SocialStatus.STUDENT,
    AgeBracket.FROM_60: SocialStatus.RETIRED,
    AgeBracket.FROM_70: SocialStatus.RETIRED,
}
#: Advisors' names (cnum.demo.national); followed people are named by PersonNames.
FIRST_NAMES = ["Marie", "Jean", "Fatima", "Michel", "Monique", "Ahmed", "Sylvie", "Pierre", "Nadia", "Gérard"]
LAST_NAMES = ["Durand", "Lefebvre", "Mercier", "Haddad", "Roux", "Fontaine", "Garnier", "Chevalier", "Diallo"]


def seasonality(day: datetime.date) -> float:
    """Relative activity on `day`: the summer break and the year-end holidays empty the sites."""
    if day.month == 8:
        return 0.35
    if (day.month == 12 and day.day >= 20) or (day.month == 1 and day.day <= 2):
        return 0.25
    if day.month == 7:
        return 0.75
    return 1.0


#: DOMAIN.md headline figures: "97 % feel they progressed" (written answer no. 2656), among the people asked; about a
#: third of individual accompaniments are recorded without asking.
PROGRESSED_SHARE = 0.97
PROGRESS_WEIGHTS = {
    Progress.YES: round(65 * PROGRESSED_SHARE),
    Progress.NO: 65 - round(65 * PROGRESSED_SHARE),
    Progress.NOT_ASKED: 35,
}


def workshop_progressed(asked: int, rng: random.Random) -> int:
    """How many of the `asked` workshop participants say they progressed (each with PROGRESSED_SHARE)."""
    return sum(1 for _ in range(asked) if rng.random() < PROGRESSED_SHARE)


class PersonNames:
    """Names of followed people, drawn from Faker's French first and last names (≈220 × 400), never twice for one
    advisor: two people of an advisor with the same name would be offered as possible duplicates
    (cnum.activities.services.find_duplicates), an accident the real records rarely show."""

    FIRST = sorted({*FrenchNames.first_names_female, *FrenchNames.first_names_male})
    LAST = sorted(set(FrenchNames.last_names))

    def __init__(self):
        self.taken: set[str] = set()

    def new_advisor(self) -> None:
        self.taken = set()

    def draw(self, rng: random.Random) -> tuple[str, str, str]:
        """(first name, last name, normalised name), a name the current advisor's people do not have yet."""
        while True:
            first, last = rng.choice(self.FIRST), rng.choice(self.LAST)
            normalized = normalize_person_name(first, last)
            if normalized not in self.taken:
                self.taken.add(normalized)
                return first, last, normalized
