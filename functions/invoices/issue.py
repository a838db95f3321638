"""Issuing documents: a proforma of a row, its confirmation as an invoice, an invoice's cancellation (avoir).

Each goes through ``Business.submit`` with a command (``IssueDocument``, ``CancelInvoice``) whose ``apply`` is
pure: it reads the row, builds the document's content and returns the Journal row (« Facture F-2026-00001
émise … ») with the content in its result. The numbering is done around it, under the ``invoices`` lock, by
``functions.invoices.store.Series`` (read its docstring: a failed write burns no number, two concurrent
confirmations get consecutive numbers). Asking twice is harmless: a row's live invoice is returned as it is,
and so is its live proforma while it says the same and is still valid.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from functions.books.commands import Command
from functions.books.records import Ctx
from functions.errors import ConflictError, InvalidInputError, NotFoundError
from functions.invoices import render, store
from functions.receipts import render as receipt
from functions.store.workbook import Book, Change, JournalEntry
from functions.templating import money


def mark(doc_id: str) -> str:
    """What the Journal says of a document's id: enough to tell two documents apart, nothing of its link."""
    return hashlib.sha256(doc_id.encode()).hexdigest()[:10]


@dataclass(frozen=True)
class IssueDocument(Command):
    """Write the Journal row of a new proforma or invoice of ``row_id`` numbered ``number``."""

    name: ClassVar[str] = "facture"
    tabs: ClassVar[tuple[str, ...]] = ("settings", "clients", "prestations", "lines", "caisse", "stock", "movements")
    kind: str
    row_id: str
    number: str
    doc_id: str
    fne: str = ""
    proforma: str = ""

    def apply(self, book: Book, ctx: Ctx) -> Change:
        found = render.source_kind(book, self.row_id)
        if found is None:
            raise NotFoundError(f"Aucune prestation ni vente d'ID « {self.row_id} » : vérifiez l'ID.")
        tab, _ = found
        p = book.find("prestations", self.row_id) if tab == "prestations" else None
        if p is not None and p["status"] == "Annulée":
            raise InvalidInputError("Cette prestation est annulée : changez son statut avant de la facturer.")
        data = render.content(book, self.kind, tab, self.row_id, self.number, ctx.now, fne=self.fne,
                              proforma=self.proforma)
        if data is None:  # pragma: no cover - source_kind found it in the same read
            raise NotFoundError(f"Ligne « {self.row_id} » introuvable.")
        if not data["total"] or data["total"] <= 0:
            raise InvalidInputError("Le montant total est nul : ajoutez une ligne ou un montant avant de facturer.")
        change = Change()
        what = render.TITLES[self.kind]
        detail = f"{what} {self.number} émise : total {money(data['total'], data['currency'])}"
        if self.kind == "proforma":
            detail += f", valable jusqu'au {data['valid_until'].strftime('%d/%m/%Y')}"
        if self.proforma:
            detail += f" (confirme la proforma {self.proforma})"
        change.journal.append(JournalEntry("facture", tab, self.row_id, f"{detail} — document {mark(self.doc_id)}"))
        change.result.update(tab=tab, content=json.dumps(receipt.freeze(data), ensure_ascii=False))
        return change


@dataclass(frozen=True)
class CancelInvoice(Command):
    """Write the Journal row of the credit note ``number`` that cancels invoice ``invoice_number``."""

    name: ClassVar[str] = "avoir"
    tabs: ClassVar[tuple[str, ...]] = ("settings",)
    tab: str
    row_id: str
    invoice_number: str
    number: str
    doc_id: str
    reason: str = ""

    def apply(self, book: Book, ctx: Ctx) -> Change:
        change = Change()
        why = f" : {self.reason}" if self.reason else ""
        change.journal.append(JournalEntry("avoir", self.tab, self.row_id, f"Facture {self.invoice_number} annulée "
                                           f"par la facture d'avoir {self.number}{why} — document {mark(self.doc_id)}"))
        return change


def _now(biz: Any) -> datetime:
    return biz.now()  # type: ignore[no-any-return]


