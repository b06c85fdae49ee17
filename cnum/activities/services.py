"""Recording activities and keeping beneficiaries right.

`data` is a dict of Activity field names (as `cnum.activities.validation.validate_activity` reads them), where
`site`, `commune` and `redirection_site` are objects or ids, plus, for an individual activity: `beneficiary` (a
followed Beneficiary of the advisor, or None for an anonymous person), `genre`, `age_bracket`, `social_status` (of
an anonymous person) and `progressed`; for a collective one: `beneficiaries`, the followed beneficiaries listed;
for both, optionally `tags` (Tag objects or ids the advisor may use; absent or None leaves them as they are).
"""

import datetime
import re
import unicodedata
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cnum.activities.enums import ActivityType, AgeBracket, Genre, Progress, SocialStatus
from cnum.activities.models import Accompaniment, Activity, Beneficiary, Tag
from cnum.activities.signals import creating, tracking
from cnum.activities.validation import validate_activity
from cnum.advisors.models import Contract
from cnum.core import audit
from cnum.core.bulk import folded_transaction, insert_object
from cnum.core.prepared import Prepared

#: Activity fields copied from `data` as they are.
PLAIN_FIELDS = (
    "type",
    "date",
    "duration_minutes",
    "place_type",
    "themes",
    "demarche_themes",
    "equipment",
    "autonomy",
    "level",
    "title",
    "redirection_category",
    "redirection_other",
    "notes",
    "anonymous_participants",
    "anonymous_first_time",
    "anonymous_progressed",
    "anonymous_asked",
    "anonymous_breakdown",
    "source",
    "source_id",
)
RELATED_FIELDS = ("site", "commune", "redirection_site")
#: Personal data blanked when a beneficiary is erased.
PERSONAL_FIELDS = {
    "first_name": "",
    "last_name": "",
    "normalized_name": "",
    "birth_year": None,
    "commune": None,
    "phone": "",
    "email": "",
    "notes": "",
}


# --- activities -------------------------------------------------------------------------------------------------


def current_employer(advisor):
    """The structure of the advisor's current contract (the latest one started, if they hold several)."""
    contract = Contract.objects.current().filter(advisor=advisor).select_related("structure").first()
    if contract is None:
        raise ValidationError(NO_CONTRACT)
    return contract.structure


#: current_employer's id alone, one column, compiled once (cnum.core.prepared).
_EMPLOYER_ID = Prepared(
    lambda advisor_id, day: (
        Contract.objects.current(on=day).filter(advisor_id=advisor_id).values_list("structure_id")[:1]
    ),
    advisor_id=int,
    day=datetime.date,
)


def _current_employer_id(advisor) -> int:
    """current_employer's id alone (a recording needs no more)."""
    row = _EMPLOYER_ID.first(advisor_id=advisor.pk, day=timezone.localdate())
    if row is None:
        raise ValidationError(NO_CONTRACT)
    return row[0]


NO_CONTRACT = "Aucun contrat en cours : l'activité ne peut pas être rattachée à une structure."


def _check(data: dict, advisor, activity: Activity | None = None) -> None:
    followed = _followed(data, advisor)
    errors = validate_activity({**data, "followed_participants": len(followed)})
    if errors:
        raise ValidationError(errors)
    _check_tags(data, advisor, activity)


def _check_tags(data: dict, advisor, activity: Activity | None) -> None:
    """The tags must be ones the advisor may attach (public, or private to its employer or team; not archived),
    or be on the activity already (an archived tag is kept, not added)."""
    wanted = {getattr(tag, "pk", tag) for tag in data.get("tags") or ()}
    if not wanted:
        return
    allowed = set(Tag.objects.usable_by(advisor).filter(pk__in=wanted).values_list("pk", flat=True))
    if activity is not None and activity.pk:
        allowed |= set(activity.tags.values_list("pk", flat=True))
    if wanted - allowed:
        raise ValidationError({"tags": "Vous ne pouvez pas utiliser cette étiquette."})


def _tag(activity: Activity, data: dict, *, new: bool = False) -> None:
    """Attach the tags of `data` (when it names them: `None` keeps those of the activity), through the gateway. A
    `new` activity has none yet: no tag to attach, nothing to read."""
    if data.get("tags") is not None and (data["tags"] or not new):
        activity.tags.set([getattr(tag, "pk", tag) for tag in data["tags"]])


