"""The demo's books as a tester reads them (issue 12 item 6): an opening balance so the cash book never goes
negative, Caisse rows in date order, no negative payment method, one identity per user, Équipe complete."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from functions import demo
from functions.books import closing, ledger
from functions.business import Business
from functions.state.memory import MemoryStateStore
from functions.store.backend import MemoryBackend
from functions.store.workbook import Workbook


@pytest.fixture(scope="module")
def palmier():
    biz = Business(Workbook(MemoryBackend()), MemoryStateStore())
    biz.init({"business_name": "Résidence Le Palmier", "business_type": "Auberge", "currency": "XOF",
              "timezone": "Africa/Lome"})
    demo.fill(biz, today=datetime(2026, 12, 1, 10, tzinfo=UTC))
    return biz


def test_the_demo_cash_book_starts_from_an_opening_balance_and_never_goes_negative(palmier):
    rows = palmier.load(["caisse"]).all_rows("caisse")
    first = min(rows, key=ledger.when)
    assert (first["type"], first["amount"]) == (ledger.OPENING, Decimal(demo.OPENING_BALANCE))
    balances = ledger.running_cash(rows)
    assert min(balances.values()) >= 0


def test_the_demo_caisse_rows_are_in_date_order_so_the_running_balance_reads_down(palmier):
    dates = [ledger.when(r) for r in palmier.load(["caisse"]).all_rows("caisse")]
    assert dates == sorted(dates)


def test_no_payment_method_of_the_demo_closing_is_negative(palmier):
    by_method = closing.expected(palmier.load(["caisse"]).all_rows("caisse")).by_method
    assert by_method.get("Espèces", 0) > 0 and all(v >= 0 for v in by_method.values()), by_method


def test_one_identity_per_user_and_every_actor_in_equipe(palmier):
    book = palmier.load(["journal", "team"])
    actors = Counter(j["actor"] for j in book.all_rows("journal"))
    assert "Afi Lawson (admin)" not in actors and actors[demo.ADMIN] > 0 and actors[demo.STAFF] > 0
    team = {t["name"] for t in book.rows("team")}
    assert demo.STAFF in team  # the admin's account is made by `ttr demo` (tests/test_cli.py)
