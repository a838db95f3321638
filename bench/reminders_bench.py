"""Benchmark of the reminder run: 10k Agenda items and 1k articles (medians of a few runs).

Prints the time of one run and the Sheets requests it costs (the issue's target: 1 read, at most 1 write;
a run that sends reads twice — once to plan and send outside the workbook lock, once in the action that
records it — so that slow WhatsApp or SMTP calls never hold up a sale), on the in-memory backend and on
the Google Sheets backend against the local fake of the Sheets API v4.

    python bench/reminders_bench.py [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from functions.business import Business  # noqa: E402
from functions.reminders.channels import Channels  # noqa: E402
from functions.reminders.run import run  # noqa: E402
from functions.state.memory import MemoryStateStore  # noqa: E402
from functions.store.backend import MemoryBackend  # noqa: E402
from functions.store.workbook import Workbook  # noqa: E402

TODAY = date(2026, 3, 14)
CHOICES = ["Aucun", "Le jour même", "1 jour avant", "2 jours avant", "3 jours avant", "1 semaine avant"]


def fill(backend, agenda: int = 10_000, articles: int = 1_000) -> None:
    """Rows written straight into the tabs (what years of use leave behind), then one sync."""
    b = Business(Workbook(backend), MemoryStateStore(), clock=lambda: datetime(2026, 3, 14, 9, 30, tzinfo=UTC))
    b.init({"business_name": "Bench", "phone": "90 11 22 33", "currency": "XOF"})
    book = b.load(["agenda", "stock", "movements"])
    wb = b.workbook
    from functions.store.backend import AppendRows

    rows = []
    for i in range(agenda):
        values = {"id": f"A{i:07d}", "title": f"Tâche {i}", "date": TODAY + timedelta(days=(i % 61) - 20),
                  "reminder": CHOICES[i % len(CHOICES)], "status": "À faire" if i % 5 else "Fait",
                  "for": f"+228 9{i % 10} 00 {i % 100:02d} {i % 97:02d}"}
        rows.append(wb.to_cells(wb.schema.tab("agenda"), values, book.codec))
    stock, moves = [], []
    for i in range(articles):
        stock.append(wb.to_cells(wb.schema.tab("stock"), {"id": f"S{i:07d}", "article": f"Article {i}",
                                                          "threshold": Decimal(5)}, book.codec))
        moves.append(wb.to_cells(wb.schema.tab("movements"), {
            "id": f"M{i:07d}", "date": datetime(2026, 1, 1), "article_id": f"S{i:07d}", "article": f"Article {i}",
            "quantity": Decimal(i % 40), "reason": "Entrée"}, book.codec))
    backend.write([AppendRows(book.title("agenda"), tuple(rows)), AppendRows(book.title("stock"), tuple(stock)),
                   AppendRows(book.title("movements"), tuple(moves))])


def measure(make_backend, count_requests, runs: int) -> tuple[float, dict[str, int], int]:
    times, counts, sent = [], {}, 0
    for _ in range(runs):
        backend = make_backend()
        fill(backend)
        b = Business(Workbook(backend), MemoryStateStore(), clock=lambda: datetime(2026, 3, 14, 9, 30, tzinfo=UTC))
        before = count_requests(backend)
        t0 = time.perf_counter()
        summary = run(b, Channels())
        times.append(time.perf_counter() - t0)
        after = count_requests(backend)
        counts = {k: after[k] - before[k] for k in after}
        sent = summary.count("envoyé")
        again = count_requests(backend)
        run(b, Channels())
        assert count_requests(backend) == again, "a completed day must cost no request"
    return statistics.median(times), counts, sent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    median, counts, sent = measure(MemoryBackend, lambda be: dict(be.requests), args.runs)
    print(f"memory backend : {median * 1000:.0f} ms par passage (médiane de {args.runs}), {sent} rappels, "
          f"requêtes {counts}")
    try:
        import random

        import requests

        from functions.store.gsheets import GoogleSheetsBackend
        from tests.fakes.sheets_api import SERVICE_ACCOUNT
        from tests.store.factory_gsheets import fake_api
    except ImportError as exc:  # pragma: no cover - the fake needs google-api-python-client
        print(f"Google fake indisponible : {exc}")
        return
    with tempfile.TemporaryDirectory(), fake_api(reads_per_minute=10_000, writes_per_minute=10_000) as api:
        def make():
            sid = f"1AbCdEfGhIjKlMnOpQrStUvWxYz{time.time_ns() % 10**14:014d}"
            api.create(sid)
            return GoogleSheetsBackend(sid, requests.Session(), base_url=api.url, drive_url=api.url,
                                       sleep=lambda s: None, rng=random.Random(7),
                                       service_account_email=SERVICE_ACCOUNT, timeout=(5, 60))

        def requests_of(backend) -> dict[str, int]:
            calls = [c for c in api.calls() if c.method_id]
            reads = sum(1 for c in calls if c.method_id in ("sheets.spreadsheets.values.batchGet",
                                                            "sheets.spreadsheets.values.get"))
            writes = sum(1 for c in calls if c.method_id in ("sheets.spreadsheets.batchUpdate",
                                                             "sheets.spreadsheets.values.update",
                                                             "sheets.spreadsheets.values.append"))
            meta = sum(1 for c in calls if c.method_id == "sheets.spreadsheets.get")
            return {"read": reads, "write": writes, "metadata": meta}

        median, counts, sent = measure(make, requests_of, args.runs)
        print(f"Google (faux Sheets API) : {median * 1000:.0f} ms par passage (médiane de {args.runs}), {sent} rappels, "
              f"requêtes {counts}")


if __name__ == "__main__":
    main()