def _followed(data: dict, advisor) -> list[Beneficiary]:
    """The followed beneficiaries the activity names; they must be this advisor's (DOMAIN.md: privacy)."""
    if data.get("type") == ActivityType.INDIVIDUAL:
        people = [data["beneficiary"]] if data.get("beneficiary") else []
    else:
        people = list(data.get("beneficiaries") or [])
    for person in people:
        if person.advisor_id != advisor.pk or not person.is_followed or person.erased_at:
            raise ValidationError({"beneficiary": "Ce bénéficiaire n'est pas suivi par ce conseiller."})
    return people


def _assign(activity: Activity, data: dict) -> None:
    for field in PLAIN_FIELDS:
        if data.get(field) is not None:
            setattr(activity, field, data[field])
    for field in RELATED_FIELDS:
        value = data.get(field)
        setattr(activity, f"{field}_id", getattr(value, "pk", value) or None)
    if activity.type == ActivityType.INDIVIDUAL:
        activity.anonymous_participants = activity.anonymous_first_time = 0
        activity.anonymous_progressed = activity.anonymous_asked = 0
        activity.anonymous_breakdown = {}


def _insert(obj) -> None:
    """A new row of a `creating()` change written by one prepared INSERT (cnum.core.bulk.insert_object: the ORM's
    compiling of the statement was most of a recording's CPU, issue #20) and audited as `save()` would be. The write
    gateway is not told: `creating()` announces the new activity and its people (`change.add`), nothing existing
    changes, so there is nothing for its followers to read."""
    insert_object(obj)
    audit.record_created(obj)


def _anonymous_person(advisor, data: dict, reuse: Beneficiary | None = None, *, new: bool = False) -> Beneficiary:
    person = reuse or Beneficiary(advisor=advisor)
    person.genre = data.get("genre") or Genre.UNKNOWN
    person.age_bracket = data.get("age_bracket") or AgeBracket.UNKNOWN
    person.social_status = data.get("social_status") or SocialStatus.UNKNOWN
    if new:
        _insert(person)
    else:
        person.save()
    return person


def _accompany(activity: Activity, data: dict, previous: list[Beneficiary], *, new: bool = False) -> set[int]:
    """Create the accompaniments of `activity` (flagged first: `recompute_first_accompaniments` corrects the flags
    of people seen before); return the ids of the beneficiaries concerned. `new`: in a `creating()` change, the rows
    written by `_insert`."""
    if activity.type == ActivityType.INDIVIDUAL:
        person = data.get("beneficiary")
        if person is None:
            reuse = next((p for p in previous if not p.is_followed), None)
            person = _anonymous_person(activity.advisor, data, reuse, new=new)
        progressed = data.get("progressed") or Progress.NOT_ASKED
        accompaniment = Accompaniment(activity=activity, beneficiary=person, progressed=progressed)
        if new:
            _insert(accompaniment)
        else:
            accompaniment.save()
        return {person.pk}
    people = list(data.get("beneficiaries") or [])
    Accompaniment.objects.bulk_create([Accompaniment(activity=activity, beneficiary=p) for p in people])
    return {person.pk for person in people}


def activity_record(*, advisor, data: dict, by=None) -> Activity:
    """Record an activity of `advisor`, for the structure that employs them now, with its accompaniments.

    Raises ValidationError (messages per field) when the data breaks the national rules or the advisor has no
    current contract. The checks and the employer are read before the write's transaction (they read committed rows
    either way), so that a recording of new rows only is one statement (cnum.core.bulk.folded_transaction).
    """
    _check(data, advisor)
    activity = Activity(advisor=advisor, structure_id=_current_employer_id(advisor), created_by=by)
    _assign(activity, data)
    declared = _declared_people(data)
    if not declared:
        # Only new rows (the activity, an anonymous person, whose one accompaniment is their first): nothing to read
        # before the write, the statistics count it just after the commit (cnum.activities.signals: creating). Its
        # rows, their audit events and its place in the statistics' queue go in one statement (PostgreSQL).
        with folded_transaction(), creating() as change:
            _insert(activity)
            _tag(activity, data, new=True)
            concerned = _accompany(activity, data, previous=[], new=True)
            change.add(activity_ids=[activity.pk], beneficiary_ids=concerned)
        return activity
    with transaction.atomic(), tracking(beneficiary_ids=declared) as change:
        activity.save()
        _tag(activity, data, new=True)
        concerned = _accompany(activity, data, previous=[])
        recompute_first_accompaniments(concerned)
        change.add(activity_ids=[activity.pk], beneficiary_ids=concerned)
    return activity


