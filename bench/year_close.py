"""Clôture d'exercice benchmark on ``.xlsx``: an action and a sync on a 3-year workbook before and after closing
two years (the ratio), and the time of the close itself.

    python bench/year_close.py                       # 3 years of 5 000 settled prestations (+ payments, Journal)
    python bench/year_close.py --per-year 20000 --close-rows 100000

Each year holds ``--per-year`` settled prestations (Terminée, paid in full), as many Caisse payments and Journal
rows (a valid chain), and sales; the clock stands in June of the third year. ``--close-rows`` times, on its own
workbook, the close of one year of that many rows per tab (Prestations, Caisse, Journal). Prints ``BENCH`` lines
(``BENCH <name> <value> <unit>``) and a table.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.measure import median_ms  # noqa: E402
from functions.archive import archive_path, close_year  # noqa: E402
from functions.audit import snapshot  # noqa: E402
from functions.audit.journal import GENESIS, Head, chain, journal_key  # noqa: E402
from functions.audit.sync import ID_TABS  # noqa: E402
from functions.business import Business  # noqa: E402
from functions.state.sqlite import SQLiteStateStore  # noqa: E402
from functions.store.backend import AppendRows  # noqa: E402
from functions.store.workbook import Workbook  # noqa: E402
from functions.store.xlsx import XlsxBackend  # noqa: E402


def build(biz: Business, years: list[int], per_year: int) -> None:
    """Settled prestations with their payments and Journal rows, ``per_year`` of each per year."""
    biz.init({"business_name": "Bench", "currency": "XOF"})
    book = biz.load()
    clients = [{"ID": f"C{i:05d}", "Nom": f"Client {i}"} for i in range(200)]
    prest, caisse, jrows = [], [], []
    for year in years:
        start = datetime(year, 1, 1, 8)
        step = timedelta(minutes=max(1, 364 * 24 * 60 // max(per_year, 1)))
        for i in range(per_year):
            when = start + step * i
            pid, cid = f"P{year}{i:06d}", f"C{i % 200:05d}"
            prest.append({"ID": pid, "N°": f"{year}-{i:06d}", "Client": f"Client {i % 200}", "Client ID": cid,
                          "Début": when.date(), "Fin": when.date(), "Statut": "Terminée",
                          "Montant total": Decimal(10000)})
            caisse.append({"ID": f"K{year}{i:06d}", "Date": when, "Type": "Encaissement", "Montant": Decimal(10000),
                           "Moyen": "Espèces" if i % 3 else "Mobile Money", "Prestation ID": pid, "Client ID": cid})
            jrows.append({"time": when, "actor": "bench", "source": "app", "action": "ajout", "tab": "Caisse",
                          "row": f"K{year}{i:06d}", "changes": f"Montant : {i}"})
    stock = [{"ID": "S1", "Article": "Coca", "À vendre": "Oui", "Prix de vente": Decimal(500)}]
    moves = [{"ID": "M1", "Date": datetime(years[0], 1, 1, 8), "Article ID": "S1", "Quantité": Decimal(10**6),
              "Motif": "Entrée"}]
    hashes = chain(journal_key(biz.state), GENESIS, jrows)
    journal = [{"Horodatage": r["time"], "Acteur": r["actor"], "Source": r["source"], "Action": r["action"],
                "Onglet": r["tab"], "Ligne": r["row"], "Changements": r["changes"], "Empreinte": h}
               for r, h in zip(jrows, hashes, strict=True)]
    t = {k: book.title(k) for k in ("clients", "prestations", "caisse", "stock", "movements", "journal")}
    biz.workbook.backend.write([
        AppendRows(t["clients"], tuple(clients)), AppendRows(t["prestations"], tuple(prest)),
        AppendRows(t["caisse"], tuple(caisse)), AppendRows(t["stock"], tuple(stock)),
        AppendRows(t["movements"], tuple(moves)), AppendRows(t["journal"], tuple(journal)),
    ])
    Head(len(hashes), hashes[-1] if hashes else GENESIS).save(biz.state)
    for k in ID_TABS:  # as on an existing workbook: the first sync takes the baseline
        snapshot.drop(biz.state, k)
    biz.sync()


ms = median_ms  # (fn, repeat)


def business(folder: Path, when: datetime) -> tuple[Business, SQLiteStateStore]:
    state = SQLiteStateStore(str(folder / "state.sqlite"))
    return Business(Workbook(XlsxBackend(folder / "bench.xlsx")), state, clock=lambda: when,
                    editor=lambda: "bench"), state


def close(biz: Business, folder: Path, year: int) -> float:
    target = archive_path(folder / "bench.xlsx", year)
    t0 = time.perf_counter()
    close_year(biz, year, lambda: XlsxBackend(target), target.name, spec=str(target))
    return time.perf_counter() - t0


def before_after(per_year: int, repeat: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        biz, state = business(folder, datetime(2026, 6, 1, 9, tzinfo=UTC))
        t0 = time.perf_counter()
        build(biz, [2024, 2025, 2026], per_year)
        print(f"  built 3 × {per_year} rows per tab in {time.perf_counter() - t0:.1f} s", flush=True)
        sale = lambda: biz.quick_sale([("S1", 1)], "bench")  # noqa: E731
        rows: list[tuple[str, float, float]] = []
        before = {"quick sale": ms(sale, repeat), "sync, nothing new": ms(biz.sync, repeat)}
        closes = {year: close(biz, folder, year) for year in (2024, 2025)}
        after = {"quick sale": ms(sale, repeat), "sync, nothing new": ms(biz.sync, repeat)}
        assert biz.verify_journal().ok
        for name in before:
            rows.append((name, before[name], after[name]))
            key = name.split(",")[0].replace(" ", "_")
            print(f"BENCH year_close.{key}.before_ms {before[name]:.1f} ms")
            print(f"BENCH year_close.{key}.after_ms {after[name]:.1f} ms")
            print(f"BENCH year_close.{key}.ratio {before[name] / after[name]:.2f} x")
        for year, seconds in closes.items():
            print(f"BENCH year_close.close_{year}_s {seconds:.2f} s ({per_year} rows per tab moved)")
        print(f"\n3 years of {per_year} rows per tab, closing 2024 and 2025 (median of {repeat})")
        print(f"  {'action':20} {'before ms':>10} {'after ms':>10} {'ratio':>6}")
        for name, b, a in rows:
            print(f"  {name:20} {b:10.1f} {a:10.1f} {b / a:6.2f}")
        state.close()


def close_only(rows: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        biz, state = business(folder, datetime(2026, 3, 1, 9, tzinfo=UTC))
        t0 = time.perf_counter()
        build(biz, [2025], rows)
        print(f"  built 1 × {rows} rows per tab in {time.perf_counter() - t0:.1f} s", flush=True)
        seconds = close(biz, folder, 2025)
        assert biz.verify_journal().ok
        print(f"BENCH year_close.close_{rows}_rows_s {seconds:.2f} s")
        state.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--per-year", type=int, default=5000)
    parser.add_argument("--close-rows", type=int, default=0, help="also time the close of one year of N rows")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    before_after(args.per_year, args.repeat)
    if args.close_rows:
        close_only(args.close_rows)


if __name__ == "__main__":
    main()
