"""Partner API for activities (comptes rendus d'activité), with a bearer token (cnum.api.auth).

A token scoped to an advisor records and reads that advisor's activities; a token scoped to a structure reads
the structure's activities and records for one of its advisors in post, named by `advisor`. The web's rules hold:
an activity is corrected (`PUT`, every field again) or deleted by its advisor only, so with the advisor's token
(cnum.activities.perms.can_edit_activity, the token's owner acting in the token's role); an activity counting
followed people is corrected and deleted in cnum only, since the API knows anonymous people only; the site and the
orientation site are those the recording form offers the advisor. Fields carry the Activity field names, with the
national v2 values (DOMAIN.md). Errors are French messages per field: 422 `{"errors": {"champ": ["message"]}}`.
"""

import base64
import binascii
import datetime
import json

from django.core.exceptions import ValidationError
from django.db.models import Q
from ninja import Field, Query, Router, Schema, Status

from cnum.activities.enums import ActivityType
from cnum.activities.forms import france_services_near, offers_site, sites_of
from cnum.activities.models import Activity, Tag
from cnum.activities.perms import can_edit_activity, private_tags_of
from cnum.activities.services import activity_delete, activity_record, activity_update
from cnum.activities.validation import validate_activity
from cnum.advisors.models import Advisor, Contract
from cnum.api.auth import TokenAuth, acting_as_token
from cnum.api.models import ApiToken
from cnum.api.validation import has_nul
from cnum.core import jsontext
from cnum.sites.models import Site
from cnum.territories.lookup import commune_by_insee

router = Router(tags=["Activités"], auth=TokenAuth())
# Every operation's writes are audited as the token's, the reads too should one ever write.
router.add_decorator(acting_as_token)
PAGE_SIZE, MAX_PAGE_SIZE = 50, 200


class Errors(Schema):
    errors: dict[str, list[str]] = Field(description="Messages d'erreur par champ.")


class Unreadable(Schema):
    detail: str = Field(description="Le corps de la requête n'est pas du JSON lisible.")


class ActivityIn(Schema):
    advisor: int | None = Field(None, description="Conseiller (obligatoire avec un jeton de structure).")
    type: str = Field(description="individuel ou collectif.")
    date: str = Field(description="Date de l'activité (AAAA-MM-JJ).")
    duration_minutes: int | None = None
    place_type: str = Field(description="lieu_activite, domicile, a_distance ou autre.")
    site: int | None = Field(None, description="Lieu d'activité (identifiant), si place_type vaut lieu_activite.")
    commune: str | None = Field(None, description="Code INSEE de la commune, si domicile ou autre.")
    themes: list[str] = []
    demarche_themes: list[str] = []
    equipment: list[str] = []
    autonomy: str = ""
    level: str = ""
    title: str = ""
    redirection_category: str = ""
    redirection_site: int | None = None
    redirection_other: str = ""
    notes: str = ""
    anonymous_participants: int = 0
    anonymous_first_time: int = 0
    anonymous_progressed: int = 0
    anonymous_asked: int = 0
    anonymous_breakdown: dict[str, dict[str, int]] = {}
    genre: str = Field("", description="Personne accompagnée (individuel, anonyme).")
    age_bracket: str = ""
    social_status: str = ""
    progressed: str = ""
    source_id: str = Field("", description="Votre identifiant de l'activité (un même identifiant est refusé).")
    tags: list[int | str] | None = Field(
        None,
        description="Étiquettes, par identifiant ou par nom : publiques, ou privées à la structure ou à l'équipe du "
        "conseiller. Absent : celles de l'activité ne changent pas ; [] les retire toutes.",
    )


class TagOut(Schema):
    id: int
    name: str


