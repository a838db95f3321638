"""One quick sale in a fresh process: ``python bench/cold_sale.py WORKBOOK.xlsx STATE.sqlite``.

Prints one line ``ms=<in-process ms> peak_mb=<peak resident MB> state_calls=<n>``; ``bench/run.py`` times the
whole process (interpreter start and imports included) around it.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    t0 = time.perf_counter()
    from bench.measure import CountingState, peak_mb
    from functions.business import Business
    from functions.config import open_backend
    from functions.receipts.hooks import receipt_hook
    from functions.state.sqlite import SQLiteStateStore
    from functions.store.workbook import Workbook

    state = CountingState(SQLiteStateStore(sys.argv[2]))
    backend = open_backend(sys.argv[1])  # as TTR_WORKBOOK opens it (with its cache folder)
    biz = Business(Workbook(backend), state, clock=lambda: datetime(2026, 6, 1, 9, tzinfo=UTC), editor=lambda: "bench")
    biz.change_hooks.append(receipt_hook("http://bench.invalid"))
    biz.quick_sale([("S1", 1), ("S2", 2)], "bench")
    print(f"ms={(time.perf_counter() - t0) * 1000:.1f} peak_mb={peak_mb()} state_calls={state.calls}")


if __name__ == "__main__":
    main()
