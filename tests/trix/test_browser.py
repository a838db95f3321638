"""The chat page in headless Chromium at 360 px, under the shell's CSP: a suggested question streams an
answer that ends rendered as safe HTML, with the WhatsApp button."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest

from functions.templating import TEMPLATE_DIR
from tests.fakes.openai_server import Turn
from tests.trix.conftest import env_of, tool_data

playwright = pytest.importorskip("playwright.sync_api")
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium absent (/usr/bin/chromium)")]


@pytest.fixture
def served(shop, settings, make_app):
    from werkzeug.serving import make_server

    app = make_app(shop, env_of(settings), {"id": "u1", "name": "Awa"})
    app.after_request(lambda r: (r.headers.__setitem__("Content-Security-Policy", CSP), r)[1])
    app.add_url_rule("/style.css", "style", lambda: app.response_class(
        (TEMPLATE_DIR / "web" / "style.css").read_bytes(), mimetype="text/css"))  # the shell's stylesheet
    app.add_url_rule("/favicon.ico", "favicon", lambda: ("", 204))
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()


def test_a_suggested_question_streams_and_renders(served, fake, tmp_path):
    def answer(body):
        low = tool_data(body)["articles"][0]
        return Turn(content=f"## Votre stock\n\n- **{low['article']}** : {low['quantite']} {low['unite']} "
                            "<script>document.title='piraté'</script>\n\nJe prépare un message.",
                    tool_calls=[("whatsapp_link", {"phone": "90112233", "message": "Bonjour"})])

    fake.script(Turn(tool_calls=[("stock_status", {"only_low": True})]), answer, Turn(content="\n\nC'est prêt."))
    errors: list[str] = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_context(viewport={"width": 360, "height": 740}).new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(served + "/trix")
        page.click("text=Comprendre mon stock")
        page.wait_for_selector(".msg.assistant.rendered", timeout=15000)
        bubble = page.inner_html(".msg.assistant.rendered")
        title = page.title()
        page.screenshot(path=str(tmp_path / "trix.png"), full_page=True)
        browser.close()
    assert "<h2>Votre stock</h2>" in bubble and "<strong>Eau 1,5 L</strong>" in bubble
    assert "&lt;script&gt;" in bubble and title != "piraté"
    assert 'href="https://wa.me/22890112233?text=Bonjour"' in bubble and "Ouvrir dans WhatsApp" in bubble
    assert errors == []
    if os.environ.get("SCREENSHOT_DIR"):  # to look at it: SCREENSHOT_DIR=/tmp pytest …
        shutil.copy(tmp_path / "trix.png", os.environ["SCREENSHOT_DIR"])
