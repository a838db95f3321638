"""What a receipt shows, computed from the workbook (pure, no writes), frozen when it is issued.

``content(book, kind, row_id, number, now)`` is what a document of that kind says about that row — business
header, number, date, client, lines, amounts, paid, balance, cashier, terms — or None when the row is gone.
A payment's receipt says what was true when it was received: paid and balance *as of* that row (the
prestation's Caisse rows up to it), so a later payment does not change it; a prestation's receipt says where
the prestation stands, so each payment makes a new one. ``basis`` is the part whose change issues a new receipt
(not the header or terms). ``freeze``/``thaw`` turn content into JSON for the state store and back, and
``digest`` names it. ``view(book, receipt, url)`` is the live view (the client statement). Amounts follow the
ledger rules of ``functions.books.ledger`` and its one rounding (half up).
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from functions.books import ledger
from functions.phones import wa_link  # noqa: F401 - used by the pages and re-exported
from functions.receipts.store import Receipt
from functions.store.workbook import Book, Record

#: What a document says about its rows: a change here issues a new receipt (the header and terms do not).
BASIS = ("kind", "title", "reference", "prestation", "client", "description", "method", "status", "cashier", "when",
         "lines", "total", "paid", "balance", "this_amount", "payments", "allocations", "credit_left", "prestations",
         "totals_label")
#: Added later: in the basis only when present, so the receipts issued before them keep their basis.
EXTRA_BASIS = ("payment_reference", "discount", "discount_reason", "taxes")
TITLES = {"payment": "Reçu de paiement", "sale": "Reçu de vente", "revenue": "Reçu de recette",
          "refund": "Reçu de remboursement", "statement": "Relevé de compte"}
ZERO = Decimal(0)


def qty(value: Any) -> str:
    """A quantity as people write it: ``2``, ``1,5``."""
    if value is None or value == "":
        return ""
    text = format(Decimal(str(value)), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


def book_keys(kind: str) -> list[str]:
    """The tabs a page of this kind reads (one backend read)."""
    keys = ["clients", "prestations", "lines", "caisse"]
    if kind == "sale":
        keys += ["stock", "movements"]
    return keys


def prestation_word(book: Book) -> str:
    """Réservation, Commande, Vente, Patient or Prestation: the singular of the tab's title."""
    title = book.schema.tab("prestations").title_for(book.settings.get("business_type"))
    return title[:-1] if title.endswith("s") else title


def business(book: Book) -> dict[str, str]:
    s = book.settings
    logo = s.get("logo", "")
    return {"name": s.get("business_name", ""), "type": s.get("business_type", ""), "address": s.get("address", ""),
            "phone": s.get("phone", ""), "email": s.get("email", ""), "website": s.get("website", ""),
            "logo": logo if re.match(r"^https?://", logo or "") else ""}


@lru_cache(maxsize=512)
def qr_matrix(url: str) -> tuple[tuple[bool, ...], ...]:
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4)
    qr.add_data(url)
    qr.make(fit=True)
    return tuple(tuple(bool(c) for c in row) for row in qr.get_matrix())


@lru_cache(maxsize=512)
def qr_svg(url: str) -> str:
    """An inline SVG of the QR code of ``url`` (one path, a run per row of dark modules)."""
    matrix = qr_matrix(url)
    size = len(matrix)
    parts = []
    for y, row in enumerate(matrix):
        x = 0
        while x < size:
            if row[x]:
                start = x
                while x < size and row[x]:
                    x += 1
                parts.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" shape-rendering="crispEdges" '
            f'role="img" aria-label="Code QR de ce reçu"><rect width="{size}" height="{size}" fill="#fff"/>'
            f'<path fill="#000" d="{"".join(parts)}"/></svg>')


def _client(book: Book, client_id: str | None, fallback: str = "") -> dict[str, str] | None:
    c = book.find("clients", client_id) if client_id else None
    if c is None:
        return {"name": fallback, "phone": ""} if fallback else None
    return {"name": str(c["name"] or fallback), "phone": str(c["phone"] or "")}


def _totals(book: Book, p: Record, caisse: list[Record]) -> ledger.PrestationTotals:
    """Its totals from its own lines and its Caisse rows ``caisse``, not from a pass of the ledger over every
    prestation's."""
    lines = [ln for ln in book.rows("lines") if ln["prestation_id"] == p.id]
    return ledger.prestation_totals([p], lines, caisse, book.codec.quantum)[p.id]


