import datetime

import pytest

from cnum.activities.validation import validate_activity

TODAY = datetime.date(2025, 6, 15)


def individual(**changes):
    data = {
        "type": "individuel",
        "date": datetime.date(2025, 6, 1),
        "duration_minutes": 30,
        "place_type": "lieu_activite",
        "site": 1,
        "themes": ["email"],
    }
    return {**data, **changes}


def collective(**changes):
    return individual(
        **{"type": "collectif", "level": "debutant", "title": "Atelier", "anonymous_participants": 5, **changes}
    )


def errors(data):
    return validate_activity(data, today=TODAY)


def test_valid_individual_and_collective():
    assert errors(individual()) == {}
    assert errors(collective()) == {}


def test_accepts_plain_strings():
    assert errors(individual(date="2025-06-01", duration_minutes="45")) == {}


@pytest.mark.parametrize("kind", ["", "demarche", None])
def test_type(kind):
    assert "type" in errors(individual(type=kind))


@pytest.mark.parametrize(
    ("date", "message"),
    [
        (datetime.date(2025, 6, 16), "La date de l'activité ne peut pas être dans le futur."),
        (datetime.date(2019, 12, 31), "La date de l'activité ne peut pas être antérieure au 1er janvier 2020."),
        ("15/06/2025", "Date invalide : format AAAA-MM-JJ attendu."),
        (None, "Indiquez la date de l'activité."),
    ],
)
def test_date(date, message):
    assert errors(individual(date=date))["date"] == [message]


def test_date_bounds_included():
    assert errors(individual(date=TODAY)) == {}
    assert errors(individual(date=datetime.date(2020, 1, 1))) == {}


@pytest.mark.parametrize("minutes", [0, 601, None, "abc", -5])
def test_duration_out_of_range(minutes):
    assert errors(individual(duration_minutes=minutes))["duration_minutes"] == [
        "Indiquez une durée entre 1 et 600 minutes."
    ]


@pytest.mark.parametrize("minutes", [1, 600])
def test_duration_bounds(minutes):
    assert errors(individual(duration_minutes=minutes)) == {}


def test_place_type_unknown():
    assert "place_type" in errors(individual(place_type="ailleurs"))


def test_site_required_at_a_site():
    assert errors(individual(site=None))["site"] == ["Choisissez le lieu d'activité."]


@pytest.mark.parametrize("place", ["domicile", "autre"])
def test_commune_required_at_home_or_elsewhere(place):
    assert errors(individual(place_type=place, site=None))["commune"] == [
        "Indiquez la commune où l'activité a eu lieu."
    ]
    assert errors(individual(place_type=place, site=None, commune="69123")) == {}


def test_remote_has_neither_site_nor_commune():
    assert "place_type" in errors(individual(place_type="a_distance"))
    assert "place_type" in errors(individual(place_type="a_distance", site=None, commune="69123"))
    assert errors(individual(place_type="a_distance", site=None)) == {}


def test_at_least_one_theme():
    assert errors(individual(themes=[]))["themes"] == ["Choisissez au moins une thématique."]


def test_unknown_theme():
    assert errors(individual(themes=["email", "jardinage"]))["themes"] == ["Thématique inconnue."]


def test_demarche_themes_need_the_procedures_theme():
    assert "demarche_themes" in errors(individual(demarche_themes=["logement"]))
    ok = individual(themes=["aide_aux_demarches_administratives"], demarche_themes=["logement"])
    assert errors(ok) == {}


def test_unknown_demarche_theme():
    data = individual(themes=["aide_aux_demarches_administratives"], demarche_themes=["impots"])
    assert errors(data)["demarche_themes"] == ["Thématique de démarche inconnue."]


def test_equipment():
    assert errors(individual(equipment=["ordinateur", "telephone"])) == {}
    assert errors(individual(equipment=["minitel"]))["equipment"] == ["Matériel inconnu."]


def test_autonomy_only_for_individual():
    assert errors(individual(autonomy="autonome")) == {}
    assert "autonomy" in errors(individual(autonomy="expert"))
    assert "autonomy" in errors(collective(autonomy="autonome"))


def test_level_and_title_only_for_collective():
    assert "level" in errors(individual(level="debutant"))
    assert "title" in errors(individual(title="Atelier"))
    assert "level" in errors(collective(level="expert"))


def test_collective_needs_a_participant():
    message = ["Un atelier collectif compte au moins un participant."]
    assert errors(collective(anonymous_participants=0))["anonymous_participants"] == message
    assert errors(collective(anonymous_participants=0, followed_participants=1)) == {}


def test_anonymous_counts_are_numbers():
    assert "anonymous_participants" in errors(collective(anonymous_participants="beaucoup"))


def test_first_time_at_most_participants():
    assert "anonymous_first_time" in errors(collective(anonymous_first_time=6))
    assert errors(collective(anonymous_first_time=5)) == {}


def test_progressed_at_most_asked_at_most_participants():
    assert "anonymous_asked" in errors(collective(anonymous_asked=6))
    assert "anonymous_progressed" in errors(collective(anonymous_asked=2, anonymous_progressed=3))
    assert errors(collective(anonymous_asked=5, anonymous_progressed=5)) == {}


def test_breakdown_sums_to_at_most_participants():
    ok = {"genre": {"feminin": 3, "masculin": 2}, "tranche_age": {"soixante_dix_plus": 1}}
    assert errors(collective(anonymous_breakdown=ok)) == {}
    too_many = {"statut_social": {"retraite": 4, "en_emploi": 2}}
    assert errors(collective(anonymous_breakdown=too_many))["anonymous_breakdown"] == [
        "La répartition par statut social dépasse le nombre de participants."
    ]


def test_breakdown_values_valid():
    assert "anonymous_breakdown" in errors(collective(anonymous_breakdown={"genre": {"autre": 1}}))
    assert "anonymous_breakdown" in errors(collective(anonymous_breakdown={"couleur": {"bleu": 1}}))
    assert "anonymous_breakdown" in errors(collective(anonymous_breakdown=[1]))


def test_redirection_needs_a_category():
    message = ["Indiquez vers quel type de structure la personne a été orientée."]
    assert errors(individual(redirection_site=3))["redirection_category"] == message
    assert errors(individual(redirection_other="CAF de Lyon"))["redirection_category"] == message
    assert errors(individual(redirection_category="aide_sociale", redirection_other="CAF de Lyon")) == {}
    assert "redirection_category" in errors(individual(redirection_category="cinema"))
