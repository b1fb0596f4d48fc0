"""The ANS nomenclature TRE_G15-ProfessionSante (reference data, loaded into `Profession`)."""

from .models import Profession, ProfessionCategory, RppsPolicy

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

# Who works in and around an MSP without being a health professional of TRE_G15: their own codes ("X-…"), and
# whether they have an RPPS number.
OTHER_PROFESSIONS = [
    ("X-COORD", "Coordinateur de MSP (non clinicien)", ProfessionCategory.SUPPORT, RppsPolicy.NONE),
    ("X-AM", "Assistant médical", ProfessionCategory.SUPPORT, RppsPolicy.NONE),
    (
        "X-ADMIN",
        "Personnel administratif (accueil, secrétariat)",
        ProfessionCategory.SUPPORT,
        RppsPolicy.NONE,
    ),
    ("X-PSY", "Psychologue", ProfessionCategory.PARTNER, RppsPolicy.OPTIONAL),
    ("X-SOCIAL", "Travailleur social", ProfessionCategory.PARTNER, RppsPolicy.NONE),
    ("X-ESMS", "Correspondant d'établissement (Ehpad, hôpital)", ProfessionCategory.PARTNER, RppsPolicy.NONE),
]

# The mentions of advanced practice nursing (infirmier en pratique avancée), given as a nurse's specialty.
IPA_MENTIONS = {
    "IPA-PCS": "IPA — pathologies chroniques stabilisées, prévention et polypathologies courantes en soins primaires",
    "IPA-ONC": "IPA — oncologie et hémato-oncologie",
    "IPA-MRC": "IPA — maladie rénale chronique, dialyse, transplantation rénale",
    "IPA-PSY": "IPA — psychiatrie et santé mentale",
    "IPA-URG": "IPA — urgences",
}

# TRE_R38 general-practice specialty codes.
GP_SPECIALTIES = {
    "SM26": "Qualifié en médecine générale",
    "SM53": "Spécialiste en médecine générale",
    "SM54": "Médecine générale",
}


def load_professions() -> int:
    for code, label, category in PROFESSIONS:
        Profession.objects.update_or_create(
            code=code, defaults={"label": label, "category": category, "rpps_policy": RppsPolicy.REQUIRED}
        )
    for code, label, category, policy in OTHER_PROFESSIONS:
        Profession.objects.update_or_create(
            code=code, defaults={"label": label, "category": category, "rpps_policy": policy}
        )
    return len(PROFESSIONS) + len(OTHER_PROFESSIONS)