def _prestation_lines(book: Book, p: Record, word: str) -> list[dict[str, Any]]:
    lines = [ln for ln in book.rows("lines") if ln["prestation_id"] == p.id]
    if lines:
        return [{"article": ln["article"], "quantity": ln["quantity"] if ln["quantity"] is not None else Decimal(1),
                 "unit_price": ln["unit_price"], "total": ledger.line_total(ln, book.codec.quantum),
                 **({"discount": ln["discount"], "reason": str(ln["discount_reason"] or "")} if ln["discount"] else {}),
                 **({"rate": ln["vat_rate"]} if isinstance(ln["vat_rate"], Decimal) else {})}
                for ln in lines]
    label = " — ".join(str(v) for v in (p["type"] or word, _stay(p)) if v)
    return [{"article": label, "quantity": Decimal(1), "unit_price": p["total"] or ZERO, "total": p["total"] or ZERO}]


def _stay(p: Record) -> str:
    from functions.templating import day

    if p["start"] and p["end"] and p["end"] != p["start"]:
        return f"du {day(p['start'])} au {day(p['end'])}"
    return day(p["start"]) if p["start"] else ""


def _payments(book: Book, rows: list[Record]) -> list[dict[str, Any]]:
    """The money rows and the allocations of credit among ``rows`` (each with what it did to what was paid)."""
    out = [{"date": r["date"], "type": r["type"], "method": r["method"] or "", "amount": ledger.amount(r),
            "effect": ledger.payment_effect(r) + ledger.allocation_effect(r), "description": r["description"] or ""}
           for r in rows if ledger.payment_effect(r) + ledger.allocation_effect(r) != 0]
    return sorted(out, key=lambda x: (str(x["date"] or ""),))


def _sale_lines(book: Book, row: Record) -> list[dict[str, Any]]:
    from functions.books import discounts, tax

    moves = [m for m in book.all_rows("movements") if m["reference"] == row.id and m["reason"] == "Vente"]
    stock = {s.id: s for s in book.all_rows("stock")}
    lines = []
    for m in moves:
        sold = -Decimal(m["quantity"] or 0)
        article = stock.get(str(m["article_id"] or ""))
        rate = tax.rate_of(book.settings, article) if article is not None else ZERO
        price = article["sale_price"] if article is not None else None
        price = tax.ttc(book.settings, price, rate, book.codec.currency) if price is not None else None
        lines.append({"article": m["article"], "quantity": sold, "unit_price": price, "rate": rate,
                      "total": ledger.rounded(sold * price, book.codec.quantum) if price is not None else None})
    off = row["discount"] if isinstance(row["discount"], Decimal) else ZERO
    if off and lines and all(ln["total"] is not None for ln in lines) and off <= sum(ln["total"] for ln in lines):
        shares = discounts.allocate([ln["total"] for ln in lines], off, book.codec.currency)  # as the sale did
        lines = [dict(ln, discount=d, total=ln["total"] - d) if d else ln for ln, d in zip(lines, shares, strict=True)]
    if not lines or sum((ln["total"] or ZERO for ln in lines), ZERO) != ledger.amount(row):
        # prices changed since the sale (or lines unknown): show what was sold, and the amount paid
        lines = [dict(ln, unit_price=None, total=None) for ln in lines] or \
            [{"article": row["description"] or "Vente", "quantity": Decimal(1), "unit_price": ledger.amount(row),
              "total": ledger.amount(row)}]
    return lines


def content(book: Book, kind: str, row_id: str, number: str, now: datetime | None = None) -> dict[str, Any] | None:
    """What the document ``number`` of ``kind`` says about row ``row_id`` (``now``: the business's local time,
    the date of a statement); None when its row is gone. No link, QR code or share link: those follow the
    address the page is served at."""
    s = book.settings
    word = prestation_word(book)
    data: dict[str, Any] = {
        "business": business(book), "currency": s.get("currency") or "XOF", "country": s.get("country", ""),
        "kind": kind, "number": number, "terms": s.get("receipt_terms", ""),
        "word": word, "lines": [], "payments": [], "prestations": [], "this_amount": None, "reference": "",
        "prestation": None, "client": None, "cashier": "", "status": "", "when": None,
        "total": None, "paid": None, "balance": None, "description": "", "allocations": [], "credit_left": None,
    }
    if kind == "statement":
        if not _statement(book, row_id, data, now):
            return None
    elif kind == "prestation":
        p = book.find("prestations", row_id)
        if p is None or p.deleted:
            return None
        _prestation(book, p, data, word)
    else:
        row = book.find("caisse", row_id)
        if row is None:
            return None
        _cash(book, row, kind, data, word)
    data["title"] = data.get("title") or TITLES.get(kind, "Reçu")
    _taxes(book, data)
    data["settled"] = data["balance"] is not None and data["balance"] <= 0
    return data


