"""The Cnam agent's accelerator through the pages (issue 27, journey 5): the queue with its clocks in business
hours, views, filters and search highlights, bulk assignment; a request worked from its page (public replies
and internal notes set apart, tags, triage, macros, routing, merge, state, audit trail, presence); the
statistics drawn as SVG. Every other role is refused each page, and the API refuses what the page would."""

import html
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone
from graphql_relay import to_global_id

from mentoring.accelerator import services
from mentoring.accelerator.models import (
    AcceleratorMessage,
    AcceleratorRequest,
    AcceleratorTag,
    CannedAnswer,
    Visibility,
)
from network.permissions import CNAM_STAFF_GROUP
from tests.factories import make_practitioner, make_user
from tests.helpers import gid, question, submit_at

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def agent(world) -> Client:
    client = Client()
    client.force_login(world.users["cnam_staff"])
    return client


def colleague():
    user = make_user(first_name="Camille", last_name="Collègue")
    user.groups.add(Group.objects.get(name=CNAM_STAFF_GROUP))
    return user


def ask(subject="Statuts de la Sisa", **extra):
    return services.submit(make_practitioner(user=True), question(subject=subject, **extra))


def test_the_queue_with_its_clocks_views_search_and_bulk_assignment(world):
    late = submit_at(timezone.now() - timedelta(days=20), subject="Bail des locaux", category="PREMISES")
    fresh = ask("Statuts de la Sisa : qui peut être associé ?")
    other = ask("Logiciel partagé", category="INFORMATION_SYSTEM", body="Quel logiciel labellisé choisir ?")
    services.check_service_levels()
    client = agent(world)

    page = client.get("/accelerateur/")
    assert page.status_code == 200
    text = text_of(page)
    assert "Toutes les demandes ouvertes : 3 demandes" in text
    assert re.search(r"Dépassé de \d+ h", text) and re.search(r"Reste \d+ h", text)
    assert text.index("Bail des locaux") < text.index("Logiciel partagé")  # the most overdue first
    assert 'id="live"' in page.content.decode()  # the queue is live

    found = client.get("/accelerateur/", {"q": "statuts sisa"}).content.decode()
    assert (
        "<mark>Statuts</mark>" in found and "<mark>Sisa</mark>" in found and "Logiciel partagé" not in found
    )
    premises = text_of(client.get("/accelerateur/", {"categorie": "PREMISES", "region": "zz"}))
    assert "1 demande" in premises and "Bail des locaux" in premises  # an unknown region is ignored
    assert "Hors délai : 1 demande" in text_of(client.get("/accelerateur/", {"vue": "hors-delai"}))

    camille = colleague()
    assigned = client.post(
        "/accelerateur/?vue=non-attribuees",
        {"ids": [gid(late), gid(fresh)], "assignee": to_global_id("StaffMember", camille.pk)},
    )
    assert assigned.status_code == 302 and assigned["Location"] == "/accelerateur/?vue=non-attribuees"
    assert set(AcceleratorRequest.objects.filter(assignee=camille)) == {late, fresh}
    assert "2 demandes attribuées à Camille Collègue." in text_of(client.get(assigned["Location"]))
    unassigned = text_of(client.get("/accelerateur/", {"vue": "non-attribuees"}))
    assert "Non attribuées : 1 demande" in unassigned and "Logiciel partagé" in unassigned

    client.post("/accelerateur/", {"ids": [gid(other)], "assignee": "moi"})
    mine = text_of(client.get("/accelerateur/", {"vue": "mes-demandes"}))
    assert "Mes demandes : 1 demande" in mine and "Logiciel partagé" in mine


def test_bulk_assignment_is_all_or_none(world, gql):
    first, second = ask("Première"), ask("Seconde")
    client = agent(world)
    refused = client.post(
        "/accelerateur/",
        {
            "ids": [gid(first), gid(second)],
            "assignee": to_global_id("StaffMember", world.users["coordinator"].pk),
        },
        follow=True,
    )
    assert "Seul un agent de l'accélérateur peut recevoir une demande." in text_of(refused)
    assert not AcceleratorRequest.objects.filter(assignee__isnull=False).exists()
    nothing = client.post("/accelerateur/", {"assignee": "moi"}, follow=True)
    assert "Cochez au moins une demande." in text_of(nothing)

    too_many = gql.execute(
        "mutation($ids: [ID!]!) { assignAcceleratorRequests(ids: $ids) { errors { field message } } }",
        {"ids": [gid(first)] * 101},
        user=world.users["cnam_staff"],
    )
    assert (
        too_many["data"]["assignAcceleratorRequests"]["errors"][0]["message"]
        == "Au plus 100 demandes à la fois."
    )
    assert not AcceleratorRequest.objects.filter(assignee__isnull=False).exists()


