"""A person's edit of a client in the sheet re-issues receipts only when it changes what a receipt shows."""

from __future__ import annotations

from functions.receipts import store
from tests.receipts.test_hooks import person_sets


def receipts_of(biz, shop) -> dict[str, str | None]:
    out = {}
    for tab, rid in (("prestations", shop["prestation"]), ("caisse", shop["payment"])):
        found = store.for_row(biz.state, tab, rid)
        out[rid] = found.id if found is not None else None
    return out


def test_a_note_on_the_client_keeps_every_receipt_without_rendering_one(shop, monkeypatch):
    from functions.receipts import render

    biz = shop["biz"]
    biz.sync()
    before = receipts_of(biz, shop)
    rendered: list[str] = []
    content = render.content

    def counting(book, kind, row_id, *a, **kw):
        rendered.append(row_id)
        return content(book, kind, row_id, *a, **kw)

    monkeypatch.setattr(render, "content", counting)
    person_sets(biz, "Clients", shop["kofi"], "Notes", "Client fidèle")
    report = biz.sync()
    assert report.journal_rows == 1
    assert rendered == []  # nothing a receipt shows changed: no receipt is even looked at again
    assert receipts_of(biz, shop) == before


def test_a_new_phone_for_the_client_reissues_its_receipts(shop):
    biz = shop["biz"]
    biz.sync()
    before = receipts_of(biz, shop)
    person_sets(biz, "Clients", shop["kofi"], "Téléphone", "+228 90 99 88 77")
    biz.sync()
    after = receipts_of(biz, shop)
    assert all(after[k] != before[k] for k in before)
