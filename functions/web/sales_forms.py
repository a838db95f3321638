"""Shared pieces of the sales pages: the current business and actor, derived figures cached per read,
pagination, field errors, and the parsing of the prestation and client forms.

Forms keep what the person typed: a view re-renders the form with ``form`` (the raw values) and
``errors`` (field name -> French message) when a check here or a ``Business`` action refuses the input.
"""

from __future__ import annotations

import math
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from flask import current_app, g, request, url_for

from functions import money
from functions.books import ledger, methods
from functions.business import Business
from functions.errors import InvalidInputError, TTRError
from functions.store.workbook import Book, Record
from functions.templating import sort_key

PER_PAGE = 25
LINE_SLOTS = 5
STATUSES = ("En attente", "Confirmée", "Effectuée", "Terminée", "Annulée")


def business() -> Business:
    return current_app.config["TTR_BUSINESS"]()


def actor() -> str:
    """The name the Journal shows for the logged-in user (one rule for every page)."""
    from functions.web.office_common import actor as name

    return name()


def public_base() -> str:
    """The base of shared links, as the receipt hook builds them (``TTR_PUBLIC_URL``)."""
    from functions.receipts.store import public_url

    env = current_app.config.get("TTR_ENV") or {}
    return str(env.get("TTR_PUBLIC_URL") or public_url()).rstrip("/")


def idempotency_token() -> str:
    """A fresh key per page render: the form posts it back, so a double tap replays the first result."""
    return secrets.token_urlsafe(18)


# -- figures derived from one read, cached while that read is the current one -------------------------------
@dataclass
class Figures:
    prestations: dict[str, ledger.PrestationTotals]
    clients: dict[str, ledger.ClientTotals]
    stock: dict[str, Decimal]
    lines_of: dict[str, list[Record]] = field(default_factory=dict)
    cash_of_prestation: dict[str, list[Record]] = field(default_factory=dict)
    cash_of_client: dict[str, list[Record]] = field(default_factory=dict)
    prestations_of_client: dict[str, list[Record]] = field(default_factory=dict)


_cache: dict[int, tuple[Book, Any]] = {}


def cached(book: Book, name: str, build: Any) -> Any:
    """``build(book)`` once per (read, name): pages re-use it until the business reads the workbook again."""
    key = hash((id(book), name))
    hit = _cache.get(key)
    if hit is not None and hit[0] is book:
        return hit[1]
    value = build(book)
    if len(_cache) > 32:
        _cache.clear()
    _cache[key] = (book, value)
    return value


def figures(book: Book) -> Figures:
    return cached(book, "figures", _build_figures)


def _build_figures(book: Book) -> Figures:
    prestations = book.all_rows("prestations")
    lines = book.rows("lines")
    caisse = book.all_rows("caisse")
    totals = ledger.prestation_totals(prestations, lines, caisse, book.codec.quantum)
    clients = ledger.client_totals(book.rows("clients"), prestations, caisse, totals)
    stock = ledger.stock_quantities(book.rows("stock"), book.all_rows("movements"))
    f = Figures(totals, clients, stock)
    owner = {p.id: p["client_id"] for p in prestations}
    for line in lines:
        f.lines_of.setdefault(str(line["prestation_id"] or ""), []).append(line)
    for row in caisse:
        pid = str(row["prestation_id"] or "")
        if pid:
            f.cash_of_prestation.setdefault(pid, []).append(row)
        cid = str(row["client_id"] or owner.get(pid) or "")
        if cid:
            f.cash_of_client.setdefault(cid, []).append(row)
    for p in book.rows("prestations"):
        f.prestations_of_client.setdefault(str(p["client_id"] or ""), []).append(p)
    return f


# -- lists -----------------------------------------------------------------------------------------------
@dataclass
class Page:
    items: list[Any]
    number: int
    pages: int
    total: int

    def url(self, n: int) -> str:
        values: dict[str, Any] = {k: v for k, v in request.args.items() if k != "page" and v}
        values.update(request.view_args or {}, page=n)
        return url_for(request.endpoint or "home", **values)


def paginate(items: list[Any], per_page: int = PER_PAGE) -> Page:
    try:
        n = int(request.args.get("page", "1"))
    except ValueError:
        n = 1
    pages = max(1, math.ceil(len(items) / per_page))
    n = min(max(1, n), pages)
    return Page(items[(n - 1) * per_page:n * per_page], n, pages, len(items))


def search_words(text: str) -> list[str]:
    from functions.store.schema import fold

    return [w for w in fold(text or "").split() if w][:8]


def haystack(*values: Any) -> str:
    from functions.store.schema import fold

    return fold(" ".join(str(v) for v in values if v not in (None, "")))


def matches(words: list[str], hay: str) -> bool:
    return all(w in hay for w in words)


@dataclass
class Index:
    """Rows in display order with their folded search text, built once per read."""

    rows: list[Record]
    hay: dict[str, str]


