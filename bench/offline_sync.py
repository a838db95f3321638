"""Offline counter: what the service worker keeps on the phone, and how long a reconnection takes to send a
queue of actions made without network (headless Chromium at 360 px, a real local server over .xlsx + SQLite).

Run: ``python bench/offline_sync.py [--actions 5,20,50] [--runs 3]``. Prints a table and one ``BENCH`` line per
queue length: ``cache_bytes`` (the service worker's Cache Storage), ``idb_bytes`` (the queue and the copy of the
figures, as JSON), ``ms`` (median time from reconnection to every action sent).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PASSWORD = "motdepasse-kofi"
PHONE = "+22890112233"

CACHE_BYTES = """async () => { let n = 0; for (const k of await caches.keys()) { const c = await caches.open(k);
  for (const r of await c.keys()) { n += (await (await c.match(r)).arrayBuffer()).byteLength; } } return n; }"""
IDB_BYTES = """() => new Promise((ok) => { const o = indexedDB.open('ttr-comptoir', 1); o.onsuccess = () => {
  const d = o.result, t = d.transaction(['copie', 'file'], 'readonly'); let n = 0;
  t.objectStore('copie').getAll().onsuccess = (e) => { n += JSON.stringify(e.target.result).length; };
  t.objectStore('file').getAll().onsuccess = (e) => { n += JSON.stringify(e.target.result).length; };
  t.oncomplete = () => ok(n); }; })"""


def one_run(actions: int) -> tuple[int, int, float]:
    from playwright.sync_api import sync_playwright

    from functions.accounts import users
    from functions.accounts.workspaces import DEFAULT
    from tests.web.conftest import live_app

    with tempfile.TemporaryDirectory() as tmp, live_app(Path(tmp), receipts=True) as (base, biz, _app):
        when = users.Moment(biz.clock().timestamp(), biz.now().isoformat(sep=" "))
        users.create(biz.state, name="Kofi Agbo", phone=PHONE, password=PASSWORD, when=when, workspace=DEFAULT,
                     role="employee")
        biz.state.create("accounts", "setup", {"at": when.local})
        article = biz.add("stock", {"article": "Coca", "unit": "pièce", "for_sale": "Oui", "sale_price": "500"},
                          "Awa")["id"]
        biz.stock_adjust(article, "Entrée", str(actions * 2), "Awa")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            context = browser.new_context(viewport={"width": 360, "height": 740}, bypass_csp=True)
            page = context.new_page()
            page.goto(base + "/connexion/telephone")
            page.fill("#phone", PHONE)
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.goto(base + "/comptoir")
            page.wait_for_function("navigator.serviceWorker.controller !== null || (location.reload(), false)",
                                   timeout=20000)
            page.wait_for_selector("[data-article]")
            context.set_offline(True)
            for _ in range(actions):
                page.click("[data-article]")
                page.click("#encaisser")
            page.wait_for_function(f"document.getElementById('etat').textContent.includes('{actions} opération')")
            cache, idb = page.evaluate(CACHE_BYTES), page.evaluate(IDB_BYTES)
            start = time.perf_counter()
            context.set_offline(False)
            page.evaluate("window.dispatchEvent(new Event('online'))")
            page.wait_for_function("!document.getElementById('etat').textContent.includes('en attente')",
                                   timeout=120000)
            elapsed = time.perf_counter() - start
            browser.close()
        sales = [r for r in biz.load(["caisse"]).rows("caisse") if r["type"] == "Vente"]
        assert len(sales) == actions, f"{len(sales)} ventes pour {actions} opérations"
        return int(cache), int(idb), elapsed


def main() -> None:
    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser()
    parser.add_argument("--actions", default="5,20")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        print("Chromium absent (/usr/bin/chromium) : rien à mesurer.")
        return
    print(f"{'opérations':>10} {'cache SW':>10} {'IndexedDB':>10} {'reconnexion → tout envoyé (médiane)':>36}")
    for n in (int(x) for x in args.actions.split(",")):
        runs = [one_run(n) for _ in range(args.runs)]
        ms = statistics.median(r[2] for r in runs) * 1000
        cache, idb = runs[-1][0], runs[-1][1]
        print(f"{n:>10} {cache / 1024:>8.1f} Ko {idb / 1024:>8.1f} Ko {ms:>33.0f} ms")
        print(f"BENCH backend=xlsx action=offline_sync actions={n} cache_bytes={cache} idb_bytes={idb} ms={ms:.0f}")


if __name__ == "__main__":
    main()