def test_a_request_worked_from_its_page(world):
    item = ask(
        "Statuts de la Sisa", body="Faut-il un médecin gérant ?", commune_code="51108"
    )  # Châlons-en-Champagne: Grand Est
    page_url = f"/accelerateur/demandes/{gid(item)}/"
    client = agent(world)
    page = text_of(client.get(page_url))
    assert "Faut-il un médecin gérant ?" in page and "Agent : personne" in page and "Reste" in page

    assert (
        client.post(
            page_url, {"action": "reply", "visibility": "internal", "body": "Voir le juriste."}
        ).status_code
        == 302
    )
    assert client.post(page_url, {"action": "reply", "visibility": "public", "body": "Un associé suffit.",
                                  "nextState": "WAITING_ON_REQUESTER"}).status_code == 302  # fmt: skip
    item.refresh_from_db()
    assert item.state == "WAITING_ON_REQUESTER"
    assert AcceleratorMessage.objects.get(body="Voir le juriste.").visibility == Visibility.INTERNAL
    raw = client.get(page_url).content.decode()
    note = raw[raw.index("Voir le juriste.") - 700 : raw.index("Voir le juriste.")]
    assert "tdp-note" in note and "Note interne — jamais montrée au demandeur" in note
    assert "Réponse publique" in raw[raw.index("Un associé suffit.") - 400 : raw.index("Un associé suffit.")]

    empty = client.post(page_url, {"action": "reply", "visibility": "public", "body": ""})
    assert empty.status_code == 400 and 'id="erreur-body"' in empty.content.decode()

    created = client.post(page_url, {"action": "new-tag", "name": "Juridique"})
    assert created.status_code == 302 and [t.name for t in item.tags.all()] == ["Juridique"]
    other_tag = AcceleratorTag.objects.create(name="Sisa")
    client.post(page_url, {"action": "tags", "tagIds": [gid(other_tag)]})
    assert [t.name for t in item.tags.all()] == ["Sisa"]

    client.post(
        page_url, {"action": "triage", "category": "SISA_LEGAL", "impact": "HIGH", "reason": "Blocage"}
    )
    item.refresh_from_db()
    assert item.impact == "HIGH"
    client.post(page_url, {"action": "assign", "assignee": "moi"})
    item.refresh_from_db()
    assert item.assignee == world.users["cnam_staff"]

    answer = services.save_canned_answer(
        None, world.users["cnam_staff"], "Accusé de réception", "Nous avons bien reçu votre question.",
        macro={"sets_state": "IN_PROGRESS"},
    )  # fmt: skip
    assert "Accusé de réception" in text_of(client.get(page_url))
    client.post(page_url, {"action": "macro", "cannedAnswerId": gid(answer)})
    item.refresh_from_db()
    assert (
        item.state == "IN_PROGRESS" and item.messages.filter(body__startswith="Nous avons bien reçu").exists()
    )

    refused = client.post(page_url, {"action": "state", "state": "CLOSED", "stateReason": ""})
    assert refused.status_code == 400 and "fr-alert--error" in refused.content.decode()
    trail = text_of(client.get(page_url))
    assert "Historique des changements" in trail and "Impact" in trail and "Blocage" in trail

    duplicate = ask("Statuts (doublon)")
    merged = client.post(
        f"/accelerateur/demandes/{gid(duplicate)}/",
        {
            "action": "merge",
            "intoId": f"https://tetedepont.example{page_url}",
            "mergeReason": "Même question",
        },
    )
    assert merged.status_code == 302 and merged["Location"] == page_url
    duplicate.refresh_from_db()
    assert duplicate.state == "MERGED" and duplicate.merged_into == item

    routed = client.post(page_url, {"action": "route-ars", "note": "L'ARS Grand Est finance les études."})
    assert routed.status_code == 302
    item.refresh_from_db()
    assert item.state == "ROUTED_TO_ARS"


def test_presence_says_who_else_is_on_a_request(world):
    item = ask()
    url = f"/accelerateur/demandes/{gid(item)}/presence/"
    camille = Client()
    camille.force_login(colleague())
    assert "Aussi sur" not in camille.post(url, {"activity": "REPLYING"}).content.decode()
    seen = text_of(agent(world).post(url, {"activity": "VIEWING"}))
    assert "Aussi sur cette demande : Camille Collègue (rédige une réponse)" in seen


def test_statistics_are_drawn_with_their_figures(world):
    submit_at(timezone.now() - timedelta(days=20), subject="Bail", category="PREMISES")
    ask("Statuts")
    services.check_service_levels()
    page = agent(world).get("/accelerateur/statistiques/", {"mois": "3"})
    raw = page.content.decode()
    assert page.status_code == 200
    for chart in ("graphique-medianes", "graphique-depassements", "graphique-regions"):
        assert f'role="img" aria-labelledby="{chart}"' in raw and f'id="{chart}"' in raw
    text = text_of(page)
    assert re.search(r"Demandes reçues du .* : 2 ?\.", text)
    assert "Locaux" in text and "Grand Est" in text  # breaches by category, volume by region, as tables too


