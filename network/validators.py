"""Identifier checks: RPPS, FINESS, SIRET, INSEE commune codes (see DOMAIN.md)."""

import re

from django.core.exceptions import ValidationError
from stdnum import luhn
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fr import siret

from .errors import NetworkErrorCode

INSEE_COMMUNE_RE = re.compile(r"^([013-9]\d|2[AB1-9])\d{3}$")
FINESS_RE = re.compile(r"^[0-9][0-9AB][0-9]{7}$")


def is_valid_rpps(value: str) -> bool:
    return isinstance(value, str) and len(value) == 11 and value.isdigit() and luhn.is_valid(value)


def is_valid_finess(value: str) -> bool:
    if not isinstance(value, str) or not FINESS_RE.match(value):
        return False
    if value[1] in "AB" and value[0] != "2":
        return False  # only Corsica (2A, 2B) has a letter
    digits = value.replace("2A", "21", 1).replace("2B", "22", 1) if value[:2] in {"2A", "2B"} else value
    return digits.isdigit() and luhn.is_valid(digits)


def is_valid_siret(value: str) -> bool:
    try:
        siret.validate(value)
    except StdnumError:
        return False
    return True


def is_valid_insee_commune(value: str) -> bool:
    return isinstance(value, str) and bool(INSEE_COMMUNE_RE.match(value))


def validate_rpps(value: str) -> None:
    if not is_valid_rpps(value):
        raise ValidationError(
            "Numéro RPPS invalide : 11 chiffres dont une clé de contrôle (Luhn).",
            code=NetworkErrorCode.INVALID_RPPS,
        )


def validate_finess(value: str) -> None:
    if not is_valid_finess(value):
        raise ValidationError(
            "Numéro FINESS invalide : 9 caractères commençant par le département (2A/2B pour la Corse), "
            "avec une clé de contrôle.",
            code=NetworkErrorCode.INVALID_FINESS,
        )


def validate_siret(value: str) -> None:
    if not is_valid_siret(value):
        raise ValidationError(
            "Numéro SIRET invalide : 14 chiffres avec une clé de contrôle.",
            code=NetworkErrorCode.INVALID_SIRET,
        )


def validate_insee_commune(value: str) -> None:
    if not is_valid_insee_commune(value):
        raise ValidationError(
            "Code commune INSEE invalide (5 caractères, par exemple 51504, 2A004 ou 97411).",
            code=NetworkErrorCode.INVALID_COMMUNE_CODE,
        )
