"""Figures of the accounts: argon2id cost, and a full request (login, an authenticated page) on SQLite state.

Run: ``python bench/accounts_login.py`` — prints medians in milliseconds.
"""

from __future__ import annotations

import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.measure import median_ms as _median_ms  # noqa: E402
from functions.accounts import passwords, users  # noqa: E402
from functions.business import Business  # noqa: E402
from functions.state.sqlite import SQLiteStateStore  # noqa: E402
from functions.store.workbook import Workbook  # noqa: E402
from functions.store.xlsx import XlsxBackend  # noqa: E402
from functions.web.app import create_app  # noqa: E402


def median_ms(fn, n: int = 15) -> float:
    return _median_ms(fn, n)


def main() -> None:
    stored = passwords.hash_password("motdepasse-awa")
    print(f"argon2id hash    : {median_ms(lambda: passwords.hash_password('motdepasse-awa')):7.1f} ms")
    print(f"argon2id verify  : {median_ms(lambda: passwords.verify_password(stored, 'motdepasse-awa')):7.1f} ms")
    with tempfile.TemporaryDirectory() as tmp:
        biz = Business(Workbook(XlsxBackend(Path(tmp) / "w.xlsx")), SQLiteStateStore(Path(tmp) / "s.sqlite"))
        biz.init({"business_name": "Bench"})
        when = users.Moment(biz.clock().timestamp(), biz.now().isoformat(sep=" "))
        users.create(biz.state, name="Awa", email="awa@example.tg", password="motdepasse-awa", when=when,
                     workspace="principal", role="admin")
        biz.state.create("accounts", "setup", {"at": when.local})
        app = create_app(lambda: biz, {"TTR_SECRET_KEY": "b" * 40})
        client = app.test_client()
        times = []
        for _ in range(15):
            token = re.search(r'name="csrf" value="([^"]+)"', client.get("/connexion").get_data(as_text=True))[1]
            t = time.perf_counter()
            r = client.post("/connexion", data={"csrf": token, "email": "awa@example.tg", "password": "motdepasse-awa"})
            times.append((time.perf_counter() - t) * 1000)
            assert r.status_code == 303
        print(f"POST /connexion  : {statistics.median(times):7.1f} ms (xlsx + SQLite, argon2id verify included)")
        print(f"GET /parametres  : {median_ms(lambda: client.get('/parametres')):7.1f} ms (session check + page)")
        print(f"GET /equipe      : {median_ms(lambda: client.get('/equipe')):7.1f} ms")
        print(f"page sizes       : /connexion {len(client.get('/connexion').data)} B, /equipe "
              f"{len(client.get('/equipe').data)} B, /style.css {len(client.get('/style.css').data)} B")


if __name__ == "__main__":
    main()
