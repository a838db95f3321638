"""Selling without a network, in headless Chromium at 360 px: the counter goes offline, sells, records an
expense and a payment, comes back online and sends everything once — also when the first answers are lost,
when an article sold out meanwhile, and when the session was revoked while offline."""

from __future__ import annotations

import time
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import pytest

from functions.accounts import sessions, users
from functions.accounts.workspaces import DEFAULT
from tests.web.conftest import EMPLOYEE, live_app

playwright = pytest.importorskip("playwright.sync_api")
from tests.web.test_walk import CHROMIUM, FLAGS  # noqa: E402 - after the skip

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts" / "offline"

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium absent (/usr/bin/chromium)")]


@pytest.fixture
def shop(tmp_path):
    with live_app(tmp_path, receipts=True) as (base, biz, _app):
        when = users.Moment(biz.clock().timestamp(), biz.now().isoformat(sep=" "))
        users.create(biz.state, name="Awa Mensah", email="awa@example.tg", password="motdepasse-awa", when=when,
                     workspace=DEFAULT, role="admin")
        biz.state.create("accounts", "setup", {"at": when.local})
        users.create(biz.state, name="Kofi Agbo", phone=EMPLOYEE[0], password=EMPLOYEE[1], when=when,
                     workspace=DEFAULT, role="employee")
        biz.add("stock", {"article": "Coca", "unit": "pièce", "for_sale": "Oui", "sale_price": "500"}, "Awa")
        biz.add("stock", {"article": "Pain", "unit": "pièce", "for_sale": "Oui", "sale_price": "250"}, "Awa")
        ids = {r["article"]: r.id for r in biz.load(["stock"]).rows("stock")}
        for article_id in ids.values():
            biz.stock_adjust(article_id, "Entrée", "10", "Awa")
        client = biz.add("clients", {"name": "Ama Kossi"}, "Awa")["id"]
        biz.add_prestation({"client": "Ama Kossi", "client_id": client, "type": "Chambre", "start": "2026-12-01",
                            "end": "2026-12-02", "total": "25000"}, "Awa")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        yield base, biz, ids


@contextmanager
def _offline_counter(base):
    """The counter of a logged-in employee, controlled by its service worker, then cut from the network."""
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            context, page = _counter(browser, base)
            context.set_offline(True)
            yield context, page
        finally:
            browser.close()


def _back_online(context, page):
    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")


def _counter(browser, base):
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="fr-FR", bypass_csp=True)
    page = context.new_page()
    page.goto(base + "/connexion/telephone")
    page.fill("#phone", EMPLOYEE[0])
    page.fill("#password", EMPLOYEE[1])
    page.click("button[type=submit]")
    page.goto(base + "/comptoir")
    page.wait_for_selector("[data-article]")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function("navigator.serviceWorker.controller !== null || (location.reload(), false)", timeout=15000)
    page.wait_for_selector("[data-article]")
    return context, page


def _sell(page, article, times=1):
    for _ in range(times):
        page.click(f"[data-article] >> text={article}")
    page.click("#encaisser")


def _status(page):
    return page.inner_text("#etat")


