"""What a proforma, an invoice or a credit note says, computed from the workbook (pure), frozen when issued.

``content(book, kind, tab, row_id, number, now)`` builds on the receipt's content of the same row
(``functions.receipts.render.content``: business header, client, lines, total, paid, balance) and adds what a
*facture* carries: its title, the business's identifiers from Paramètres (NIF / NCC / NINEA, RCCM, the legal
mention, the FNE number, or the mention that the document is not an FNE-certified invoice), and for a proforma
its validity date. ``page(data, url)`` completes it for a page (QR code, WhatsApp share link).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from functions.invoices.store import TITLES
from functions.receipts import render as receipt
from functions.store.workbook import Book

NOT_FNE = "Ce document n'est pas une facture normalisée (FNE)."
DEFAULT_VALIDITY_DAYS = 30
#: What the receipt's content says of remises and TVA (``functions.receipts.render``), carried when present.
TAX_AND_DISCOUNT = ("discount", "discount_reason", "taxes")


def identifiers(settings: dict[str, str], fne: str = "") -> dict[str, str]:
    """The business's identifiers as every document shows them (empty ones left out by the pages)."""
    number = (fne or settings.get("fne_number") or "").strip()
    return {"tax_id": settings.get("tax_id", "").strip(), "rccm": settings.get("rccm", "").strip(),
            "legal": settings.get("legal_mention", "").strip(), "fne": number, "not_fne": "" if number else NOT_FNE}


def validity_days(settings: dict[str, str]) -> int:
    text = (settings.get("proforma_days") or "").strip()
    return int(text) if text.isdigit() and 0 < int(text) <= 365 else DEFAULT_VALIDITY_DAYS


def source_kind(book: Book, row_id: str) -> tuple[str, str] | None:
    """(tab, receipt kind) of the row a document can be made of: a prestation, or a Caisse Vente row."""
    p = book.find("prestations", row_id)
    if p is not None and not p.deleted:
        return "prestations", "prestation"
    row = book.find("caisse", row_id)
    if row is not None and row["type"] == "Vente":
        return "caisse", "sale"
    return None


def content(book: Book, kind: str, tab: str, row_id: str, number: str, now: datetime, *, fne: str = "",
            proforma: str = "") -> dict[str, Any] | None:
    """What document ``number`` of ``kind`` (proforma, invoice) says about its row; None when it is gone."""
    base = receipt.content(book, "prestation" if tab == "prestations" else "sale", row_id, number, now)
    if base is None:
        return None
    s = book.settings
    data = {k: base[k] for k in ("business", "currency", "country", "word", "lines", "client", "reference",
                                 "description", "total", "paid", "balance", "cashier")}
    data.update({k: base[k] for k in TAX_AND_DISCOUNT if base.get(k)})  # remises and TVA, as the receipt says
    data.update(kind=kind, title=TITLES[kind], number=number, when=now, terms=s.get("receipt_terms", ""),
                ids=identifiers(s, fne), source=row_id, proforma=proforma, valid_until=None, cancels=None)
    if tab == "prestations":
        p = book.find("prestations", row_id)
        data["reference"] = f"{data['word']} N° {p['number'] or p.id}" if p is not None else row_id
    if kind == "proforma":
        data["valid_until"] = (now + timedelta(days=validity_days(s))).date()
        data["paid"] = data["balance"] = None  # a quote: no payment yet, only the total proposed
    return data


def credit(invoice: dict[str, Any], number: str, now: datetime, invoice_number: str, reason: str) -> dict[str, Any]:
    """The credit note that cancels ``invoice`` (its frozen content): the same lines and total, credited."""
    return {**invoice, "kind": "credit", "title": TITLES["credit"], "number": number, "when": now,
            "cancels": invoice_number, "reason": reason, "proforma": "", "valid_until": None,
            "paid": None, "balance": None}


def basis(data: dict[str, Any]) -> str:
    """What a proforma says about its row (a new proforma is issued only when this changed)."""
    return receipt.digest(receipt.freeze({k: data.get(k) for k in ("lines", "total", "client", "reference",
                                                                   "description", "ids", *TAX_AND_DISCOUNT)}))


def page(data: dict[str, Any], url: str) -> dict[str, Any]:
    client = data.get("client") or {}
    text = f"{data['title']} {data['number']} — {data['business']['name']} : {url}"
    return {**data, "url": url, "qr": receipt.qr_svg(url),
            "whatsapp": receipt.wa_link(client.get("phone", ""), text, data.get("country", ""))}


def expired(data: dict[str, Any], today: date) -> bool:
    until = data.get("valid_until")
    return isinstance(until, date) and until < today
