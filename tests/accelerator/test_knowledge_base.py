"""The knowledge base (issue 28, item 7): Cnam staff publish a question's answer as an article — edited,
anonymised, categorised, dated, with who validated it; articles are public and searchable in French; the
articles that may answer a question being written are suggested; the statistics count the suggested
articles read that no question followed."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from mentoring.accelerator import services
from mentoring.accelerator.knowledge_models import Article, ArticleRead
from mentoring.accelerator.models import AcceleratorRequest
from tests.factories import ROLES
from tests.helpers import ERRORS, gid, question, top_codes

pytestmark = pytest.mark.django_db

SAVE = f"""mutation($r: ID, $t: String!, $q: String!, $a: String!, $c: AcceleratorCategory!) {{
    saveArticle(requestId: $r, title: $t, question: $q, answer: $a, category: $c) {{
        article {{ id title category validatedBy publishedAt }} {ERRORS} }} }}"""
ARTICLES = """query($s: String, $c: AcceleratorCategory) { articles(first: 10, search: $s, category: $c) {
    edges { node { title } } } }"""
SUGGEST = "query($t: String!) { suggestedArticles(text: $t) { title } }"

SISA = {
    "title": "Qui peut être associé d'une Sisa ?",
    "question": "Nous créons notre Sisa : un infirmier salarié peut-il en être associé ?",
    "answer": "Seuls des professionnels de santé libéraux exerçant dans la maison de santé peuvent être associés "
    "d'une Sisa ; au moins deux médecins. Les statuts le précisent.",
    "category": "SISA_LEGAL",
}
PREMISES = {
    "title": "Financer des locaux de maison de santé",
    "question": "Quelles aides pour construire ou rénover nos locaux ?",
    "answer": "Les collectivités et l'appui immobilier de l'État peuvent financer les locaux d'une MSP.",
    "category": "PREMISES",
}


def publish(staff, fields, request=None):
    return services.save_article(None, staff, source_request=request, **fields)


def titles(result, field="articles"):
    return [edge["node"]["title"] for edge in result["data"][field]["edges"]]


@pytest.mark.parametrize("role", ROLES)
def test_publishing_an_answer_as_an_article_per_role(gql, world, role):
    request = services.submit(world.user("practitioner").practitioner, question())
    variables = {"r": gid(request), "t": SISA["title"], "q": SISA["question"], "a": SISA["answer"], "c": "SISA_LEGAL"}  # fmt: skip
    result = gql.execute(SAVE, variables, user=world.user(role))
    if role in ("cnam_staff", "admin"):
        saved = result["data"]["saveArticle"]
        assert saved["errors"] == []
        user = world.user(role)
        assert saved["article"]["validatedBy"] == (user.get_full_name() or "L'équipe de l'accélérateur")
        article = Article.objects.get()
        assert article.source_request == request and article.validated_by == user
        # Public at once, to anyone, signed in or not.
        assert titles(gql.execute(ARTICLES, {})) == [SISA["title"]]
    else:
        assert top_codes(result) == ["UNAUTHENTICATED" if role == "anonymous" else "FORBIDDEN"]
        assert not Article.objects.exists()


@pytest.mark.parametrize(
    "answer, found",
    [
        ("Écrivez à jeanne.dupont(at)gmail.com pour les statuts.", "une adresse e-mail"),
        ("Appelez le 06 12 34 56 78.", "un numéro de téléphone"),
        ("Comme l'a expliqué Mme Dupont, gérante de la Sisa.", "un nom de personne"),
    ],
)
def test_an_article_that_identifies_someone_is_refused_with_what_was_found(gql, world, answer, found):
    variables = {"t": SISA["title"], "q": SISA["question"], "a": answer, "c": "SISA_LEGAL"}
    result = gql.execute(SAVE, variables, user=world.user("cnam_staff"))
    [error] = result["data"]["saveArticle"]["errors"]
    assert error["field"] == "answer" and error["code"] == "INVALID"
    assert found in error["message"] and error["message"].startswith("Anonymisez l'article")
    assert not Article.objects.exists()


def test_search_is_in_french_endings_and_accents_ignored(gql, world):
    staff = world.user("cnam_staff")
    publish(staff, SISA)
    publish(staff, PREMISES)
    assert titles(gql.execute(ARTICLES, {"s": "associés"})) == [SISA["title"]]
    assert titles(gql.execute(ARTICLES, {"s": "statut ASSOCIE"})) == [SISA["title"]]
    assert titles(gql.execute(ARTICLES, {"s": "renover locaux"})) == [PREMISES["title"]]
    assert titles(gql.execute(ARTICLES, {"c": "PREMISES"})) == [PREMISES["title"]]
    assert titles(gql.execute(ARTICLES, {"s": "locaux", "c": "SISA_LEGAL"})) == []
    # Newest first without words.
    assert titles(gql.execute(ARTICLES, {})) == [PREMISES["title"], SISA["title"]]


def test_articles_that_may_answer_a_question_being_written_are_suggested(gql, world):
    staff = world.user("cnam_staff")
    publish(staff, SISA)
    publish(staff, PREMISES)
    draft = "Statuts de notre Sisa — Une sage-femme libérale peut-elle devenir associée de la Sisa ?"
    assert [a["title"] for a in gql.execute(SUGGEST, {"t": draft})["data"]["suggestedArticles"]] == [
        SISA["title"]
    ]
    draft = "Nos locaux sont trop petits : comment financer un agrandissement ?"
    assert [a["title"] for a in gql.execute(SUGGEST, {"t": draft})["data"]["suggestedArticles"]] == [
        PREMISES["title"]
    ]
    # Nothing in common, or only what every question says: no suggestion.
    assert gql.execute(SUGGEST, {"t": "Le logiciel de téléconsultation plante"})["data"]["suggestedArticles"] == []  # fmt: skip
    # A long text costs what its first 2,000 characters do.
    long = "Sisa associés " + "zzz " * 5_000
    assert len(gql.execute(SUGGEST, {"t": long[:9_999]})["data"]["suggestedArticles"]) == 1


def test_a_withdrawn_article_is_hidden_from_everyone_but_staff(gql, world):
    staff = world.user("cnam_staff")
    article = publish(staff, SISA)
    services.withdraw_article(article, staff)
    node = "query($id: ID!) { node(id: $id) { ... on Article { title withdrawnAt } } }"
    assert titles(gql.execute(ARTICLES, {})) == []
    assert gql.execute(node, {"id": gid(article)})["data"]["node"] is None
    assert gql.execute(node, {"id": gid(article)}, user=world.user("practitioner"))["data"]["node"] is None
    seen = gql.execute(node, {"id": gid(article)}, user=staff)["data"]["node"]
    assert seen["title"] == SISA["title"] and seen["withdrawnAt"]
    assert gql.execute(SUGGEST, {"t": SISA["question"]})["data"]["suggestedArticles"] == []


def test_changing_an_article_records_who_validated_it_last(gql, world):
    first = world.user("cnam_staff")
    article = publish(first, SISA)
    second = world.user("admin")
    update = f"""mutation($id: ID, $t: String!, $q: String!, $a: String!) {{ saveArticle(id: $id, title: $t,
        question: $q, answer: $a, category: SISA_LEGAL) {{ article {{ title }} {ERRORS} }} }}"""
    result = gql.execute(update, {"id": gid(article), "t": "Associés d'une Sisa", "q": SISA["question"], "a": SISA["answer"]}, user=second)  # fmt: skip
    assert result["data"]["saveArticle"] == {"article": {"title": "Associés d'une Sisa"}, "errors": []}
    article.refresh_from_db()
    assert article.validated_by == second and Article.objects.count() == 1


READ = f"""mutation($id: ID!) {{ recordArticleRead(id: $id, suggested: true) {{ article {{ title }} {ERRORS} }} }}"""
STATS = """query($since: Date!, $until: Date!) { acceleratorStats(since: $since, until: $until) {
    suggestedArticles { read decided spared } } }"""


def test_statistics_count_suggested_articles_read_that_no_question_followed(gql, world):
    from tests.factories import make_practitioner

    staff = world.user("cnam_staff")
    article = publish(staff, SISA)
    spared = world.user("practitioner")
    asked = make_practitioner("10", "51108", user=True).user
    recent = make_practitioner("60", "51108", user=True).user
    for user in (spared, asked, recent):
        result = gql.execute(READ, {"id": gid(article)}, user=user)
        assert result["data"]["recordArticleRead"]["errors"] == []
    assert top_codes(gql.execute(READ, {"id": gid(article)})) == ["UNAUTHENTICATED"]
    two_days_ago = timezone.now() - timedelta(days=2)
    ArticleRead.objects.exclude(reader__user=recent).update(read_at=two_days_ago)
    request = services.submit(asked.practitioner, question())  # asked anyway, an hour after reading
    AcceleratorRequest.objects.filter(pk=request.pk).update(created_at=two_days_ago + timedelta(hours=1))
    services.submit(spared.practitioner, question())  # a question days later does not count against it
    today = date.today()
    figures = gql.execute(STATS, {"since": str(today - timedelta(days=7)), "until": str(today)}, user=staff)
    assert figures["data"]["acceleratorStats"]["suggestedArticles"] == {"read": 3, "decided": 2, "spared": 1}


@pytest.mark.parametrize("role", ROLES)
def test_recording_a_read_per_role(gql, world, role):
    """Practitioners' reads count; nobody else can record one (the statistics are about practitioners)."""
    article = publish(world.user("cnam_staff"), SISA)
    user = world.user(role)
    result = gql.execute(READ, {"id": gid(article)}, user=user)
    practitioner = getattr(user, "practitioner", None) if user else None
    if practitioner is not None:
        assert result["data"]["recordArticleRead"] == {"article": {"title": SISA["title"]}, "errors": []}
        assert list(ArticleRead.objects.values_list("reader", "suggested")) == [(practitioner.pk, True)]
    else:
        assert top_codes(result) == ["UNAUTHENTICATED" if role == "anonymous" else "FORBIDDEN"]
        assert not ArticleRead.objects.exists()


def test_suggestions_take_between_0_and_5_articles_as_every_capped_list_says(gql, world):
    publish(world.user("cnam_staff"), SISA)
    query = "query($t: String!, $n: Int) { suggestedArticles(text: $t, first: $n) { title } }"
    for first in (-1, 6, 1_000):
        result = gql.execute(query, {"t": SISA["question"], "n": first})
        assert top_codes(result) == ["BAD_USER_INPUT"], first
        assert (
            result["errors"][0]["message"]
            == "`first` doit être compris entre 0 et 5 pour `suggestedArticles`."
        )
    assert gql.execute(query, {"t": SISA["question"], "n": 0})["data"]["suggestedArticles"] == []
    assert len(gql.execute(query, {"t": SISA["question"], "n": 5})["data"]["suggestedArticles"]) == 1
