"""Micro-benchmark of the .xlsx backend: median ms of one append (3 rows), one update and one full read,
for a workbook of two 12-column tabs of N rows each.  Run: python -m bench.xlsx_micro [N ...]"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from bench.measure import median_ms
from functions.store.backend import AppendRows, ColumnSpec, NumberFormat, TabSpec, UpdateRow
from functions.store.xlsx import XlsxBackend

MONEY = NumberFormat("CURRENCY", '#,##0 "FCFA"')
COLUMNS = (ColumnSpec("ID"), ColumnSpec("Date", number_format=NumberFormat("DATE", "dd/mm/yyyy")),
           *(ColumnSpec(f"Texte {i}") for i in range(1, 7)),
           *(ColumnSpec(f"Montant {i}", number_format=MONEY) for i in range(1, 4)), ColumnSpec("Notes"))
TABS = [TabSpec("Caisse", COLUMNS), TabSpec("Journal", COLUMNS)]


def row(key: str, i: int) -> dict:
    r = {"ID": key, "Date": datetime(2026, 1, 1, 8, 30), "Notes": f"note {i}"}
    r.update({f"Texte {j}": f"texte {i} {j} é" for j in range(1, 7)})
    r.update({f"Montant {j}": Decimal(i * j) for j in range(1, 4)})
    return r


def bench(n: int, repeat: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        b = XlsxBackend(Path(tmp) / "bench.xlsx")
        b.setup(TABS)
        t0 = time.perf_counter()
        for tab in ("Caisse", "Journal"):
            b.write([AppendRows(tab, tuple(row(f"{tab[0]}{i}", i) for i in range(n)), {"Montant 1": MONEY})])
        fill = time.perf_counter() - t0
        size = (Path(tmp) / "bench.xlsx").stat().st_size
        counter = iter(range(10**9))

        def append() -> None:
            k = next(counter)
            b.write([AppendRows("Caisse", tuple(row(f"N{k}-{j}", j) for j in range(3)), {"Montant 1": MONEY})])

        def update() -> None:
            k = next(counter)
            b.write([UpdateRow("Caisse", f"C{n // 2}", {"Notes": f"maj {k}", "Montant 2": Decimal(k)},
                               row_hint=n // 2 + 2)])

        def action() -> None:  # a quick sale: ledger row + Journal row, one file replace
            k = next(counter)
            b.write([AppendRows("Caisse", (row(f"V{k}", k),)), AppendRows("Journal", (row(f"J{k}", k),))])

        print(f"{n:>7} rows/tab ({size / 1e6:.1f} MB, filled in {fill:.1f} s): "
              f"append 3 rows {median_ms(append, repeat):.0f} ms, update {median_ms(update, repeat):.0f} ms, "
              f"sale+journal {median_ms(action, repeat):.0f} ms, read all {median_ms(b.read, repeat):.0f} ms")


if __name__ == "__main__":
    sizes = [int(a) for a in sys.argv[1:]] or [1_000, 10_000, 100_000]
    for size in sizes:
        bench(size, repeat=11 if size <= 10_000 else 5)
