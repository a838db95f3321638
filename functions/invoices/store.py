"""Proformas, invoices and credit notes in the state store: numbering without gaps, lookup, status.

A document is named, like a receipt, by a random id of 144 bits (its public page is ``/f/<id>``) and stored
with what it is a document *of* (``tab``: prestations or caisse, ``row_id``), its **frozen content** and the
content's digest. Three series, each numbered per calendar year (OHADA's financial year):

* ``PF`` — facture proforma (a quote): ``PF-2026-0001``. It never consumes an invoice number: the proforma's
  number *is* the provisional reference of the draft.
* ``F`` — facture: ``F-2026-00001``, **without gaps** within a year.
* ``AV`` — facture d'avoir (credit note): ``AV-2026-00001``, its own series, also without gaps. An invoice is
  never deleted: a cancellation issues an avoir that names it, and the invoice's page then says so.

Numbering without gaps (``Series``): a number is taken only by a document that was written. Under the
``invoices`` lock (one holder at a time across processes) the next number is the series' last number + 1; the
Journal row is written through ``Business.submit`` and only *then* the document is stored under that number
(``invoice_numbers``, created once) and the counter moved on. A write that fails (an exception) stores nothing:
the counter has not moved, and the next document takes the same number — no number is burnt. A process that
dies after storing the document but before moving the counter is repaired by the next allocation (the numbers
index is the truth: a number taken there is skipped). A process that dies after its Journal row landed but
before storing the document leaves that row naming a number the next document takes: the number is still given
to exactly one document, and both Journal rows carry a mark of their document's id (a digest, never the link)
that tells them apart.

Collections: ``invoices`` (key: document id), ``invoice_rows`` (key: ``<kind>.<tab>.<row id>``: the live
proforma or invoice of a row), ``invoice_numbers`` (key: the number), ``invoice_series`` (key: ``F-2026``).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field, replace
from typing import Any

from functions.errors import InvalidInputError
from functions.state.base import StateStore

DOCS = "invoices"
ROWS = "invoice_rows"
NUMBERS = "invoice_numbers"
SERIES = "invoice_series"
LOCK = "invoices"
ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{22,64}$")

#: kind -> (series prefix, digits)
KINDS: dict[str, tuple[str, int]] = {"proforma": ("PF", 4), "invoice": ("F", 5), "credit": ("AV", 5)}
TITLES = {"proforma": "Facture proforma", "invoice": "Facture", "credit": "Facture d'avoir"}


@dataclass(frozen=True)
class Document:
    id: str
    kind: str  # proforma, invoice, credit
    tab: str  # prestations, caisse
    row_id: str
    number: str
    created: str
    content: dict[str, Any] = field(compare=False, repr=False, default_factory=dict)
    digest: str = ""
    basis: str = ""
    #: what happened to it later (never to its content): proforma confirmed or replaced, invoice cancelled
    next_kind: str = ""  # invoice (confirmed), proforma (replaced), credit (cancelled)
    next_id: str = ""
    next_number: str = ""
    next_on: str = ""

    def doc(self) -> dict[str, Any]:
        return {"kind": self.kind, "tab": self.tab, "row_id": self.row_id, "number": self.number,
                "created": self.created, "content": self.content, "digest": self.digest, "basis": self.basis,
                "next_kind": self.next_kind, "next_id": self.next_id, "next_number": self.next_number,
                "next_on": self.next_on}

    @classmethod
    def from_doc(cls, doc_id: str, d: dict[str, Any]) -> Document:
        content = d.get("content")
        return cls(doc_id, str(d.get("kind", "")), str(d.get("tab", "")), str(d.get("row_id", "")),
                   str(d.get("number", "")), str(d.get("created", "")), content if isinstance(content, dict) else {},
                   *(str(d.get(k, "")) for k in ("digest", "basis", "next_kind", "next_id", "next_number", "next_on")))


def new_id() -> str:
    return secrets.token_urlsafe(18)


def valid_id(doc_id: str) -> bool:
    return isinstance(doc_id, str) and bool(ID_PATTERN.match(doc_id))


def link(base: str, doc_id: str) -> str:
    return f"{base.rstrip('/')}/f/{doc_id}"


def format_number(kind: str, year: int, n: int) -> str:
    prefix, digits = KINDS[kind]
    return f"{prefix}-{year}-{n:0{digits}d}"


def find(state: StateStore, doc_id: str) -> Document | None:
    if not valid_id(doc_id):
        return None
    try:
        d = state.get(DOCS, doc_id)
    except InvalidInputError:
        return None
    return Document.from_doc(doc_id, d) if d else None


def row_key(kind: str, tab: str, row_id: str) -> str:
    return f"{kind}.{tab}.{row_id}"


def live(state: StateStore, kind: str, tab: str, row_id: str) -> Document | None:
    """The row's current proforma or invoice (None once an invoice is cancelled or none was issued)."""
    try:
        index = state.get(ROWS, row_key(kind, tab, row_id))
    except InvalidInputError:
        return None
    return find(state, str(index["id"])) if index else None


