"""What gives a patient away in a case presented to peers, found in French text as people write it.

A peer facilitation case (services/peer_sessions.py) must not let anyone recognise the patient. This module
finds the identifiers the CNIL and the HAS name for health data, in the forms clinicians actually type them:

- the social security number (NIR): sex, year, month, place (a department of two digits or 2A/2B and a commune
  of three, or an overseas department of three digits and a commune of two), order, and the key if given, in
  any grouping (spaces, dashes, dots, or none);
- telephone numbers: French national numbers (0 and nine digits) and international ones (+33, 0033, and the
  overseas codes +262, +269, +590, +594, +596, +508, +681, +687, +689), with any separators;
- e-mail addresses, including their disguised forms: « (at) », « [at] », « arobase », « point »;
- dates of birth: a full date after « né », « née », « né(e) », « date de naissance » or « DDN »;
- names after a civility: M., Mme, Mlle, Madame, Monsieur, Dr, Pr… followed by a name. An initial alone
  (« Mme D. ») is the usual way to anonymise and is accepted.

Patterns, not a guarantee: the presenter stays responsible for the rest (rare disease, place, profession).
No maintained library does this for French clinical text; these patterns are ours, tested on a corpus
(tests/mentoring/test_anonymity.py).
"""

import re
from dataclasses import dataclass

SEP = r"[\s.\-/]{0,2}"  # what people put between the groups of a number

NIR = re.compile(
    rf"(?<![\dA-Za-z])[1-478]{SEP}\d{{2}}{SEP}(?:0[1-9]|1[0-2]|[2-9]\d){SEP}"
    rf"(?:(?:\d{{2}}|2[AaBb]){SEP}\d{{3}}|9[78]\d{SEP}\d{{2}}){SEP}\d{{3}}(?:{SEP}\d{{2}})?(?![\dA-Za-z])"
)
COUNTRY_CODES = "33|262|269|590|594|596|508|681|687|689"
PHONE = re.compile(
    rf"(?<![\d+])(?:(?:\+|00){SEP}(?:{COUNTRY_CODES}){SEP}(?:\(0\){SEP})?[1-9]|0[1-9])(?:{SEP}\d){{8}}(?!\d)"
)
AT = r"(?:@|\s*[\(\[\{]\s*(?:at|arobase|@)\s*[\)\]\}]\s*|\s+(?:at|arobase)\s+)"
DOT = r"(?:\.|\s*[\(\[\{]\s*(?:dot|point)\s*[\)\]\}]\s*|\s+(?:dot|point)\s+)"
EMAIL = re.compile(rf"[\w.+\-]+{AT}[\w\-]+(?:{DOT}[\w\-]+)*{DOT}[a-z]{{2,}}\b", re.IGNORECASE)
MONTHS = "janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|novembre|décembre|decembre"
DSEP = r"[\s.\-/]{1,2}"  # a date's parts are separated (« 1961 » alone is a year, not a date)
DATE = rf"(?:\d{{1,2}}{DSEP}\d{{1,2}}{DSEP}(?:\d{{4}}|\d{{2}})|\d{{8}}(?!\d)|\d{{1,2}}(?:er)?\s+(?:{MONTHS})\s+\d{{4}})"
BIRTH = re.compile(
    rf"\b(?:n[ée]e?(?:\s*\(e\))?|date\s+de\s+naissance|DDN|naissance)\s*(?:le|:|en)?\s*:?\s*{DATE}",
    re.IGNORECASE,
)
CIVILITY = (
    r"(?:M\.|Mr\.?|Mme\.?|Mlle\.?|Melle\.?|Madame|Monsieur|Mademoiselle|Dr\.?|Docteur|Pr\.?|Professeur)"
)
NAME = r"[A-ZÀ-ÖØ-Ý][a-zà-öø-ÿ'’\-]+|[A-ZÀ-ÖØ-Ý]{2,}(?![a-z.])"
NAMED = re.compile(rf"(?<![\w.]){CIVILITY}\s+(?:{NAME})")


@dataclass(frozen=True)
class Found:
    what: str  # in French, with its article: « un numéro de sécurité sociale »
    text: str  # as written in the case


KINDS = [
    (NIR, "un numéro de sécurité sociale"),
    (PHONE, "un numéro de téléphone"),
    (EMAIL, "une adresse e-mail"),
    (BIRTH, "une date de naissance"),
    (NAMED, "un nom de personne"),
]


def identifiers_in(text: str) -> list[Found]:
    """Every identifier found, in the order of the kinds above, each distinct text once; a match inside one
    already found (the digits of a NIR read as a phone number) is not counted again."""
    found: list[Found] = []
    spans: list[tuple[int, int]] = []
    for pattern, what in KINDS:
        for match in pattern.finditer(text or ""):
            start, end = match.span()
            if any(start >= s and end <= e for s, e in spans):
                continue
            spans.append((start, end))
            item = Found(what, match.group(0).strip())
            if item not in found:
                found.append(item)
    return found


def refusal(text: str) -> str | None:
    """A French sentence naming what was found and where, or None when nothing was."""
    found = identifiers_in(text)
    if not found:
        return None
    kinds = list(dict.fromkeys(item.what for item in found))
    listed = kinds[0] if len(kinds) == 1 else ", ".join(kinds[:-1]) + " et " + kinds[-1]
    quoted = ", ".join(f"« {item.text} »" for item in found[:5])
    return (
        f"Anonymisez le cas : il contient {listed} ({quoted}). "
        "Retirez tout ce qui permettrait de reconnaître le patient (une initiale suffit : « Mme D. »)."
    )