def _wait_sent(page, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if "en attente" not in _status(page):
            return time.monotonic()
        time.sleep(0.2)
    raise AssertionError(f"still waiting: {_status(page)}")


def _rows(biz, key):
    biz.forget()
    return biz.load([key]).rows(key)


def test_offline_sales_an_expense_and_a_payment_reach_the_books_once(shop):
    base, biz, ids = shop
    with _offline_counter(base) as (context, page):
        page.reload()  # reopened with no network: the service worker serves the counter
        page.wait_for_selector("[data-article]")
        assert "Hors ligne" in _status(page)
        _sell(page, "Coca", 2)
        _sell(page, "Pain")
        _sell(page, "Coca")
        page.click("#onglets >> text=Dépense")
        page.fill("#dep-montant", "2.500")
        page.select_option("#dep-cat", "Fournitures")
        page.fill("#dep-desc", "Sachets")
        page.click("section[data-panneau=depense] button")
        page.click("#onglets >> text=Paiement")
        page.select_option("#pay-prest", index=1)
        page.fill("#pay-montant", "10000")
        page.click("section[data-panneau=paiement] button")
        page.wait_for_function("document.getElementById('etat').textContent.includes('5 opérations en attente')")
        page.screenshot(path=str(ARTIFACTS / "hors-ligne-5-en-attente.png"), full_page=True)
        assert not [r for r in _rows(biz, "caisse") if r["type"] in ("Vente", "Dépense")]
        cache_bytes = page.evaluate("""async () => { let n = 0; for (const k of await caches.keys()) {
            const c = await caches.open(k); for (const r of await c.keys()) { n += (await (await c.match(r)).arrayBuffer()).byteLength; } }
            return n; }""")
        start = time.monotonic()
        _back_online(context, page)
        synced = _wait_sent(page) - start
        page.screenshot(path=str(ARTIFACTS / "en-ligne-tout-envoye.png"), full_page=True)
        print(f"\nBENCH offline cache_bytes={cache_bytes} reconnect_to_synced_ms={synced * 1000:.0f} actions=5")
        caisse = _rows(biz, "caisse")
        sales = [r for r in caisse if r["type"] == "Vente"]
        assert sorted(r["amount"] for r in sales) == [Decimal(250), Decimal(500), Decimal(1000)]
        assert [r["amount"] for r in caisse if r["type"] == "Dépense"] == [Decimal(2500)]
        assert [r["amount"] for r in caisse if r["type"] == "Encaissement"] == [Decimal(10000)]
        journal = [j for j in _rows(biz, "journal") if j["row"] in {r.id for r in caisse}]
        assert len([j for j in journal if "saisi hors ligne" in str(j["changes"])]) == 5
        assert all(r["receipt"] for r in sales)
        assert page.locator("#file a", has_text="Reçu").count() == 4  # 3 sales and the payment


def test_lost_answers_are_replayed_without_doubles(shop):
    base, biz, ids = shop
    with _offline_counter(base) as (context, page):
        _sell(page, "Coca")
        _sell(page, "Pain")
        lost = {"n": 0}

        def lose_answer(route):
            route.fetch()  # the server runs the action …
            if lost["n"] < 2:
                lost["n"] += 1
                route.abort("connectionreset")  # … and its answer is lost
            else:
                route.continue_()

        page.route("**/comptoir/envoyer", lose_answer)
        _back_online(context, page)
        page.wait_for_timeout(1500)
        page.evaluate("window.dispatchEvent(new Event('online'))")  # the retry (every 30 s, or when back online)
        _wait_sent(page)
        sales = [r for r in _rows(biz, "caisse") if r["type"] == "Vente"]
        assert len(sales) == 2 and lost["n"] == 2
        assert "déjà reçue" in page.inner_text("#file")


def test_an_article_sold_out_meanwhile_is_refused_and_the_message_stays(shop):
    base, biz, ids = shop
    with _offline_counter(base) as (context, page):
        _sell(page, "Coca", 3)
        biz.quick_sale([(ids["Coca"], 9)], "Awa")  # sold at the other till meanwhile: 1 left
        _back_online(context, page)
        _wait_sent(page)
        text = page.inner_text("#file")
        assert "refusée" in text and "Stock insuffisant" in text
        page.reload()
        page.wait_for_selector("#file li")
        assert "Stock insuffisant" in page.inner_text("#file")  # kept on the device


def test_a_session_revoked_while_offline_keeps_the_action_and_says_so(shop):
    base, biz, ids = shop
    with _offline_counter(base) as (context, page):
        _sell(page, "Pain")
        for key, doc in biz.state.list("sessions"):
            sessions.close_session(biz.state, doc.get("token") or key)
        for key, _doc in biz.state.list("sessions"):
            biz.state.delete("sessions", key)
        _back_online(context, page)
        page.wait_for_function("document.getElementById('message').textContent.includes('Session terminée')")
        page.wait_for_function("document.getElementById('etat').textContent.includes('1 opération en attente')")
        assert not [r for r in _rows(biz, "caisse") if r["type"] == "Vente"]


def test_reopened_offline_the_counter_asks_for_the_pin_and_wipes_its_copy_after_five_wrong_ones(shop):
    base, biz, ids = shop
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            context, page = _counter(browser, base)
            page.goto(base + "/parametres")
            page.fill("#pin", "4071")
            page.fill("#pin2", "4071")
            page.click("text=Enregistrer le code PIN")
            page.wait_for_function("document.body.textContent.includes('Code PIN enregistré')")
            page.goto(base + "/comptoir")  # online: the PIN the server accepted is kept for offline
            page.wait_for_selector("[data-article]")
            page.wait_for_timeout(500)
            context.set_offline(True)
            # the counter was last opened more than 5 minutes ago
            page.evaluate("""() => new Promise((ok) => { const o = indexedDB.open('ttr-comptoir', 1);
                o.onsuccess = () => { const t = o.result.transaction('meta', 'readwrite');
                t.objectStore('meta').put(Date.now() - 3600 * 1000, 'ouvert'); t.oncomplete = ok; }; })""")
            page.reload()
            page.wait_for_selector("#verrou:not([hidden])")
            page.screenshot(path=str(ARTIFACTS / "verrou-pin-hors-ligne.png"), full_page=True)
            page.fill("#verrou-pin", "1234")
            page.click("#verrou-form button")
            page.wait_for_function("document.getElementById('verrou-erreur').textContent.includes('incorrect')")
            page.fill("#verrou-pin", "4071")
            page.click("#verrou-form button")
            page.wait_for_selector("#verrou", state="hidden")
            _sell(page, "Coca")  # unlocked: selling works offline
            page.wait_for_function("document.getElementById('etat').textContent.includes('1 opération en attente')")
            page.evaluate("""() => new Promise((ok) => { const o = indexedDB.open('ttr-comptoir', 1);
                o.onsuccess = () => { const t = o.result.transaction('meta', 'readwrite');
                t.objectStore('meta').put(0, 'ouvert'); t.oncomplete = ok; }; })""")
            page.reload()
            page.wait_for_selector("#verrou:not([hidden])")
            for _ in range(5):
                page.fill("#verrou-pin", "0000")
                page.click("#verrou-form button")
                page.wait_for_timeout(700)
            assert "Trop d'essais" in page.inner_text("#verrou-erreur")
            assert page.evaluate("""() => new Promise((ok) => { const o = indexedDB.open('ttr-comptoir', 1);
                o.onsuccess = () => { const r = o.result.transaction('copie').objectStore('copie').get('donnees');
                r.onsuccess = () => ok(r.result === undefined); }; })""")
        finally:
            browser.close()


def test_logout_with_unsent_operations_warns_then_wipes_the_device(shop):
    base, biz, ids = shop
    with _offline_counter(base) as (context, page):
        _sell(page, "Pain")
        page.wait_for_function("document.getElementById('etat').textContent.includes('1 opération en attente')")
        context.set_offline(False)
        page.route("**/comptoir/envoyer", lambda route: route.abort("connectionreset"))  # still not sent
        page.goto(base + "/")
        dialogs = []

        def dismiss(dialog):
            dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", dismiss)
        page.click("text=Déconnexion")
        page.wait_for_timeout(800)
        assert dialogs and "1 opération(s) saisie(s) hors ligne" in dialogs[0]
        assert "/connexion" not in page.url  # dismissed: still logged in, nothing lost
        page.remove_listener("dialog", dismiss)
        page.on("dialog", lambda d: d.accept())
        page.click("text=Déconnexion")
        page.wait_for_url("**/connexion**")
        names = page.evaluate("() => indexedDB.databases().then((d) => d.map((x) => x.name))")
        assert "ttr-comptoir" not in names
        assert page.evaluate("() => caches.keys()") == []
