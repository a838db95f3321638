"""Workbook benchmark: Sheets requests per action, and wall time of one action and of a sync by size.

    python bench/run.py                      # xlsx at 1k, 10k, 100k rows; Google fake at 1k, 10k
    python bench/run.py --backend xlsx --sizes 1000,10000 --repeat 5

Each size builds a workbook whose Clients, Prestations and Caisse tabs hold that many rows (written in
one bulk append, then a first sync takes the baseline), then times, with the median of --repeat runs:
add a client, record a payment, a quick sale of two articles, a status change, a sync with nothing new
and a sync after 100 hand edits. It also times `verify_journal` on a Journal of that many rows.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from functions.audit import snapshot  # noqa: E402
from functions.audit.journal import GENESIS, Head, chain, journal_key  # noqa: E402
from functions.audit.sync import ID_TABS  # noqa: E402
from functions.business import Business  # noqa: E402
from functions.state.sqlite import SQLiteStateStore  # noqa: E402
from functions.store.backend import AppendRows, UpdateRow  # noqa: E402
from functions.store.workbook import Workbook  # noqa: E402


@contextlib.contextmanager
def open_backend(kind: str, folder: Path) -> Iterator[object]:
    if kind == "xlsx":
        from functions.store.xlsx import XlsxBackend

        yield XlsxBackend(folder / "bench.xlsx")
        return
    from tests.store.factory_gsheets import backend_for, fake_api

    # The fake validates every body against the discovery document: big bulk writes take a while.
    with fake_api(reads_per_minute=10**9, writes_per_minute=10**9) as api:
        yield backend_for(api, timeout=(5, 900))


def build(biz: Business, n: int) -> dict[str, str]:
    biz.init({"business_name": "Bench", "currency": "XOF"})
    book = biz.load()
    start = datetime(2026, 1, 1, 8)
    clients = [{"ID": f"C{i:07d}", "Nom": f"Client {i}", "Téléphone": f"+2289{i:07d}"} for i in range(n)]
    prest = [{"ID": f"P{i:07d}", "N°": f"{i:05d}", "Client": f"Client {i}", "Client ID": f"C{i:07d}",
              "Début": (start + timedelta(days=i % 365)).date(), "Statut": "Confirmée",
              "Montant total": Decimal(30000)} for i in range(n)]
    caisse = [{"ID": f"K{i:07d}", "Date": start + timedelta(minutes=i), "Type": "Encaissement",
               "Montant": Decimal(10000), "Prestation ID": f"P{i:07d}", "Client ID": f"C{i:07d}"} for i in range(n)]
    stock = [{"ID": "S1", "Article": "Coca", "À vendre": "Oui", "Prix de vente": Decimal(500)},
             {"ID": "S2", "Article": "Pain", "À vendre": "Oui", "Prix de vente": Decimal(250)}]
    moves = [{"ID": f"M{i}", "Date": start, "Article ID": s, "Quantité": Decimal(10**6), "Motif": "Entrée"}
             for i, s in enumerate(["S1", "S2"])]
    key = journal_key(biz.state)
    jrows = [{"time": start + timedelta(seconds=i), "actor": "bench", "source": "app", "action": "ajout",
              "tab": "Caisse", "row": f"K{i:07d}", "changes": f"Montant : {i}"} for i in range(n)]
    hashes = chain(key, GENESIS, jrows)
    journal = [{"Horodatage": r["time"], "Acteur": r["actor"], "Source": r["source"], "Action": r["action"],
                "Onglet": r["tab"], "Ligne": r["row"], "Changements": r["changes"], "Empreinte": h}
               for r, h in zip(jrows, hashes, strict=True)]
    t = {k: book.title(k) for k in ("clients", "prestations", "caisse", "stock", "movements", "journal")}
    biz.workbook.backend.write([
        AppendRows(t["clients"], tuple(clients)), AppendRows(t["prestations"], tuple(prest)),
        AppendRows(t["caisse"], tuple(caisse)), AppendRows(t["stock"], tuple(stock)),
        AppendRows(t["movements"], tuple(moves)), AppendRows(t["journal"], tuple(journal)),
    ])
    Head(n, hashes[-1] if hashes else GENESIS).save(biz.state)
    for k in ID_TABS:  # as on an existing workbook: the first sync takes the baseline
        snapshot.drop(biz.state, k)
    biz.sync()
    return t


def timed(backend: object, fn: Callable[[], object]) -> tuple[float, int, int]:
    before = dict(backend.requests)  # type: ignore[attr-defined]
    t0 = time.perf_counter()
    fn()
    ms = (time.perf_counter() - t0) * 1000
    after = backend.requests  # type: ignore[attr-defined]
    return ms, after["read"] - before.get("read", 0), after["write"] - before.get("write", 0)


def hand_edits(biz: Business, titles: dict[str, str], n: int, count: int = 100) -> None:
    backend = biz.workbook.backend
    ops = [UpdateRow(titles["clients"], f"C{(i * 7919) % n:07d}", {"Notes": f"modifié {time.time_ns()}"})
           for i in range(min(count, n))]
    backend.write(ops)


def run(kind: str, n: int, repeat: int) -> list[tuple[str, float, float, float]]:
    out = []
    with tempfile.TemporaryDirectory() as tmp, open_backend(kind, Path(tmp)) as backend:
        state = SQLiteStateStore(str(Path(tmp) / "state.sqlite"))
        clock = {"now": datetime(2026, 6, 1, 9, tzinfo=UTC)}
        biz = Business(Workbook(backend), state, clock=lambda: clock["now"], editor=lambda: "bench")  # type: ignore[arg-type]
        t0 = time.perf_counter()
        titles = build(biz, n)
        print(f"  [{kind} {n} rows] built in {time.perf_counter() - t0:.1f} s", flush=True)
        i = iter(range(10**6))
        actions: dict[str, Callable[[], object]] = {
            "add client": lambda: biz.add("clients", {"name": f"Nouveau {next(i)}"}, "bench"),
            "payment": lambda: biz.record_payment("1000", "bench", prestation_id=f"P{next(i) % n:07d}"),
            "quick sale (2 articles)": lambda: biz.quick_sale([("S1", 1), ("S2", 2)], "bench"),
            "status change": lambda: biz.set_status(f"P{(n - 1 - next(i)) % n:07d}", "Effectuée", "bench"),
            "sync, nothing new": biz.sync,
        }
        for name, fn in actions.items():
            runs = [timed(backend, fn) for _ in range(repeat)]
            out.append((name, statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs),
                        statistics.median(r[2] for r in runs)))
        runs = []
        for _ in range(repeat):
            hand_edits(biz, titles, n)
            runs.append(timed(backend, biz.sync))
        out.append(("sync after 100 hand edits", statistics.median(r[0] for r in runs),
                    statistics.median(r[1] for r in runs), statistics.median(r[2] for r in runs)))
        runs = [timed(backend, lambda: _check(biz.verify_journal())) for _ in range(repeat)]
        out.append((f"audit verify (Journal ≈{n} rows)", statistics.median(r[0] for r in runs),
                    statistics.median(r[1] for r in runs), statistics.median(r[2] for r in runs)))
        state.close()
    return out


def _check(verdict: object) -> None:
    assert getattr(verdict, "ok", False), getattr(verdict, "message", verdict)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["xlsx", "gsheets", "all"], default="all")
    parser.add_argument("--sizes", default="")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    kinds = ["xlsx", "gsheets"] if args.backend == "all" else [args.backend]
    for kind in kinds:
        sizes = [int(s) for s in args.sizes.split(",") if s] or ([1000, 10000, 100000] if kind == "xlsx"
                                                                 else [1000, 10000])
        for n in sizes:
            rows = run(kind, n, args.repeat)
            print(f"\n{kind}, {n} rows per tab (median of {args.repeat})")
            print(f"  {'action':32} {'ms':>9} {'reads':>6} {'writes':>7}")
            for name, ms, reads, writes in rows:
                print(f"  {name:32} {ms:9.1f} {reads:6.0f} {writes:7.0f}")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
