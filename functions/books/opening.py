"""The opening cash balance (« solde d'ouverture »): what the drawer holds when the books start.

It is one Caisse row of its own type, dated when the books start: it counts in the cash balance (so a
business that pays salaries from the drawer on day one does not show a negative cash book) but it is not
money earned, so no sales, revenue or result figure counts it. There is at most one; a correction is a
Revenu or a Dépense like any other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from functions.books.commands import Command
from functions.books.ledger import OPENING
from functions.books.operations import _cash_change, cash_row, positive_amount
from functions.books.records import Ctx
from functions.errors import InvalidInputError
from functions.store.workbook import Book, Change


def opening_balance(book: Book, ctx: Ctx, amount: Any, method: str | None = None) -> Change:
    value = positive_amount(book, amount, "Solde d'ouverture", field="opening_balance")
    if any(r["type"] == OPENING for r in book.all_rows("caisse") if not r.deleted):
        raise InvalidInputError("Le solde d'ouverture est déjà enregistré : corrigez-le par un revenu ou une "
                                "dépense dans la Caisse.", field="opening_balance", code="exists")
    row = cash_row(book, ctx, OPENING, value, method=method or "Espèces", category=OPENING,
                   description="Solde d'ouverture de la caisse")
    return _cash_change(book, row, "ouverture")


@dataclass(frozen=True)
class OpeningBalance(Command):
    """Record the opening cash balance (set-up page, ``ttr demo``)."""

    amount: Any
    method: str | None = None
    tabs = ("settings", "caisse")

    def apply(self, book: Book, ctx: Ctx) -> Change:
        return opening_balance(book, ctx, self.amount, self.method)


def check(book_currency: str, amount: Any) -> None:
    """Refuse a bad opening balance before anything is written (the set-up page checks it first)."""
    from functions.money import parse_amount

    value = parse_amount(amount, book_currency, field="opening_balance", what="Solde d'ouverture")
    if value is not None and value < 0:
        raise InvalidInputError("Solde d'ouverture : indiquez un montant positif ou zéro.", field="opening_balance",
                                code="negative")
