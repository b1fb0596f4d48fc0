"""Anonymisation of peer cases (issue 24): a corpus of French cases as clinicians write them, accepted and
refused, each refusal saying in French what was found. Before, "Mme Jeanne Dupont, née le 12/03/1961,
NIR 2-61-03-75-112-004-35, tél. 0033 6 12 34 56 78, jeanne.dupont(at)gmail.com" was accepted."""

import pytest

from mentoring.services.anonymity import identifiers_in, refusal

NIR = "un numéro de sécurité sociale"
PHONE = "un numéro de téléphone"
EMAIL = "une adresse e-mail"
BIRTH = "une date de naissance"
NAME = "un nom de personne"

REFUSED = [
    # Social security numbers, in every usual grouping, Corsica and overseas.
    ("NIR 2 61 03 75 112 004 35", NIR),
    ("NIR : 2-61-03-75-112-004-35", NIR),
    ("n° SS 2.61.03.75.112.004.35", NIR),
    ("261037511200435", NIR),
    ("2610375112004", NIR),  # without its key
    ("sécu 1 84 12 2A 004 123 45", NIR),
    ("sécu 1 84 12 2B 004 123", NIR),
    ("NIR 2 61 03 974 01 004 35 (La Réunion)", NIR),
    ("NIR 1 72 11 971 12 345 678 90", NIR),
    ("immatriculation 2 55 08 69 123 456 78", NIR),
    ("NIR 1  84  12  51  108  042  17", NIR),
    # Telephone numbers: national, international, overseas, any separators.
    ("joignable au 06 12 34 56 78", PHONE),
    ("tél. 06.12.34.56.78", PHONE),
    ("tél 06-12-34-56-78", PHONE),
    ("0612345678", PHONE),
    ("fixe 03 26 12 34 56", PHONE),
    ("+33 6 12 34 56 78", PHONE),
    ("+33 (0)6 12 34 56 78", PHONE),
    ("0033 6 12 34 56 78", PHONE),
    ("+336 12 34 56 78", PHONE),
    ("+262 692 12 34 56", PHONE),
    ("0692 12 34 56", PHONE),
    ("+590 690 12 34 56", PHONE),
    ("+594 694 12 34 56", PHONE),
    ("+596 696 12 34 56", PHONE),
    ("+269 639 12 34 56", PHONE),
    ("06 1234 5678", PHONE),
    # E-mail addresses, plain and disguised.
    ("écrire à jeanne.dupont@gmail.com", EMAIL),
    ("jeanne.dupont(at)gmail.com", EMAIL),
    ("jeanne.dupont [at] gmail.com", EMAIL),
    ("jeanne.dupont (arobase) orange (point) fr", EMAIL),
    ("j.dupont [at] orange [point] fr", EMAIL),
    ("jeanne.dupont at gmail.com", EMAIL),
    ("JEANNE.DUPONT@LAPOSTE.NET", EMAIL),
    # Dates of birth.
    ("née le 12/03/1961", BIRTH),
    ("né le 3 mars 1950", BIRTH),
    ("né(e) le 01.02.1975", BIRTH),
    ("date de naissance : 12-03-1961", BIRTH),
    ("DDN 12/03/61", BIRTH),
    ("née le 12031961", BIRTH),
    ("née le 1er janvier 1940", BIRTH),
    # Names after a civility.
    ("Mme Dupont, 67 ans", NAME),
    ("Mme Jeanne Dupont", NAME),
    ("M. Martin, agriculteur", NAME),
    ("Monsieur Lefèvre", NAME),
    ("Madame Nguyen", NAME),
    ("Mlle Durand", NAME),
    ("vue par le Dr Moreau", NAME),
    ("adressée par le Pr. Girard", NAME),
    ("M. DUPONT", NAME),
    ("Mr Smith", NAME),
]

ACCEPTED = [
    "Mme D., 67 ans, diabétique de type 2, HbA1c 8,2 %.",
    "M. X, 45 ans, lombalgie chronique depuis 2019.",
    "Patiente de 82 ans vivant seule, chutes répétées.",
    "Patient de 45 ans vu en consultation à 14h30.",
    "TA 13/8, FC 72, SpO2 97 %.",
    "Vu le 12/03/2026 puis revu à J15.",
    "Créatinine 105 µmol/L, DFG 58 mL/min/1,73 m².",
    "Ordonnance de 3 mois renouvelée, metformine 1000 mg x 2.",
    "Mme D. et M. B., couple d'agriculteurs de 70 ans.",
    "Adressé par son médecin traitant pour avis.",
    "Score de Glasgow 15, pas de déficit.",
    "Né en 1961, suivi depuis 10 ans.",  # a year alone does not identify
    "Glycémie 1,26 g/L à jeun le 3 mars.",
    "Poids 82 kg, taille 1,75 m, IMC 26,8.",
    "INR entre 2 et 3, dernier dosage à 2,4.",
    "Coordinatrice de la MSP : voir le protocole pluriprofessionnel n° 12.",
]


@pytest.mark.parametrize("text, what", REFUSED)
def test_what_gives_a_patient_away_is_found(text, what):
    found = identifiers_in(f"Patiente suivie pour un diabète. {text}. Question : quel suivi ?")
    assert [item.what for item in found] == [what], found


@pytest.mark.parametrize("text", ACCEPTED)
def test_an_anonymised_case_is_accepted(text):
    assert identifiers_in(text) == []


def test_the_corpus_is_large_enough():
    assert len(REFUSED) + len(ACCEPTED) >= 50


def test_the_refusal_says_what_was_found_and_where():
    case = (
        "Mme Jeanne Dupont, née le 12/03/1961, NIR 2-61-03-75-112-004-35, tél. 0033 6 12 34 56 78, "
        "jeanne.dupont(at)gmail.com"
    )
    message = refusal(case)
    assert message.startswith(
        "Anonymisez le cas : il contient un numéro de sécurité sociale, un numéro de téléphone, une adresse "
        "e-mail, une date de naissance et un nom de personne ("
    )
    assert "« 2-61-03-75-112-004-35 »" in message and "« Mme Jeanne »" in message
    assert "« Mme D. »" in message  # how to do it
    assert refusal("Mme D., 67 ans, diabétique.") is None