@pytest.mark.parametrize("role", ["anonymous", "practitioner", "coordinator", "ars_agent"])
def test_the_agents_pages_are_the_cnams(world, role):
    item = ask()
    client = Client()
    if world.users[role]:
        client.force_login(world.users[role])
    for url in ("/accelerateur/", "/accelerateur/statistiques/", f"/accelerateur/demandes/{gid(item)}/"):
        response = client.get(url)
        assert response.status_code == (302 if role == "anonymous" else 403), url
    posted = client.post("/accelerateur/", {"ids": [gid(item)], "assignee": "moi"})
    assert posted.status_code in (302, 403)
    presence = client.post(f"/accelerateur/demandes/{gid(item)}/presence/", {"activity": "VIEWING"})
    assert presence.status_code in (302, 403) and not item.presences.exists()
    item.refresh_from_db()
    assert item.assignee is None
    if role != "anonymous":
        assert 'href="/accelerateur/"' not in client.get("/").content.decode()


def test_an_administrator_may_work_the_queue(world):
    """Administrators hold every permission, the accelerator's included: the API lets them, so do the pages."""
    client = Client()
    client.force_login(world.users["admin"])
    assert client.get("/accelerateur/").status_code == 200
    assert 'href="/accelerateur/"' in client.get("/").content.decode()


def test_saved_views_open_again_and_are_each_agents_own(world):
    ask("Bail des locaux", category="PREMISES")
    ask("Statuts de la Sisa")
    client = agent(world)
    filters = "/accelerateur/?vue=non-attribuees&categorie=PREMISES&etat=toutes"
    saved = client.post(filters, {"action": "save-view", "name": "Locaux à prendre"})
    assert saved.status_code == 302 and saved["Location"] == filters
    page = client.get("/accelerateur/").content.decode()
    link = re.search(r'href="(/accelerateur/\?[^"]+)"[^>]*>Locaux à prendre<', page).group(1)
    opened = text_of(client.get(html.unescape(link)))
    assert (
        "Locaux à prendre : 1 demande" in opened and "Bail des locaux" in opened and "Statuts" not in opened
    )

    nameless = text_of(client.post(filters, {"action": "save-view", "name": " "}, follow=True))
    assert "Le nom de la vue est obligatoire." in nameless

    camille = Client()
    camille.force_login(colleague())
    assert "Locaux à prendre" not in camille.get("/accelerateur/").content.decode()  # her own views only
    view_id = re.search(r'name="view" value="([^"]+)"', page).group(1)
    refused = text_of(camille.post("/accelerateur/", {"action": "delete-view", "view": view_id}, follow=True))
    assert "Objet introuvable." in refused
    assert "Locaux à prendre" in client.get("/accelerateur/").content.decode()
    client.post("/accelerateur/", {"action": "delete-view", "view": view_id})
    assert "Locaux à prendre" not in client.get("/accelerateur/").content.decode()


def test_canned_answers_and_tags_are_managed_by_the_agents(world):
    client = agent(world)
    item = ask("Bail des locaux")
    urgent = AcceleratorTag.objects.create(name="urgent")
    AcceleratorTag.objects.create(name="Urgente")  # a duplicate, to merge
    page = text_of(client.get("/accelerateur/reponses-types/"))
    assert "Nouvelle réponse type" in page and "Aucune réponse type pour le moment." in page
    empty = client.post("/accelerateur/reponses-types/", {"action": "save", "title": "", "body": ""})
    assert empty.status_code == 400 and 'id="erreur-title"' in empty.content.decode()
    saved = client.post("/accelerateur/reponses-types/", {
        "action": "save", "title": "Bail : modèle", "body": "Voici le modèle de bail de l'ARS.", "category": "PREMISES",
        "setsState": "ANSWERED", "setsTagIds": [gid(urgent)], "assignsToSelf": "on"})  # fmt: skip
    assert saved.status_code == 302
    answer = CannedAnswer.objects.get(title="Bail : modèle")
    assert answer.category == "PREMISES" and answer.sets_state == "ANSWERED" and answer.assigns_to_self
    edit = text_of(client.get("/accelerateur/reponses-types/", {"modifier": gid(answer)}))
    assert "Modifier « Bail : modèle »" in edit
    client.post("/accelerateur/reponses-types/", {"action": "save", "id": gid(answer), "title": "Bail : le modèle",
                                                   "body": "Le modèle de bail.", "category": "PREMISES"})  # fmt: skip
    answer.refresh_from_db()
    assert (answer.title, answer.sets_state) == ("Bail : le modèle", "")

    duplicate = AcceleratorTag.objects.get(name="Urgente")
    item.tags.add(duplicate)
    client.post(
        "/accelerateur/reponses-types/", {"action": "merge", "tag": gid(duplicate), "into": gid(urgent)}
    )
    assert [t.name for t in item.tags.all()] == ["urgent"] and not AcceleratorTag.objects.filter(
        name="Urgente"
    ).exists()
    client.post("/accelerateur/reponses-types/", {"action": "rename", "tag": gid(urgent), "name": "Urgent"})
    urgent.refresh_from_db()
    assert urgent.name == "Urgent"

    practitioner = Client()
    practitioner.force_login(world.users["practitioner"])
    assert practitioner.get("/accelerateur/reponses-types/").status_code == 403
    practitioner.post(
        "/accelerateur/reponses-types/", {"action": "rename", "tag": gid(urgent), "name": "Piraté"}
    )
    urgent.refresh_from_db()
    assert urgent.name == "Urgent"
