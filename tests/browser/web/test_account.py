"""My account in a real browser: a forgotten password replaced with the e-mail's code, e-mail preferences, the
calendar's secret address, my data as a file, and closing the account after reading what is kept."""

import json
import re

import pytest

from backend.mail.models import OutgoingEmail
from network.models import Practitioner

from .conftest import check_page, sign_in
from .test_journeys import ISOLATED_GP

pytestmark = pytest.mark.django_db(transaction=True)

NEW_PASSWORD = "Sainte-Menehould-2027"


def test_forgotten_password_preferences_calendar_my_data_and_closing(site, offline_page):
    browser = offline_page(site.url)
    page = browser.page
    page.goto(f"{site.url}/connexion/")
    page.get_by_role("link", name="Mot de passe oublié ?").click()
    check_page(browser, "forgotten-password")
    page.fill("#champ-email", ISOLATED_GP)
    page.get_by_role("button", name="Recevoir un code").click()
    page.wait_for_url(f"{site.url}/mot-de-passe/nouveau/")
    check_page(browser, "reset-password")
    message = OutgoingEmail.objects.get(to=ISOLATED_GP, kind="account.password_reset")
    code = re.search(r"^(\S+-\S+)$", message.body, re.MULTILINE).group(1)
    page.fill("#champ-code", code)
    page.fill("#champ-newPassword", NEW_PASSWORD)
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_url(f"{site.url}/connexion/")
    page.fill("#champ-email", ISOLATED_GP)
    page.fill("#champ-password", NEW_PASSWORD)
    page.locator("main").get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{site.url}/")

    page.get_by_role("link", name=re.compile("mon compte")).click()
    page.wait_for_url(f"{site.url}/compte/")
    check_page(browser, "account")
    page.uncheck("#pref-reminders", force=True)
    page.get_by_role("button", name="Enregistrer mes préférences").click()
    assert "Vos préférences sont enregistrées." in page.inner_text("main")
    assert not page.is_checked("#pref-reminders")

    page.get_by_role("button", name="Obtenir l'adresse de mon agenda").click()
    address = page.locator("#adresse-agenda").inner_text()
    calendar = page.request.get(address)
    assert calendar.status == 200 and calendar.headers["content-type"].startswith("text/calendar")

    data = page.request.get(f"{site.url}/compte/mes-donnees.json")
    assert json.loads(data.body())["compte"]["email"] == ISOLATED_GP

    page.goto(f"{site.url}/compte/")
    page.get_by_role("link", name="Fermer mon compte").click()
    check_page(browser, "close-account")
    assert "répertoire des professionnels de santé" in page.inner_text("main")
    page.fill("#champ-password", NEW_PASSWORD)
    page.get_by_role("button", name="Fermer définitivement mon compte").click()
    page.wait_for_url(f"{site.url}/")
    assert "Votre compte est fermé." in page.inner_text("main")
    assert Practitioner.objects.filter(email="", user__isnull=True, last_name__isnull=False).exists()
    sign_in_again = offline_page(site.url)
    sign_in_again.page.goto(f"{site.url}/connexion/")
    sign_in_again.page.fill("#champ-email", ISOLATED_GP)
    sign_in_again.page.fill("#champ-password", NEW_PASSWORD)
    sign_in_again.page.locator("main").get_by_role("button", name="Se connecter").click()
    assert "Adresse e-mail ou mot de passe incorrect." in sign_in_again.page.inner_text("main")
    assert browser.outside == []


def test_a_project_holder_declares_an_msp_and_a_colleague_joins_it(site, offline_page):
    holder = offline_page(site.url)
    page = holder.page
    sign_in(holder, site.url, "porteur.projet@demo.tetedepont.fr")
    page.get_by_role("link", name="Mon projet de MSP").first.click()
    check_page(holder, "projects")
    page.get_by_role("link", name="Déclarer un projet de MSP").click()
    check_page(holder, "project-declare")
    page.fill("#champ-name", "Maison de santé de Sainte-Menehould (projet)")
    page.fill("#champ-address", "2 place du Général Leclerc")
    page.fill("#champ-commune", "Sainte-Menehould")
    page.get_by_role("button", name="Déclarer le projet").click()
    page.wait_for_url(re.compile(r".*/mon-projet/[^/]+/$"))
    project_url = page.url
    assert "il manque 2 médecins et 1 auxiliaire médical" in page.inner_text("#composition")
    gp = Practitioner.objects.get(user__email=ISOLATED_GP)
    page.fill("#champ-rpps", gp.rpps)
    page.get_by_role("button", name="Inviter").click()
    assert "L'invitation est envoyée" in page.inner_text("main")
    check_page(holder, "project")

    colleague = offline_page(site.url)
    sign_in(colleague, site.url, ISOLATED_GP)
    colleague.page.goto(f"{site.url}/mon-projet/")
    colleague.page.get_by_role("button", name=re.compile(r"^Accepter")).first.click()
    assert "Vous avez rejoint Maison de santé de Sainte-Menehould (projet)." in colleague.page.inner_text(
        "main"
    )
    page.goto(project_url)
    assert "il manque 1 médecin et 1 auxiliaire médical" in page.inner_text("#composition")
    assert holder.outside == [] and colleague.outside == []
