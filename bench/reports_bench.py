"""Figures of the Rapports: compute + render the page, and each export, at 10k and 100k ledger rows;
and the cold import time of the report entry point (``functions.web.reports`` with what its first page needs).

Run: ``python bench/reports_bench.py [rows ...]`` (default 10 000 and 100 000 Caisse rows, as many
Mouvements, a fifth as many prestations and lines). Prints medians in milliseconds; the workbook is the
in-memory backend, so the figures are the report's own cost (reading an .xlsx is measured by bench/run.py).
Targets (issue 17): page under 300 ms warm at 10k rows; .xlsx export under 2 s at 100k rows.
"""

from __future__ import annotations

import random
import statistics
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.measure import median_ms as _median_ms  # noqa: E402
from functions.business import Business  # noqa: E402
from functions.state.memory import MemoryStateStore  # noqa: E402
from functions.store.backend import MemoryBackend  # noqa: E402
from functions.store.workbook import Change, Workbook  # noqa: E402

TODAY = date(2026, 3, 14)
METHODS = ["Espèces", "Mobile Money", "Carte", "Virement"]


def median_ms(fn, n: int = 5) -> float:
    return _median_ms(fn, n)


def build(rows: int) -> Business:
    rnd = random.Random(17)
    now = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
    biz = Business(Workbook(MemoryBackend()), MemoryStateStore(), clock=lambda: now)
    biz.init({"business_name": "Bench", "business_type": "Auberge", "currency": "XOF", "rooms": "12"})
    book = biz.load()
    start = datetime(2025, 1, 1)
    span = (datetime(2026, 3, 14) - start).total_seconds() / rows
    clients = [{"id": f"C{i:06d}", "name": f"Client {i}"} for i in range(max(1, rows // 10))]
    stock = [{"id": f"S{i:04d}", "article": f"Article {i}", "for_sale": "Oui", "sale_price": Decimal(500 + i),
              "purchase_price": Decimal(300)} for i in range(200)]
    prest = [{"id": f"P{i:06d}", "number": f"{i:05d}", "client": clients[i % len(clients)]["name"],
              "client_id": clients[i % len(clients)]["id"], "type": rnd.choice(["Simple", "Double", "Suite"]),
              "start": (start + timedelta(days=i % 437)).date(), "end": (start + timedelta(days=i % 437 + 2)).date(),
              "status": rnd.choice(["Confirmée", "Terminée", "Annulée"]), "total": Decimal(rnd.randrange(10, 100) * 1000),
              "created_at": start + timedelta(days=i % 437)} for i in range(rows // 5)]
    lines = [{"id": f"L{i:06d}", "prestation_id": prest[i]["id"], "article": "Nuit", "quantity": Decimal(2),
              "unit_price": Decimal(15000)} for i in range(0, len(prest), 2)]
    caisse, moves = [], []
    for i in range(rows):
        kind = rnd.choice(["Encaissement", "Vente", "Revenu", "Dépense", "Dépense", "Remboursement"])
        row = {"id": f"K{i:06d}", "date": start + timedelta(seconds=span * i), "type": kind,
               "category": rnd.choice(["Loyer", "Fournitures", "Salaires", "Transport"]) if kind == "Dépense" else kind,
               "amount": Decimal(rnd.randrange(1, 50) * 500), "method": rnd.choice(METHODS)}
        if kind in ("Encaissement", "Remboursement"):
            row["prestation_id"] = prest[i % len(prest)]["id"]
        caisse.append(row)
        article = stock[i % 200]
        if kind == "Vente":
            moves.append({"id": f"M{i:06d}", "date": row["date"], "article_id": article["id"],
                          "quantity": Decimal(-1), "reason": "Vente", "reference": row["id"]})
        else:
            moves.append({"id": f"M{i:06d}", "date": row["date"], "article_id": article["id"],
                          "quantity": Decimal(3), "reason": "Entrée"})
    change = Change(appends=[("clients", c) for c in clients] + [("stock", s) for s in stock]
                    + [("prestations", p) for p in prest] + [("lines", x) for x in lines]
                    + [("caisse", c) for c in caisse] + [("movements", m) for m in moves])
    biz.workbook.backend.write(biz.workbook.ops(change, book))
    return biz


def page_once(client) -> int:
    r = client.get("/rapports?periode=this_year")
    assert r.status_code == 200, r.status_code
    return len(r.data)


def cold_import() -> float:
    code = ("import time; t = time.perf_counter(); import functions.web.reports, functions.reports.figures, "
            "functions.reports.view; functions.reports.frames.pd(); print((time.perf_counter() - t) * 1000)")
    runs = [float(subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                                 check=True).stdout) for _ in range(3)]
    return statistics.median(runs)


def run(rows: int) -> None:
    from functions.reports import exports, figures, periods, view
    from functions.web.app import create_app
    from tests.conftest import Clock
    from tests.web.conftest import SECRET, Shell

    biz = build(rows)
    book = biz.book(max_age=1e9)
    p = periods.period("this_year", TODAY)
    print(f"\n{rows} Caisse rows, {rows} Mouvements, {rows // 5} prestations, {rows // 10} clients")
    print(f"compute (this year)            : {median_ms(lambda: figures.compute(book, p, TODAY)):8.1f} ms")
    year = figures.compute(book, p, TODAY)
    print(f"charts + tables (render)       : {median_ms(lambda: (view.svgs(year), view.tables(year, 15))):8.1f} ms")
    shell = Shell(biz, Clock(datetime(2026, 3, 14, 9, 30, tzinfo=UTC)))
    shell.app = create_app(lambda: biz, {"TTR_SECRET_KEY": SECRET}, blueprints=["functions.web.reports:bp"])
    client = shell.login_admin()
    size = page_once(client)
    print(f"page /rapports this year (warm): {median_ms(lambda: page_once(client)):8.1f} ms, {size / 1024:.0f} KB")
    for fmt in ("xlsx", "csv", "pdf"):
        data = exports.export(year, fmt)
        print(f"export {fmt:4s} (this year)       : {median_ms(lambda fmt=fmt: exports.export(year, fmt), 3):8.1f} ms, "
              f"{len(data) / 1024:.0f} KB")


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [10_000, 100_000]
    print(f"cold import of the report entry point (with pandas): {cold_import():8.1f} ms")
    for rows in sizes:
        run(rows)


if __name__ == "__main__":
    main()
