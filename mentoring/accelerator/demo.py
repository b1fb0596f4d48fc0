"""A realistic accelerator queue for the demo: French questions in several states, one breached, one
routed to Saint-Martin-sur-le-Pré, and canned answers. Idempotent (skipped once a request exists)."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from network.models import HubDesignation, Practitioner

from . import services
from .models import AcceleratorRequest, CannedAnswer, Category, Level, State
from .permissions import STAFF_REPLY

DEMO = "@demo.tetedepont.fr"


def _ask(email, subject, body, category, commune, urgency=Level.MEDIUM, days_ago=0, hours_ago=0):
    requester = Practitioner.objects.get(user__email=f"{email}{DEMO}")
    request = services.submit(
        requester,
        services.Question(
            subject=subject, body=body, category=category, commune_code=commune, urgency=urgency
        ),
    )
    if days_ago or hours_ago:  # received earlier: the clocks count from then
        request.created_at = timezone.now() - timedelta(days=days_ago, hours=hours_ago)
        services.refresh_due(request)
        request.sla_status = services.sla_status(request)
        request.save()
    return request


def load_accelerator_demo() -> None:
    if AcceleratorRequest.objects.exists():
        return
    agent = get_user_model().objects.get(email=f"agent.cnam{DEMO}")

    _ask(
        "porteur.projet", "Statuts de la Sisa : qui peut être associé ?",
        "Nous créons la Sisa de notre futur MSP à Pont-sur-Yonne. Une psychologue libérale peut-elle être "
        "associée, ou seulement partenaire ? Faut-il un médecin gérant ?",
        Category.SISA_LEGAL, "89309",
    )  # fmt: skip

    aci = _ask(
        "medecin.isole", "Signature de l'ACI avant l'ouverture ?",
        "Notre projet de santé est validé par l'ARS. Pouvons-nous signer l'accord conventionnel "
        "interprofessionnel avant d'emménager dans les locaux définitifs ?",
        Category.ACI_FUNDING, "51507", hours_ago=2,
    )  # fmt: skip
    services.triage(aci, agent, impact=Level.MEDIUM)
    services.assign(aci, agent, agent)
    services.reply(aci, agent, "L'ACI peut être signé dès que la MSP fonctionne, même dans des locaux provisoires. "
                   "Pouvez-vous nous indiquer la date d'ouverture prévue ?", internal=False, rights=STAFF_REPLY,
                   next_state=State.WAITING_ON_REQUESTER)  # fmt: skip
    services.reply(aci, agent, "Vérifier avec la CPAM de la Marne la date de prise d'effet.", internal=True,
                   rights=STAFF_REPLY)  # fmt: skip

    funding = _ask(
        "medecin.saint-paul", "Financement d'un coordinateur dès le démarrage",
        "Le plan prévoit de financer un coordinateur dès le début du projet. Quel montant, et qui dépose la "
        "demande : la Sisa ou l'association de préfiguration ?",
        Category.COORDINATION_HR, "97415", urgency=Level.HIGH, days_ago=9,
    )  # fmt: skip
    services.triage(funding, agent, impact=Level.HIGH)  # P1, received more than a week ago: breached

    premises = _ask(
        "medecin.isole", "Projet immobilier : aide à l'investissement",
        "La commune de Sainte-Menehould propose de rénover l'ancienne perception pour accueillir la MSP. "
        "Quelles aides à l'investissement existent, et dans quels délais ?",
        Category.PREMISES, "51507", urgency=Level.LOW, hours_ago=5,
    )  # fmt: skip
    saint_martin = HubDesignation.objects.get(msp__name="MSP de Saint-Martin-sur-le-Pré")
    services.route_to_hub(
        premises, agent, saint_martin, "La MSP de Saint-Martin a mené un projet comparable en 2017."
    )

    project = _ask(
        "porteur.projet", "Rédaction du projet de santé",
        "Existe-t-il un modèle de projet de santé, et combien de temps compter pour le faire valider ?",
        Category.HEALTH_PROJECT, "89309", hours_ago=4,
    )  # fmt: skip
    services.reply(project, agent, "Voici le guide de l'ARS Bourgogne-Franche-Comté et un exemple commenté. "
                   "Comptez deux à trois mois.", internal=False, rights=STAFF_REPLY, next_state=State.ANSWERED)  # fmt: skip
    services.close(project, agent)

    for title, body, category in [
        ("Sisa : associés possibles",
         "Seuls des professionnels de santé libéraux peuvent être associés d'une Sisa ; les autres "
         "intervenants peuvent être partenaires de la MSP par convention.", Category.SISA_LEGAL),
        ("ACI : conditions d'entrée",
         "L'ACI est ouvert aux structures dont le projet de santé est validé par l'ARS et qui remplissent "
         "les critères socles (accès aux soins, travail en équipe, système d'information).", Category.ACI_FUNDING),
        ("Accusé de réception", "Bonjour, nous avons bien reçu votre question et revenons vers vous rapidement.", ""),
    ]:  # fmt: skip
        CannedAnswer.objects.create(title=title, body=body, category=category, updated_by=agent)
    load_articles_demo(agent, project)


def load_articles_demo(agent, project=None) -> None:
    """Two articles of the knowledge base, written for the demo (illustrative, like the questions above: not
    answers the Cnam has published)."""
    services.save_article(
        None, agent, source_request=project, category=Category.HEALTH_PROJECT,
        title="Existe-t-il un modèle de projet de santé, et combien de temps faut-il pour le faire valider ?",
        question="Nous préparons le projet de santé de notre future maison de santé. Existe-t-il un modèle, "
        "et combien de temps compter avant sa validation par l'ARS ?",
        answer="Plusieurs ARS publient un guide et un modèle commenté du projet de santé ; celle de votre "
        "région vous l'envoie sur demande. Il décrit le territoire, l'équipe, l'organisation des soins et la "
        "coordination. Comptez deux à trois mois entre la première version et la validation.",
    )  # fmt: skip
    services.save_article(
        None, agent, category=Category.SISA_LEGAL,
        title="Qui peut être associé d'une Sisa ?",
        question="Une psychologue ou une diététicienne libérale peut-elle être associée de la Sisa de notre "
        "maison de santé, ou seulement partenaire ?",
        answer="Seuls des professionnels de santé libéraux peuvent être associés d'une Sisa, dont au moins "
        "deux médecins et un auxiliaire médical. Les autres intervenants peuvent être partenaires de la MSP par convention.",
    )  # fmt: skip
