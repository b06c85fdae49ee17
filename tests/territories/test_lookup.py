import dataclasses

import pytest

from cnum.territories.enums import CommuneKind, LookupStatus
from cnum.territories.lookup import (
    LookupResult,
    closest_commune,
    commune_by_insee,
    commune_by_postal_code_and_name,
    find_commune,
    reset_index,
)
from cnum.territories.models import Commune, PostalCode

FOUND, CORRECTED = LookupStatus.FOUND, LookupStatus.CORRECTED
AMBIGUOUS, NOT_FOUND, INVALID = LookupStatus.AMBIGUOUS, LookupStatus.NOT_FOUND, LookupStatus.INVALID

pytestmark = pytest.mark.usefixtures("cog")


def assert_found(result: LookupResult, status: LookupStatus, code: str, note: str = ""):
    assert (result.status, result.code) == (status, code), result
    assert result.ok
    assert result.commune_id is not None and not result.reason
    if note:
        assert any(note in text for text in result.notes), result.notes
    elif status == FOUND:
        assert result.notes == ()


# --- by INSEE code ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "status", "expected", "note"),
    [
        ("01001", FOUND, "01001", ""),
        (" 01001 ", FOUND, "01001", ""),
        ("1001", CORRECTED, "01001", "Code INSEE complété par un zéro initial : « 1001 » → 01001."),
        (1001, CORRECTED, "01001", "zéro initial"),
        ("2A004", FOUND, "2A004", ""),
        ("2a004", FOUND, "2A004", ""),
        ("01138", FOUND, "01138", ""),  # Culoz-Béon, whose chef-lieu déléguée Culoz shares the code
        ("01039", CORRECTED, "01138", "01039 est le code de Béon, commune déléguée rattachée à la commune Culoz-Béon"),
        ("01120", CORRECTED, "01262", "Cordieux, commune associée rattachée à la commune Montluel (01262)"),
        ("69232", CORRECTED, "69123", "69232 est un ancien code INSEE de la commune Lyon (69123)."),
        ("20004", CORRECTED, "2A004", "ancien code INSEE"),  # Corsica before 1976
        ("13211", FOUND, "13211", ""),
    ],
)
def test_commune_by_insee(code, status, expected, note):
    assert_found(commune_by_insee(code), status, expected, note)


def test_arrondissement_code_gives_the_arrondissement_within_its_city():
    result = commune_by_insee("13211")
    assert result.name == "Marseille 11e Arrondissement"
    assert result.commune.kind == CommuneKind.MUNICIPAL_ARRONDISSEMENT
    assert result.commune.municipality.code == "13055"


def test_commune_property_fetches_the_commune():
    result = commune_by_insee("01039")
    assert result.commune == Commune.objects.get(code="01138", kind=CommuneKind.CURRENT)
    assert commune_by_insee("99999").commune is None


@pytest.mark.parametrize("code", ["ABCDE", "123", "123456", "2C004", "01 0O1", ""])
def test_malformed_insee_codes_are_invalid(code):
    result = commune_by_insee(code)
    assert result.status == INVALID and not result.ok
    assert result.commune_id is None
    assert result.reason.startswith("Code INSEE")


def test_well_formed_unknown_insee_code_is_not_found():
    result = commune_by_insee("99999")
    assert result.status == NOT_FOUND
    assert result.reason == "Aucune commune de code INSEE 99999 dans le COG."


def test_result_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        commune_by_insee("01001").code = "01002"


