"""Server time of the office pages (Caisse, Stock, Journal, Agenda…) on a 10k-row workbook, warm.

The workbook read is cached per instance (``Business.book()``), so a warm page costs the page's own work:
filters, derived balances, pagination and the template. Run: ``python bench/web_pages_office.py [rows]``
(default 10 000 rows in Caisse, Mouvements and Journal). Prints medians in milliseconds (in-process client).
"""

from __future__ import annotations

import random
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

PAGES = ["/caisse", "/caisse?type=Dépense&periode=mois", "/caisse/cloture", "/stock", "/stock?bas=1", "/agenda",
         "/agenda?vue=liste", "/investissements", "/journal", "/journal?action=dépense", "/journal.csv?action=dépense",
         "/manuel", "/parametres/activite"]


def build(rows: int) -> Business:
    rnd = random.Random(7)
    now = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
    biz = Business(Workbook(MemoryBackend()), MemoryStateStore(), clock=lambda: now)
    biz.init({"business_name": "Bench", "currency": "XOF"})
    book = biz.load()
    start = datetime(2025, 1, 1)
    cats = ["Fournitures", "Loyer", "Transport", "Salaires", "Autre"]
    stock = [{"id": f"S{i:04d}", "article": f"Article {i}", "threshold": Decimal(5), "for_sale": "Oui",
              "sale_price": Decimal(500 + i), "purchase_price": Decimal(300)} for i in range(200)]
    caisse = [{"id": f"K{i:06d}", "date": start + timedelta(minutes=63 * i),
               "type": rnd.choice(["Encaissement", "Vente", "Revenu", "Dépense"]), "category": rnd.choice(cats),
               "description": f"Écriture {i}", "amount": Decimal(rnd.randrange(1, 50) * 500)} for i in range(rows)]
    moves = [{"id": f"M{i:06d}", "date": start + timedelta(hours=i), "article_id": stock[i % 200]["id"],
              "quantity": Decimal(rnd.choice([10, -1, -2])), "reason": "Entrée"} for i in range(rows)]
    agenda = [{"id": f"A{i:05d}", "title": f"Tâche {i}", "date": (start + timedelta(days=i % 500)).date(),
               "type": "Tâche", "status": rnd.choice(["À faire", "Fait"]), "reminder": "Aucun"}
              for i in range(rows // 10)]
    invest = [{"id": f"I{i:04d}", "project": f"Projet {i}", "initial": Decimal(100000), "expected_return": Decimal(130000),
               "months": 12 + i % 24, "risk": "Moyen", "status": "Actif"} for i in range(50)]
    journal = [{"time": start + timedelta(minutes=30 * i), "actor": rnd.choice(["Awa", "Kofi", "Ama"]), "source": "app",
                "action": rnd.choice(["dépense", "vente", "modification", "paiement"]), "tab": "Caisse",
                "row": f"K{i:06d}", "changes": f"Montant : {i} ; Statut : En attente → Confirmée", "hash": "x" * 24}
               for i in range(rows)]
    change = Change(appends=[("stock", s) for s in stock] + [("caisse", c) for c in caisse]
                    + [("movements", m) for m in moves] + [("agenda", a) for a in agenda]
                    + [("investments", v) for v in invest] + [("journal", j) for j in journal])
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
    app = create_app(lambda: biz, {"TTR_SECRET_KEY": "k" * 48}, blueprints=["functions.web.office:bp"])
    client = app.test_client()
    import re

    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/connexion").get_data(as_text=True)).group(1)
    assert client.post("/connexion", data={"csrf": csrf, "email": "awa@example.tg",
                                           "password": "motdepasse-awa"}).status_code == 303
    t = time.perf_counter()
    biz.book()
    print(f"workbook: {rows} Caisse, {rows} Mouvements, {rows} Journal, {rows // 10} Agenda rows; "
          f"first full read {1000 * (time.perf_counter() - t):.0f} ms (then cached)")
    for path in PAGES:
        r = client.get(path)
        assert r.status_code == 200, (path, r.status_code)
        times = []
        for _ in range(11):
            t = time.perf_counter()
            client.get(path)
            times.append((time.perf_counter() - t) * 1000)
        print(f"{path:32s} {statistics.median(times):7.1f} ms median   {len(r.data) / 1024:5.1f} KB")


if __name__ == "__main__":
    main()
