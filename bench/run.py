"""Workbook benchmark: what one action costs by workbook size, on ``.xlsx`` or on Google (the local fake).

    python bench/run.py --backend xlsx --sizes 1000,100000
    python bench/run.py --backend gsheets --sizes 10000
    python bench/run.py --backend xlsx --sizes 1000 --repeat 7

Each size builds a workbook whose Clients, Prestations and Caisse tabs (and the Journal) hold that many rows
(Mouvements and Lignes too on Google, as the issue's figures), written in one bulk append with their receipt
links (as an existing workbook holds them), then a first sync takes the baseline. The business is wired with the receipt hook, as every edge wires it. Then, with the median
of ``--repeat`` runs: add a client, a payment, a quick sale of two articles, a status change, an expense, a
page (every tab, past the 20 s cache; the first view after the writes reads, the next ones find the workbook
unchanged), a receipt view, a sync with nothing new, a sync after 100 hand edits,
and on ``.xlsx`` a quick sale in a fresh process (interpreter start included). Besides the table, one line per
measure::

    BENCH backend=xlsx rows=1000 action=quick_sale requests=2 reads=1 writes=1 down=... up=... state_calls=...
    ms=... peak_mb=...

``requests``/``reads``/``writes``/``down``/``up`` are counted at the fake Sheets API's HTTP layer on Google
(bytes as sent), and on ``.xlsx`` as backend calls and file bytes read and written; ``state_calls`` counts the
calls that reach the state store (a lock is two: take and give back); ``peak_mb`` is the process's peak
resident memory so far (the child's for ``quick_sale_cold``).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.measure import CountingState, CountingWsgi, peak_mb  # noqa: E402
from functions.audit import snapshot  # noqa: E402
from functions.audit.journal import GENESIS, Head, chain, journal_key  # noqa: E402
from functions.audit.sync import ID_TABS  # noqa: E402
from functions.business import Business  # noqa: E402
from functions.receipts.hooks import receipt_hook  # noqa: E402
from functions.state.sqlite import SQLiteStateStore  # noqa: E402
from functions.store.backend import AppendRows, UpdateRow  # noqa: E402
from functions.store.workbook import Workbook  # noqa: E402

BASE = "http://bench.invalid"


@dataclass
class Measure:
    action: str
    ms: float
    requests: float = 0
    reads: float = 0
    writes: float = 0
    down: float = 0
    up: float = 0
    state_calls: float = 0
    peak_mb: int = 0


class Traffic:
    """Requests and bytes so far: at the fake's HTTP layer (Google) or the file (``.xlsx``)."""

    def __init__(self, backend: object, wsgi: CountingWsgi | None) -> None:
        self.backend, self.wsgi = backend, wsgi

    def totals(self) -> tuple[int, int, int, int, int]:
        if self.wsgi is not None:
            return self.wsgi.totals()
        req = self.backend.requests  # type: ignore[attr-defined]
        io = getattr(self.backend, "traffic", {"down": 0, "up": 0})
        return req["read"] + req["write"], req["read"], req["write"], io["down"], io["up"]


@contextlib.contextmanager
def open_backend(kind: str, folder: Path) -> Iterator[tuple[object, CountingWsgi | None, Callable[[], object]]]:
    """The bench's backend, the HTTP counter (Google), and how another client (a person's) reaches the same
    workbook: hand edits come through it, so the bench's backend learns of them as it would of a person's."""
    if kind == "xlsx":
        from functions.config import open_backend as product_backend
        from functions.store.xlsx import XlsxBackend

        yield product_backend(str(folder / "bench.xlsx")), None, lambda: XlsxBackend(folder / "bench.xlsx")
        return
    from tests.fakes.sheets_api import FakeSheetsApi
    from tests.store.factory_gsheets import SPREADSHEET_ID, backend_for

    api = FakeSheetsApi(reads_per_minute=10**9, writes_per_minute=10**9)
    counting = CountingWsgi(api.wsgi)
    api.wsgi = counting  # type: ignore[method-assign]  # the server serves the counting app
    with api:
        api.create(SPREADSHEET_ID)
        # The fake validates every body against the discovery document: big bulk writes take a while.
        yield backend_for(api, timeout=(5, 900)), counting, lambda: backend_for(api, timeout=(5, 900))


