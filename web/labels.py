"""The API's enum values as a user reads them, in French (the schema speaks English to developers)."""

OFFER_KINDS = {
    "COORDINATION_TIME": "Temps de coordination partagé",
    "ADVANCED_CONSULTATION": "Consultations avancées",
    "PEER_FACILITATION": "Animation entre pairs",
}
TRAINEE_KINDS = {
    "GP_INTERNS": "Internes de médecine générale",
    "OTHER_INTERNS": "Autres internes",
    "SERVICE_SANITAIRE": "Étudiants du service sanitaire",
    "EXTERNS": "Externes",
}
LOCATION_KINDS = {
    "HUB_SITE": "Sur un site de la MSP tête de pont",
    "HOST_SITE": "Sur un site d'accueil",
    "REMOTE": "À distance (visioconférence)",
}
BOOKING_STATUSES = {
    "CONFIRMED": "Confirmé",
    "WAITLISTED": "En liste d'attente",
    "CANCELLED": "Annulé",
    "PENDING": "En attente",
    "ACCEPTED": "Accepté",
    "DECLINED": "Refusé",
    "ATTENDED": "Présent",
    "NO_SHOW": "Absent",
}
HUB_STATUSES = {
    "CANDIDATE": "Candidature en cours",
    "APPROVED": "MSP tête de pont",
    "SUSPENDED": "Désignation suspendue",
}
PRACTICE_MODES = {
    "ISOLATED": "J'exerce seul ou hors d'une structure coordonnée",
    "MSP_MEMBER": "J'exerce dans une maison de santé (MSP)",
    "PROJECT_HOLDER": "Je porte un projet de maison de santé",
    "HEALTH_CENTRE": "J'exerce dans un centre de santé",
}
MENTORING_TOPICS = {
    "HEALTH_PROJECT": "Écrire le projet de santé",
    "SISA_LEGAL": "Créer la Sisa (statuts, juridique)",
    "ACI_FUNDING": "Financements : l'accord conventionnel interprofessionnel (ACI)",
    "INFORMATION_SYSTEM": "Système d'information partagé",
    "COORDINATION": "Coordination de l'équipe",
    "COOPERATION_PROTOCOLS": "Protocoles de coopération",
    "PREMISES": "Locaux",
}
REQUEST_STATUSES = {
    "OPEN": "À envoyer à une MSP tête de pont",
    "SENT": "Envoyée, en attente de réponse",
    "INFO_REQUESTED": "La MSP vous pose une question",
    "ACCEPTED": "Acceptée : accompagnement en cours",
    "DECLINED": "Déclinée : envoyez-la à une autre MSP",
    "WITHDRAWN": "Retirée",
}
HUB_REQUEST_STATUSES = {
    "OPEN": "Pas encore envoyée",
    "SENT": "En attente de votre réponse",
    "INFO_REQUESTED": "En attente de la réponse du demandeur à votre question",
    "ACCEPTED": "Acceptée",
    "DECLINED": "Déclinée",
    "WITHDRAWN": "Retirée par le demandeur",
}
REQUEST_EVENTS = {
    "SUBMITTED": "Demande rédigée",
    "SENT": "Envoyée",
    "INFO_REQUESTED": "Question de la MSP",
    "INFO_PROVIDED": "Votre réponse",
    "ACCEPTED": "Acceptée",
    "DECLINED": "Déclinée",
    "WITHDRAWN": "Retirée",
}
MENTORSHIP_OUTCOMES = {
    "HEALTH_PROJECT_WRITTEN": "Projet de santé écrit",
    "MSP_OPENED": "MSP ouverte",
    "ACI_SIGNED": "ACI signé",
    "ABANDONED": "Projet abandonné",
    "OTHER": "Autre",
}
ACCELERATOR_CATEGORIES = {
    "HEALTH_PROJECT": "Projet de santé",
    "SISA_LEGAL": "Sisa et questions juridiques",
    "ACI_FUNDING": "Financements (ACI)",
    "INFORMATION_SYSTEM": "Système d'information",
    "PREMISES": "Locaux",
    "COORDINATION_HR": "Coordination et ressources humaines",
    "OTHER": "Autre",
}
ACCELERATOR_STATES = {
    "NEW": "Reçue",
    "TRIAGED": "Prise en charge",
    "IN_PROGRESS": "En cours de traitement",
    "WAITING_ON_REQUESTER": "En attente de votre réponse",
    "ANSWERED": "Répondue",
    "CLOSED": "Clôturée",
    "ROUTED_TO_HUB": "Confiée à une MSP tête de pont",
    "ROUTED_TO_ARS": "Confiée à l'ARS",
    "MERGED": "Regroupée avec une autre question",
}
URGENCIES = {"LOW": "Pas urgent", "MEDIUM": "Dans les semaines qui viennent", "HIGH": "Urgent"}
MEMBERSHIP_ROLES = {
    "ASSOCIATE": "Associé",
    "EMPLOYEE": "Salarié",
    "COORDINATOR": "Coordinateur",
    "PARTNER": "Partenaire",
}
MSP_STATUSES = {"PROJECT": "En projet", "OPERATING": "En fonctionnement", "CLOSED": "Fermée"}


