"""What the incremental paths compute equals the full recompute, on random workbooks (hypothesis).

Actions complete only the rows they touch (the running cash balance carried from the earliest new entry on,
only the tabs a command names read, unchanged tabs kept from their zip part's CRC), and a sync with nothing new
reads only the workbook's version. After any sequence of actions, back-dated entries and hand edits, then a sync,
``ttr sync --complet`` (read everything, recompute everything) finds nothing left to write, and every computed
column equals ``derive`` over the whole workbook. The sync after hand edits recomputes only what they reach (a
Caisse row moved in time, a prestation given to another client, a typed balance): the same check holds after it.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from functions.books.derive import computed_updates, derive
from functions.business import Business
from functions.errors import TTRError
from functions.state.memory import MemoryStateStore
from functions.store.workbook import Workbook
from tests.conftest import Clock
from tests.store.factory_xlsx import make

amounts = st.integers(min_value=1, max_value=40).map(lambda n: Decimal(n * 250))
step = st.one_of(
    st.tuples(st.just("sale"), st.integers(0, 1), st.integers(1, 3)),
    st.tuples(st.just("expense"), amounts),
    st.tuples(st.just("revenue"), amounts),
    st.tuples(st.just("pay"), st.integers(0, 1), amounts),
    st.tuples(st.just("back in time"), st.integers(1, 48)),  # hours: later entries dated before earlier ones
    st.tuples(st.just("typed cash"), amounts, st.integers(0, 72)),  # a Caisse row typed by hand, back-dated
    st.tuples(st.just("typed balance"), amounts),  # a hand edit of the computed Solde caisse
    st.tuples(st.just("typed note"), st.integers(0, 1)),
    st.tuples(st.just("moved cash"), st.integers(0, 9), st.integers(-48, 48)),  # a Caisse row's date changed by hand
    st.tuples(st.just("moved prestation"), st.integers(0, 1)),  # the prestation given to another client by hand
    st.tuples(st.just("sync"),),
)


def assert_derived(biz: Business) -> None:
    """Every computed column the sheet holds is what ``derive`` computes over the whole workbook."""
    book = biz.load()
    stale = computed_updates(book, derive(book))
    assert not stale, [(u.tab, u.record.id, u.values) for u in stale]


def assert_complete(biz: Business) -> None:
    assert_derived(biz)
    report = biz.sync(complete=True)
    assert report.writes == 0 and report.journal_rows == 0, report.lines()


def run(steps: list[tuple]) -> None:
    with tempfile.TemporaryDirectory() as tmp, make(Path(tmp)) as (backend, person):
        clock = Clock(datetime(2026, 3, 14, 9, 30, tzinfo=UTC))
        biz = Business(Workbook(backend), MemoryStateStore(), clock=clock, editor=lambda: "Awa (feuille)")
        biz.init({"business_name": "Chez Awa", "business_type": "Boutique", "currency": "XOF"})
        clients = [biz.add("clients", {"name": n}, "Awa")["id"] for n in ("Kofi", "Ama")]
        articles = [biz.submit(_article(n, p), "Awa")["id"] for n, p in (("Coca", 500), ("Pain", 250))]
        prestation = biz.add_prestation({"client_id": clients[0], "total": "30000"}, "Awa")["id"]
        biz.sync()
        edited = False  # a hand edit waits for the sync: until then the sheet may disagree with the ledgers
        for s in steps:
            clock.when += timedelta(minutes=11)
            kind = s[0]
            edited = edited or kind.startswith(("typed", "moved"))  # hand edits
            try:
                if kind == "sale":
                    biz.quick_sale([(articles[s[1]], s[2])], "Awa")
                elif kind == "expense":
                    biz.expense(str(s[1]), "Fournitures", "Awa")
                elif kind == "revenue":
                    biz.revenue(str(s[1]), "Awa", description="Apport")
                elif kind == "pay":
                    biz.record_payment(str(s[2]), "Awa", **({"prestation_id": prestation} if s[1] else
                                                            {"client_id": clients[1]}))
                elif kind == "back in time":
                    clock.when -= timedelta(hours=s[1])
                elif kind == "typed cash":
                    when = biz.now() - timedelta(hours=s[2])
                    person.append_row("Caisse", {"Date": when, "Type": "Revenu", "Montant": int(s[1]),
                                                 "Moyen": "Espèces", "Description": "saisi"})
                elif kind == "typed balance":
                    book = biz.load(["caisse"])
                    if book.all_rows("caisse"):
                        person.set_cell(book.title("caisse"), book.all_rows("caisse")[-1].row, "Solde caisse (par date)",
                                        int(s[1]))
                elif kind == "typed note":
                    book = biz.load(["clients"])
                    person.set_cell(book.title("clients"), book.find("clients", clients[s[1]]).row, "Notes",
                                    f"note {clock.when.isoformat()}")
                elif kind == "moved cash":
                    book = biz.load(["caisse"])
                    rows = book.all_rows("caisse")
                    if rows:
                        r = rows[s[1] % len(rows)]
                        person.set_cell(book.title("caisse"), r.row, "Date", r["date"] + timedelta(hours=s[2]))
                elif kind == "moved prestation":
                    book = biz.load(["prestations"])
                    person.set_cell(book.title("prestations"), book.find("prestations", prestation).row, "Client ID",
                                    clients[s[1]])
                elif kind == "sync":
                    biz.sync()
                    edited = False
            except TTRError:
                pass  # refused (stock short, amount beyond a balance…): nothing was written
            if not edited:  # what each action completed is what the full recompute gives
                assert_derived(biz)
        biz.sync()
        assert_complete(biz)
        assert biz.sync().writes == 0  # and then a sync with nothing new has nothing to do


def _article(name: str, price: int):
    from functions.books.commands import NewArticle

    return NewArticle({"article": name, "for_sale": "Oui", "sale_price": str(price)}, "20")


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(step, min_size=1, max_size=8))
@example([("sale", 0, 1), ("expense", Decimal(500)), ("sync",), ("moved cash", 0, 30), ("sync",)])  # the balances it leaves
@example([("pay", 1, Decimal(5000)), ("sync",), ("moved prestation", 1), ("typed note", 0)])  # both clients' totals
def test_incremental_results_equal_the_full_recompute(steps):
    run(steps)
