import pytest

from cnum.sites import schema


def test_columns_come_from_the_schema_file_in_its_order():
    names = schema.field_names()
    assert len(names) == 32
    assert names[:4] == ["id", "pivot", "nom", "commune"] and names[-1] == "prise_rdv"
    assert schema.required_fields() == ["id", "pivot", "nom", "commune", "code_postal", "adresse", "date_maj"]
    assert set(names) - set(schema.FIELD_ATTRIBUTES) == {"id", "code_insee"}


@pytest.mark.parametrize(
    ("column", "count", "first", "last"),
    [
        ("services", 9, "Aide aux démarches administratives", "Acquisition de matériel informatique à prix solidaire"),
        ("publics_specifiquement_adresses", 5, "Jeunes", "Femmes"),
        ("prise_en_charge_specifique", 7, "Surdité", "Déficience visuelle"),
        ("frais_a_charge", 3, "Gratuit", "Payant"),
        ("dispositif_programmes_nationaux", 11, "Aidants Connect", "Relais numérique (Emmaüs Connect)"),
        ("formations_labels", 10, "Formé à « Mon Espace Santé »", "SUD LABS (PACA)"),
        ("modalites_acces", 6, "Se présenter", "Envoyer un mail avec une fiche de prescription"),
        ("modalites_accompagnement", 4, "En autonomie", "À distance"),
        ("itinerance", 2, "Itinérant", "Fixe"),
        ("typologie", 91, "ACI", "UDAF"),
    ],
)
def test_enumerations_are_read_from_the_schema_patterns(column, count, first, last):
    values = schema.enumeration(column).values
    assert (len(values), values[0], values[-1]) == (count, first, last)


def test_enumerated_columns_are_found_in_the_schema():
    assert schema.enumerated_fields() == [
        "typologie",
        "itinerance",
        "services",
        "publics_specifiquement_adresses",
        "prise_en_charge_specifique",
        "frais_a_charge",
        "dispositif_programmes_nationaux",
        "formations_labels",
        "modalites_acces",
        "modalites_accompagnement",
    ]


@pytest.mark.parametrize(
    ("column", "typed", "canonical"),
    [
        ("services", "comprehension du monde numerique", "Compréhension du monde numérique"),
        ("publics_specifiquement_adresses", "ETUDIANTS", "Étudiants"),
        ("formations_labels", "Étapes numériques (La Poste)", "Étapes numériques(La Poste)"),
        ("modalites_acces", "Ce lieu n’accueille pas de public", "Ce lieu n'accueille pas de public"),
        ("services", "Gagner en autonomie", None),
    ],
)
def test_values_are_matched_without_case_accents_or_spacing(column, typed, canonical):
    assert schema.enumeration(column).canonical(typed) == canonical


def test_every_enumerated_value_satisfies_its_schema_pattern():
    for column in schema.enumerated_fields():
        pattern = schema.pattern(column)
        if pattern is None:
            continue
        for value in schema.enumeration(column).values:
            assert pattern.fullmatch(value), (column, value)
        assert pattern.fullmatch("|".join(schema.enumeration(column).values))
