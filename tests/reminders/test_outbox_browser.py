"""« À envoyer » in headless Chromium at 360 px: one tap opens WhatsApp's link and the reminder is recorded as
sent (the page's script), nothing overflows the screen. Screenshot in ``tests/artifacts/reminders/``."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from functions.reminders.channels import Channels
from functions.reminders.run import COLLECTION, run
from tests.web.conftest import live_app
from tests.web.test_walk import CHROMIUM, FLAGS

playwright = pytest.importorskip("playwright.sync_api")
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts" / "reminders"

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium absent (/usr/bin/chromium)")]


def test_one_tap_opens_whatsapp_and_records_the_send_at_360px(tmp_path):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with live_app(tmp_path) as (base, biz, _app):
        with playwright.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            context = browser.new_context(viewport={"width": 360, "height": 740})
            opened: list[str] = []
            # WhatsApp is not reachable from the tests: the new tab's request is answered here.
            context.route("https://wa.me/**", lambda route: (opened.append(route.request.url),
                                                             route.fulfill(body="WhatsApp", status=200)))
            page = context.new_page()
            page.goto(base + "/installation")
            page.fill("#name", "Awa Mensah")
            page.fill("#email", "awa@example.tg")
            page.fill("#password", "motdepasse-awa")
            page.fill("#password2", "motdepasse-awa")
            page.fill("#business_name", "Boutique Awa")
            page.select_option("#business_type", "Boutique")
            with page.expect_navigation():
                page.click("button[type=submit]")
            biz.set_setting("phone", "+228 90 11 22 33", "Awa")
            today = biz.now().date()
            biz.add("agenda", {"title": "Livraison de farine chez le boulanger du quartier", "date": today +
                               timedelta(days=1), "reminder": "1 jour avant", "for": "+228 91 00 00 01"}, "Awa")
            biz.forget()
            summary = run(biz, Channels(), day=today)
            assert summary.count("lien prêt") >= 2, summary.lines()

            page.goto(base + "/agenda")
            assert page.inner_text("#a-envoyer").startswith("À envoyer (")
            wide = page.evaluate("document.documentElement.scrollWidth")
            assert wide <= 360, f"la page déborde : {wide} px"
            page.screenshot(path=str(ARTIFACTS / "a-envoyer-360.png"), full_page=True)
            form = page.locator("form[data-lien*='wa.me/22891000001']")
            with context.expect_page() as popup, page.expect_response("**/agenda/rappels/envoyer"):
                form.locator("button").click()
            popup.value.wait_for_load_state()
            assert opened and opened[0].startswith("https://wa.me/22891000001?text=")
            page.wait_for_function("!document.querySelector(\"form[data-lien*='wa.me/22891000001']\")")
            browser.close()
        tapped = [d for _, d in biz.state.list(COLLECTION, prefix=f"{today.isoformat()}:") if d.get("tapped")]
        assert [d["tapped_by"] for d in tapped] == ["Awa Mensah"]
        rows = [r for r in biz.load(["journal"]).all_rows("journal") if r["action"] == "rappel envoyé"]
        assert len(rows) == 1 and rows[0]["actor"] == "Awa Mensah"
