"""Server time of the sales pages (Tableau de bord, Prestations, Clients, a client's profile) on a 10k-row
workbook, warm.

The workbook read is cached per instance (``Business.book()``) and the figures derived from it (balances,
stock, key figures) are cached with that read, so a warm page costs its own filters, pagination and
template. The first hit after a read (figures computed) is printed too. Run:
``python bench/web_pages_sales.py [rows]`` (default 10 000 rows in Clients, Prestations, Caisse and
Journal, 200 articles for sale). Prints medians in milliseconds (in-process client).
"""

from __future__ import annotations

import random
import re
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from functions.accounts import users  # noqa: E402
from functions.accounts.workspaces import DEFAULT  # noqa: E402
from functions.business import Business  # noqa: E402
from functions.state.memory import MemoryStateStore  # noqa: E402
from functions.store.backend import MemoryBackend  # noqa: E402
from functions.store.workbook import Change, Workbook  # noqa: E402
from functions.web.app import create_app  # noqa: E402

PAGES = ["/", "/prestations", "/prestations?impaye=1&statut=Confirm%C3%A9e", "/prestations?q=client+77",
         "/prestations?page=200", "/clients", "/clients?q=client+77", "/clients?solde=1", "/clients/C0000777",
         "/prestations/P0000777", "/prestations/nouvelle", "/prestations/P0000777/modifier"]


def build(rows: int) -> Business:
    rnd = random.Random(7)
    now = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
    biz = Business(Workbook(MemoryBackend()), MemoryStateStore(), clock=lambda: now)
    biz.init({"business_name": "Bench", "business_type": "Hôtel", "currency": "XOF"})
    book = biz.load()
    start = datetime(2025, 6, 1, 8)
    stock = [{"id": f"S{i:04d}", "article": f"Article {i}", "threshold": Decimal(5), "for_sale": "Oui" if i < 24 else "Non",
              "sale_price": Decimal(500 + i)} for i in range(200)]
    clients = [{"id": f"C{i:07d}", "name": f"Client {i}", "phone": f"+2289{i:07d}"} for i in range(rows)]
    prest = [{"id": f"P{i:07d}", "number": f"{i:05d}", "client": f"Client {rnd.randrange(rows)}", "type": "Chambre",
              "start": (start + timedelta(days=i % 300)).date(), "status": rnd.choice(["Confirmée", "Terminée", "En attente"]),
              "total": Decimal(rnd.randrange(2, 30) * 5000)} for i in range(rows)]
    for p in prest:
        p["client_id"] = "C" + f"{int(p['client'].split()[1]):07d}"
    caisse = [{"id": f"K{i:07d}", "date": start + timedelta(minutes=40 * i), "type": "Encaissement",
               "amount": Decimal(5000), "prestation_id": f"P{i:07d}", "client_id": prest[i]["client_id"]}
              for i in range(rows)]
    moves = [{"id": f"M{i:05d}", "date": start, "article_id": s["id"], "quantity": Decimal(rnd.randrange(0, 40)),
              "reason": "Entrée"} for i, s in enumerate(stock)]
    journal = [{"time": start + timedelta(minutes=30 * i), "actor": rnd.choice(["Awa", "Kofi"]), "source": "app",
                "action": "paiement", "tab": "Caisse", "row": f"K{i:07d}", "changes": f"Montant : {i}", "hash": "x" * 24}
               for i in range(rows)]
    change = Change(appends=[("stock", s) for s in stock] + [("clients", c) for c in clients]
                    + [("prestations", p) for p in prest] + [("caisse", c) for c in caisse]
                    + [("movements", m) for m in moves] + [("journal", j) for j in journal])
    biz.workbook.backend.write(biz.workbook.ops(change, book))
    return biz


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    biz = build(rows)
    state = biz.state
    when = users.Moment(biz.clock().timestamp(), biz.now().isoformat(sep=" "))
    users.create(state, name="Awa", email="awa@example.tg", password="motdepasse-awa", when=when,
                 workspace=DEFAULT, role="admin")
    state.create("accounts", "setup", {"at": when.local})
    app = create_app(lambda: biz, {"TTR_SECRET_KEY": "k" * 48}, blueprints=["functions.web.sales:bp"])
    client = app.test_client()
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/connexion").get_data(as_text=True)).group(1)
    assert client.post("/connexion", data={"csrf": csrf, "email": "awa@example.tg",
                                           "password": "motdepasse-awa"}).status_code == 303
    t = time.perf_counter()
    biz.book()
    print(f"workbook: {rows} Clients, {rows} Prestations, {rows} Caisse, {rows} Journal rows, 200 articles; "
          f"first full read {1000 * (time.perf_counter() - t):.0f} ms (then cached)")
    for path in PAGES:
        t = time.perf_counter()
        r = client.get(path)
        first = (time.perf_counter() - t) * 1000
        assert r.status_code == 200, (path, r.status_code)
        times = []
        for _ in range(11):
            t = time.perf_counter()
            client.get(path)
            times.append((time.perf_counter() - t) * 1000)
        print(f"{path:46s} {statistics.median(times):7.1f} ms median  (first {first:6.1f} ms)  {len(r.data) / 1024:5.1f} KB")


if __name__ == "__main__":
    main()