@transaction.atomic
def activity_update(*, activity: Activity, data: dict, by=None) -> Activity:
    """Change an activity; its accompaniments are rebuilt, an anonymous person's row is kept or removed."""
    _check(data, activity.advisor, activity)
    previous = [a.beneficiary for a in activity.accompaniments.select_related("beneficiary")]
    declared = _declared_people(data) | {person.pk for person in previous}
    with tracking(activity_ids=[activity.pk], beneficiary_ids=declared) as change:
        _assign(activity, data)
        activity.save()
        _tag(activity, data)
        activity.accompaniments.all().delete()
        concerned = _accompany(activity, data, previous)
        _delete_orphans(previous)
        recompute_first_accompaniments(concerned | {person.pk for person in previous})
        change.add(beneficiary_ids=concerned)
    return activity


@transaction.atomic
def activity_delete(*, activity: Activity, by=None) -> None:
    """Delete an activity; the anonymous people it alone counted go with it, followed ones stay."""
    previous = [a.beneficiary for a in activity.accompaniments.select_related("beneficiary")]
    with tracking(activity_ids=[activity.pk], beneficiary_ids=[person.pk for person in previous]):
        activity.delete()
        _delete_orphans(previous)
        recompute_first_accompaniments({person.pk for person in previous})


def _declared_people(data: dict) -> set[int]:
    """The existing (followed) people an activity's data names, declared before a write (cnum.activities.signals)."""
    people = [data.get("beneficiary"), *(data.get("beneficiaries") or ())]
    return {person.pk for person in people if person is not None and person.pk is not None}


def _delete_orphans(people: list[Beneficiary]) -> None:
    anonymous = [person.pk for person in people if not person.is_followed]
    Beneficiary.objects.filter(pk__in=anonymous, is_followed=False, accompaniments__isnull=True).delete()


def recompute_first_accompaniments(beneficiary_ids) -> None:
    """For each beneficiary, exactly their earliest accompaniment (activity date, then id) is their first.

    "New beneficiaries" counts these flags (DOMAIN.md), so they follow every change of date, creation and deletion.
    """
    rows = (
        Accompaniment.objects.filter(beneficiary_id__in=list(beneficiary_ids))
        .order_by("beneficiary_id", "activity__date", "activity_id", "id")
        .values_list("id", "beneficiary_id", "is_first")
    )
    seen, make_first, make_not_first = set(), [], []
    for pk, beneficiary_id, is_first in rows:
        first = beneficiary_id not in seen
        seen.add(beneficiary_id)
        if first and not is_first:
            make_first.append(pk)
        elif not first and is_first:
            make_not_first.append(pk)
    Accompaniment.objects.filter(pk__in=make_first).update(is_first=True)
    Accompaniment.objects.filter(pk__in=make_not_first).update(is_first=False)


# --- beneficiaries ----------------------------------------------------------------------------------------------


def normalize_person_name(first_name: str, last_name: str) -> str:
    """Names compared without accents, case, hyphens or apostrophes: "Jean-Éric" and "jean eric" match."""
    text = unicodedata.normalize("NFKD", f"{first_name} {last_name}")
    text = "".join(char for char in text if not unicodedata.combining(char)).lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def _digits(phone: str) -> str:
    digits = re.sub(r"\D", "", phone or "")
    return "0" + digits[2:] if digits.startswith("33") and len(digits) == 11 else digits


@transaction.atomic
def beneficiary_follow(*, advisor, first_name: str, last_name: str, consent_date, **fields) -> Beneficiary:
    """Follow a person by name: only with their consent, whose date is recorded (GDPR)."""
    errors = {}
    if not consent_date:
        errors["consent_date"] = ["Indiquez la date à laquelle la personne a donné son accord."]
    if not (first_name or "").strip() and not (last_name or "").strip():
        errors["last_name"] = ["Indiquez le nom ou le prénom de la personne."]
    if errors:
        raise ValidationError(errors)
    fields["email"] = (fields.get("email") or "").strip().lower()
    person = Beneficiary(
        advisor=advisor,
        is_followed=True,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        consent_date=consent_date,
        **fields,
    )
    person.normalized_name = normalize_person_name(person.first_name, person.last_name)
    person.full_clean()
    person.save()
    return person


