"""The close keeps every figure, as a property: random small workbooks over two years (payments, partial
payments, refunds, payments on account, cancellations, finished prestations, stock movements, sales and
expenses); closing the first year changes no derived figure of the live workbook and its Journal verifies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from functions.archive import close_year
from functions.archive_read import verify_archives
from functions.books import year_end
from functions.business import Business
from functions.errors import InvalidInputError, TTRError
from functions.state.memory import MemoryStateStore
from functions.store.backend import MemoryBackend
from functions.store.workbook import Workbook
from tests.conftest import Clock

amounts = st.integers(min_value=1, max_value=40).map(lambda n: Decimal(n * 500))
methods = st.sampled_from(["Espèces", "Mobile Money", "Virement"])
operation = st.one_of(
    st.tuples(st.just("prestation"), st.integers(0, 1), amounts, st.sampled_from([None, 0, 1])),
    st.tuples(st.just("pay prestation"), st.integers(0, 9), amounts, methods),
    st.tuples(st.just("pay on account"), st.integers(0, 1), amounts, methods),
    st.tuples(st.just("refund prestation"), st.integers(0, 9), amounts),
    st.tuples(st.just("refund client"), st.integers(0, 1), amounts),
    st.tuples(st.just("cancel"), st.integers(0, 9)),
    st.tuples(st.just("finish"), st.integers(0, 9)),
    st.tuples(st.just("stock in"), st.integers(1, 30)),
    st.tuples(st.just("sale"), st.integers(1, 5), methods),
    st.tuples(st.just("expense"), amounts, methods),
    st.tuples(st.just("later"), st.integers(1, 120)),  # days pass: the workbook spans 2025 and 2026
)


def run(ops: list[tuple]) -> None:
    clock = Clock(datetime(2025, 5, 1, 9, 0, tzinfo=UTC))
    biz = Business(Workbook(MemoryBackend()), MemoryStateStore(), clock=clock, editor=lambda: "Awa (feuille)")
    biz.init({"business_name": "Chez Awa", "business_type": "Auberge", "currency": "XOF"})
    clients = [biz.add("clients", {"name": n}, "Awa")["id"] for n in ("Kofi", "Ama")]
    article = biz.add("stock", {"article": "Coca", "unit": "pièce", "for_sale": "Oui", "sale_price": "500",
                                "purchase_price": "300"}, "Awa")["id"]
    made: list[str] = []
    for op in ops:
        clock.when += timedelta(hours=3)
        kind = op[0]
        pick = made[op[1] % len(made)] if made and kind in ("pay prestation", "refund prestation", "cancel",
                                                              "finish") else None
        try:
            if kind == "prestation":
                paid = None if op[3] is None else op[2] * op[3]
                made.append(biz.add_prestation({"client_id": clients[op[1]], "total": str(op[2])}, "Awa",
                                               paid_now=str(paid) if paid else None)["id"])
            elif kind == "pay prestation" and pick:
                biz.record_payment(str(op[2]), "Awa", prestation_id=pick, method=op[3])
            elif kind == "pay on account":
                biz.record_payment(str(op[2]), "Awa", client_id=clients[op[1]], method=op[3])
            elif kind == "refund prestation" and pick:
                biz.refund(str(op[2]), "Awa", prestation_id=pick, reason="Geste")
            elif kind == "refund client":
                biz.refund(str(op[2]), "Awa", client_id=clients[op[1]], reason="Geste")
            elif kind == "cancel" and pick:
                biz.set_status(pick, "Annulée", "Awa")
            elif kind == "finish" and pick:
                biz.set_status(pick, "Terminée", "Awa")
            elif kind == "stock in":
                biz.stock_adjust(article, "Entrée", str(op[1]), "Awa")
            elif kind == "sale":
                biz.quick_sale([(article, op[1])], "Awa", method=op[2])
            elif kind == "expense":
                biz.expense(str(op[1]), "Transport", "Awa", method=op[2])
            elif kind == "later":
                clock.when += timedelta(days=op[1])
        except TTRError:
            pass  # refused (beyond a balance, out of stock…): nothing was written
    clock.when = max(clock.when, datetime(2026, 1, 2, 8, 0, tzinfo=UTC)) + timedelta(days=1)
    before = year_end.figures(biz.load())
    archive = MemoryBackend()
    try:
        close_year(biz, 2025, lambda: archive, "ttr-2025.xlsx")
    except InvalidInputError as exc:  # nothing dated 2025 at all: fine, and nothing changed
        assert "Rien à clôturer" in exc.message
        return
    biz.forget()
    after = year_end.figures(biz.load())
    assert year_end.differences(before, after) == []
    verdict = biz.verify_journal()
    assert verdict.ok, verdict.message
    assert verify_archives(biz, lambda spec: archive).ok
    biz.expense("500", "Transport", "Awa")  # the books go on after the close
    assert biz.verify_journal().ok


@settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(operation, min_size=4, max_size=20))
def test_closing_the_first_year_keeps_every_live_figure(ops):
    run(ops)