# --- by postal code and name --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("postal_code", "name", "status", "expected"),
    [
        ("01400", "L'Abergement-Clémenciat", FOUND, "01001"),
        ("01400", "l abergement clemenciat", FOUND, "01001"),
        ("01400", "L'ABERGEMENT-CLEMENCIAT", FOUND, "01001"),
        ("01400", "labergement clémenciat", FOUND, "01001"),
        ("01400", "Abergement-Clémenciat (L')", FOUND, "01001"),
        ("42000", "ST ETIENNE", FOUND, "42218"),
        ("42100", "st-étienne", FOUND, "42218"),
        ("69110", "STE FOY LES LYON", FOUND, "69202"),
        ("01000", "BOURG EN BRESSE CEDEX", FOUND, "01053"),
        ("69003", "LYON CEDEX 03", FOUND, "69123"),
        ("13011", "MARSEILLE 11", FOUND, "13211"),
        ("13011", "Marseille 11e", FOUND, "13211"),
        ("75015", "PARIS 15E", FOUND, "75115"),
        ("75015", "Paris 15ème", FOUND, "75115"),
        ("69003", "LYON 3EME", FOUND, "69383"),
        ("75001", "Paris 1er", FOUND, "75101"),
        ("13001", "Marseille 1er arrondissement", FOUND, "13201"),
        ("75116", "Paris 16e", FOUND, "75116"),
        ("75015", "Paris", FOUND, "75056"),
        ("97400", "saint denis", FOUND, "97411"),
    ],
)
def test_commune_by_postal_code_and_name(postal_code, name, status, expected):
    assert_found(commune_by_postal_code_and_name(postal_code=postal_code, name=name), status, expected)


@pytest.mark.parametrize("name", ["Sandrans", "Romans", "Sulignat", "Condeissiat"])
def test_the_name_picks_the_right_commune_among_those_sharing_a_postal_code(name):
    result = commune_by_postal_code_and_name(postal_code="01400", name=name)
    assert result.status == FOUND
    assert result.name == name


def test_postal_code_that_lost_its_leading_zero():
    result = commune_by_postal_code_and_name(postal_code="1000", name="Bourg-en-Bresse")
    assert_found(result, CORRECTED, "01053", "Code postal complété par un zéro initial : « 1000 » → 01000.")


def test_commune_deleguee_named_with_its_parent_postal_code():
    result = commune_by_postal_code_and_name(postal_code="01350", name="BEON")
    assert_found(
        result, CORRECTED, "01138", "Béon est une commune déléguée, rattachée à la commune Culoz-Béon (01138)."
    )


@pytest.mark.parametrize(
    ("postal_code", "name", "expected", "note"),
    [
        ("01012", "BOURG EN BRESSE CEDEX", "01053", "Code postal 01012 absent du COG (code CEDEX ?)"),
        ("75732", "PARIS CEDEX 15", "75056", "dans le département 75."),
        ("20186", "AJACCIO CEDEX 2", "2A004", "dans le département 2A ou 2B."),
        ("20601", "Bastia cedex", "2B033", "dans le département 2A ou 2B."),
        ("97405", "ST DENIS CEDEX", "97411", "dans le département 974."),
    ],
)
def test_cedex_postal_code_unknown_to_the_cog_falls_back_on_the_departement(postal_code, name, expected, note):
    assert_found(commune_by_postal_code_and_name(postal_code=postal_code, name=name), CORRECTED, expected, note)


def test_cedex_postal_code_with_a_name_unknown_in_the_departement():
    result = commune_by_postal_code_and_name(postal_code="01012", name="Ajaccio")
    assert result.status == NOT_FOUND
    assert result.reason == "Code postal 01012 absent du COG, et aucune commune « Ajaccio » dans le département 01."


def test_unknown_name_suggests_the_communes_of_the_postal_code():
    result = commune_by_postal_code_and_name(postal_code="01000", name="Bourg")
    assert result.status == NOT_FOUND and result.commune_id is None
    assert result.reason == (
        "Aucune commune « Bourg » pour le code postal 01000. Communes de ce code postal : "
        "Bourg-en-Bresse (01053), Saint-Denis-lès-Bourg (01344)."
    )
    assert result.candidates == (("01053", "Bourg-en-Bresse"), ("01344", "Saint-Denis-lès-Bourg"))


def test_name_under_another_postal_code_of_the_departement_is_suggested_not_picked():
    result = commune_by_postal_code_and_name(postal_code="01400", name="Bourg-en-Bresse")
    assert result.status == NOT_FOUND
    assert "sous un autre code postal : Bourg-en-Bresse (01053)." in result.reason
    assert len(result.candidates) == 11 and ("01393", "Sandrans") in result.candidates


