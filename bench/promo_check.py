"""Median cost of one POST /promo/check through the blueprint against the local ABT fake over HTTP,
with the SQLite state store (rate-limit bookkeeping included), for a valid and an invalid code.

    python bench/promo_check.py [n]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask  # noqa: E402

from functions.promo.web import bp  # noqa: E402
from functions.state.sqlite import SQLiteStateStore  # noqa: E402
from tests.fakes.abt import FakeAbt  # noqa: E402


def main(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp, FakeAbt("cle-bench").running() as abt:
        store = SQLiteStateStore(Path(tmp) / "s.sqlite")
        app = Flask("bench")
        app.config.update(TTR_BUSINESS=lambda: SimpleNamespace(state=store),
                          TTR_ENV={"ABT_URL": abt.url, "TTR_API_KEY": "cle-bench",
                                   "TTR_PROMO_MAX_FAILS_IP": "100000", "TTR_PROMO_MAX_FAILS_BUSINESS": "100000"})
        app.register_blueprint(bp)
        client = app.test_client()
        for code in ("BIENVENUE", "INCONNU"):
            times = []
            for i in range(n):
                started = time.perf_counter()
                r = client.post("/promo/check", json={"businessId": f"biz-{i}", "promoCode": code})
                times.append(time.perf_counter() - started)
                assert r.status_code == 200
            print(f"check {code:<10} n={n}  médiane {statistics.median(times) * 1000:.2f} ms  "
                  f"p95 {sorted(times)[int(n * 0.95)] * 1000:.2f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
