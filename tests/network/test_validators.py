import pytest
from django.core.exceptions import ValidationError

from network.identifiers import finess_with_key, rpps_with_key, siret_with_key
from network.validators import (
    is_valid_finess,
    is_valid_insee_commune,
    is_valid_rpps,
    is_valid_siret,
    validate_finess,
    validate_rpps,
)


@pytest.mark.parametrize("value", ["10003879623", rpps_with_key(1_000_000_001)])
def test_valid_rpps(value):
    assert is_valid_rpps(value)


@pytest.mark.parametrize("value", ["10003879624", "1000387962", "100038796230", "1000387962A", "", None])
def test_invalid_rpps(value):
    assert not is_valid_rpps(value)


def test_rpps_error_has_code_and_french_message():
    with pytest.raises(ValidationError) as exc:
        validate_rpps("12345678901")
    assert exc.value.code == "INVALID_RPPS"
    assert "RPPS invalide" in exc.value.message


@pytest.mark.parametrize(
    "value",
    [
        "2A0000154",  # Corse-du-Sud (DOMAIN.md)
        "2B0004246",  # Haute-Corse (DOMAIN.md)
        finess_with_key("51", 1),
        finess_with_key("97", 408),  # overseas
        finess_with_key("98", 12),  # Mayotte
    ],
)
def test_valid_finess(value):
    assert is_valid_finess(value)


@pytest.mark.parametrize(
    "value",
    [
        "2A0000155",  # wrong key
        "2C0000154",  # no such department letter
        "3A0000154",  # letters only for Corsica
        "51000012",  # too short
        "5100001288",  # too long
        "510000129",  # wrong key
        "",
    ],
)
def test_invalid_finess(value):
    assert not is_valid_finess(value)


def test_finess_error_code():
    with pytest.raises(ValidationError) as exc:
        validate_finess("2A0000155")
    assert exc.value.code == "INVALID_FINESS"


@pytest.mark.parametrize("value", [siret_with_key(12_345_678), "35600000000048", "73282932000074"])
def test_valid_siret(value):
    # 35600000000048: La Poste, whose establishments follow their own rule (digit sum multiple of 5)
    assert is_valid_siret(value)


@pytest.mark.parametrize("value", ["73282932000075", "7328293200007", "ABCDEFGHIJKLMN", ""])
def test_invalid_siret(value):
    assert not is_valid_siret(value)


@pytest.mark.parametrize("value", ["51504", "2A004", "2B033", "97411", "97408", "01001", "97611"])
def test_valid_insee_codes(value):
    assert is_valid_insee_commune(value)


@pytest.mark.parametrize("value", ["20004", "2C004", "5150", "515040", "A1504", "", "97 41"])
def test_invalid_insee_codes(value):
    # 20004 was Ajaccio's code before Corsica was split (1976): no longer valid.
    assert not is_valid_insee_commune(value)