def page(data: dict[str, Any], url: str) -> dict[str, Any]:
    """Content completed for a page at ``url``: the link, its QR code and the WhatsApp share link."""
    client = data.get("client") or {}
    text = f"{data['title']} {data['number']} — {data['business']['name']} : {url}"
    return {**data, "url": url, "qr": qr_svg(url),
            "whatsapp": wa_link(client.get("phone", ""), text, data.get("country", ""))}


def view(book: Book, receipt: Receipt, url: str, now: datetime | None = None) -> dict[str, Any] | None:
    """The live page data of ``receipt`` (the workbook as it is now); None when its row is gone."""
    data = content(book, receipt.kind, receipt.row_id, receipt.number, now)
    return None if data is None else page(data, url)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return {"$d": format(value.normalize(), "f")}
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def freeze(data: dict[str, Any]) -> dict[str, Any]:
    """Content as JSON for the state store (amounts exact, dates as ISO text)."""
    return {k: _plain(v) for k, v in data.items() if k not in ("url", "qr", "whatsapp")}


def thaw(value: Any) -> Any:
    """``freeze`` undone."""
    if isinstance(value, dict):
        if set(value) == {"$d"}:
            return Decimal(value["$d"])
        if set(value) == {"$dt"}:
            return datetime.fromisoformat(value["$dt"])
        if set(value) == {"$date"}:
            return date.fromisoformat(value["$date"])
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, list):
        return [thaw(v) for v in value]
    return value