class ActivityOut(Schema):
    id: int
    advisor: int = Field(alias="advisor_id")
    structure: int = Field(alias="structure_id")
    type: str
    date: datetime.date
    duration_minutes: int
    place_type: str
    site: int | None = Field(alias="site_id")
    commune: str | None = Field(description="Code INSEE de la commune, comme à l'envoi.")
    themes: list[str]
    demarche_themes: list[str]
    equipment: list[str]
    autonomy: str
    level: str
    title: str
    redirection_category: str
    anonymous_participants: int
    anonymous_first_time: int
    source: str
    source_id: str
    tags: list[TagOut]
    created_at: datetime.datetime

    @staticmethod
    def resolve_tags(activity: Activity, context) -> list[Tag]:
        """Public tags, and the private ones of the token's scope: another scope's private tag is not named."""
        # A recording answers with the tags it was given (`recorded_tags`): nothing to read back.
        tags = getattr(activity, "recorded_tags", None)
        tags = list(activity.tags.all()) if tags is None else tags
        if not tags:
            return []
        readable = _private_tags(context["request"])
        return [tag for tag in tags if tag.is_public or tag.pk in readable]

    @staticmethod
    def resolve_commune(activity: Activity) -> str | None:
        return activity.commune.code if activity.commune_id else None


class ActivityPage(Schema):
    items: list[ActivityOut]
    next: str | None = Field(description="Adresse de la page suivante ; null à la dernière page.")


class ActivityFilters(Schema):
    since: datetime.date | None = Field(None, description="Activités de cette date ou après.")
    until: datetime.date | None = Field(None, description="Activités de cette date ou avant.")
    type: str = Field("", description="individuel ou collectif.")
    cursor: str = Field("", description="Curseur de la page suivante (lien `next`).")
    limit: int = Field(PAGE_SIZE, description=f"Nombre d'activités par page (au plus {MAX_PAGE_SIZE}).")


def _private_tags(request) -> set[int]:
    """The private tags the request's token reads, read once per request."""
    if not hasattr(request, "cnum_private_tags"):
        token = request.auth
        tags = private_tags_of(advisor=token.advisor, structure_id=token.structure_id)
        request.cnum_private_tags = set(tags.values_list("pk", flat=True))
    return request.cnum_private_tags


def scoped_activities(token: ApiToken):
    """What a token reads: its advisor's activities, or its structure's."""
    if token.advisor_id:
        return Activity.objects.filter(advisor_id=token.advisor_id)
    return Activity.objects.filter(structure_id=token.structure_id)


def encode_cursor(activity: Activity) -> str:
    raw = json.dumps([activity.date.isoformat(), activity.pk]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime.date, int] | None:
    try:
        day, pk = jsontext.parse(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return datetime.date.fromisoformat(day), int(pk)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):  # UnreadableJson is a ValueError
        return None


def _filter_errors(filters: ActivityFilters) -> dict[str, list[str]]:
    errors = {}
    if filters.type and filters.type not in ActivityType.values:
        errors["type"] = ["Type inconnu : individuel ou collectif."]
    if not 1 <= filters.limit <= MAX_PAGE_SIZE:
        errors["limit"] = [f"limit doit être compris entre 1 et {MAX_PAGE_SIZE}."]
    if filters.cursor and decode_cursor(filters.cursor) is None:
        errors["cursor"] = ["Curseur invalide : reprenez le lien `next` de la page précédente."]
    return errors


@router.get("", response={200: ActivityPage, 422: Errors}, summary="Activités du périmètre du jeton")
def list_activities(request, filters: Query[ActivityFilters]):
    """Most recent first, by pages: follow `next` until it is null. Results stay stable while activities are
    added, since the cursor is the (date, id) position of the last activity returned."""
    errors = _filter_errors(filters)
    if errors:
        return Status(422, {"errors": errors})
    activities = scoped_activities(request.auth).select_related("commune").prefetch_related("tags")
    activities = activities.order_by("-date", "-id")
    if filters.since:
        activities = activities.filter(date__gte=filters.since)
    if filters.until:
        activities = activities.filter(date__lte=filters.until)
    if filters.type:
        activities = activities.filter(type=filters.type)
    if filters.cursor:
        day, pk = decode_cursor(filters.cursor)
        activities = activities.filter(Q(date__lt=day) | Q(date=day, id__lt=pk))
    page = list(activities[: filters.limit + 1])
    next_url = None
    if len(page) > filters.limit:
        page = page[: filters.limit]
        query = request.GET.copy()
        query["cursor"] = encode_cursor(page[-1])
        next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
    return Status(200, {"items": page, "next": next_url})


