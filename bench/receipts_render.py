"""Receipt benchmarks: cold import of the entry point, warm page render, PDF render.

Run: ``python bench/receipts_render.py``. Targets (issue 3): warm render < 20 ms, cold import < 300 ms,
and the entry point must not import pandas or openai.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.measure import median_ms  # noqa: E402

PROBE = ("import time, sys; t = time.perf_counter(); import functions.receipts.entry; "
         "print(time.perf_counter() - t, any(m.split('.')[0] in ('pandas', 'openai') for m in sys.modules))")


def cold_import(runs: int = 7) -> tuple[float, bool]:
    times, heavy = [], False
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, check=True)
        seconds, flag = out.stdout.split()
        times.append(float(seconds))
        heavy = heavy or flag == "True"
    return statistics.median(times), heavy


def shop(prestations: int = 200):
    from functions.business import Business
    from functions.receipts.hooks import receipt_hook
    from functions.state.memory import MemoryStateStore
    from functions.store.backend import MemoryBackend
    from functions.store.workbook import Workbook

    biz = Business(Workbook(MemoryBackend()), MemoryStateStore(), clock=lambda: datetime(2026, 3, 14, 9, 30, tzinfo=UTC))
    biz.init({"business_name": "Résidence Le Palmier", "business_type": "Auberge", "currency": "XOF",
              "address": "Boulevard du 13 Janvier, Lomé"})
    biz.change_hooks.append(receipt_hook("https://recus.example.test"))
    kofi = biz.add("clients", {"name": "Kofi Mensah", "phone": "+22890112233"}, "Awa")["id"]
    last = ""
    for i in range(prestations):
        last = biz.add_prestation({"client_id": kofi, "type": "Chambre"}, "Awa", paid_now="10000",
                                  lines=[{"article": "Chambre double", "quantity": "2", "unit_price": "25000"},
                                         {"article": "Petit-déjeuner", "quantity": str(1 + i % 3), "unit_price": "2500"}])["id"]
    return biz, last




def main() -> None:
    seconds, heavy = cold_import()
    print(f"cold import functions.receipts.entry: median {seconds * 1000:.0f} ms (target < 300 ms); "
          f"pandas/openai imported: {heavy}")
    from functions.receipts import store
    from functions.receipts.entry import create_app
    from functions.receipts.pdf import render_pdf
    from functions.receipts.render import book_keys, view
    from functions.receipts.web import render_page

    n = int(os.environ.get("BENCH_PRESTATIONS", "200"))
    biz, pid = shop(n)
    receipt = store.for_row(biz.state, "prestations", pid)
    url = store.link("https://recus.example.test", receipt.id)
    book = biz.load(book_keys(receipt.kind))
    data = view(book, receipt, url)
    render_page(data)
    print(f"workbook: {n} prestations, {2 * n} lines, {n} Caisse rows")
    print(f"warm render (view + template, book in memory): median "
          f"{median_ms(lambda: render_page(view(book, receipt, url)), 200):.2f} ms (target < 20 ms)")
    client = create_app(lambda: biz, {"TTR_PUBLIC_URL": "https://recus.example.test"}).test_client()
    path = "/r/" + receipt.id
    assert client.get(path).status_code == 200
    print(f"warm GET /r/<id> (state lookup + one workbook read + render): median "
          f"{median_ms(lambda: client.get(path), 100):.2f} ms")
    from functions.receipts.hooks import issue
    from functions.store.workbook import Change

    full = biz.load(["prestations", "caisse"])
    print(f"change hook on a sync with nothing new ({2 * n} rows with links): median "
          f"{median_ms(lambda: issue(biz, full, Change(), 'https://recus.example.test'), 50):.2f} ms")
    for fmt in ("a4", "80mm", "58mm"):
        print(f"PDF {fmt}: median {median_ms(lambda f=fmt: render_pdf(data, f), 20):.1f} ms")


if __name__ == "__main__":
    main()