def test_arrondissement_under_the_wrong_postal_code_is_not_guessed():
    result = commune_by_postal_code_and_name(postal_code="75016", name="Paris 15e")
    assert result.status == NOT_FOUND
    assert "Paris 15e Arrondissement (75115)" in result.reason


@pytest.mark.parametrize(
    ("postal_code", "reason"),
    [("ABCDE", "Code postal « ABCDE » invalide : 5 chiffres attendus."), ("123", "invalide"), ("", "manquant")],
)
def test_malformed_postal_codes_are_invalid(postal_code, reason):
    result = commune_by_postal_code_and_name(postal_code=postal_code, name="Paris")
    assert result.status == INVALID
    assert reason in result.reason


def test_postal_code_of_no_departement():
    result = commune_by_postal_code_and_name(postal_code="98000", name="Monaco")
    assert result.status == NOT_FOUND
    assert result.reason == "Code postal 98000 inconnu : aucun département ne lui correspond."


def test_postal_code_alone():
    single = commune_by_postal_code_and_name(postal_code="42100", name="")
    assert_found(single, FOUND, "42218", "Commune déduite du seul code postal 42100.")
    assert commune_by_postal_code_and_name(postal_code="75015", name=None).code == "75115"
    shared = commune_by_postal_code_and_name(postal_code="01000", name=" ")
    assert shared.status == AMBIGUOUS
    assert shared.candidates == (("01053", "Bourg-en-Bresse"), ("01344", "Saint-Denis-lès-Bourg"))


def test_same_name_twice_in_a_postal_code_is_ambiguous(fresh_index):
    sandrans = Commune.objects.get(code="01393", kind=CommuneKind.CURRENT)
    twin = Commune.objects.create(
        code="01998", name="Sandrans", departement_id="01", region_id="84", zone=sandrans.zone
    )
    PostalCode.objects.create(code="01400", commune=twin)

    result = commune_by_postal_code_and_name(postal_code="01400", name="SANDRANS")

    assert result.status == AMBIGUOUS and result.commune_id is None
    assert result.candidates == (("01393", "Sandrans"), ("01998", "Sandrans"))
    assert result.reason == (
        "« SANDRANS » désigne 2 communes pour le code postal 01400 : Sandrans (01393), Sandrans (01998). "
        "Précisez le code INSEE."
    )


def test_same_name_twice_in_a_departement_is_ambiguous(fresh_index):
    Commune.objects.create(code="01998", name="Bourg-en-Bresse", departement_id="01", region_id="84", zone="metro")
    result = commune_by_postal_code_and_name(postal_code="01012", name="Bourg-en-Bresse Cedex")
    assert result.status == AMBIGUOUS
    assert result.candidates == (("01053", "Bourg-en-Bresse"), ("01998", "Bourg-en-Bresse"))
    assert "dans le département 01" in result.reason


# --- the closest name --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("postal_code", "name", "code", "note"),
    [
        ("43700", "QAINT GERMAIN LAPRADE", "43190", "lu comme Saint-Germain-Laprade (43190)"),
        ("91360", "Villemo ison-sur-orge", "91667", "la commune du code postal 91360 au nom le plus proche"),
        ("4200", "VALBELE", "04229", "Valbelle"),  # a letter lost, and the postal code's leading zero
        ("04200", "ST GENIES", "04179", "Saint-Geniez"),
        ("04340", "LA BREOLLE", "04033", "(nom de La Bréole, rattachée)"),  # a former name, misspelt
    ],
)
def test_the_closest_name_among_the_postal_code_s_communes_is_taken_and_named(postal_code, name, code, note):
    assert_found(closest_commune(postal_code=postal_code, name=name), CORRECTED, code, note)


def test_two_communes_equally_close_are_ambiguous(fresh_index):
    sandrans = Commune.objects.get(code="01393", kind=CommuneKind.CURRENT)
    twin = Commune.objects.create(
        code="01998", name="Sandrins", departement_id="01", region_id="84", zone=sandrans.zone
    )
    PostalCode.objects.create(code="01400", commune=twin)
    result = closest_commune(postal_code="01400", name="SANDRENS")
    assert result.status == AMBIGUOUS
    assert {code for code, _name in result.candidates} == {"01393", "01998"}
    assert "est aussi proche de" in result.reason


