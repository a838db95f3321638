"""A row deleted by hand is journaled by the sync even when another row carries a copied ID in its place (the
sync counts the rows the snapshot holds instead of listing every id: an ID twice must not hide a deletion)."""

from __future__ import annotations

from tests.store.person import MemoryPerson


def test_a_deleted_client_is_journaled_when_a_copied_row_keeps_the_count(biz):
    ids = [biz.add("clients", {"name": n}, "Awa")["id"] for n in ("Kofi", "Ama", "Yao")]
    biz.sync()
    book = biz.load()
    title = book.title("clients")
    person = MemoryPerson(biz.workbook.backend)
    yao = next(r for r in book.all_rows("clients") if r.id == ids[2])
    person.delete_row(title, yao.row)  # Yao gone…
    person.append_row(title, {"ID": ids[0], "Nom": "Kofi (copie)"})  # …and as many rows as before
    report = biz.sync()
    journal = [r for r in biz.load().all_rows("journal") if r["row"] == ids[2]]
    assert [r["action"] for r in journal][-1:] == ["suppression"]
    assert any("en double" in e.reason for e in report.errors)


def test_a_deleted_client_is_journaled(biz):
    ids = [biz.add("clients", {"name": n}, "Awa")["id"] for n in ("Kofi", "Ama")]
    biz.sync()
    book = biz.load()
    person = MemoryPerson(biz.workbook.backend)
    person.delete_row(book.title("clients"), next(r.row for r in book.all_rows("clients") if r.id == ids[1]))
    biz.sync()
    assert [r["action"] for r in biz.load().all_rows("journal") if r["row"] == ids[1]][-1:] == ["suppression"]
