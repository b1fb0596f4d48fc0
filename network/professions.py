"""The ANS nomenclature TRE_G15-ProfessionSante (reference data, loaded into `Profession`)."""

from .models import ProfessionCategory

PROFESSIONS = [
    ("10", "Médecin", ProfessionCategory.MEDICAL),
    ("21", "Pharmacien", ProfessionCategory.PHARMACIST),
    ("26", "Audioprothésiste", ProfessionCategory.AUXILIARY),
    ("28", "Opticien-lunetier", ProfessionCategory.AUXILIARY),
    ("40", "Chirurgien-dentiste", ProfessionCategory.MEDICAL),
    ("50", "Sage-femme", ProfessionCategory.MEDICAL),
    ("60", "Infirmier", ProfessionCategory.AUXILIARY),
    ("70", "Masseur-kinésithérapeute", ProfessionCategory.AUXILIARY),
    ("80", "Pédicure-podologue", ProfessionCategory.AUXILIARY),
    ("81", "Orthoprothésiste", ProfessionCategory.AUXILIARY),
    ("82", "Podo-orthésiste", ProfessionCategory.AUXILIARY),
    ("83", "Orthopédiste-orthésiste", ProfessionCategory.AUXILIARY),
    ("86", "Technicien de laboratoire médical", ProfessionCategory.AUXILIARY),
    ("91", "Orthophoniste", ProfessionCategory.AUXILIARY),
    ("92", "Orthoptiste", ProfessionCategory.AUXILIARY),
    ("94", "Ergothérapeute", ProfessionCategory.AUXILIARY),
    ("95", "Diététicien", ProfessionCategory.AUXILIARY),
    ("96", "Psychomotricien", ProfessionCategory.AUXILIARY),
    ("98", "Manipulateur ERM", ProfessionCategory.AUXILIARY),
]

# TRE_R38 general-practice specialty codes.
GP_SPECIALTIES = {
    "SM26": "Qualifié en médecine générale",
    "SM53": "Spécialiste en médecine générale",
    "SM54": "Médecine générale",
}


def load_professions() -> int:
    from .models import Profession

    for code, label, category in PROFESSIONS:
        Profession.objects.update_or_create(code=code, defaults={"label": label, "category": category})
    return len(PROFESSIONS)