def test_a_name_close_to_nothing_is_not_found():
    assert closest_commune(postal_code="04200", name="Marseille").status == NOT_FOUND


# --- everything at once -------------------------------------------------------------------------------------


def test_find_commune_by_insee_only():
    assert_found(find_commune(insee="2a004"), FOUND, "2A004")


def test_find_commune_by_postal_code_and_name_only():
    assert_found(find_commune(postal_code="13011", name="Marseille 11e"), FOUND, "13211")


def test_find_commune_when_insee_and_place_agree():
    assert_found(find_commune(insee="1053", postal_code="01000", name="BOURG EN BRESSE"), CORRECTED, "01053")
    assert_found(find_commune(insee="75056", postal_code="75015", name="PARIS 15E"), FOUND, "75056")
    assert_found(find_commune(insee="01001", postal_code="01400"), FOUND, "01001")


def test_find_commune_when_insee_and_place_disagree():
    result = find_commune(insee="01053", postal_code="01400", name="Sandrans")
    assert result.status == AMBIGUOUS and result.commune_id is None
    assert result.reason == (
        "Le code INSEE 01053 désigne Bourg-en-Bresse, mais d'après le code postal 01400 et le nom « Sandrans », "
        "il s'agit de Sandrans (01393)."
    )
    assert result.candidates == (("01053", "Bourg-en-Bresse"), ("01393", "Sandrans"))


def test_find_commune_keeps_the_insee_result_when_the_place_matches_nothing():
    result = find_commune(insee="01053", postal_code="01000", name="Bourg-en-Bresee")
    assert_found(
        result, FOUND, "01053", "Vérification par le code postal 01000 et le nom « Bourg-en-Bresee » sans succès"
    )


def test_find_commune_falls_back_on_the_place_when_the_insee_code_is_unusable():
    result = find_commune(insee="99999", postal_code="01000", name="Bourg-en-Bresse")
    assert_found(result, CORRECTED, "01053", "Code INSEE écarté. Aucune commune de code INSEE 99999 dans le COG.")
    invalid = find_commune(insee="ABCDE", postal_code="01000", name="Bourg")
    assert invalid.status == INVALID
    assert invalid.candidates == (("01053", "Bourg-en-Bresse"), ("01344", "Saint-Denis-lès-Bourg"))


def test_find_commune_by_name_alone():
    assert_found(find_commune(name="Ajaccio"), FOUND, "2A004", "Commune trouvée par son seul nom.")
    several = find_commune(name="Saint-Denis")
    assert several.status == AMBIGUOUS
    assert ("93066", "Saint-Denis") in several.candidates and ("97411", "Saint-Denis") in several.candidates
    assert find_commune(name="Nulle-Part-sur-Mer").status == NOT_FOUND


def test_find_commune_with_nothing():
    result = find_commune(insee=" ", postal_code=None, name="")
    assert result.status == INVALID
    assert result.reason == "Ni code INSEE, ni code postal, ni nom de commune."


def test_a_postal_code_and_name_looked_up_again_give_the_same_result_until_the_cog_changes(fresh_index):
    """A file names the same postal codes again and again: their result is kept with the index, and forgotten with it
    (`reset_index`, after `load_territories`), so that a commune added since is found."""
    first = commune_by_postal_code_and_name(postal_code="69001", name="")
    assert commune_by_postal_code_and_name(postal_code="69001", name="") is first
    assert commune_by_postal_code_and_name(postal_code="69001", name="Lyon").ok
    missing = commune_by_postal_code_and_name(postal_code="98999", name="Nouvelle")
    assert not missing.ok
    commune = Commune.objects.filter(kind=CommuneKind.CURRENT).first()
    added = Commune.objects.create(
        code="98999", name="Nouvelle", departement=commune.departement, region=commune.region, zone=commune.zone
    )
    PostalCode.objects.create(code="98999", commune=added)
    assert commune_by_postal_code_and_name(postal_code="98999", name="Nouvelle") is missing
    reset_index()
    assert commune_by_postal_code_and_name(postal_code="98999", name="Nouvelle").commune_id == added.pk