def composition_in_words(composition: dict) -> str:
    """The composition rule, and where the MSP stands, in plain French."""
    doctors, auxiliaries = composition["doctors"], composition["auxiliaries"]
    counted = (
        f"Parmi les associés : {doctors} médecin{'s' if doctors > 1 else ''} et {auxiliaries} "
        f"auxiliaire{'s' if auxiliaries > 1 else ''} médica{'ux' if auxiliaries > 1 else 'l'}."
    )
    state = composition["state"]
    if state == "COMPLIANT":
        return f"{counted} La règle est respectée : au moins 2 médecins et 1 auxiliaire médical (infirmier, kinésithérapeute…) parmi les associés."
    missing = []
    if doctors < 2:
        missing.append(f"{2 - doctors} médecin{'s' if 2 - doctors > 1 else ''}")
    if auxiliaries < 1:
        missing.append("1 auxiliaire médical")
    needed = " et ".join(missing) or "des associés"
    if state == "GRACE_PERIOD":
        return (
            f"{counted} Après un départ, une MSP garde son statut pendant 3 ans avec 1 médecin et 2 paramédicaux : "
            f"il lui faut retrouver {needed} avant le {composition['gracePeriodEndsOn']}."
        )
    return (
        f"{counted} Pour être une maison de santé, il faut au moins 2 médecins et 1 auxiliaire médical parmi les "
        f"associés : il manque {needed}. Invitez-les ci-dessous."
    )


SIGNAL_KINDS = {
    "COMPOSITION_GRACE": "Composition sous le minimum",
    "COMPOSITION_BELOW_MINIMUM": "Composition sous le minimum, sans délai de grâce",
    "DEPARTURES_ANNOUNCED": "Départs annoncés",
    "HUB_BELOW_COMPOSITION": "MSP tête de pont sous la composition minimale",
    "PROJECT_STALLED": "Projet de MSP à l'arrêt",
    "MEMBERS_LOST": "Départs de professionnels",
    "HUB_OVER_CAPACITY": "MSP tête de pont au-delà de sa capacité",
    "HUB_INACTIVE": "MSP tête de pont inactive",
    "MENTORING_UNANSWERED": "Demandes d'accompagnement sans réponse",
    "ACCELERATOR_BREACHED": "Questions à la Cnam hors délai",
}
SIGNAL_STATUSES = {"OPEN": "Nouveau", "ACKNOWLEDGED": "Pris en charge", "CLOSED": "Clos"}
# The same states as an agent of the Cnam reads them (the requester's labels speak to the requester).
AGENT_STATES = {
    "NEW": "Nouvelle",
    "TRIAGED": "Qualifiée",
    "IN_PROGRESS": "En cours",
    "WAITING_ON_REQUESTER": "En attente du demandeur",
    "ANSWERED": "Répondue",
    "CLOSED": "Clôturée",
    "ROUTED_TO_HUB": "Confiée à une MSP tête de pont",
    "ROUTED_TO_ARS": "Confiée à l'ARS",
    "MERGED": "Fusionnée",
}
PRIORITIES = {"CRITICAL": "P1 critique", "HIGH": "P2 haute", "NORMAL": "P3 normale", "LOW": "P4 basse"}
LEVELS = {"LOW": "Faible", "MEDIUM": "Moyen", "HIGH": "Fort"}
ACCELERATOR_CHANGES = {
    "state": "État",
    "assignee": "Agent",
    "category": "Catégorie",
    "impact": "Impact",
    "priority": "Priorité",
    "tags": "Étiquettes",
    "merged_into": "Fusion",
    "routed_hub": "Confiée à la MSP",
    "ars_region": "Confiée à l'ARS",
}
MILESTONES = {
    "HEALTH_PROJECT_WRITTEN": "Projet de santé rédigé",
    "SISA_CREATED": "Sisa créée (SIRET)",
    "HEALTH_PROJECT_VALIDATED": "Projet de santé validé par l'ARS",
    "ACI_SIGNED": "ACI signé",
    "PREMISES_SUPPORT_REQUESTED": "Demande d'appui immobilier de l'État déposée",
    "PREMISES_SECURED": "Locaux trouvés",
    "OPENED": "Ouverture",
}
PROJECT_STAGES = {"IDEA": "L'idée : aucune étape franchie", **MILESTONES}