def _advisor(token: ApiToken, advisor_id: int | None) -> tuple[Advisor | None, dict[str, list[str]]]:
    if token.advisor_id:
        if advisor_id not in (None, token.advisor_id):
            return None, {"advisor": ["Ce jeton n'enregistre que les activités de son conseiller."]}
        return token.advisor, {}
    if advisor_id is None:
        return None, {"advisor": ["Indiquez le conseiller (jeton de structure)."]}
    in_post = Contract.objects.current().filter(structure_id=token.structure_id, advisor_id=advisor_id)
    if not in_post.exists():
        return None, {"advisor": ["Ce conseiller n'est pas en poste dans la structure du jeton."]}
    return Advisor.objects.get(pk=advisor_id), {}


def _related(payload: ActivityIn, advisor: Advisor | None) -> tuple[dict, dict[str, list[str]]]:
    """Site, commune and redirection site as objects; unknown ids are errors. The sites are looked up among those
    the recording form offers the advisor (cnum.activities.forms.ActivityForm); for want of an advisor (already an
    error), among all."""
    found, errors = {}, {}
    lookups = [
        ("site", payload.site, sites_of, "Lieu d'activité inconnu parmi ceux du conseiller."),
        (
            "redirection_site",
            payload.redirection_site,
            france_services_near,
            "Espace France Services inconnu dans les départements des structures du conseiller.",
        ),
    ]
    for field, value, offered, message in lookups:
        # Built only for a value given (building and compiling it is most of a lookup's cost); the id is enough
        # to record (the rules read whether a site is given, the service writes its id).
        if value is not None and field == "site" and advisor and 0 < value < 2**63:
            found[field] = value if offers_site(advisor, value) else None  # the common case, compiled once
        elif value is not None:
            queryset = offered(advisor) if advisor else Site.objects.all()
            found[field] = queryset.filter(pk=value).order_by().values_list("pk", flat=True).first()
        else:
            found[field] = None
        if value is not None and found[field] is None:
            errors[field] = [message]
    found["commune"] = None
    if payload.commune not in (None, ""):
        # An INSEE code, not the row's id: read as the recording form reads it (a code déléguée leads to its commune).
        result = commune_by_insee(payload.commune)
        if result.ok:
            found["commune"] = result.commune
        else:
            errors["commune"] = [result.reason or "Commune inconnue (code INSEE attendu)."]
    return found, errors


def _tags(payload: ActivityIn, advisor: Advisor | None, activity: Activity | None) -> tuple[list | None, list[str]]:
    """The tags named by id or by name (case-insensitive) among those the advisor may attach, plus those already on
    the activity; a name two of them share must be given by id."""
    if payload.tags is None:
        return None, []
    usable = Tag.objects.usable_by(advisor)
    if activity is not None:
        usable = Tag.objects.filter(Q(pk__in=usable.values("pk")) | Q(pk__in=activity.tags.values("pk")))
    usable = list(usable)
    found, errors = [], []
    for wanted in payload.tags:
        if isinstance(wanted, int):
            matches = [tag for tag in usable if tag.pk == wanted]
        else:
            matches = [tag for tag in usable if tag.name.casefold() == " ".join(wanted.split()).casefold()]
        if len(matches) == 1:
            found.append(matches[0])
        elif matches:
            errors.append(f"Plusieurs étiquettes s'appellent « {wanted} » : donnez son identifiant.")
        else:
            errors.append(f"Étiquette inconnue ou que ce conseiller ne peut pas utiliser : « {wanted} ».")
    return found, errors


def _nul_errors(payload: ActivityIn) -> dict[str, list[str]]:
    return {field: ["Caractère nul interdit."] for field, value in payload.dict().items() if has_nul(value)}


def _checked(
    payload: ActivityIn, advisor: Advisor | None, activity: Activity | None = None
) -> tuple[dict, dict[str, list[str]]]:
    """The service's data from the payload (its ids as objects), and the errors of the national rules per field."""
    related, errors = _related(payload, advisor)
    related["tags"], tag_errors = _tags(payload, advisor, activity)
    if tag_errors:
        errors["tags"] = tag_errors
    data = {**payload.dict(exclude={"advisor", "source_id"}), **related}
    for field, messages in validate_activity(data).items():
        errors.setdefault(field, []).extend(messages)
    if not errors:
        data["date"] = datetime.date.fromisoformat(payload.date)  # valid: validate_activity checked it
    return data, errors


