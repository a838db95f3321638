"""A walk through the shell in headless Chromium at 360 px, on the embedded default (.xlsx + SQLite).

setup → admin login → invite → the employee accepts → employee login → sets a PIN → unlocks with the
PIN → the admin deactivates them → refused. A screenshot of each page goes to ``tests/artifacts/walk/``.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.web.conftest import live_app, menu

playwright = pytest.importorskip("playwright.sync_api")
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts" / "walk"

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium absent (/usr/bin/chromium)")]


@pytest.fixture
def server(tmp_path):
    with live_app(tmp_path) as (base, biz, _app):
        yield base, biz


def test_walk_through_the_shell_at_360px(server):
    base, biz = server
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    shots: list[str] = []

    def shot(page, name):
        page.screenshot(path=str(ARTIFACTS / f"{len(shots) + 1:02d}-{name}.png"), full_page=True)
        shots.append(name)

    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        admin = browser.new_context(viewport={"width": 360, "height": 740}).new_page()
        admin.goto(base + "/")
        assert admin.url.endswith("/installation")
        shot(admin, "installation")
        admin.fill("#name", "Awa Mensah")
        admin.fill("#email", "awa@example.tg")
        admin.fill("#password", "motdepasse-awa")
        admin.fill("#password2", "motdepasse-awa")
        admin.fill("#business_name", "Résidence Le Palmier")
        admin.select_option("#business_type", "Auberge")
        admin.click("button[type=submit]")
        assert "Bienvenue" in admin.content()
        shot(admin, "tableau-de-bord-admin")
        with admin.expect_navigation():
            admin.click("text=Déconnexion")
        admin.goto(base + "/connexion")
        admin.fill("#email", "awa@example.tg")
        admin.fill("#password", "motdepasse-awa")
        shot(admin, "connexion-admin")
        admin.click("button[type=submit]")
        assert admin.url == base + "/"
        menu(admin, "Équipe")
        admin.fill("#phone", "+228 90 11 22 33")
        shot(admin, "equipe")
        with admin.expect_navigation():
            admin.click("text=Créer le lien d'invitation")
        link = admin.inner_text(".link").strip()
        wa = admin.get_attribute("text=Envoyer par WhatsApp", "href")
        assert wa.startswith("https://wa.me/22890112233?text=Bonjour")
        shot(admin, "invitation-creee")

        phone = browser.new_context(viewport={"width": 360, "height": 740}).new_page()
        phone.goto(link)
        shot(phone, "invitation-ouverte")
        phone.fill("#name", "Kofi Agbo")
        phone.fill("#password", "motdepasse-kofi")
        phone.fill("#password2", "motdepasse-kofi")
        phone.click("button[type=submit]")
        assert phone.url == base + "/" and "Kofi Agbo" in phone.content()
        assert "Équipe" not in phone.text_content("nav.menu")
        with phone.expect_navigation():
            phone.click("text=Déconnexion")
        phone.goto(base + "/connexion/telephone")
        phone.fill("#phone", "90 11 22 33")
        phone.fill("#password", "motdepasse-kofi")
        shot(phone, "connexion-employe")
        phone.click("button[type=submit]")
        assert phone.url == base + "/"
        shot(phone, "tableau-de-bord-employe")

        menu(phone, "Paramètres")
        phone.fill("#pin", "4071")
        phone.fill("#pin2", "4071")
        with phone.expect_navigation():
            phone.click("text=Enregistrer le code PIN")
        assert "Code PIN enregistré" in phone.content()
        shot(phone, "parametres-pin")
        with phone.expect_navigation():
            phone.click("text=Déconnexion")
        phone.goto(base + "/")
        assert phone.url.startswith(base + "/pin")
        phone.fill("#pin", "4071")
        shot(phone, "connexion-rapide")
        with phone.expect_navigation(url=base + "/"):
            phone.click("button[type=submit]")
        assert phone.url == base + "/"

        admin.goto(base + "/equipe")
        with admin.expect_navigation():
            admin.click("text=Désactiver")
        assert "désactivé" in admin.content()
        shot(admin, "equipe-desactive")
        phone.goto(base + "/")
        assert "/connexion" in phone.url and "désactivé" in phone.content()
        shot(phone, "employe-refuse")
        phone.goto(base + "/connexion/telephone")
        phone.fill("#phone", "+22890112233")
        phone.fill("#password", "motdepasse-kofi")
        phone.click("button[type=submit]")
        assert "désactivé" in phone.inner_text("[role=alert]")
        assert "/connexion" in phone.url
        browser.close()

    team = {t["name"]: t["active"] for t in biz.load(["team"]).rows("team")}
    assert team == {"Awa Mensah": "Oui", "Kofi Agbo": "Non"}
    assert biz.verify_journal().ok
    assert len(list(ARTIFACTS.glob("*.png"))) == len(shots) >= 12
    assert all(re.fullmatch(r"[a-z-]+", s) for s in shots)
