"""Time `verify_journal` on a clean Journal of N rows in an .xlsx workbook (cold file, then warm).

    python bench/journal_verify.py 100000
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from functions.audit.journal import GENESIS, Head, chain, journal_key, verify  # noqa: E402
from functions.business import Business  # noqa: E402
from functions.state.sqlite import SQLiteStateStore  # noqa: E402
from functions.store.backend import AppendRows  # noqa: E402
from functions.store.workbook import Workbook  # noqa: E402
from functions.store.xlsx import XlsxBackend  # noqa: E402


def main(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        state = SQLiteStateStore(str(Path(tmp) / "s.sqlite"))
        biz = Business(Workbook(XlsxBackend(Path(tmp) / "j.xlsx")), state)
        biz.init({})
        key = journal_key(state)
        start = datetime(2026, 1, 1, 8)
        rows = [{"time": start + timedelta(seconds=i), "actor": "Awa", "source": "app", "action": "paiement",
                 "tab": "Caisse", "row": f"K{i:07d}", "changes": f"Montant : {i * 5} ; Moyen : Espèces"}
                for i in range(n)]
        hashes = chain(key, GENESIS, rows)
        biz.workbook.backend.write([AppendRows("Journal", tuple(
            {"Horodatage": r["time"], "Acteur": r["actor"], "Source": r["source"], "Action": r["action"],
             "Onglet": r["tab"], "Ligne": r["row"], "Changements": r["changes"], "Empreinte": h}
            for r, h in zip(rows, hashes, strict=True)))])
        Head(n, hashes[-1]).save(state)
        cold = []
        for _ in range(3):
            fresh = Business(Workbook(XlsxBackend(Path(tmp) / "j.xlsx")), state)
            t0 = time.perf_counter()
            assert fresh.verify_journal().ok
            cold.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        typed = [r.values for r in biz.load(["journal"]).all_rows("journal")]
        load = time.perf_counter() - t0
        chain_only = []
        for _ in range(3):
            t0 = time.perf_counter()
            assert verify(key, typed, Head(n, hashes[-1])).ok
            chain_only.append(time.perf_counter() - t0)
        print(f"Journal of {n} rows: verify from the file {statistics.median(cold) * 1000:.0f} ms "
              f"(read + type {load * 1000:.0f} ms), chain check alone {statistics.median(chain_only) * 1000:.0f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
