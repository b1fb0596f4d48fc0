"""The accelerator in a real browser: the project holder of Pont-sur-Yonne asks the Cnam with a document, and
reads the agent's answer arrive live on the question's page."""

import re

import pytest
from django.contrib.auth import get_user_model

from backend.accounts.services import issue_token

from .conftest import check_page, sign_in
from .test_journeys import wait_for

pytestmark = pytest.mark.django_db(transaction=True)

REPLY = """mutation($id: ID!, $body: String!) { replyToAcceleratorRequest(id: $id, body: $body) {
  errors { code message } } }"""


def a_question_with_a_document_and_the_answer_live(site, offline_page, tmp_path):
    """Run by test_queue.py on its demo (a demo loaded per test costs 20 s)."""
    document = tmp_path / "bail.pdf"
    document.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    agent = issue_token(get_user_model().objects.get(email="agent.cnam@demo.tetedepont.fr"))
    browser = offline_page(site.url, width=375, height=900)
    page = browser.page
    sign_in(browser, site.url, "porteur.projet@demo.tetedepont.fr")
    page.goto(f"{site.url}/questions/")
    check_page(browser, "questions")
    page.get_by_role("link", name="Poser une question").click()
    check_page(browser, "question-ask")
    page.fill("#champ-subject", "Bail du local et statuts de la Sisa")
    page.select_option("#champ-category", "SISA_LEGAL")
    page.fill(
        "#champ-body", "La commune nous propose un local : comment articuler le bail avec les statuts ?"
    )
    page.set_input_files("#champ-files", str(document))
    page.get_by_role("button", name="Envoyer ma question").click()
    page.wait_for_url(re.compile(r".*/questions/[^/]+/$"))
    assert "bail.pdf" in page.inner_text("main")
    question_id = page.url.rstrip("/").rsplit("/", 1)[1]
    wait_for(page, "() => document.documentElement.dataset.live === 'ready'")

    answered = site.post(REPLY, {"id": question_id, "body": "Le bail se signe au nom de la Sisa une fois immatriculée."}, agent.token)  # fmt: skip
    assert answered["data"]["replyToAcceleratorRequest"]["errors"] == []
    wait_for(
        page, "() => document.querySelector('[data-live-region]').textContent.includes('au nom de la Sisa')"
    )
    check_page(browser, "question")
    assert browser.outside == []