def digest(frozen: dict[str, Any]) -> str:
    body = json.dumps(frozen, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


def basis(data: dict[str, Any]) -> str:
    """The digest of what the document says about its rows (a change of it issues a new receipt)."""
    extra = {k: data[k] for k in EXTRA_BASIS if data.get(k)}
    return digest(freeze({**{k: data.get(k) for k in BASIS}, **extra}))


def _prestation(book: Book, p: Record, data: dict[str, Any], word: str) -> None:
    mine = [r for r in book.all_rows("caisse") if r["prestation_id"] == p.id]
    t = _totals(book, p, mine)
    data.update(title=word, reference=f"{word} N° {p['number'] or p.id}", when=p["created_at"] or p["start"],
                client=_client(book, p["client_id"], str(p["client"] or "")), lines=_prestation_lines(book, p, word),
                total=t.total, paid=t.paid, balance=t.balance, status=p["status"] or "", cashier=p["created_by"] or "",
                payments=_payments(book, mine), description=_stay(p))


def _up_to(rows: list[Record], row: Record) -> list[Record]:
    """``rows`` up to and including ``row`` (the ledger's order): what had happened when it was written."""
    for i, r in enumerate(rows):
        if r.id == row.id:
            return rows[:i + 1]
    return rows


def _cash(book: Book, row: Record, kind: str, data: dict[str, Any], word: str) -> None:
    amount = ledger.amount(row)
    data.update(when=row["date"], cashier=row["created_by"] or "", this_amount=amount, description=row["description"] or "",
                method=row["method"] or "", reference=f"Caisse {row.id}")
    if row["reference"]:
        data["payment_reference"] = str(row["reference"])
    if row["discount"]:
        data.update(discount=row["discount"], discount_reason=str(row["discount_reason"] or ""))
    p = book.find("prestations", row["prestation_id"]) if row["prestation_id"] else None
    client_id = row["client_id"] or (p["client_id"] if p is not None else None)
    data["client"] = _client(book, client_id, str(p["client"] or "") if p is not None else "")
    if kind == "sale":
        data.update(lines=_sale_lines(book, row), total=amount, paid=amount, balance=ZERO, status="Payé")
        return
    if p is not None:
        then = _up_to([r for r in book.all_rows("caisse") if r["prestation_id"] == p.id], row)
        t = _totals(book, p, then)
        data.update(prestation=f"{word} N° {p['number'] or p.id}", lines=_prestation_lines(book, p, word),
                    total=t.total, paid=t.paid, balance=t.balance, payments=_payments(book, then))
    elif client_id and kind in ("payment", "refund") and book.find("clients", client_id) is not None:
        _on_account(book, row, kind, data, amount)
        data["status"] = "Remboursé" if kind == "refund" else "Paiement sur compte"
        return
    else:
        data.update(lines=[{"article": row["description"] or row["category"] or TITLES.get(kind, "Reçu"),
                            "quantity": Decimal(1), "unit_price": amount, "total": amount}],
                    total=amount, paid=amount, balance=ZERO)
    if kind == "refund":
        data["status"] = "Remboursé"
    else:  # a partial payment must not read as « paid in full »
        data["status"] = "Paiement partiel" if data.get("balance", ZERO) > 0 else "Payé"


def _taxes(book: Book, data: dict[str, Any]) -> None:
    """HT, TVA and TTC per rate of the document's lines, when TVA is on (``functions.books.tax``)."""
    from functions.books import tax

    if data.get("discount") is None:  # a prestation's: the sum of its lines' remises
        off = sum((ln.get("discount") or ZERO for ln in data["lines"]), ZERO)
        if off:
            data["discount"] = off
            data["discount_reason"] = next((ln["reason"] for ln in data["lines"] if ln.get("reason")), "")
    if not tax.enabled(book.settings) or not data["lines"] or data["kind"] == "statement":
        return
    pairs = [(ln["total"], ln.get("rate", ZERO)) for ln in data["lines"] if ln.get("total") is not None]
    if pairs:
        data["taxes"] = [{"rate": r.rate, "ht": r.ht, "tva": r.tva, "ttc": r.ttc}
                         for r in tax.breakdown(pairs, book.codec.currency)]


def _on_account(book: Book, row: Record, kind: str, data: dict[str, Any], amount: Decimal) -> None:
    """A payment (or refund) on account: the amount, and where the allocation written with it put it."""
    data.update(lines=[{"article": row["description"] or TITLES[kind], "quantity": Decimal(1), "unit_price": amount,
                        "total": amount}], total=None)
    if kind != "payment":
        return
    caisse = book.all_rows("caisse")
    names = {p.id: f"{prestation_word(book)} N° {p['number'] or p.id}" for p in book.all_rows("prestations")}
    index = next((i for i, r in enumerate(caisse) if r.id == row.id), len(caisse))
    allocated: list[dict[str, Any]] = []
    for r in caisse[index + 1:]:  # the allocation rows written with this payment follow it (action or sync)
        if r["type"] != ledger.ALLOCATE or r["client_id"] != row["client_id"]:
            break
        allocated.append({"label": names.get(str(r["prestation_id"] or ""), str(r["prestation_id"] or "")),
                          "amount": ledger.amount(r)})
    used = sum((a["amount"] for a in allocated), ZERO)
    data.update(allocations=allocated, credit_left=max(amount - used, ZERO))


def _statement(book: Book, client_id: str, data: dict[str, Any], now: datetime | None) -> bool:
    c = book.find("clients", client_id)
    if c is None or c.deleted:
        return False
    every = book.all_rows("prestations")
    prestations = [p for p in book.rows("prestations") if p["client_id"] == c.id]
    caisse = book.all_rows("caisse")
    totals = ledger.prestation_totals(prestations, book.rows("lines"), caisse, book.codec.quantum)
    all_totals = ledger.prestation_totals(book.rows("prestations"), book.rows("lines"), caisse, book.codec.quantum)
    ct = ledger.client_totals([c], book.rows("prestations"), caisse, all_totals)[c.id]
    mine = {p.id for p in every if p["client_id"] == c.id}
    rows = [r for r in caisse if r["client_id"] == c.id or (r["prestation_id"] or "") in mine]
    data.update(client={"name": str(c["name"] or ""), "phone": str(c["phone"] or "")},
                prestations=[{"number": p["number"] or p.id, "date": p["start"] or p["created_at"], "type": p["type"] or "",
                              "status": p["status"] or "", "total": totals[p.id].total, "paid": totals[p.id].paid,
                              "balance": totals[p.id].balance} for p in prestations],
                payments=_payments(book, rows), total=ct.billed, paid=ct.paid,
                balance=ct.balance, reference=f"Client {c.id}", when=now, status="", live=True,
                credit_left=ledger.credits(every, caisse).get(c.id, ZERO))
    return True
