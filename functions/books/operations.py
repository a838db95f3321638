"""Money and stock operations: each returns one ``Change`` (ledger rows + Journal entries), pure.

Payments, refunds, expenses, quick revenues and quick sales append ``Caisse`` rows; stock adjustments
and sales append ``Mouvements`` rows. Nothing is ever read, changed and written back: the balances the
sheet shows are derived again from the ledgers (``functions.books.derive``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from functions.books import ledger
from functions.books.records import Ctx, add, describe, display, require, taken_ids, validate
from functions.errors import InsufficientStockError, InvalidInputError
from functions.money import format_money
from functions.store.codec import plain
from functions.store.schema import fold
from functions.store.workbook import Book, Change, JournalEntry, Record

METHODS = ("Espèces", "Mobile Money", "Carte", "Virement", "Chèque")


def positive_amount(book: Book, value: Any, what: str = "Montant", field: str = "amount") -> Decimal:
    """An amount typed for a payment, a sale or an expense: exact in the currency (``functions.money``),
    above zero, within the one maximum; the error names its field."""
    try:
        amount = book.codec.amount(value, field=field)
    except InvalidInputError as exc:
        message = exc.message if exc.message.startswith(what) else f"{what} : {exc.message.removeprefix('Montant : ')}"
        raise InvalidInputError(message, field=field, code=exc.code) from None
    if amount is None or amount <= 0:
        raise InvalidInputError(f"{what} : indiquez un montant supérieur à zéro.", field=field,
                                code="empty" if amount is None else "zero")
    return amount


def positive_quantity(value: Any, unit: Any = "", field: str = "quantity") -> Decimal:
    """A quantity above zero, whole for pieces, at most 3 decimals for kg or litres (the article's unit)."""
    from functions.money import parse_quantity

    return parse_quantity(value, unit, field=field)


def _unit(book: Book, article_id: str) -> Any:
    article = book.find("stock", article_id)
    return article["unit"] if article is not None else ""


def _method(book: Book, method: str | None) -> str:
    return book.codec.parse_choice(METHODS, method or "Espèces")


def cash_row(book: Book, ctx: Ctx, type_: str, amount: Decimal, **fields: Any) -> dict[str, Any]:
    values = {
        "id": ctx.new_id("caisse", taken_ids(book, "caisse")), "date": ctx.now, "type": type_, "amount": amount,
        "method": _method(book, fields.pop("method", None)), "created_by": ctx.actor,
    }
    values.update({k: v for k, v in fields.items() if v not in (None, "")})
    return values


def _cash_change(book: Book, values: dict[str, Any], action: str) -> Change:
    tab = book.schema.tab("caisse")
    change = Change(appends=[("caisse", values)])
    change.journal.append(JournalEntry(action, "caisse", values["id"], describe(tab, None, values)))
    change.result["caisse_id"] = values["id"]
    return change


def _text(value: Any, limit: int = 500) -> str:
    text = str(value or "").strip()
    if len(text) > limit:
        raise InvalidInputError(f"Texte trop long ({len(text)} caractères, {limit} au plus).")
    return text


def record_payment(book: Book, ctx: Ctx, amount: Any, *, prestation_id: str = "", client_id: str = "",
                   method: str | None = None, note: str = "") -> Change:
    """An Encaissement against a prestation (not beyond what remains) or a client: a payment on account, which
    the pipeline allocates to the client's unpaid prestations, oldest first (``functions.books.allocation``)."""
    value = positive_amount(book, amount)
    if bool(prestation_id) == bool(client_id):
        raise InvalidInputError("Indiquez soit une prestation, soit un client pour ce paiement.")
    if prestation_id:
        p = require(book, "prestations", prestation_id)
        if p["status"] == "Annulée":
            raise InvalidInputError(f"{book.title('prestations')} {p['number'] or p.id} est annulée : "
                                    "enregistrez plutôt un remboursement si nécessaire.")
        totals = ledger.prestation_totals([p], book.rows("lines"), book.all_rows("caisse"), book.codec.quantum)[p.id]
        if value > totals.balance:
            raise InvalidInputError(
                f"Le paiement ({format_money(value, book.codec.currency)}) dépasse le solde restant "
                f"({format_money(totals.balance, book.codec.currency)}). "
                "Rien n'a été enregistré."
            )
        row = cash_row(book, ctx, "Encaissement", value, method=method, prestation_id=p.id,
                       client_id=p["client_id"], category="Paiement",
                       description=_text(note) or f"Paiement {p['number'] or p.id} — {p['client'] or ''}".strip(" —"))
    else:
        c = require(book, "clients", client_id)
        row = cash_row(book, ctx, "Encaissement", value, method=method, client_id=c.id, category="Paiement",
                       description=_text(note) or f"Paiement de {c['name']}")
    return _cash_change(book, row, "paiement")


def refund(book: Book, ctx: Ctx, amount: Any, *, prestation_id: str = "", client_id: str = "",
           method: str | None = None, reason: str = "") -> Change:
    """A Remboursement: money out, and less paid by the prestation or client; never more than paid (for a
    cancelled prestation, than its client's credit, where what it had received went)."""
    value = positive_amount(book, amount)
    if not _text(reason):
        raise InvalidInputError("Indiquez le motif du remboursement.")
    caisse = book.all_rows("caisse")
    if prestation_id:
        p = require(book, "prestations", prestation_id, live=False)
        paid = ledger.prestation_totals([p], book.rows("lines"), caisse)[p.id].paid
        if (p.deleted or p["status"] == "Annulée") and p["client_id"]:  # what it had went to the client's credit
            paid += ledger.credits(book.all_rows("prestations"), caisse).get(str(p["client_id"]), Decimal(0))
        fields = {"prestation_id": p.id, "client_id": p["client_id"]}
    elif client_id:
        c = require(book, "clients", client_id, live=False)
        paid = ledger.client_totals([c], book.all_rows("prestations"), caisse, {})[c.id].paid
        fields = {"client_id": c.id}
    else:
        raise InvalidInputError("Indiquez la prestation ou le client remboursé.")
    if value > paid:
        raise InvalidInputError(f"Le remboursement ({display(value)}) dépasse ce qui a été payé ({display(paid)}).")
    row = cash_row(book, ctx, "Remboursement", value, method=method, category="Remboursement",
                   description=_text(reason), **fields)
    return _cash_change(book, row, "remboursement")


def expense(book: Book, ctx: Ctx, amount: Any, category: str, description: str = "",
            method: str | None = None) -> Change:
    value = positive_amount(book, amount)
    categories = [c.strip() for c in book.settings.get("expense_categories", "").split(",") if c.strip()]
    match = next((c for c in categories if fold(c) == fold(category or "")), None)
    if categories and match is None:
        raise InvalidInputError(f"Catégorie « {_text(category, 60)} » inconnue. Choisissez parmi : "
                                f"{', '.join(categories)} (liste modifiable dans Paramètres).")
    row = cash_row(book, ctx, "Dépense", value, method=method, category=match or _text(category, 60),
                   description=_text(description))
    return _cash_change(book, row, "dépense")


def revenue(book: Book, ctx: Ctx, amount: Any, description: str = "", method: str | None = None,
            category: str = "Revenu") -> Change:
    value = positive_amount(book, amount)
    row = cash_row(book, ctx, "Revenu", value, method=method, category=_text(category, 60),
                   description=_text(description))
    return _cash_change(book, row, "revenu")


def movement_row(book: Book, ctx: Ctx, article: Record, qty: Decimal, reason: str, reference: str = "",
                 taken: set[str] | None = None) -> dict[str, Any]:
    return {
        "id": ctx.new_id("movements", taken if taken is not None else taken_ids(book, "movements")),
        "date": ctx.now, "article_id": article.id, "article": article["article"], "quantity": qty,
        "reason": reason, "reference": reference, "created_by": ctx.actor,
    }


def _available(book: Book) -> dict[str, Decimal]:
    return ledger.stock_quantities(book.rows("stock"), book.all_rows("movements"))


def stock_adjust(book: Book, ctx: Ctx, article_id: str, kind: str, quantity: Any, reason: str = "") -> Change:
    """Entrée (+), Sortie and Perte (−, not beyond the stock), Inventaire (the counted quantity)."""
    kind = book.codec.parse_choice(("Entrée", "Sortie", "Perte", "Inventaire"), kind or "")
    article = require(book, "stock", article_id)
    current = _available(book)[article.id]
    if kind == "Inventaire":
        from functions.money import parse_quantity

        counted = parse_quantity(quantity, article["unit"], what="Quantité comptée", allow_zero=True)
        delta = plain(counted - current)
        if delta == 0:
            raise InvalidInputError(f"Le stock de « {article['article']} » est déjà de {display(current)}.")
    else:
        qty = positive_quantity(quantity, article["unit"])
        delta = qty if kind == "Entrée" else -qty
        if delta < 0 and -delta > current:
            raise InsufficientStockError(
                f"Stock insuffisant : « {article['article']} » n'a que {display(current)} "
                f"{article['unit'] or ''}".rstrip() + ". Rien n'a été enregistré."
            )
    row = movement_row(book, ctx, article, delta, kind, _text(reason, 200))
    change = Change(appends=[("movements", row)])
    change.journal.append(JournalEntry("stock", "movements", row["id"], describe(book.schema.tab("movements"), None, row)))
    change.result["movement_id"] = row["id"]
    return change


def quick_sale(book: Book, ctx: Ctx, items: Sequence[tuple[str, Any]], method: str | None = None,
               client_id: str = "") -> Change:
    """Vente Rapide: a stock movement per article and one Caisse Vente row; refused when stock is short."""
    if not items:
        raise InvalidInputError("Choisissez au moins un article à vendre.")
    wanted: dict[str, Decimal] = {}
    for article_id, qty in items:
        wanted[article_id] = wanted.get(article_id, Decimal(0)) + positive_quantity(qty, _unit(book, article_id))
    available = _available(book)
    taken = taken_ids(book, "movements")
    change = Change()
    total = Decimal(0)
    labels = []
    sale_ref = ctx.new_id("caisse", taken_ids(book, "caisse"))
    for article_id, qty in wanted.items():
        article = require(book, "stock", article_id)
        if article["for_sale"] != "Oui" or article["sale_price"] is None:
            raise InvalidInputError(f"« {article['article']} » n'est pas marqué « À vendre » avec un prix.")
        if qty > available[article.id]:
            raise InsufficientStockError(
                f"Stock insuffisant pour « {article['article']} » : {display(available[article.id])} "
                f"disponible(s), {display(qty)} demandé(s). Rien n'a été vendu."
            )
        line = ledger.rounded(qty * article["sale_price"], book.codec.quantum)
        if line <= 0:
            raise InvalidInputError(f"« {article['article']} » : {display(qty)} à ce prix fait 0 {book.codec.currency}. "
                                    "Rien n'a été vendu.", field="quantity", code="zero")
        total += line
        labels.append(f"{display(qty)} × {article['article']}")
        row = movement_row(book, ctx, article, -qty, "Vente", sale_ref, taken)
        change.appends.append(("movements", row))
    client = require(book, "clients", client_id) if client_id else None
    cash = {
        "id": sale_ref, "date": ctx.now, "type": "Vente", "category": "Vente rapide",
        "description": "Vente rapide : " + ", ".join(labels), "amount": total, "method": _method(book, method),
        "client_id": client.id if client else None, "created_by": ctx.actor,
    }
    change.appends.append(("caisse", cash))
    change.journal.append(JournalEntry("vente", "caisse", sale_ref, describe(book.schema.tab("caisse"), None, cash)))
    change.result.update({"caisse_id": sale_ref, "total": total})
    return change


def link_or_create_client(book: Book, ctx: Ctx, name: str, pending: list[Record] | None = None,
                          phone: str = "") -> tuple[str, Change]:
    """The id of the client of that name (case- and accent-insensitive), or a new client's."""
    found = ledger.match_client(name, book.rows("clients") + list(pending or []))
    if found is not None:
        return found.id, Change()
    change = add(book, "clients", {"name": name, "phone": phone}, ctx)
    return change.result["id"], change


def add_prestation(book: Book, ctx: Ctx, data: Mapping[str, Any], lines: Sequence[Mapping[str, Any]] = (),
                   paid_now: Any = None, method: str | None = None) -> Change:
    """A prestation with its number, its client (linked by name or created), its lines and a first
    payment, in one change."""
    data = dict(data)
    values = validate(book, "prestations", {k: v for k, v in data.items() if k not in ("number", "phone")})
    if values.get("start") and values.get("end") and values["end"] < values["start"]:
        raise InvalidInputError("La date de fin est avant la date de début. Rien n'a été enregistré.")
    change = Change()
    if values.get("client_id"):
        client = require(book, "clients", values["client_id"])
        values["client"] = client["name"]
    elif values.get("client"):
        values["client_id"], linked = link_or_create_client(book, ctx, values["client"], phone=str(data.get("phone") or ""))
        change.extend(linked)
        if not linked:
            values["client"] = require(book, "clients", values["client_id"])["name"]
    else:
        raise InvalidInputError("Indiquez le client.")
    values["id"] = ctx.new_id("prestations", taken_ids(book, "prestations"))
    values["number"] = f"{ctx.next_number('prestation'):05d}"
    values["created_at"], values["created_by"] = ctx.now, ctx.actor
    line_rows = []
    taken = taken_ids(book, "lines")
    for raw in lines:
        line = validate(book, "lines", {**raw, "prestation_id": values["id"]})
        if ledger.line_total(line, book.codec.quantum) <= 0:
            raise InvalidInputError(f"Ligne « {line.get('article') or '?'} » : une ligne à 0 {book.codec.currency} ou "
                                    "moins n'est pas une vente (quantité et prix au-dessus de zéro).",
                                    field="lines", code="zero")
        line["id"] = ctx.new_id("lines", taken)
        line_rows.append(line)
    if line_rows:
        values["total"] = sum((ledger.line_total(r, book.codec.quantum) for r in line_rows), Decimal(0))
    if values.get("total") is None:
        raise InvalidInputError("Indiquez le montant total ou des lignes.")
    tab = book.schema.tab("prestations")
    change.appends.append(("prestations", values))
    change.appends += [("lines", r) for r in line_rows]
    change.journal.append(JournalEntry("ajout", "prestations", values["id"], describe(tab, None, values)))
    if paid_now not in (None, "", 0, "0"):
        amount = positive_amount(book, paid_now, "Montant payé")
        if amount > values["total"]:
            raise InvalidInputError("Le montant payé dépasse le montant total. Rien n'a été enregistré.")
        row = cash_row(book, ctx, "Encaissement", amount, method=method, prestation_id=values["id"],
                       client_id=values["client_id"], category="Paiement",
                       description=f"Paiement {values['number']} — {values['client']}")
        change.extend(_cash_change(book, row, "paiement"))
    change.result.update({"id": values["id"], "number": values["number"], "client_id": values["client_id"]})
    return change


def set_status(book: Book, ctx: Ctx, prestation_id: str, status: str) -> Change:
    from functions.books.records import update

    return update(book, "prestations", prestation_id, {"status": status}, ctx, action="statut")
