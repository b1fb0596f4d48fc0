"""The knowledge base through the pages (issue 28, item 7): public and searchable for anyone; suggested on the
question form as one types; an article opened by a practitioner counted (from a suggestion or not); Cnam
agents publish from a request's page — the draft filled from it — change and withdraw; every other role is
refused the publishing page."""

import html
import re

import pytest
from django.test import Client

from mentoring.accelerator import services
from mentoring.accelerator.knowledge_models import Article, ArticleRead
from mentoring.accelerator.permissions import STAFF_REPLY
from tests.factories import ROLES
from tests.helpers import gid, question

pytestmark = pytest.mark.django_db

SISA = {
    "title": "Qui peut être associé d'une Sisa ?",
    "question": "Un infirmier salarié peut-il être associé de notre Sisa ?",
    "answer": "Seuls des professionnels de santé libéraux exerçant dans la maison de santé peuvent l'être.",
    "category": "SISA_LEGAL",
}


def text_of(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def client_of(world, role) -> Client:
    client = Client()
    if world.user(role) is not None:
        client.force_login(world.user(role))
    return client


@pytest.fixture
def article(world):
    return services.save_article(None, world.user("cnam_staff"), **SISA)


def test_anyone_finds_an_article_and_reads_it(world, article):
    client = Client()
    found = client.get("/base-de-connaissances/", {"q": "associes sisa"})
    assert found.status_code == 200 and SISA["title"] in text_of(found)
    assert "0 article" in text_of(client.get("/base-de-connaissances/", {"q": "locaux"}))
    page = client.get(f"/base-de-connaissances/{gid(article)}/")
    assert page.status_code == 200
    assert SISA["answer"] in text_of(page) and "Validé par" in text_of(page)
    assert not ArticleRead.objects.exists()  # nobody to count: only a practitioner can ask a question
    too_long = client.get("/base-de-connaissances/", {"q": " ".join(["sisa"] * 11)})
    assert too_long.status_code == 400 and "mots" in text_of(too_long)


def test_a_practitioners_read_is_counted_suggested_or_not(world, article):
    client = client_of(world, "practitioner")
    client.get(f"/base-de-connaissances/{gid(article)}/", {"suggere": "1"})
    client.get(f"/base-de-connaissances/{gid(article)}/")
    assert sorted(ArticleRead.objects.values_list("suggested", flat=True)) == [False, True]


def test_the_question_form_suggests_articles_as_one_types(world, article):
    client = client_of(world, "practitioner")
    fragment = client.get(
        "/base-de-connaissances/suggestions/", {"subject": "Associés de la Sisa", "body": "Un infirmier ?"}
    )
    assert SISA["title"] in text_of(fragment) and "?suggere=1" in fragment.content.decode()
    assert text_of(client.get("/base-de-connaissances/suggestions/", {"subject": "Logiciel"})).strip() == ""
    form = client.get("/questions/poser/")
    assert 'hx-get="/base-de-connaissances/suggestions/"' in form.content.decode()
    # Sent back with an error, the form shows the suggestions without script too.
    refused = client.post("/questions/poser/", {"subject": "Associés de la Sisa", "body": "", "commune": ""})
    assert refused.status_code == 400 and SISA["title"] in text_of(refused)


@pytest.mark.parametrize("role", ROLES)
def test_publishing_from_a_request_per_role(world, role):
    request = services.submit(world.user("practitioner").practitioner, question())
    services.reply(
        request,
        world.user("cnam_staff"),
        "Non : un gérant suffit, médecin ou non.",
        internal=False,
        rights=STAFF_REPLY,
    )
    client = client_of(world, role)
    draft = client.get("/base-de-connaissances/publier/", {"demande": gid(request)})
    if role not in ("cnam_staff", "admin"):
        assert draft.status_code == (302 if role == "anonymous" else 403)
        assert client.post("/base-de-connaissances/publier/", {**SISA, "requestId": gid(request)}).status_code in (302, 403)  # fmt: skip
        assert not Article.objects.exists()
        return
    assert draft.status_code == 200
    page = draft.content.decode()
    assert "Statuts de la Sisa" in page and "Non : un gérant suffit" in page  # the request's words, to edit
    done = client.post("/base-de-connaissances/publier/", {**SISA, "requestId": gid(request)})
    article = Article.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/base-de-connaissances/{gid(article)}/"
    assert article.source_request == request and article.validated_by == world.user(role)


def test_an_agent_changes_then_withdraws_an_article(world, article):
    client = client_of(world, "cnam_staff")
    form = client.get(f"/base-de-connaissances/{gid(article)}/modifier/")
    assert SISA["answer"] in text_of(form)
    refused = client.post(
        f"/base-de-connaissances/{gid(article)}/modifier/", {**SISA, "answer": "Écrire à paul@exemple.fr"}
    )
    assert refused.status_code == 400 and "une adresse e-mail" in text_of(refused)
    client.post(f"/base-de-connaissances/{gid(article)}/modifier/", {**SISA, "title": "Associés d'une Sisa"})
    article.refresh_from_db()
    assert article.title == "Associés d'une Sisa"
    client.post(f"/base-de-connaissances/{gid(article)}/", {"action": "withdraw"})
    assert "0 article" not in text_of(Client().get("/base-de-connaissances/"))  # the list says none instead
    assert Client().get(f"/base-de-connaissances/{gid(article)}/").status_code == 404
    assert "retiré" in text_of(client.get(f"/base-de-connaissances/{gid(article)}/"))