@router.post("", response={201: ActivityOut, 400: Unreadable, 422: Errors}, summary="Enregistrer une activité")
def create_activity(request, payload: ActivityIn):
    """Held to the same national rules as the recording form; recorded for the advisor's current employer."""
    token = request.auth
    if refused := _nul_errors(payload):
        return Status(422, {"errors": refused})
    advisor, errors = _advisor(token, payload.advisor)
    data, rule_errors = _checked(payload, advisor)
    errors = {**errors, **rule_errors}
    if payload.source_id and Activity.objects.filter(source="api", source_id=payload.source_id).exists():
        errors.setdefault("source_id", []).append("Une activité porte déjà cet identifiant.")
    if errors:
        return Status(422, {"errors": errors})
    data.update(source="api", source_id=payload.source_id)
    try:
        activity = activity_record(advisor=advisor, data=data, by=token.owner)
    except ValidationError as error:
        return Status(422, {"errors": _messages(error)})
    activity.recorded_tags = sorted(data["tags"] or [], key=lambda tag: (tag.name, tag.pk))  # Tag.Meta.ordering
    return Status(201, activity)


UNKNOWN = {"errors": {"id": ["Aucune activité de ce numéro dans le périmètre du jeton."]}}


def _activity_of(token: ApiToken, activity_id: int) -> Activity | None:
    return scoped_activities(token).select_related("commune").filter(pk=activity_id).first()


def _refused_change(token: ApiToken, activity: Activity) -> Status | None:
    """403 unless the web would let the token's owner, in the token's role, change the activity; 409 when it counts
    followed people, whom the API does not know."""
    if not can_edit_activity(token.owner, activity):
        message = "Seul le conseiller de l'activité la corrige ou la supprime : utilisez un jeton de conseiller."
        return Status(403, {"errors": {"id": [message]}})
    if activity.accompaniments.filter(beneficiary__is_followed=True).exists():
        message = "Cette activité compte des personnes suivies : corrigez-la ou supprimez-la dans cnum."
        return Status(409, {"errors": {"id": [message]}})
    return None


@router.get("/{activity_id}", response={200: ActivityOut, 404: Errors, 422: Errors}, summary="Une activité")
def get_activity(request, activity_id: int):
    activity = _activity_of(request.auth, activity_id)
    return Status(404, UNKNOWN) if activity is None else Status(200, activity)


@router.put(
    "/{activity_id}",
    response={200: ActivityOut, 400: Unreadable, 403: Errors, 404: Errors, 409: Errors, 422: Errors},
    summary="Corriger une activité",
)
def update_activity(request, activity_id: int, payload: ActivityIn):
    """Every field is given again and checked by the same rules as at recording. The advisor and your identifier
    do not change. With the advisor's token only (403 otherwise). An activity counting followed people is corrected
    in cnum (409): the API knows anonymous people only, and would replace them."""
    token = request.auth
    activity = _activity_of(token, activity_id)
    if activity is None:
        return Status(404, UNKNOWN)
    if refused := _refused_change(token, activity):
        return refused
    if refused := _nul_errors(payload):
        return Status(422, {"errors": refused})
    data, errors = _checked(payload, activity.advisor, activity)
    if payload.advisor not in (None, activity.advisor_id):
        errors.setdefault("advisor", []).append("Le conseiller d'une activité ne change pas.")
    if payload.source_id and payload.source_id != activity.source_id:
        errors.setdefault("source_id", []).append("L'identifiant d'une activité ne change pas.")
    if errors:
        return Status(422, {"errors": errors})
    try:
        activity = activity_update(activity=activity, data=data, by=token.owner)
    except ValidationError as error:
        return Status(422, {"errors": _messages(error)})
    return Status(200, activity)


@router.delete(
    "/{activity_id}",
    response={204: None, 403: Errors, 404: Errors, 409: Errors, 422: Errors},
    summary="Supprimer une activité",
)
def delete_activity(request, activity_id: int):
    """The activity and the anonymous people it alone counted. With the advisor's token only (403 otherwise); an
    activity counting followed people is deleted in cnum (409)."""
    activity = _activity_of(request.auth, activity_id)
    if activity is None:
        return Status(404, UNKNOWN)
    if refused := _refused_change(request.auth, activity):
        return refused
    activity_delete(activity=activity, by=request.auth.owner)
    return Status(204, None)


def _messages(error: ValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {field: [str(m) for e in errors for m in e.messages] for field, errors in error.error_dict.items()}
    return {"__all__": list(error.messages)}
