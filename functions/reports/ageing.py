"""Unpaid balances by age (0–30, 31–60, 61–90, 90+ days), as of any date, by ``books.ledger``'s rules.

As of a day D, the books are the prestations that existed then (``Créé le`` on or before D; without it, a
``Début`` on or before D) and the Caisse rows dated on or before D (undated rows only when D is today or
later, so that today's buckets add up to today's balances). Each client's balance is
``ledger.client_totals``' balance of those rows; it is spread over the client's prestations that are
still due, by the age of each (days from its ``Début``, or from its creation when it starts later, to D),
and what the client paid beyond them (payments on account, overpaid prestations) settles the oldest first.
So the buckets of a client always add up to its balance, and their totals to the sum of the balances.
A client who owes nothing (or has a credit) is not listed. A prestation without a client is in no client's
balance (the ledger rule) and so in no bucket.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from functions.books import ledger
from functions.reports.frames import day_of
from functions.store.workbook import Book, Record

BUCKETS = ("0–30 jours", "31–60 jours", "61–90 jours", "Plus de 90 jours")
ZERO = Decimal(0)


def bucket(days: int) -> int:
    return 0 if days <= 30 else 1 if days <= 60 else 2 if days <= 90 else 3


@dataclass(frozen=True)
class ClientAge:
    client_id: str
    name: str
    phone: str
    balance: Decimal
    buckets: tuple[Decimal, Decimal, Decimal, Decimal]


@dataclass
class Ageing:
    as_of: date
    clients: list[ClientAge] = field(default_factory=list)

    @property
    def totals(self) -> tuple[Decimal, ...]:
        return tuple(sum((c.buckets[i] for c in self.clients), ZERO) for i in range(4))

    @property
    def total(self) -> Decimal:
        return sum((c.balance for c in self.clients), ZERO)


def _existed(p: Record, as_of: date, today: date) -> bool:
    created = day_of(p["created_at"])
    if created is not None:
        return created <= as_of
    start = day_of(p["start"])
    return start <= as_of if start is not None else as_of >= today


def _dated(row: Record, as_of: date, today: date) -> bool:
    day = day_of(row["date"])
    return day <= as_of if day is not None else as_of >= today


def _age(p: Record, as_of: date) -> int:
    start, created = day_of(p["start"]), day_of(p["created_at"])
    ref = start if start is not None and start <= as_of else created if created is not None else as_of
    return max(0, (as_of - min(ref, as_of)).days)


def ageing(book: Book, as_of: date, today: date,
           current: Mapping[str, ledger.PrestationTotals] | None = None) -> Ageing:
    """``current``: the prestation totals of the whole workbook, reused when as of D the books are whole."""
    every, rows = book.all_rows("prestations"), book.all_rows("caisse")
    prestations = [p for p in every if _existed(p, as_of, today)]
    caisse = [r for r in rows if _dated(r, as_of, today)]
    clients = book.rows("clients")
    whole = current is not None and len(prestations) == len(every) and len(caisse) == len(rows)
    totals = current if whole and current is not None else \
        ledger.prestation_totals(prestations, book.rows("lines"), caisse, book.codec.quantum)
    balances = ledger.client_totals(clients, prestations, caisse, totals)
    due: dict[str, list[tuple[int, Decimal]]] = defaultdict(list)
    for p in prestations:
        owed = (ZERO if p["status"] == "Annulée" else totals[p.id].total) - totals[p.id].paid
        if p["client_id"] and owed > 0:
            due[p["client_id"]].append((_age(p, as_of), owed))
    out = Ageing(as_of)
    for c in clients:
        balance = balances[c.id].balance
        if balance <= 0:
            continue
        parts = [ZERO, ZERO, ZERO, ZERO]
        for days, owed in due.get(c.id, []):
            parts[bucket(days)] += owed
        settle = sum(parts, ZERO) - balance  # paid beyond the prestations still due: the oldest first
        if settle < 0:
            parts[0] -= settle  # owed beyond its prestations (a refund on account): counted as recent
        for i in (3, 2, 1, 0):
            taken = min(parts[i], max(settle, ZERO))
            parts[i] -= taken
            settle -= taken
        out.clients.append(ClientAge(c.id, str(c["name"] or ""), str(c["phone"] or ""), balance,
                                     (parts[0], parts[1], parts[2], parts[3])))
    out.clients.sort(key=lambda a: (-a.balance, a.name))
    return out
