"""The receipt hook's index answers what a scan of every row would, after appends and after changed rows."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from functions.receipts import lookup
from functions.store.workbook import Book, Record, TabRows

LINK = re.compile(r"^http://shop\.test/r/[A-Za-z0-9_-]{22,64}$")
IDS = st.sampled_from(["K1", "K2", "K3", "", "P1"])
ROW = st.fixed_dictionaries({"id": IDS, "prestation_id": st.sampled_from(["P1", "P2", "", None]),
                             "client_id": st.sampled_from(["C1", "C2", "", None]),
                             "receipt": st.sampled_from(["", "http://shop.test/r/" + "a" * 22, "à la main"])})


def book_of(records: list[Record]) -> Book:
    tab = TabRows(None, "Caisse", [], records)  # type: ignore[arg-type]  # the index reads records only
    return Book(None, {}, None, {"caisse": tab})  # type: ignore[arg-type]


def scan(records, ids, prestations, clients) -> list[int]:
    return [i for i, r in enumerate(records) if r.id in ids or (r["prestation_id"] or "") in prestations
            or r["client_id"] in clients]


@given(st.lists(ROW, max_size=30), st.lists(ROW, max_size=10), st.sets(IDS), st.sets(st.sampled_from(["P1", "P2"])),
       st.sets(st.sampled_from(["C1", "C2", ""])), st.booleans())
@settings(max_examples=150, deadline=None)
def test_the_index_answers_as_a_scan(first, more, ids, prestations, clients, change_one):
    records = [Record("caisse", n + 2, dict(v)) for n, v in enumerate(first)]
    before = lookup.index(book_of(records), "caisse")  # built, and kept for the next read
    before.unlinked(LINK), before.where({"K1"}, {"P1"}, {"C1"}), before.at_row(2)  # every table, to be extended
    grown = records + [Record("caisse", len(records) + n + 2, dict(v)) for n, v in enumerate(more)]
    if change_one and grown:  # a row typed again (changed in the sheet): a new record at its place
        grown[0] = Record("caisse", 2, {**grown[0].values, "receipt": "", "id": "K9"})
    index = lookup.index(book_of(grown), "caisse")
    assert index.where(ids, prestations, clients) == scan(grown, ids, prestations, clients)
    assert index.unlinked(LINK) == [i for i, r in enumerate(grown) if not LINK.match(str(r["receipt"] or ""))]
    for rid in ids:
        assert index.find(rid) is next((r for r in grown if r.id == rid), None)
    for r in grown:
        assert grown[index.at_row(r.row)] is r  # type: ignore[index]
