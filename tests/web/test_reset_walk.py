"""A walk in headless Chromium at 360 px, on the embedded default (.xlsx + SQLite): the admin resets an
employee's password from Équipe, the employee opens the link, sets a new password and logs in; the old one
is refused, the old session too, and the link does not work twice. Screenshots go to
``tests/artifacts/reset-walk/``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from functions.accounts import recovery, team, users
from functions.accounts.workspaces import DEFAULT
from tests.web.conftest import live_app, menu
from tests.web.test_walk import CHROMIUM, FLAGS

playwright = pytest.importorskip("playwright.sync_api")
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts" / "reset-walk"

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium absent (/usr/bin/chromium)")]


def test_admin_resets_an_employee_password_at_360px(tmp_path):
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    shots: list[str] = []

    def shot(page, name):
        page.screenshot(path=str(ARTIFACTS / f"{len(shots) + 1:02d}-{name}.png"), full_page=True)
        shots.append(name)

    with live_app(tmp_path) as (base, biz, _app), playwright.sync_playwright() as p:
        when = users.Moment(biz.clock().timestamp(), biz.now().isoformat(sep=" "))
        awa = users.create(biz.state, name="Awa Mensah", email="awa@example.tg", password="motdepasse-awa",
                           when=when, workspace=DEFAULT, role="admin")
        biz.state.create("accounts", "setup", {"at": when.local})
        kofi = users.create(biz.state, name="Kofi Agbo", phone="+22890112233", password="motdepasse-kofi",
                            when=when, workspace=DEFAULT, role="employee")
        for user in (awa, kofi):
            team.mirror_user(biz, users.public(user, DEFAULT), "test")
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        size = {"width": 360, "height": 740}

        phone = browser.new_context(viewport=size).new_page()
        phone.goto(base + "/connexion/telephone")
        phone.fill("#phone", "90 11 22 33")
        phone.fill("#password", "motdepasse-kofi")
        with phone.expect_navigation():
            phone.click("button[type=submit]")
        assert phone.url == base + "/"

        admin = browser.new_context(viewport=size).new_page()
        admin.goto(base + "/connexion")
        admin.fill("#email", "awa@example.tg")
        admin.fill("#password", "motdepasse-awa")
        with admin.expect_navigation():
            admin.click("button[type=submit]")
        menu(admin, "Équipe")
        admin.click(f"#gerer-{kofi['id']} summary")
        shot(admin, "equipe-gerer")
        with admin.expect_navigation():
            admin.click("text=Réinitialiser le mot de passe")
        link = admin.inner_text(".link").strip()
        assert link.startswith(base + recovery.PATH)
        assert admin.get_attribute("text=Envoyer par WhatsApp", "href").startswith("https://wa.me/22890112233?text=")
        shot(admin, "lien-de-reinitialisation")
        assert admin.evaluate("document.documentElement.scrollWidth") <= 360

        phone.goto(base + "/")  # the old session ended with the reset
        assert "/connexion" in phone.url
        phone.goto(link)
        assert "Kofi Agbo" in phone.content()
        shot(phone, "nouveau-mot-de-passe")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 360
        phone.fill("#password", "nouveau-kofi-2026")
        phone.fill("#password2", "nouveau-kofi-2026")
        with phone.expect_navigation():
            phone.click("button[type=submit]")
        assert phone.url == base + "/connexion/telephone" and "Mot de passe enregistré" in phone.content()
        phone.fill("#phone", "90 11 22 33")
        phone.fill("#password", "motdepasse-kofi")
        phone.click("button[type=submit]")
        assert "Identifiants incorrects" in phone.inner_text("[role=alert]")
        shot(phone, "ancien-mot-de-passe-refuse")
        phone.fill("#phone", "90 11 22 33")
        phone.fill("#password", "nouveau-kofi-2026")
        with phone.expect_navigation():
            phone.click("button[type=submit]")
        assert phone.url == base + "/" and "Kofi Agbo" in phone.content()
        shot(phone, "connecte-avec-le-nouveau")

        other = browser.new_context(viewport=size).new_page()
        other.goto(link)
        assert "n'est plus valable" in other.content().replace("&#39;", "'")
        shot(other, "lien-deja-utilise")
        browser.close()

    actions = [r["changes"] for r in biz.load(["journal"]).all_rows("journal")]
    assert recovery.TEXTS["admin"] in actions and recovery.TEXTS["done"] in actions
    assert biz.verify_journal().ok
    assert len(list(ARTIFACTS.glob("*.png"))) == len(shots) == 6
