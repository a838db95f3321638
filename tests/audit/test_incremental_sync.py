"""The sync recomputes only what hand edits reach, and that equals the full recompute (``ttr sync --complet``).

On random workbooks (payments on prestations and on account, expenses, back-dated entries) and random hand edits
(a Caisse row's date, amount or prestation changed, a prestation moved to another client, cancelled or re-priced,
computed cells typed over, rows typed or deleted, a note), ``plan`` in both modes, with the same ids, gives the same
change: the same rows written, the same Journal, the same dashboard; and the allocation rows settled for the clients
the edits reach are those settled for every client.
"""

from __future__ import annotations

import copy
import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from functions.audit import snapshot
from functions.audit.sync import ID_TABS, plan
from functions.books.allocation import settle
from functions.books.quarantine import is_mark
from functions.books.records import Ctx
from functions.business import Business
from functions.state.memory import MemoryStateStore
from functions.store.workbook import Change, Workbook
from tests.conftest import Clock
from tests.store.factory_memory import make

START = datetime(2026, 3, 14, 9, 30)
amounts = st.integers(min_value=1, max_value=80).map(lambda n: n * 250)
index = st.integers(0, 30)
edit = st.one_of(
    st.tuples(st.just("cash date"), index, st.integers(-72, 72)),
    st.tuples(st.just("cash amount"), index, amounts),
    st.tuples(st.just("cash prestation"), index, st.integers(-1, 3)),
    st.tuples(st.just("prestation client"), st.integers(0, 3), st.integers(0, 2)),
    st.tuples(st.just("prestation status"), st.integers(0, 3), st.sampled_from(["Annulée", "Terminée", "Confirmée"])),
    st.tuples(st.just("prestation total"), st.integers(0, 3), amounts),
    st.tuples(st.just("typed computed"), st.sampled_from(["Caisse", "Prestations", "Clients"]), index, amounts),
    st.tuples(st.just("typed payment"), amounts, st.integers(0, 2), st.integers(0, 96)),
    st.tuples(st.just("typed expense"), amounts, st.integers(0, 96)),
    st.tuples(st.just("note"), st.integers(0, 2)),
    st.tuples(st.just("delete"), st.sampled_from(["Caisse", "Prestations", "Clients"]), index),
)