def likeness_keys(person) -> list[tuple[str, str]]:
    """What makes two followed people look like one (the duplicate detector's keys): the name without accents,
    case or hyphens, the phone's digits (+33 read as 0), the e-mail in lower case. Empty values are no key."""
    name = getattr(person, "normalized_name", "") or normalize_person_name(person.first_name, person.last_name)
    keys = (("name", name), ("phone", _digits(person.phone)), ("email", (person.email or "").strip().lower()))
    return [key for key in keys if key[1]]


LIKENESS_LABELS = {"name": "même nom et prénom", "phone": "même numéro de téléphone", "email": "même courriel"}


def likeness_reasons(one, other) -> list[str]:
    """Why two followed people look alike, in French, for the duplicates screen and the import preview: the keys
    they share, then the birth year when both have one (the same year supports it; a different one warns)."""
    shared = set(likeness_keys(one)) & set(likeness_keys(other))
    reasons = [LIKENESS_LABELS[kind] for kind in LIKENESS_LABELS if any(key[0] == kind for key in shared)]
    if reasons and one.birth_year and other.birth_year:
        if one.birth_year == other.birth_year:
            reasons.append(f"même année de naissance ({one.birth_year})")
        else:
            reasons.append(f"mais années de naissance différentes ({one.birth_year} et {other.birth_year})")
    return reasons


def find_duplicates(advisor) -> list[list[Beneficiary]]:
    """Groups of the advisor's followed beneficiaries that look like one person: same name (normalised), phone
    or e-mail (`likeness_keys`). Each group holds at least two people, oldest first."""
    people = advisor.beneficiaries.filter(is_followed=True, erased_at__isnull=True).select_related("commune")
    people = list(people.order_by("pk"))
    parent = {person.pk: person.pk for person in people}

    def root(pk):
        while parent[pk] != pk:
            pk = parent[pk]
        return pk

    keys: dict[tuple, int] = {}
    for person in people:
        for key in likeness_keys(person):
            if key in keys:
                parent[root(person.pk)] = root(keys[key])
            else:
                keys[key] = person.pk
    groups = defaultdict(list)
    for person in people:
        groups[root(person.pk)].append(person)
    return [group for group in groups.values() if len(group) > 1]


@transaction.atomic
def beneficiaries_merge(*, keep: Beneficiary, merge: Beneficiary) -> Beneficiary:
    """`merge` is the same person as `keep`: their accompaniments move to `keep`, blanks of `keep` are filled from
    `merge`, then `merge` is deleted. Both must be followed by the same advisor."""
    if keep.pk == merge.pk or keep.advisor_id != merge.advisor_id:
        raise ValidationError("Seuls deux bénéficiaires distincts d'un même conseiller peuvent être fusionnés.")
    with tracking(beneficiary_ids=[keep.pk, merge.pk]):
        _merge(keep, merge)
    return keep


def _merge(keep: Beneficiary, merge: Beneficiary) -> None:
    shared = keep.accompaniments.values("activity_id")
    # The same person listed twice in one activity was counted twice: the duplicate goes.
    merge.accompaniments.filter(activity_id__in=shared).delete()
    merge.accompaniments.update(beneficiary=keep)
    for field in ("first_name", "last_name", "birth_year", "commune", "phone", "email", "consent_date"):
        if not getattr(keep, field) and getattr(merge, field):
            setattr(keep, field, getattr(merge, field))
    keep.normalized_name = normalize_person_name(keep.first_name, keep.last_name)
    keep.save()
    merge.delete()
    recompute_first_accompaniments([keep.pk])


@transaction.atomic
def beneficiary_erase(*, beneficiary: Beneficiary) -> Beneficiary:
    """Erase a person's personal data (GDPR right to erasure). The row and its accompaniments stay, still counted
    as followed, so that the statistics already reported do not change."""
    for field, blank in PERSONAL_FIELDS.items():
        setattr(beneficiary, field, blank)
    beneficiary.erased_at = timezone.now()
    beneficiary.save()
    return beneficiary