def prestation_index(book: Book) -> Index:
    def build(b: Book) -> Index:
        rows = sorted(b.rows("prestations"), key=lambda p: (p["start"] or date.min, p["number"] or ""), reverse=True)
        return Index(rows, {p.id: haystack(p["number"], p["client"], p["type"], p["notes"], p.id) for p in rows})

    return cached(book, "prestation_index", build)


def client_index(book: Book) -> Index:
    def build(b: Book) -> Index:
        rows = sorted(b.rows("clients"), key=lambda c: sort_key(c["name"]))
        return Index(rows, {c.id: haystack(c["name"], c["phone"], c["email"], c["address"], c["notes"], c.id)
                            for c in rows})

    return cached(book, "client_index", build)


def recent_clients(book: Book, n: int = 300) -> list[str]:
    """Names for the client field's suggestions: the clients of the latest prestations, then the others."""
    def build(b: Book) -> list[str]:
        names: dict[str, None] = {}
        for p in prestation_index(b).rows:
            if p["client"] and len(names) < n:
                names.setdefault(str(p["client"]), None)
        for c in b.rows("clients"):
            if len(names) >= n:
                break
            names.setdefault(str(c["name"]), None)
        return sorted(names, key=sort_key)

    return cached(book, "recent_clients", build)


def parse_day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


# -- errors next to the fields ---------------------------------------------------------------------------
def field_errors(message: str, headers: Mapping[str, str]) -> dict[str, str]:
    """Attach a workbook error (« Header » : reason ; …) to the form fields whose header it names."""
    out: dict[str, str] = {}
    for name, header in headers.items():
        found = re.search(f"« {re.escape(header)} »[^;]*", message)
        if found:
            out[name] = found.group(0).removesuffix(". Rien n'a été enregistré.").strip()
    return out


def amount_or_error(book: Book, raw: str, name: str, label: str, errors: dict[str, str]) -> Decimal | None:
    """An amount typed in a form (``functions.money``: "25.000" is 25 000 FCFA, cents FCFA lacks refused), or
    None with the French reason under ``errors[name]``."""
    try:
        value = money.parse_amount(raw, book.codec.currency, field=name, what=label)
    except InvalidInputError as exc:
        errors[name] = exc.message
        return None
    if value is not None and value < 0:
        errors[name] = f"{label} : indiquez un montant positif."
        return None
    return value


def placed(exc: TTRError, *fields: str) -> tuple[str, dict[str, str]]:
    """(message for the top of the page, errors by field): an error that names one of ``fields`` goes
    under that field, by its ``field`` attribute (never by matching its text)."""
    name = getattr(exc, "field", "")
    if name and name in fields:
        return "", {name: exc.message}
    return exc.message, {}


def method_choices() -> tuple[str, ...]:
    """The business's payment methods (Paramètres « Moyens de paiement », else its country's operators)."""
    return methods.methods(business().book().settings)


def mobile_methods() -> tuple[str, ...]:
    """The methods whose payments carry an operator's transaction reference (the forms show the field)."""
    return tuple(m for m in method_choices() if methods.is_mobile(m))


def reference_of(form: Mapping[str, str]) -> str:
    """The transaction reference typed with a payment (checked by ``functions.books.methods``)."""
    return (form.get("reference") or "").strip()


def discount_of(form: Mapping[str, str]) -> dict[str, Any]:
    """The discount asked on a whole sale or prestation: value (« 10 % » or an amount), reason, and whether
    the employee's limit applies (anyone but an admin)."""
    value = (form.get("discount") or "").strip()
    if not value:
        return {}
    return {"value": value, "reason": (form.get("discount_reason") or "").strip(), "employee": g.get("role") != "admin"}


# -- the prestation form ---------------------------------------------------------------------------------
PRESTATION_FIELDS = {"client": "Client", "type": "Type", "start": "Début", "end": "Fin", "status": "Statut",
                     "total": "Montant total", "notes": "Notes"}


def catalogue(book: Book) -> list[tuple[str, str, Decimal | None]]:
    """(value, label, price) of what a line can bill: the Types, then the Stock articles « À vendre »."""
    out = [(f"T:{t.id}", str(t["name"]), t["price"]) for t in book.rows("types")]
    out += [(f"S:{s.id}", str(s["article"]), s["sale_price"]) for s in book.rows("stock") if s["for_sale"] == "Oui"]
    return out