def build(biz: Business, n: int, ledgers: bool) -> dict[str, str]:
    biz.init({"business_name": "Bench", "currency": "XOF"})
    book = biz.load()
    start = datetime(2026, 1, 1, 8)
    clients = [{"ID": f"C{i:07d}", "Nom": f"Client {i}", "Téléphone": f"+2289{i:07d}"} for i in range(n)]
    prest = [{"ID": f"P{i:07d}", "N°": f"{i:05d}", "Client": f"Client {i}", "Client ID": f"C{i:07d}",
              "Début": (start + timedelta(days=i % 365)).date(), "Statut": "Confirmée",
              "Montant total": Decimal(30000), "Reçu": f"{BASE}/r/benchP{i:020d}"} for i in range(n)]
    caisse = [{"ID": f"K{i:07d}", "Date": start + timedelta(minutes=i), "Type": "Encaissement",
               "Montant": Decimal(10000), "Prestation ID": f"P{i:07d}", "Client ID": f"C{i:07d}",
               "Reçu": f"{BASE}/r/benchK{i:020d}"} for i in range(n)]
    stock = [{"ID": "S1", "Article": "Coca", "À vendre": "Oui", "Prix de vente": Decimal(500)},
             {"ID": "S2", "Article": "Pain", "À vendre": "Oui", "Prix de vente": Decimal(250)}]
    moves = [{"ID": f"M{i}", "Date": start, "Article ID": s, "Quantité": Decimal(10**6), "Motif": "Entrée"}
             for i, s in enumerate(["S1", "S2"])]
    lines: list[dict[str, object]] = []
    if ledgers:  # Mouvements and Lignes at n rows too (an article S3 that the bench never sells)
        stock.append({"ID": "S3", "Article": "Savon", "À vendre": "Oui", "Prix de vente": Decimal(100)})
        moves += [{"ID": f"M{i + 2}", "Date": start + timedelta(minutes=i), "Article ID": "S3",
                   "Quantité": Decimal(1), "Motif": "Entrée"} for i in range(n - 2)]
        lines = [{"ID": f"L{i:07d}", "Prestation ID": f"P{i:07d}", "Article": "Savon", "Article ID": "S3",
                  "Quantité": Decimal(1), "Prix unitaire": Decimal(30000)} for i in range(n)]
    key = journal_key(biz.state)
    jrows = [{"time": start + timedelta(seconds=i), "actor": "bench", "source": "app", "action": "ajout",
              "tab": "Caisse", "row": f"K{i:07d}", "changes": f"Montant : {i}"} for i in range(n)]
    hashes = chain(key, GENESIS, jrows)
    journal = [{"Horodatage": r["time"], "Acteur": r["actor"], "Source": r["source"], "Action": r["action"],
                "Onglet": r["tab"], "Ligne": r["row"], "Changements": r["changes"], "Empreinte": h}
               for r, h in zip(jrows, hashes, strict=True)]
    t = {k: book.title(k) for k in ("clients", "prestations", "caisse", "stock", "movements", "journal", "lines")}
    ops = [AppendRows(t["clients"], tuple(clients)), AppendRows(t["prestations"], tuple(prest)),
           AppendRows(t["caisse"], tuple(caisse)), AppendRows(t["stock"], tuple(stock)),
           AppendRows(t["movements"], tuple(moves)), AppendRows(t["journal"], tuple(journal))]
    if lines:
        ops.append(AppendRows(t["lines"], tuple(lines)))
    biz.workbook.backend.write(ops)
    Head(n, hashes[-1] if hashes else GENESIS).save(biz.state)
    for k in ID_TABS:  # as on an existing workbook: the first sync takes the baseline
        snapshot.drop(biz.state, k)
    biz.sync()
    return t


def hand_edits(person: object, titles: dict[str, str], n: int, count: int = 100) -> None:
    ops = [UpdateRow(titles["clients"], f"C{(i * 7919) % n:07d}", {"Notes": f"modifié {time.time_ns()}"})
           for i in range(min(count, n))]
    person.write(ops)  # type: ignore[attr-defined]


ONLY: set[str] = set()  # --actions: the measures to take (every one when empty)


def measure(name: str, traffic: Traffic, state: CountingState, fn: Callable[[], object], repeat: int,
            before: Callable[[], object] | None = None) -> Measure | None:
    if ONLY and name not in ONLY:
        return None
    runs = []
    for _ in range(repeat):
        if before is not None:
            before()
        t0, c0 = traffic.totals(), state.calls
        start = time.perf_counter()
        fn()
        ms = (time.perf_counter() - start) * 1000
        t1 = traffic.totals()
        runs.append((ms, *(b - a for a, b in zip(t0, t1, strict=True)), state.calls - c0))
    med = [statistics.median(r[i] for r in runs) for i in range(7)]
    return Measure(name, med[0], *med[1:], peak_mb=peak_mb())  # type: ignore[arg-type]


def cold_sale(folder: Path, repeat: int) -> Measure:
    """A quick sale in a fresh interpreter, timed from outside (start-up and imports included)."""
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        out = subprocess.run([sys.executable, str(ROOT / "bench" / "cold_sale.py"), str(folder / "bench.xlsx"),
                              str(folder / "state.sqlite")], capture_output=True, text=True, check=True,
                             cwd=str(ROOT), env={**os.environ, "PYTHONHASHSEED": "0"})
        ms = (time.perf_counter() - start) * 1000
        fields = dict(kv.split("=") for kv in out.stdout.split())
        runs.append((ms, int(fields["peak_mb"]), int(fields["state_calls"])))
    return Measure("quick_sale_cold", statistics.median(r[0] for r in runs), 2, 1, 1,
                   state_calls=statistics.median(r[2] for r in runs), peak_mb=max(r[1] for r in runs))