def _written(result: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """(tab, frozen content) from an ``IssueDocument`` result."""
    return str(result["tab"]), json.loads(result["content"])


Submit = Callable[[str, str], tuple[str, dict[str, Any]]]  # (number, document id) -> (tab, frozen content)


def _numbered(biz: Any, kind: str, tab_hint: str, row_id: str, submit: Submit) -> store.Document:
    """Number, write and store one document (under the ``invoices`` lock: see ``store.Series``): ``submit``
    writes its Journal row through ``Business.submit`` and hands back its frozen content; only then is the
    document stored under its number and the series' counter moved on."""
    now = _now(biz)
    series = store.Series(biz.state, kind, now.year)
    n, number = series.next()
    doc_id = store.new_id()
    tab, frozen = submit(number, doc_id)  # raises on a failed write: nothing stored, the number stays free
    document = store.Document(doc_id, kind, tab or tab_hint, row_id, number,
                              now.isoformat(timespec="seconds"), frozen, receipt.digest(frozen),
                              render.basis(receipt.thaw(frozen)))
    series.take(n, document)
    store.record(biz.state, document)
    return document


def proforma(biz: Any, row_id: str, actor: str) -> store.Document:
    """The row's proforma: its live one while it says the same and is valid, else a new one (journaled)."""
    row_id = (row_id or "").strip()
    with biz.state.lock(store.LOCK, ttl_seconds=6, timeout_seconds=60):
        book = biz.load(list(IssueDocument.tabs))
        found = render.source_kind(book, row_id)
        if found is None:
            raise NotFoundError(f"Aucune prestation ni vente d'ID « {row_id} » : vérifiez l'ID.")
        tab, _ = found
        current = store.live(biz.state, "proforma", tab, row_id)
        now = _now(biz)
        if current is not None and not current.next_kind:
            fresh = render.content(book, "proforma", tab, row_id, current.number, now)
            if fresh is not None and render.basis(fresh) == current.basis and \
                    not render.expired(receipt.thaw(current.content), now.date()):
                return current
        document = _numbered(biz, "proforma", tab, row_id, lambda number, doc_id: _written(biz.submit(
            IssueDocument("proforma", row_id, number, doc_id), actor)))
        if current is not None and not current.next_kind:
            store.mark(biz.state, current, "proforma", document)
        return document


def confirm(biz: Any, row_id: str, actor: str, fne: str = "") -> store.Document:
    """The row's invoice: its live one if it has one, else a new invoice numbered without gaps (confirming the
    row's live proforma, when there is one). ``fne``: the FNE number of this invoice, if it was certified."""
    row_id = (row_id or "").strip()
    fne = " ".join((fne or "").split())
    if len(fne) > 60:
        raise InvalidInputError("Numéro FNE : 60 caractères au plus.")
    with biz.state.lock(store.LOCK, ttl_seconds=6, timeout_seconds=60):
        for tab in ("prestations", "caisse"):
            current = store.live(biz.state, "invoice", tab, row_id)
            if current is not None:
                return current
        book = biz.load(["prestations", "caisse"])
        found = render.source_kind(book, row_id)
        if found is None:
            raise NotFoundError(f"Aucune prestation ni vente d'ID « {row_id} » : vérifiez l'ID.")
        tab, _ = found
        quote = store.live(biz.state, "proforma", tab, row_id)
        quote = quote if quote is not None and not quote.next_kind else None
        document = _numbered(biz, "invoice", tab, row_id, lambda number, doc_id: _written(biz.submit(
            IssueDocument("invoice", row_id, number, doc_id, fne, quote.number if quote else ""), actor)))
        if quote is not None:
            store.mark(biz.state, quote, "invoice", document)
        return document


def cancel(biz: Any, invoice_id: str, actor: str, reason: str = "") -> store.Document:
    """Cancel an invoice by a credit note (« Facture d'avoir », series AV): the invoice stays, its page says it
    is cancelled, and the row may be invoiced again (a new number)."""
    reason = " ".join((reason or "").split())[:200]
    with biz.state.lock(store.LOCK, ttl_seconds=6, timeout_seconds=60):
        invoice = store.find(biz.state, invoice_id)
        if invoice is None or invoice.kind != "invoice":
            raise NotFoundError("Facture introuvable : vérifiez le lien ou le numéro.")
        if invoice.next_kind == "credit":
            raise ConflictError(f"La facture {invoice.number} est déjà annulée (avoir {invoice.next_number}).")
        now = _now(biz)
        content = render.credit(receipt.thaw(invoice.content), "", now, invoice.number, reason)

        def submit(number: str, doc_id: str) -> tuple[str, dict[str, Any]]:
            biz.submit(CancelInvoice(invoice.tab, invoice.row_id, invoice.number, number, doc_id, reason), actor)
            return invoice.tab, receipt.freeze({**content, "number": number})

        document = _numbered(biz, "credit", invoice.tab, invoice.row_id, submit)
        store.mark(biz.state, invoice, "credit", document)
        return document


def find_by_number(biz: Any, number: str) -> store.Document | None:
    index = biz.state.get(store.NUMBERS, number.strip().upper()) if number.strip() else None
    return store.find(biz.state, str(index["id"])) if index else None
