"""Full-text search of the accelerator (issue 17): French words with accents folded and stemming, ranked,
with highlights; internal notes searched by Cnam staff only, never shown to the requester."""

import pytest

from mentoring.accelerator import services
from mentoring.accelerator.permissions import STAFF_REPLY
from tests.factories import ROLES, make_practitioner
from tests.helpers import question, top_codes

pytestmark = pytest.mark.django_db

SEARCH = """query($q: String!) { acceleratorRequests(first: 10, filter: {search: $q}, orderBy: RELEVANCE) {
    totalCount edges { node { subject searchHighlight } } } }"""


@pytest.fixture
def asked(world):
    staff = world.user("cnam_staff")
    requester = world.user("practitioner").practitioner
    sisa = services.submit(requester, question(subject="Statuts de la SISA", body="Qui peut être associé ?"))
    lease = services.submit(
        requester,
        question(subject="Bail des locaux", body="Quelles clauses de résiliation prévoir pour le bail ?"),
    )
    services.reply(
        lease, staff, "Dossier sensible : contentieux prud'homal en cours.", internal=True, rights=STAFF_REPLY
    )
    services.reply(sisa, staff, "Un modèle de statuts est joint.", internal=False, rights=STAFF_REPLY)
    other = services.submit(
        make_practitioner(user=True), question(subject="ACI", body="Montant de la rémunération")
    )
    return sisa, lease, other


def subjects(result):
    return [edge["node"]["subject"] for edge in result["data"]["acceleratorRequests"]["edges"]]


def test_words_find_accent_folded_and_stemmed_forms_ranked(gql, world, asked):
    staff = world.user("cnam_staff")
    assert subjects(gql.execute(SEARCH, {"q": "statuts sisa"}, user=staff)) == ["Statuts de la SISA"]
    assert subjects(gql.execute(SEARCH, {"q": "STATUT"}, user=staff)) == ["Statuts de la SISA"]
    assert subjects(gql.execute(SEARCH, {"q": "resiliation"}, user=staff)) == ["Bail des locaux"]
    assert subjects(gql.execute(SEARCH, {"q": "rémunérations"}, user=staff)) == ["ACI"]
    # A word in the subject ranks above the same word in a reply only.
    ranked = subjects(gql.execute(SEARCH, {"q": "statuts OR bail"}, user=staff))
    assert set(ranked) == {"Statuts de la SISA", "Bail des locaux"}
    highlighted = gql.execute(SEARCH, {"q": "résiliation"}, user=staff)["data"]["acceleratorRequests"]
    assert "«résiliation»" in highlighted["edges"][0]["node"]["searchHighlight"]


def test_internal_notes_are_searched_by_staff_only_and_never_shown(gql, world, asked):
    staff, requester = world.user("cnam_staff"), world.user("practitioner")
    assert subjects(gql.execute(SEARCH, {"q": "contentieux"}, user=staff)) == ["Bail des locaux"]
    found = gql.execute(SEARCH, {"q": "contentieux"}, user=requester)
    assert subjects(found) == [] and "contentieux" not in str(found)
    # The requester finds their own questions by their words, and the highlight holds only their text.
    mine = gql.execute(SEARCH, {"q": "bail"}, user=requester)["data"]["acceleratorRequests"]["edges"]
    assert [e["node"]["subject"] for e in mine] == ["Bail des locaux"]
    assert "prud" not in mine[0]["node"]["searchHighlight"]


@pytest.mark.parametrize("role", ROLES)
def test_search_per_role(gql, world, asked, role):
    result = gql.execute(SEARCH, {"q": "statuts"}, user=world.user(role))
    if role == "anonymous":
        assert top_codes(result) == ["UNAUTHENTICATED"]
        return
    expected = ["Statuts de la SISA"] if role in ("practitioner", "cnam_staff", "admin") else []
    assert subjects(result) == expected  # the requester's own; staff's queue; nothing for the others