def parse_prestation(book: Book, form: Mapping[str, str], *, new: bool) -> tuple[dict[str, Any], list[dict[str, Any]],
                                                                                  dict[str, str]]:
    """The data and lines for ``Business.add_prestation``/``update``, and the field errors found."""
    errors: dict[str, str] = {}
    data: dict[str, Any] = {}
    client_id = (form.get("client_id") or "").strip()
    name = " ".join((form.get("client_name") or "").split())
    client = book.find("clients", client_id) if client_id else None
    if client_id and (client is None or client.deleted):
        errors["client"] = "Ce client n'existe plus : tapez le nom du client."
    elif client is not None and (not name or haystack(name) == haystack(client["name"])):
        data["client_id"] = client.id  # the client chosen (or kept): linked by id
        data["client"] = client["name"]
    elif name:
        data["client"] = name  # an existing client of that name is linked, else created
        if form.get("client_phone", "").strip():
            data["phone"] = form["client_phone"].strip()
    else:
        errors["client"] = "Tapez le nom du client (un nouveau nom crée le client)."
    type_name = (form.get("type") or "").strip()
    data["type"] = type_name
    start, end = (form.get("start") or "").strip(), (form.get("end") or "").strip()
    data["start"], data["end"] = start or None, end or None
    d1, d2 = parse_day(start), parse_day(end)
    if start and d1 is None:
        errors["start"] = "Date de début invalide."
    if end and d2 is None:
        errors["end"] = "Date de fin invalide."
    if d1 and d2 and d2 < d1:
        errors["end"] = "La date de fin est avant la date de début."
    status = (form.get("status") or "").strip()
    if status:
        if status not in STATUSES:
            errors["status"] = "Statut inconnu."
        data["status"] = status
    data["notes"] = (form.get("notes") or "").strip()
    lines = parse_lines(book, form, errors) if new else []
    total = amount_or_error(book, form.get("total", ""), "total", "Montant total", errors)
    if total is None and not lines and "total" not in errors:
        kind = next((t for t in book.rows("types") if str(t["name"]) == type_name), None)
        if kind is not None and kind["price"] is not None:
            nights = (d2 - d1).days if d1 and d2 and d2 > d1 else 1
            total = book.codec.money(kind["price"] * nights)
        elif new:
            errors["total"] = "Indiquez le montant total, un type avec un prix, ou des lignes."
    if total is not None:
        data["total"] = total
    if not new:
        data.pop("phone", None)
    return data, lines, errors


def parse_lines(book: Book, form: Mapping[str, str], errors: dict[str, str]) -> list[dict[str, Any]]:
    known = {value: (label, price) for value, label, price in catalogue(book)}
    lines = []
    for i in range(LINE_SLOTS):
        ref = (form.get(f"line_article_{i}") or "").strip()
        if not ref:
            continue
        if ref not in known:
            errors[f"line_{i}"] = "Article inconnu : choisissez dans la liste."
            continue
        label, price = known[ref]
        article = book.find("stock", ref[2:]) if ref.startswith("S:") else None
        try:
            qty = money.parse_quantity(form.get(f"line_qty_{i}") or "1", article["unit"] if article else "",
                                       field=f"line_{i}")
        except InvalidInputError as exc:
            errors[f"line_{i}"] = exc.message
            continue
        given = amount_or_error(book, form.get(f"line_price_{i}", ""), f"line_{i}", "Prix unitaire", errors)
        if f"line_{i}" in errors:
            continue
        unit = given if given is not None else price
        if unit is None:
            errors[f"line_{i}"] = f"« {label} » n'a pas de prix : indiquez le prix unitaire."
            continue
        if money.round_money(qty * unit, book.codec.currency) <= 0:
            errors[f"line_{i}"] = f"« {label} » : une ligne à 0 {money.label(book.codec.currency)} n'est pas une vente."
            continue
        line = {"article": label, "article_id": ref[2:], "quantity": qty, "unit_price": unit}
        off = (form.get(f"line_discount_{i}") or "").strip()
        if off:
            line["discount"] = off  # « 10 % » or an amount: checked with the whole ticket (books.discounts)
        lines.append(line)
    return lines


def prestation_form(p: Record) -> dict[str, str]:
    """The edit form's initial values."""
    def text(v: Any) -> str:
        return "" if v is None else (v.isoformat() if isinstance(v, date) else str(v))

    return {"client_id": text(p["client_id"]), "client_name": text(p["client"]), "type": text(p["type"]),
            "start": text(p["start"]), "end": text(p["end"]), "status": text(p["status"]), "total": text(p["total"]),
            "notes": text(p["notes"])}


# -- the client form -------------------------------------------------------------------------------------
CLIENT_FIELDS = {"name": "Nom", "phone": "Téléphone", "email": "Email", "address": "Adresse", "notes": "Notes"}


def parse_client(form: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    data = {k: (form.get(k) or "").strip() for k in CLIENT_FIELDS}
    errors = {}
    if not data["name"]:
        errors["name"] = "Le nom est obligatoire."
    return data, errors


def client_form(c: Record) -> dict[str, str]:
    return {k: "" if c[k] is None else str(c[k]) for k in CLIENT_FIELDS}


# -- sharing ---------------------------------------------------------------------------------------------
def whatsapp(book: Book, phone: Any, text: str) -> str:
    """A wa.me link; a local number gets the calling code of the business's country."""
    from functions.receipts.render import wa_link

    return wa_link(str(phone or ""), text, book.settings.get("country", ""))