def shop(backend, clock: Clock) -> Business:
    biz = Business(Workbook(backend), MemoryStateStore(), clock=clock, editor=lambda: "Awa (feuille)")
    biz.init({"business_name": "Chez Awa", "business_type": "Boutique", "currency": "XOF"})
    clients = [biz.add("clients", {"name": n}, "Awa")["id"] for n in ("Kofi", "Ama", "Yao")]
    for i, total in enumerate((30000, 20000, 15000, 8000)):
        clock.when += timedelta(minutes=7)
        pid = biz.add_prestation({"client_id": clients[i % 3], "total": str(total)}, "Awa")["id"]
        biz.record_payment(str(total // 2), "Awa", prestation_id=pid)
    for i in range(3):
        clock.when -= timedelta(hours=5)  # entries dated before the ones already written
        biz.record_payment("2000", "Awa", client_id=clients[i])  # on account: spread over the client's prestations
        biz.expense(str(1000 + 250 * i), "Fournitures", "Awa")
    biz.sync()
    return biz


def rows_of(person, title: str) -> list[int]:
    return [n for n, r in enumerate(person.grid(title), start=1) if n > 1 and r and r[0]]


def apply(person, biz: Business, step: tuple) -> None:
    book = biz.load()
    t = {k: book.title(k) for k in ("caisse", "prestations", "clients")}
    cash, pres, clients = book.all_rows("caisse"), book.all_rows("prestations"), book.all_rows("clients")
    kind = step[0]
    if kind == "cash date" and cash:
        r = cash[step[1] % len(cash)]
        person.set_cell(t["caisse"], r.row, "Date", (r["date"] or START) + timedelta(hours=step[2]))
    elif kind == "cash amount" and cash:
        person.set_cell(t["caisse"], cash[step[1] % len(cash)].row, "Montant", step[2])
    elif kind == "cash prestation" and cash and pres:
        target = pres[step[2] % len(pres)].id if step[2] >= 0 else None
        person.set_cell(t["caisse"], cash[step[1] % len(cash)].row, "Prestation ID", target)
    elif kind == "prestation client" and pres and clients:
        person.set_cell(t["prestations"], pres[step[1] % len(pres)].row, "Client ID", clients[step[2] % len(clients)].id)
    elif kind == "prestation status" and pres:
        person.set_cell(t["prestations"], pres[step[1] % len(pres)].row, "Statut", step[2])
    elif kind == "prestation total" and pres:
        person.set_cell(t["prestations"], pres[step[1] % len(pres)].row, "Montant total", step[2])
    elif kind == "typed computed":
        title, header = {"Caisse": (t["caisse"], "Solde caisse (par date)"), "Prestations": (t["prestations"], "Payé"),
                         "Clients": (t["clients"], "Solde")}[step[1]]
        rows = rows_of(person, title)
        if rows:
            person.set_cell(title, rows[step[2] % len(rows)], header, step[3])
    elif kind == "typed payment" and clients:
        person.append_row(t["caisse"], {"Date": START - timedelta(hours=step[3]), "Type": "Encaissement",
                                        "Montant": step[1], "Moyen": "Espèces", "Client ID": clients[step[2] % len(clients)].id})
    elif kind == "typed expense":
        person.append_row(t["caisse"], {"Date": START - timedelta(hours=step[2]), "Type": "Dépense",
                                        "Montant": step[1], "Moyen": "Espèces", "Catégorie": "Fournitures"})
    elif kind == "note" and clients:
        person.set_cell(t["clients"], clients[step[1] % len(clients)].row, "Notes", f"note {step}")
    elif kind == "delete":
        rows = rows_of(person, t[{"Caisse": "caisse", "Prestations": "prestations", "Clients": "clients"}[step[1]]])
        if rows:
            person.delete_row(t[{"Caisse": "caisse", "Prestations": "prestations", "Clients": "clients"}[step[1]]],
                              rows[step[2] % len(rows)])


def same_ids(biz: Business) -> Ctx:
    """The sync's context, with ids and numbers from counters: both modes name what they add the same way."""
    ids, numbers = itertools.count(1), itertools.count(900)
    return replace(biz.ctx("système"), next_number=lambda _name: next(numbers),
                   random_id=lambda n: f"{next(ids):0{n}d}")


def outcome(change: Change) -> tuple:
    return (sorted((k, sorted((f, str(v)) for f, v in values.items())) for k, values in change.appends),
            sorted((u.tab, u.record.row, sorted((f, str(v)) for f, v in u.values.items())) for u in change.updates),
            change.replaces,
            sorted((j.action, j.tab, j.row, j.changes) for j in change.journal))


def both_modes(biz: Business):
    book = biz.load()
    snaps = snapshot.load_all(biz.state, {k: book.schema.tab(k) for k in ID_TABS})
    full, full_report = plan(book, copy.deepcopy(snaps), same_ids(biz), lambda: "Awa", full=True)
    quick, quick_report = plan(book, copy.deepcopy(snaps), same_ids(biz), lambda: "Awa", full=False)
    return book, (full, full_report), (quick, quick_report)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(edit, min_size=1, max_size=6))
def test_the_sync_after_hand_edits_equals_the_full_recompute(tmp_path_factory, steps):
    clock = Clock(datetime(2026, 3, 14, 9, 30, tzinfo=UTC))
    with make(tmp_path_factory.mktemp("x")) as (backend, person):
        biz = shop(backend, clock)
        clock.when += timedelta(minutes=30)
        for s in steps:
            apply(person, biz, s)
        book, (full, full_report), (quick, quick_report) = both_modes(biz)
        assert quick_report.touched is not None and full_report.touched is None
        assert outcome(quick) == outcome(full)
        assert quick_report.lines() == full_report.lines()
        # The allocation rows: every client settled, or the clients the hand edits reach.
        every = settle(book, full, same_ids(biz), every=True, system=True)
        reached = settle(book, quick, same_ids(biz), system=True,
                         also=quick_report.touched.get("clients", set()))
        assert outcome(reached) == outcome(every)
        # And once the sync is written, the snapshots are the workbook as it stands (what the next one compares).
        biz.sync()
        after = biz.load()
        for key in ID_TABS:
            if key in after.tabs:
                tab = after.schema.tab(key)
                assert snapshot.load(biz.state, key) == {r.id: snapshot.row_canon(tab, r.values)
                                                         for r in after.all_rows(key) if r.id and not is_mark(r.id)}


def test_a_note_typed_on_one_client_recomputes_that_client_only(tmp_path):
    clock = Clock(datetime(2026, 3, 14, 9, 30, tzinfo=UTC))
    with make(tmp_path) as (backend, person):
        biz = shop(backend, clock)
        book = biz.load()
        kofi = book.all_rows("clients")[0]
        person.set_cell(book.title("clients"), kofi.row, "Notes", "rappeler lundi")
        _, (full, _), (quick, report) = both_modes(biz)
        assert report.touched is not None
        assert report.touched.get("clients") == {kofi.id}
        assert report.touched.get("caisse", set()) == set()  # no running balance recomputed
        assert outcome(quick) == outcome(full)
        assert [j.changes for j in quick.journal] == ["Notes : ∅ → rappeler lundi"]


def test_a_payment_moved_to_a_later_date_recomputes_the_balances_it_leaves(tmp_path):
    """The rows between a Caisse row's old date and its new one lose it from their running balance: they are
    recomputed although nobody typed on them."""
    clock = Clock(datetime(2026, 3, 14, 9, 30, tzinfo=UTC))
    with make(tmp_path) as (backend, person):
        biz = shop(backend, clock)
        book = biz.load()
        by_date = sorted(book.all_rows("caisse"), key=lambda r: r["date"])
        first = by_date[0]
        person.set_cell(book.title("caisse"), first.row, "Date", by_date[-1]["date"] + timedelta(hours=1))
        _, (full, _), (quick, _) = both_modes(biz)
        moved = {u.record.id for u in full.updates if u.tab == "caisse"}
        assert len(moved) == len(by_date)  # every balance changes: the first entry became the last
        assert outcome(quick) == outcome(full)