def test_a_search_too_long_is_refused_in_french(gql, world):
    result = gql.execute(SEARCH, {"q": "mot " * 100}, user=world.user("cnam_staff"))
    assert top_codes(result) == ["BAD_USER_INPUT"] and "pour 200 au plus" in result["errors"][0]["message"]


def test_the_documents_follow_every_write_even_outside_the_services(world, asked):
    from mentoring.accelerator.models import AcceleratorMessage, AcceleratorRequest
    from mentoring.accelerator.selectors import search

    sisa, _, _ = asked
    AcceleratorRequest.objects.filter(pk=sisa.pk).update(subject="Gouvernance de la maison de santé")
    assert list(search(AcceleratorRequest.objects.all(), "gouvernance", staff=False)) == [sisa]
    AcceleratorMessage.objects.filter(request=sisa).delete()
    assert not search(AcceleratorRequest.objects.all(), "modèle", staff=False).exists()


def test_a_long_thread_keeps_taking_replies_each_indexed_on_its_own(world):
    """Before (issue 24): each reply rebuilt the thread's document from every message; 76 replies of 10,000
    characters made a reply take 1.3 s, then fail with "string is too long for tsvector"."""
    import random
    import string

    from django.db import connection

    from mentoring.accelerator.models import AcceleratorRequest

    staff = world.user("cnam_staff")
    request = services.submit(world.user("practitioner").practitioner, question(subject="Fil très long"))
    rng = random.Random(24)

    def gibberish():  # ten thousand characters of words that are all different: the worst case for a document
        return " ".join("".join(rng.choices(string.ascii_lowercase, k=9)) for _ in range(1_000))[:10_000]

    with connection.cursor() as cursor:  # 90 replies of 10,000 characters, each through the trigger
        cursor.executemany(
            "INSERT INTO mentoring_acceleratormessage (request_id, author_id, body, visibility, created_at)"
            " VALUES (%s, %s, %s, 'PUBLIC', now())",
            [(request.pk, staff.pk, gibberish()) for _ in range(90)],
        )
    services.reply(
        request, staff, "Réponse finale : voyez le guide zythogramme.", internal=False, rights=STAFF_REPLY
    )
    assert request.messages.count() == 91  # every reply kept, none refused
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_column_size(search_document) FROM mentoring_acceleratorrequest WHERE id = %s",
            [request.pk],
        )
        assert cursor.fetchone()[0] < 1_048_576
    # The subject stays searchable whatever the thread's length.
    assert AcceleratorRequest.objects.filter(pk=request.pk, search_document=_query("fil long")).exists()


def test_a_reply_adds_its_words_without_rebuilding_the_thread(world):
    from django.db import connection

    from mentoring.accelerator.models import AcceleratorRequest

    staff = world.user("cnam_staff")
    request = services.submit(world.user("practitioner").practitioner, question(subject="Locaux"))
    services.reply(request, staff, "Le zythogramme est prêt.", internal=False, rights=STAFF_REPLY)
    services.reply(request, staff, "Note interne : ornithorynque.", internal=True, rights=STAFF_REPLY)
    found = AcceleratorRequest.objects.filter(pk=request.pk)
    assert found.filter(search_document=_query("zythogramme")).exists()
    assert not found.filter(
        search_document=_query("ornithorynque")
    ).exists()  # internal: staff's document only
    assert found.filter(staff_search_document=_query("ornithorynque")).exists()
    # The trigger appends: its function reads no other message of the thread.
    with connection.cursor() as cursor:
        cursor.execute("SELECT prosrc FROM pg_proc WHERE proname = 'accelerator_message_reindex'")
        source = cursor.fetchone()[0]
    insert_branch = source.split("IF TG_OP = 'INSERT' THEN", 1)[1].split("RETURN NULL;", 1)[0]
    assert "string_agg" not in insert_branch and "accelerator_reindex" not in insert_branch


def _query(words):
    from django.contrib.postgres.search import SearchQuery

    from mentoring.accelerator.selectors import SEARCH_CONFIG

    return SearchQuery(words, search_type="websearch", config=SEARCH_CONFIG)
