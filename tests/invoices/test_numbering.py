"""Scenarios of the numbering: proformas in their own series, invoices without gaps per year, avoirs."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from functions.invoices import issue, store
from functions.receipts import render as receipt


def journal(biz):
    book = biz.load(["journal"])
    return [str(r["changes"]) for r in book.all_rows("journal") if r["action"] in ("facture", "avoir")]


def test_a_proforma_never_consumes_an_invoice_number(ishop):
    biz = ishop["biz"]
    pf = issue.proforma(biz, ishop["prestation"], "Awa")
    assert pf.number == "PF-2026-0001" and pf.kind == "proforma"
    again = issue.proforma(biz, ishop["prestation"], "Awa")
    assert again.id == pf.id  # the same quote while nothing changed
    other = biz.add_prestation({"client_id": ishop["kofi"], "type": "Salle", "start": "20/03/2026"}, "Awa",
                               lines=[{"article": "Salle", "quantity": "1", "unit_price": "40000"}])
    assert issue.proforma(biz, other["id"], "Awa").number == "PF-2026-0002"
    invoice = issue.confirm(biz, ishop["prestation"], "Awa")
    assert invoice.number == "F-2026-00001"  # two proformas before it took no invoice number
    assert invoice.content["proforma"] == "PF-2026-0001"
    assert store.find(biz.state, pf.id).next_number == "F-2026-00001"
    assert issue.confirm(biz, ishop["prestation"], "Awa").id == invoice.id  # confirmed twice: one invoice
    assert issue.confirm(biz, other["id"], "Awa").number == "F-2026-00002"
    lines = journal(biz)
    assert any(t.startswith("Facture proforma PF-2026-0001 émise") for t in lines)
    assert any(t.startswith("Facture F-2026-00001 émise") and "PF-2026-0001" in t for t in lines)


def test_invoice_numbers_restart_each_year_without_gaps(ishop, clock):
    biz = ishop["biz"]
    assert issue.confirm(biz, ishop["prestation"], "Awa").number == "F-2026-00001"
    assert issue.confirm(biz, ishop["sale"], "Awa").number == "F-2026-00002"
    clock.when = datetime(2027, 1, 2, 9, 0, tzinfo=UTC)
    p = biz.add_prestation({"client_id": ishop["kofi"], "type": "Salle", "start": "03/01/2027"}, "Awa",
                           lines=[{"article": "Salle", "quantity": "1", "unit_price": "40000"}])
    assert issue.confirm(biz, p["id"], "Awa").number == "F-2027-00001"
    assert issue.proforma(biz, p["id"], "Awa").number == "PF-2027-0001"


def test_a_failed_write_leaves_no_gap(ishop):
    biz = ishop["biz"]
    other = biz.add_prestation({"client_id": ishop["kofi"], "type": "Salle", "start": "20/03/2026"}, "Awa",
                               lines=[{"article": "Salle", "quantity": "1", "unit_price": "40000"}])

    def fail():
        raise OSError("disque plein")

    biz.recorder.before_write = fail
    with pytest.raises(OSError):
        issue.confirm(biz, ishop["prestation"], "Awa")
    biz.recorder.before_write = None
    assert store.live(biz.state, "invoice", "prestations", ishop["prestation"]) is None
    assert issue.confirm(biz, other["id"], "Awa").number == "F-2026-00001"  # the number was not burnt
    assert issue.confirm(biz, ishop["prestation"], "Awa").number == "F-2026-00002"
    assert not any("00003" in t for t in journal(biz))


def test_a_process_dying_after_storing_its_invoice_is_repaired(ishop):
    biz = ishop["biz"]
    first = issue.confirm(biz, ishop["prestation"], "Awa")
    biz.state.put(store.SERIES, "F-2026", {"last": 0})  # as if it died before moving the counter
    assert issue.confirm(biz, ishop["sale"], "Awa").number == "F-2026-00002"
    assert store.find(biz.state, first.id).number == "F-2026-00001"


def test_two_concurrent_confirmations_get_consecutive_numbers(tmp_path, clock):
    from functions.business import Business
    from functions.state.sqlite import SQLiteStateStore
    from functions.store.workbook import Workbook
    from functions.store.xlsx import XlsxBackend

    def open_biz():
        return Business(Workbook(XlsxBackend(tmp_path / "ttr.xlsx")), SQLiteStateStore(tmp_path / "s.sqlite"),
                        clock=clock)

    setup = open_biz()
    setup.init({"business_name": "Chez Awa", "business_type": "Auberge"})
    ids = [setup.add_prestation({"client": f"Client {i}", "type": "Chambre", "start": "14/03/2026"}, "Awa",
                                lines=[{"article": "Chambre", "quantity": "1", "unit_price": "25000"}])["id"]
           for i in range(4)]
    numbers: list[str] = []
    errors: list[BaseException] = []

    def run(pid):
        try:
            numbers.append(issue.confirm(open_biz(), pid, "Awa").number)  # each its own connection
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(pid,)) for pid in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    assert sorted(numbers) == [f"F-2026-{n:05d}" for n in range(1, 5)]


def test_a_cancellation_is_an_avoir_and_the_row_can_be_invoiced_again(ishop):
    biz = ishop["biz"]
    invoice = issue.confirm(biz, ishop["prestation"], "Awa")
    avoir = issue.cancel(biz, invoice.id, "Awa", "Erreur de client")
    assert avoir.number == "AV-2026-00001" and avoir.kind == "credit"
    assert avoir.content["cancels"] == invoice.number
    assert receipt.thaw(avoir.content)["total"] == receipt.thaw(invoice.content)["total"]
    kept = store.find(biz.state, invoice.id)
    assert kept.next_kind == "credit" and kept.next_number == "AV-2026-00001"
    assert kept.digest == invoice.digest  # never deleted, never rewritten
    again = issue.confirm(biz, ishop["prestation"], "Awa")
    assert again.number == "F-2026-00002"
    with pytest.raises(Exception, match="déjà annulée"):
        issue.cancel(biz, invoice.id, "Awa")
    assert any("annulée par la facture d'avoir AV-2026-00001 : Erreur de client" in t for t in journal(biz))


def test_ttr_init_adds_the_new_settings_rows_to_an_existing_workbook(biz):
    title = biz.load(["settings"]).title("settings")
    labels = ("NIF / NCC / NINEA", "RCCM", "Mention légale des factures", "N° FNE (facture normalisée)",
              "Validité des proformas (jours)")
    rows = biz.workbook.backend.read([title])[title]
    kept = [r for r in rows if not r or str(r[0]) not in labels]
    from functions.store.backend import ReplaceTab

    biz.workbook.backend.write([ReplaceTab(title, kept[1:])])  # a workbook made before invoices existed
    biz.forget()
    assert biz.load(["settings"]).settings["proforma_days"] == "30"  # a missing row reads as its default
    biz.init()
    after = [str(r[0]) for r in biz.workbook.backend.read([title])[title] if r]
    assert all(after.count(label) == 1 for label in labels)
    assert biz.load(["settings"]).settings["proforma_days"] == "30"
    biz.init()  # once only
    assert [str(r[0]) for r in biz.workbook.backend.read([title])[title] if r] == after
    assert biz.verify_journal().ok


def test_nothing_to_invoice_is_refused_and_takes_no_number(ishop):
    biz = ishop["biz"]
    cancelled = biz.add_prestation({"client_id": ishop["kofi"], "type": "Salle", "start": "20/03/2026"}, "Awa",
                                   lines=[{"article": "Salle", "quantity": "1", "unit_price": "40000"}])
    biz.set_status(cancelled["id"], "Annulée", "Awa")
    with pytest.raises(Exception, match="annulée"):
        issue.proforma(biz, cancelled["id"], "Awa")
    with pytest.raises(Exception, match="Aucune prestation ni vente"):
        issue.confirm(biz, ishop["coca"], "Awa")  # a stock article is neither
    assert issue.confirm(biz, ishop["prestation"], "Awa").number == "F-2026-00001"
    assert issue.proforma(biz, ishop["prestation"], "Awa").number == "PF-2026-0001"


def test_the_journal_names_documents_without_their_links(ishop):
    biz = ishop["biz"]
    invoice = issue.confirm(biz, ishop["prestation"], "Awa")
    rows = journal(biz)
    assert any(issue.mark(invoice.id) in t for t in rows)
    assert not any(invoice.id[:6] in t for t in rows)


def test_a_changed_or_expired_proforma_is_replaced(ishop, clock):
    from datetime import timedelta

    biz = ishop["biz"]
    first = issue.proforma(biz, ishop["prestation"], "Awa")
    line = next(r for r in biz.load(["lines"]).all_rows("lines") if r["article"] == "Petit-déjeuner")
    biz.update("lines", line.id, {"quantity": "3"}, "Awa")
    second = issue.proforma(biz, ishop["prestation"], "Awa")
    assert second.number == "PF-2026-0002" and receipt.thaw(second.content)["total"] == 57500
    old = store.find(biz.state, first.id)
    assert (old.next_kind, old.next_number) == ("proforma", "PF-2026-0002")
    assert receipt.thaw(old.content)["total"] == 55000  # the first quote still says what it said
    clock.when += timedelta(days=31)
    third = issue.proforma(biz, ishop["prestation"], "Awa")  # expired: a new quote
    assert third.number == "PF-2026-0003"
    assert issue.confirm(biz, ishop["prestation"], "Awa").content["proforma"] == "PF-2026-0003"


def test_the_same_row_confirmed_twice_at_once_is_one_invoice(tmp_path, clock):
    from functions.business import Business
    from functions.state.sqlite import SQLiteStateStore
    from functions.store.workbook import Workbook
    from functions.store.xlsx import XlsxBackend

    def open_biz():
        return Business(Workbook(XlsxBackend(tmp_path / "ttr.xlsx")), SQLiteStateStore(tmp_path / "s.sqlite"),
                        clock=clock)

    setup = open_biz()
    setup.init({"business_name": "Chez Awa", "business_type": "Auberge"})
    pid = setup.add_prestation({"client": "Ama", "type": "Chambre", "start": "14/03/2026"}, "Awa",
                               lines=[{"article": "Chambre", "quantity": "1", "unit_price": "25000"}])["id"]
    found: list[str] = []
    threads = [threading.Thread(target=lambda: found.append(issue.confirm(open_biz(), pid, "Awa").id))
               for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert len(found) == 3 and len(set(found)) == 1
    assert len([t for t in journal(setup) if t.startswith("Facture F-")]) == 1
