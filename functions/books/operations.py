"""Money and stock operations: each returns one ``Change`` (ledger rows + Journal entries), pure.

Payments, refunds, expenses, quick revenues and quick sales append ``Caisse`` rows; stock adjustments
and sales append ``Mouvements`` rows. Nothing is ever read, changed and written back: the balances the
sheet shows are derived again from the ledgers (``functions.books.derive``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from functions.books import discounts, ledger, tax
from functions.books.records import Ctx, add, describe, display, require, taken_ids, validate
from functions.errors import InsufficientStockError, InvalidInputError
from functions.money import format_money, format_number
from functions.store.codec import plain
from functions.store.schema import fold
from functions.store.workbook import Book, Change, JournalEntry, Record

METHODS = ("Espèces", "Mobile Money", "Carte", "Virement", "Chèque")  # the former fixed list (methods.LEGACY)


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


def _payment(book: Book, type_: str, method: str | None, reference: Any = "") -> dict[str, Any]:
    """Moyen (the business's list), Référence (no duplicate per operator) and, for money received by mobile
    money, Contrôle « Déclaré » (``functions.books.methods``)."""
    from functions.books import methods

    fields = methods.payment_fields(book, method, reference)
    if type_ not in ledger.MONEY_IN:
        fields.pop("check", None)
    return fields


def cash_row(book: Book, ctx: Ctx, type_: str, amount: Decimal, **fields: Any) -> dict[str, Any]:
    values = {
        "id": ctx.new_id("caisse", taken_ids(book, "caisse")), "date": ctx.now, "type": type_, "amount": amount,
        **_payment(book, type_, fields.pop("method", None), fields.pop("reference", "")), "created_by": ctx.actor,
    }
    values.update({k: v for k, v in fields.items() if v not in (None, "")})
    return {k: v for k, v in values.items() if v is not None}


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
                   method: str | None = None, note: str = "", reference: str = "") -> Change:
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
        row = cash_row(book, ctx, "Encaissement", value, method=method, reference=reference, prestation_id=p.id,
                       client_id=p["client_id"], category="Paiement",
                       description=_text(note) or f"Paiement {p['number'] or p.id} — {p['client'] or ''}".strip(" —"))
    else:
        c = require(book, "clients", client_id)
        row = cash_row(book, ctx, "Encaissement", value, method=method, reference=reference, client_id=c.id,
                       category="Paiement",
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


def _discounted(book: Book, lines: list[discounts.Line], discount: Mapping[str, Any] | None
                ) -> tuple[discounts.Ticket, str, list[str]]:
    """The ticket of ``lines`` with the discount asked (``value``, ``reason``, ``employee``), checked against the
    rules; (ticket, reason, warnings for an admin)."""
    d = dict(discount or {})
    currency = book.codec.currency
    whole = discounts.parse(d.get("value"), currency)
    t = discounts.ticket(lines, whole, currency)
    reason = _text(d.get("reason"), 200)
    warnings = discounts.check(t, book.settings, currency, employee=bool(d.get("employee")), reason=reason)
    return t, reason, warnings


def _warn(change: Change, tab: str, row_id: str, warnings: list[str]) -> None:
    if warnings:
        change.result["warning"] = " ; ".join(warnings)
        change.journal.append(JournalEntry("avertissement", tab, row_id, " ; ".join(warnings)))


def quick_sale(book: Book, ctx: Ctx, items: Sequence[tuple[str, Any]], method: str | None = None,
               client_id: str = "", reference: str = "", discount: Mapping[str, Any] | None = None) -> Change:
    """Vente Rapide: a stock movement per article and one Caisse Vente row; refused when stock is short. A
    discount on the whole sale is spread over its lines (``functions.books.discounts``); with TVA on, the row
    carries the tax it includes (``functions.books.tax``)."""
    if not items:
        raise InvalidInputError("Choisissez au moins un article à vendre.")
    wanted: dict[str, Decimal] = {}
    for article_id, qty in items:
        wanted[article_id] = wanted.get(article_id, Decimal(0)) + positive_quantity(qty, _unit(book, article_id))
    available = _available(book)
    taken = taken_ids(book, "movements")
    change = Change()
    labels = []
    lines: list[discounts.Line] = []
    sale_ref = ctx.new_id("caisse", taken_ids(book, "caisse"))
    for article_id, qty in wanted.items():
        article = require(book, "stock", article_id)
        if article["for_sale"] != "Oui" or article["sale_price"] is None:
            raise InvalidInputError(f"« {article['article']} » n'est pas marqué « À vendre » avec un prix.")
        if qty > available[article.id]:
            raise InsufficientStockError(
                f"Stock insuffisant pour « {article['article']} » : {format_number(available[article.id])} "
                f"disponible(s), {format_number(qty)} demandé(s). Rien n'a été vendu."
            )
        line = sale_line(book, article, qty)
        if line.gross <= 0:
            raise InvalidInputError(f"« {article['article']} » : {format_number(qty)} à ce prix fait "
                                    f"{format_money(0, book.codec.currency)}. "
                                    "Rien n'a été vendu.", field="quantity", code="zero")
        lines.append(line)
        labels.append(f"{format_number(qty)} × {article['article']}")  # « 1,5 × Jus de bissap »
        row = movement_row(book, ctx, article, -qty, "Vente", sale_ref, taken)
        change.appends.append(("movements", row))
    t, reason, warnings = _discounted(book, lines, discount)
    if t.total <= 0:
        raise InvalidInputError("Une remise de 100 % n'est pas une vente : enregistrez plutôt une Sortie de stock.",
                                field="discount", code="over_100")
    client = require(book, "clients", client_id) if client_id else None
    rates = tax.breakdown(zip(t.totals, [ln.rate for ln in lines], strict=True), book.codec.currency)
    off = discounts.describe(t, reason, book.codec.currency)
    cash = {
        "id": sale_ref, "date": ctx.now, "type": "Vente", "category": "Vente rapide",
        "description": "Vente rapide : " + ", ".join(labels) + (f" ; {off}" if off else ""), "amount": t.total,
        **_payment(book, "Vente", method, reference), "client_id": client.id if client else None,
        "discount": t.discount or None, "discount_reason": reason if t.discount else None,
        "tax": tax.total_tax(rates) if tax.enabled(book.settings) else None, "created_by": ctx.actor,
    }
    cash = {k: v for k, v in cash.items() if v is not None}
    change.appends.append(("caisse", cash))
    change.journal.append(JournalEntry("vente", "caisse", sale_ref, describe(book.schema.tab("caisse"), None, cash)))
    _warn(change, "caisse", sale_ref, warnings)
    change.result.update({"caisse_id": sale_ref, "total": t.total})
    return change


def sale_line(book: Book, article: Record, qty: Decimal) -> discounts.Line:
    """A quick-sale line before discount: the article's price the client pays (TTC), its cost and TVA rate."""
    rate = tax.rate_of(book.settings, article)
    unit = tax.ttc(book.settings, article["sale_price"], rate, book.codec.currency)
    cost = article["purchase_price"]
    return discounts.Line(str(article["article"]), ledger.rounded(qty * unit, book.codec.quantum),
                          ledger.rounded(qty * cost, book.codec.quantum) if cost is not None else None, None, rate)


def link_or_create_client(book: Book, ctx: Ctx, name: str, pending: list[Record] | None = None,
                          phone: str = "") -> tuple[str, Change]:
    """The id of the client of that name (case- and accent-insensitive), or a new client's."""
    found = ledger.match_client(name, book.rows("clients") + list(pending or []))
    if found is not None:
        return found.id, Change()
    change = add(book, "clients", {"name": name, "phone": phone}, ctx)
    return change.result["id"], change


def add_prestation(book: Book, ctx: Ctx, data: Mapping[str, Any], lines: Sequence[Mapping[str, Any]] = (),
                   paid_now: Any = None, method: str | None = None, *, reference: str = "",
                   discount: Mapping[str, Any] | None = None) -> Change:
    """A prestation with its number, its client (linked by name or created), its lines and a first
    payment, in one change. A line may carry its own ``discount`` (« 10 % », « 500 »); ``discount`` (value,
    reason, employee) is on the whole prestation, spread over the lines (``functions.books.discounts``)."""
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
    asked = dict(discount or {})
    if not lines and discounts.parse(asked.get("value"), book.codec.currency) and values.get("total") is not None:
        lines = [{"article": values.get("type") or book.title("prestations").rstrip("s"), "quantity": 1,
                  "unit_price": values["total"]}]  # a discount needs a line to sit on
    priced: list[discounts.Line] = []
    for raw in lines:
        raw = dict(raw)
        own = discounts.parse(raw.pop("discount", None), book.codec.currency)
        raw.pop("discount_reason", None)
        line = validate(book, "lines", {**raw, "prestation_id": values["id"]})
        if ledger.line_total(line, book.codec.quantum) <= 0:
            raise InvalidInputError(f"Ligne « {line.get('article') or '?'} » : une ligne à 0 {book.codec.currency} ou "
                                    "moins n'est pas une vente (quantité et prix au-dessus de zéro).",
                                    field="lines", code="zero")
        line["id"] = ctx.new_id("lines", taken)
        priced.append(_priced(book, line, own))
        line_rows.append(line)
    if any(ln.ask for ln in priced) or asked.get("value"):
        t, reason, warnings = _discounted(book, priced, asked)
        if t.total <= 0:
            raise InvalidInputError("Remise : le montant total ne peut pas devenir nul.", field="discount",
                                    code="over_100")
        for line, off in zip(line_rows, t.discounts, strict=True):
            if off:
                line.update(discount=off, discount_reason=reason)
        _warn(change, "prestations", values["id"], warnings)
        if t.discount:
            change.journal.append(JournalEntry("remise", "prestations", values["id"],
                                               discounts.describe(t, reason, book.codec.currency)))
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
        row = cash_row(book, ctx, "Encaissement", amount, method=method, reference=reference,
                       prestation_id=values["id"], client_id=values["client_id"], category="Paiement",
                       description=f"Paiement {values['number']} — {values['client']}")
        change.extend(_cash_change(book, row, "paiement"))
    change.result.update({"id": values["id"], "number": values["number"], "client_id": values["client_id"]})
    return change


def _priced(book: Book, line: dict[str, Any], own: discounts.Ask | None) -> discounts.Line:
    """A prestation line as a ticket line: its TTC price (prices entered HT get the tax added, written on the
    line), its TVA rate (written on the line when TVA is on), its cost from the article or type."""
    ref = str(line.get("article_id") or "")
    source = book.find("stock", ref) or book.find("types", ref) if ref else None
    rate = tax.rate_of(book.settings, source)
    if line.get("unit_price") is not None:
        line["unit_price"] = tax.ttc(book.settings, line["unit_price"], rate, book.codec.currency)
    if tax.enabled(book.settings):
        line["vat_rate"] = rate
    qty = line["quantity"] if line.get("quantity") is not None else Decimal(1)
    cost = source["purchase_price"] if source is not None else None
    return discounts.Line(str(line.get("article") or ""), ledger.line_total(line, book.codec.quantum),
                          ledger.rounded(qty * cost, book.codec.quantum) if cost is not None else None, own, rate)


def set_status(book: Book, ctx: Ctx, prestation_id: str, status: str) -> Change:
    from functions.books.records import update

    return update(book, "prestations", prestation_id, {"status": status}, ctx, action="statut")
