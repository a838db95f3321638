"""Clôture de caisse: the end-of-day count, as one ledger-correct change (pure).

The expected amount is the derived balance of the Caisse rows paid in **Espèces** (Σ in − Σ out): the
notes and coins in the drawer. Mobile Money, card, transfer and cheque money is not in the drawer and is
not counted (the page shows each method's total of the day beside, to compare with each operator's own
statement). The person counts the cash and types what they counted. The change records the count in the
Journal (expected, counted, difference, and « Hors caisse du jour : Flooz 8000, Wave 2500 ») and, when the
count differs, appends one Espèces correction row to Caisse so that the derived cash-in-hand equals the
count from then on:

* counted more than expected → a ``Revenu`` of category « Écart de caisse (excédent) »;
* counted less than expected → a ``Dépense`` of category « Écart de caisse (manquant) ».

Nothing is read, changed and written back: the correction is an entry like any other, and a wrong count
is corrected by the next closing (or a reversing entry), never by editing a row.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from functions.books import ledger, methods
from functions.books.operations import cash_row
from functions.books.records import Ctx, describe, display
from functions.errors import ConflictError, InvalidInputError
from functions.money import format_money, parse_amount
from functions.store.workbook import Book, Change, JournalEntry, Record

SURPLUS = "Écart de caisse (excédent)"
SHORTAGE = "Écart de caisse (manquant)"
ACTION = "clôture"


CASH = "Espèces"


@dataclass(frozen=True)
class Expected:
    """What the drawer should hold (``total``: Espèces only), the whole balance, and how it splits by
    payment method (for the person counting)."""

    total: Decimal
    by_method: dict[str, Decimal]
    rows: int
    all_methods: Decimal = Decimal(0)


def expected(caisse: list[Record]) -> Expected:
    by_method: dict[str, Decimal] = {}
    for row in caisse:
        method = str(row["method"] or CASH)
        by_method[method] = by_method.get(method, Decimal(0)) + ledger.signed_cash(row)
    return Expected(by_method.get(CASH, Decimal(0)), by_method, len(caisse), ledger.cash_balance(caisse))


def counted_amount(book: Book, value: Any) -> Decimal:
    """The counted amount: zero or more, in the business's currency."""
    if value is None or str(value).strip() == "":
        raise InvalidInputError("Montant compté : indiquez le montant compté (0 si la caisse est vide).")
    amount = parse_amount(value, book.codec.currency, field="counted", what="Montant compté") or Decimal(0)
    if amount < 0:
        raise InvalidInputError("Montant compté : il ne peut pas être négatif.")
    if amount >= Decimal(10) ** 13:
        raise InvalidInputError("Montant compté : montant trop grand.")
    return amount


def close_cash(book: Book, ctx: Ctx, counted: Any, note: str = "", seen_expected: Any = None) -> Change:
    """The closing change. ``seen_expected`` is the expected amount the person was shown: when the
    ledger moved since (a sale meanwhile), the closing is refused so they count again."""
    amount = counted_amount(book, counted)
    note = str(note or "").strip()
    if len(note) > 300:
        raise InvalidInputError("Remarque : 300 caractères au plus.")
    exp = expected(book.all_rows("caisse")).total
    if seen_expected not in (None, ""):
        try:
            seen = book.codec.money(seen_expected)
        except InvalidInputError:
            seen = None
        if seen != exp:
            raise ConflictError(
                f"Le solde attendu a changé depuis l'affichage ({format_money(seen, book.codec.currency) if seen is not None else '?'} → "
                f"{format_money(exp, book.codec.currency)}) : une opération "
                "a été enregistrée entre-temps. Vérifiez et recomptez. Rien n'a été enregistré."
            )
    difference = amount - exp
    change = Change()
    summary = f"Attendu : {display(exp)} ; Compté : {display(amount)} ; Écart : {_signed(difference)}"
    others = [o for o in methods.day_totals(book.all_rows("caisse"), ctx.now.date()) if o.method != CASH and o.net]
    if others:  # what each operator (and card, transfer…) should show on its own statement for the day
        summary += " ; Hors caisse du jour : " + ", ".join(f"{o.method} {display(o.net)}" for o in others)
    if note:
        summary += f" ; Remarque : {display(note)}"
    row_id = ""
    if difference:
        kind, category = ("Revenu", SURPLUS) if difference > 0 else ("Dépense", SHORTAGE)
        row = cash_row(book, ctx, kind, abs(difference), method=CASH, category=category,
                       description=f"Clôture de caisse : compté {format_money(amount, book.codec.currency)}, "
                                   f"attendu {format_money(exp, book.codec.currency)}"
                       + (f" — {note}" if note else ""))
        row_id = row["id"]
        change.appends.append(("caisse", row))
        change.journal.append(JournalEntry("écart de caisse", "caisse", row_id,
                                           describe(book.schema.tab("caisse"), None, row)))
    change.journal.insert(0, JournalEntry(ACTION, "caisse", row_id, summary))
    change.result.update({"expected": exp, "counted": amount, "difference": difference, "caisse_id": row_id})
    return change


def _signed(value: Decimal) -> str:
    return ("+" if value > 0 else "") + display(value)


__all__ = ["ACTION", "SHORTAGE", "SURPLUS", "Expected", "close_cash", "counted_amount", "expected"]