def of_row(state: StateStore, tab: str, row_id: str) -> list[Document]:
    """Every document of a row, newest first (its history: proformas, invoices, credit notes)."""
    try:
        index = state.get(ROWS, f"history.{tab}.{row_id}")
    except InvalidInputError:
        return []
    found = [find(state, str(i)) for i in (index or {}).get("ids", [])]
    return sorted((d for d in found if d is not None), key=lambda d: (d.created, d.number), reverse=True)


class Series:
    """The numbering of one series in one year (used under the ``invoices`` lock)."""

    def __init__(self, state: StateStore, kind: str, year: int) -> None:
        self.state, self.kind, self.year = state, kind, year
        self.key = f"{KINDS[kind][0]}-{year}"

    def last(self) -> int:
        """The last number taken: the counter, moved past any number a document already holds (a process that
        died between storing its document and moving the counter)."""
        n = int((self.state.get(SERIES, self.key) or {}).get("last", 0))
        while self.state.get(NUMBERS, format_number(self.kind, self.year, n + 1)) is not None:
            n += 1
        return n

    def next(self) -> tuple[int, str]:
        n = self.last() + 1
        return n, format_number(self.kind, self.year, n)

    def take(self, n: int, document: Document) -> None:
        """Store ``document`` under number ``n`` (after its Journal row was written), then move the counter."""
        if not self.state.create(NUMBERS, document.number, {"id": document.id}):
            raise InvalidInputError(f"Le numéro {document.number} est déjà pris : réessayez.")
        self.state.put(DOCS, document.id, document.doc())
        self.state.update(SERIES, self.key, lambda d: {"last": max(n, int((d or {}).get("last", 0)))})


def record(state: StateStore, document: Document) -> None:
    """Make ``document`` its row's live one of its kind and add it to the row's history."""
    if document.kind != "credit":
        state.put(ROWS, row_key(document.kind, document.tab, document.row_id), {"id": document.id})
    key = f"history.{document.tab}.{document.row_id}"
    state.update(ROWS, key, lambda d: {"ids": [*(d or {}).get("ids", []), document.id]})


def mark(state: StateStore, document: Document, kind: str, by: Document) -> Document:
    """Note on ``document`` what followed it (confirmed by an invoice, replaced, cancelled by an avoir);
    its frozen content is untouched. A cancelled invoice stops being its row's live invoice."""
    after = replace(document, next_kind=kind, next_id=by.id, next_number=by.number, next_on=by.created)
    state.update(DOCS, document.id, lambda d: {**(d or document.doc()), **{k: v for k, v in after.doc().items()
                                                                            if k.startswith("next_")}})
    if kind == "credit":
        key = row_key(document.kind, document.tab, document.row_id)
        state.update(ROWS, key, lambda d: None if d and d.get("id") == document.id else d)
    return after
