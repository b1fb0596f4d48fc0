"""Build valid identifiers from a base (demo data, scale data, tests): the check digit is computed."""

from stdnum import luhn


def rpps_with_key(base: int) -> str:
    """An 11-digit RPPS from a 10-digit base."""
    digits = f"{base:010d}"
    return digits + luhn.calc_check_digit(digits)


def finess_with_key(department: str, number: int) -> str:
    """A 9-character FINESS: 2 department characters (2A, 2B, 97 overseas), 6 digits, a key."""
    prefix = department[:2]
    digits = prefix.replace("2A", "21").replace("2B", "22") + f"{number:06d}"
    return prefix + f"{number:06d}" + luhn.calc_check_digit(digits)


def siret_with_key(base: int) -> str:
    """A 14-digit SIRET: a valid SIREN (8 digits + key) and a 5-digit establishment number with the SIRET key."""
    siren8 = f"{base % 10**8:08d}"
    siren = siren8 + luhn.calc_check_digit(siren8)
    nic4 = "0001"
    return siren + nic4 + luhn.calc_check_digit(siren + nic4)
