"""Demo activities: a few years of activity reports for part of the demo advisors, drawn from a seed.

Everyone in the demo accounts' structure gets a full history; a sample of other advisors gets one too, so that
statistics pages have national shapes without slowing `make run` down. The shapes follow the programme's: fewer
sessions in August and over the year-end holidays, ≈17 % collective workshops counted without names, ≈30 % of
individual accompaniments anonymous, help with administrative procedures usually with its démarche themes.
"""

import datetime
import random
from collections import defaultdict

from django.utils import timezone

from cnum.activities.enums import (
    ActivityType,
    AgeBracket,
    Autonomy,
    DemarcheTheme,
    Equipment,
    Genre,
    Level,
    PlaceType,
    Progress,
    SocialStatus,
    Theme,
)
from cnum.activities.models import Accompaniment, Activity, Beneficiary
from cnum.activities.services import normalize_person_name
from cnum.advisors.models import Contract, SiteAssignment

SOURCE = "demo"
FIRST_DAY = datetime.date(2021, 11, 1)
SAMPLE_SIZE = 300
#: Sessions a week, for the demo structure's advisors and for the sample.
WEEKLY_RATE = {"demo": 2.0, "sample": 0.6}
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


def demo_activities_create(*, structure, rng: random.Random, today: datetime.date | None = None) -> int:
    """Activities for the advisors of `structure` and a sample of the others; return how many were created."""
    today = today or timezone.localdate()
    contracts = list(Contract.objects.filter(start__lte=today).select_related("structure").order_by("pk"))
    own = [c for c in contracts if c.structure_id == structure.pk]
    others = [c for c in contracts if c.structure_id != structure.pk]
    chosen = [(c, "demo") for c in own] + [(c, "sample") for c in rng.sample(others, min(SAMPLE_SIZE, len(others)))]
    sites = defaultdict(list)
    for assignment in SiteAssignment.objects.filter(advisor_id__in=[c.advisor_id for c, _ in chosen]).order_by("pk"):
        sites[assignment.advisor_id].append(assignment)
    activities, links = [], []
    for contract, kind in chosen:
        drawn, drawn_links = _advisor_history(contract, sites[contract.advisor_id], WEEKLY_RATE[kind], today, rng)
        activities.extend(drawn)
        links.extend(drawn_links)
    Activity.objects.bulk_create(activities, batch_size=2000)
    beneficiaries = list({id(b): b for _, b, _ in links}.values())
    Beneficiary.objects.bulk_create(beneficiaries, batch_size=2000)
    accompaniments = [
        Accompaniment(activity_id=a.pk, beneficiary_id=b.pk, is_first=first, progressed=_progress(rng))
        for a, b, first in links
    ]
    Accompaniment.objects.bulk_create(accompaniments, batch_size=2000)
    return len(activities)


def _advisor_history(contract, assignments, rate, today, rng):
    """One advisor's activities over their contract, in date order, with their accompaniments (activity,
    beneficiary, is_first): the first accompaniment of each person is the earliest."""
    start, end = max(contract.start, FIRST_DAY), min(contract.end or today, today)
    activities, links, followed, seen = [], [], [], set()
    week = start - datetime.timedelta(days=start.weekday())
    while week <= end:
        for _ in range(_draw_count(rate * seasonality(week + datetime.timedelta(days=3)), rng)):
            day = week + datetime.timedelta(days=rng.randrange(5))
            if start <= day <= end:
                activities.append(_activity(contract, assignments, day, rng))
        week += datetime.timedelta(days=7)
    activities.sort(key=lambda a: a.date)
    for activity in activities:
        if activity.type == ActivityType.COLLECTIVE:
            continue
        if rng.random() < ANONYMOUS_SHARE:
            beneficiary = _beneficiary(contract.advisor_id, activity.date, anonymous=True, rng=rng)
        elif followed and rng.random() < RETURNING_SHARE:
            beneficiary = rng.choice(followed)
        else:
            beneficiary = _beneficiary(contract.advisor_id, activity.date, anonymous=False, rng=rng)
            followed.append(beneficiary)
        links.append((activity, beneficiary, id(beneficiary) not in seen))
        seen.add(id(beneficiary))
    return activities, links


