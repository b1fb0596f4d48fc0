"""The accelerator's queue as CSV (issue 17): streamed, with the queue's filters, Cnam staff only."""

import csv
import io

import pytest
from django.http import StreamingHttpResponse
from django.test import Client

from backend.accounts.services import issue_token
from mentoring.accelerator import services
from tests.factories import ROLES
from tests.helpers import question

pytestmark = pytest.mark.django_db


def get(path, user=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {issue_token(user).token}"} if user is not None else {}
    return Client().get(path, **headers)


def rows(response):
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))


@pytest.fixture
def queue(world):
    requester = world.user("practitioner").practitioner
    sisa = services.submit(requester, question(subject="Statuts de la SISA", category="SISA_LEGAL"))
    services.submit(requester, question(subject="Bail des locaux", category="PREMISES"))
    services.tags.set_tags(sisa, None, [services.tags.create_tag("Juridique")])
    return sisa


@pytest.mark.parametrize("role", ROLES)
def test_the_export_per_role(world, queue, role):
    response = get("/accelerator/requests.csv", world.user(role))
    if role in ("cnam_staff", "admin"):
        table = rows(response)
        assert table[0][:3] == ["demande", "recue_le", "objet"]
        assert sorted(row[2] for row in table[1:]) == ["Bail des locaux", "Statuts de la SISA"]
        assert response["Cache-Control"] == "private, no-store"
    else:
        assert response.status_code == (401 if role == "anonymous" else 403) and "error" in response.json()


def test_the_export_follows_the_queues_filters(world, queue):
    staff = world.user("cnam_staff")
    by_category = rows(get("/accelerator/requests.csv?category=PREMISES", staff))
    assert [row[2] for row in by_category[1:]] == ["Bail des locaux"]
    by_words = rows(get("/accelerator/requests.csv?search=bail&order=RELEVANCE", staff))
    assert [(row[2], row[9]) for row in by_words[1:]] == [("Bail des locaux", "")]
    legal = rows(get("/accelerator/requests.csv?category=SISA_LEGAL", staff))
    assert [(row[2], row[9]) for row in legal[1:]] == [("Statuts de la SISA", "Juridique")]
    by_tag = rows(get(f"/accelerator/requests.csv?tags={queue.tags.get().pk}", staff))
    assert [row[2] for row in by_tag[1:]] == ["Statuts de la SISA"]
    assert get("/accelerator/requests.csv?order=NOPE", staff).status_code == 400