def run(kind: str, n: int, repeat: int) -> list[Measure]:
    with tempfile.TemporaryDirectory() as tmp, open_backend(kind, Path(tmp)) as (backend, wsgi, other):
        sqlite = SQLiteStateStore(str(Path(tmp) / "state.sqlite"))
        state = CountingState(sqlite)
        clock = {"now": datetime(2026, 6, 1, 9, tzinfo=UTC)}
        biz = Business(Workbook(backend), state, clock=lambda: clock["now"], editor=lambda: "bench")  # type: ignore[arg-type]
        biz.change_hooks.append(receipt_hook(BASE))
        t0 = time.perf_counter()
        titles = build(biz, n, ledgers=kind == "gsheets")
        person = other()
        print(f"  [{kind} {n} rows] built in {time.perf_counter() - t0:.1f} s", flush=True)
        traffic = Traffic(backend, wsgi)
        i = iter(range(10**6))
        sales: list[str] = []

        def sale() -> None:
            sales.append(str(biz.quick_sale([("S1", 1), ("S2", 2)], "bench")["caisse_id"]))

        def receipt_view() -> None:
            from functions.receipts.web import load_view

            assert load_view(biz, receipt_id, BASE) is not None

        out = [
            measure("add_client", traffic, state, lambda: biz.add("clients", {"name": f"Nouveau {next(i)}"}, "bench"),
                    repeat),
            measure("payment", traffic, state,
                    lambda: biz.record_payment("1000", "bench", prestation_id=f"P{next(i) % n:07d}"), repeat),
            measure("quick_sale", traffic, state, sale, repeat),
            measure("status_change", traffic, state,
                    lambda: biz.set_status(f"P{(n - 1 - next(i)) % n:07d}", "Effectuée", "bench"), repeat),
            measure("expense", traffic, state, lambda: biz.expense("1500", "Fournitures", "bench"), repeat),
            measure("page", traffic, state, lambda: biz.book(max_age=0), repeat),  # past the 20 s cache
        ]
        from functions.receipts import store

        if not sales:  # quick_sale not measured: the receipt view needs one
            sale()
        found = store.for_row(sqlite, "caisse", sales[-1])
        assert found is not None, "the quick sale issued no receipt"
        receipt_id = found.id
        out.append(measure("receipt", traffic, state, receipt_view, repeat))
        out.append(measure("sync_nothing_new", traffic, state, biz.sync, repeat))
        out.append(measure("sync_100_edits", traffic, state, biz.sync, repeat,
                           before=lambda: hand_edits(person, titles, n)))
        if kind == "xlsx":
            sqlite.close()
            if not ONLY or "quick_sale_cold" in ONLY:
                out.append(cold_sale(Path(tmp), max(3, repeat // 2)))
        else:
            sqlite.close()
    return [m for m in out if m is not None]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["xlsx", "gsheets", "all"], default="all")
    parser.add_argument("--sizes", default="")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--actions", default="", help="measures to take, comma-separated (e.g. quick_sale,"
                        "quick_sale_cold); default: all")
    args = parser.parse_args()
    ONLY.update(a for a in args.actions.split(",") if a)
    kinds = ["xlsx", "gsheets"] if args.backend == "all" else [args.backend]
    for kind in kinds:
        sizes = [int(s) for s in args.sizes.split(",") if s] or ([1000, 100000] if kind == "xlsx" else [10000])
        for n in sizes:
            rows = run(kind, n, args.repeat)
            print(f"\n{kind}, {n} rows per tab (median of {args.repeat})")
            print(f"  {'action':18} {'ms':>9} {'req':>4} {'reads':>5} {'writes':>6} {'down':>10} {'up':>9} "
                  f"{'state':>5} {'peak MB':>7}")
            for m in rows:
                print(f"  {m.action:18} {m.ms:9.1f} {m.requests:4.0f} {m.reads:5.0f} {m.writes:6.0f} {m.down:10.0f} "
                      f"{m.up:9.0f} {m.state_calls:5.0f} {m.peak_mb:7d}")
            for m in rows:
                print(f"BENCH backend={kind} rows={n} action={m.action} requests={m.requests:.0f} reads={m.reads:.0f} "
                      f"writes={m.writes:.0f} down={m.down:.0f} up={m.up:.0f} state_calls={m.state_calls:.0f} "
                      f"ms={m.ms:.1f} peak_mb={m.peak_mb}")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