def _draw_count(mean: float, rng: random.Random) -> int:
    """A small count around `mean` (binomial over ten chances: cheap and never far off)."""
    return sum(1 for _ in range(10) if rng.random() < mean / 10)


def _activity(contract, assignments, day, rng: random.Random) -> Activity:
    collective = rng.random() < COLLECTIVE_SHARE
    themes = _themes(rng, collective)
    activity = Activity(
        type=ActivityType.COLLECTIVE if collective else ActivityType.INDIVIDUAL,
        date=day,
        themes=themes,
        demarche_themes=_demarche_themes(rng) if Theme.PROCEDURES in themes and rng.random() < 0.85 else [],
        equipment=[rng.choices(Equipment.values, weights=[30, 40, 15, 5, 10])[0]],
        advisor_id=contract.advisor_id,
        structure_id=contract.structure_id,
        source=SOURCE,
    )
    _place(activity, contract, assignments, rng)
    if collective:
        _workshop(activity, rng)
    else:
        activity.duration_minutes = rng.choices([15, 30, 45, 60, 90], weights=[10, 35, 25, 22, 8])[0]
        activity.autonomy = rng.choices(Autonomy.values, weights=[45, 40, 15])[0]
    return activity


def _themes(rng: random.Random, collective: bool) -> list[str]:
    count = rng.choices([1, 2, 3], weights=[55, 33, 12])[0]
    weights = dict(THEME_WEIGHTS)
    if collective:  # workshops are rarely about one person's procedures
        weights[Theme.PROCEDURES] = 3
    picked = set(rng.choices(list(weights), weights=list(weights.values()), k=count))
    return [theme.value for theme in Theme if theme in picked]


def _demarche_themes(rng: random.Random) -> list[str]:
    picked = set(rng.choices(list(DEMARCHE_WEIGHTS), weights=list(DEMARCHE_WEIGHTS.values()), k=rng.choice([1, 1, 2])))
    return [theme.value for theme in DemarcheTheme if theme in picked]


def _place(activity: Activity, contract, assignments, rng: random.Random) -> None:
    current = [a for a in assignments if a.start <= activity.date and (a.end is None or a.end >= activity.date)]
    roll = rng.random()
    if current and roll < 0.78:
        activity.place_type, activity.site_id = PlaceType.SITE, rng.choice(current).site_id
    elif roll < 0.88 or contract.structure.commune_id is None:
        activity.place_type = PlaceType.REMOTE
    else:
        activity.place_type = PlaceType.HOME if roll < 0.95 else PlaceType.OTHER
        activity.commune_id = contract.structure.commune_id


def _workshop(activity: Activity, rng: random.Random) -> None:
    participants = rng.randint(3, 12)
    first_time = rng.randint(0, participants)
    asked = rng.randint(0, participants)
    women = rng.randint(0, participants)
    activity.duration_minutes = rng.choice([60, 90, 120])
    activity.level = rng.choices(Level.values, weights=[60, 30, 10])[0]
    activity.title = rng.choice(WORKSHOP_TITLES)
    activity.anonymous_participants = participants
    activity.anonymous_first_time = first_time
    activity.anonymous_asked = asked
    activity.anonymous_progressed = rng.randint(int(asked * 0.8), asked)
    activity.anonymous_breakdown = {"genre": {Genre.FEMALE.value: women, Genre.MALE.value: participants - women}}


def _beneficiary(advisor_id: int, day: datetime.date, *, anonymous: bool, rng: random.Random) -> Beneficiary:
    age = rng.choices(list(AGE_WEIGHTS), weights=list(AGE_WEIGHTS.values()))[0]
    beneficiary = Beneficiary(
        advisor_id=advisor_id,
        genre=rng.choices(Genre.values, weights=[42, 53, 5])[0],
        age_bracket=age,
        social_status=STATUS_BY_AGE.get(age) or rng.choice([SocialStatus.EMPLOYED, SocialStatus.UNEMPLOYED]),
    )
    if not anonymous:
        beneficiary.is_followed = True
        beneficiary.first_name, beneficiary.last_name = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        beneficiary.normalized_name = normalize_person_name(beneficiary.first_name, beneficiary.last_name)
        beneficiary.consent_date = day
    return beneficiary


def _progress(rng: random.Random) -> str:
    return rng.choices(Progress.values, weights=[60, 5, 35])[0]
