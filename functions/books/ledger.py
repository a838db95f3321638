"""The ledger rules of DESIGN.md as pure functions over typed records.

Every balance is derived from the append-only ledgers (``Caisse`` for money, ``Mouvements`` for stock);
nothing here reads a balance, changes it and writes it back. Inputs are sequences of records (anything
with ``__getitem__`` by column key and an ``id``); results are plain dicts keyed by id. Row order never
changes a result except where the rule says "by date" (the running cash balance), and ties on the date
keep the sheet order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

from functions.money import round_to
from functions.store.schema import fold

MONEY_IN = frozenset({"Encaissement", "Vente", "Revenu"})
MONEY_OUT = frozenset({"Dépense", "Remboursement"})
#: Allocation rows (see ``functions.books.allocation``): they move no money, only how a client's payments are
#: spread over its prestations. "Affectation" applies credit to a prestation, "Mise en avoir" takes it back.
ALLOCATE, RELEASE = "Affectation", "Mise en avoir"
ZERO = Decimal(0)
OPENING = "Solde d'ouverture"  # the cash in the drawer when the books start (functions.books.opening)
#: An opening row of a closed year (``functions.books.year_end``), signed: without a Client ID, the cash a
#: payment method carries into the new year; with one, what the client's archived rows had paid beyond what
#: they billed (it counts in the client's Total payé and credit, and moves no cash).
CARRIED = "À nouveau"


class Row(Protocol):
    @property
    def id(self) -> str: ...

    def __getitem__(self, key: str) -> Any: ...


def amount(row: Row) -> Decimal:
    value = row["amount"]
    return value if isinstance(value, Decimal) else ZERO


def signed_cash(row: Row) -> Decimal:
    """What a Caisse row does to the cash in hand (the opening balance too: money there, not earned)."""
    if row["type"] in MONEY_IN or row["type"] == OPENING:
        return amount(row)
    if row["type"] in MONEY_OUT:
        return -amount(row)
    if row["type"] == CARRIED and not row["client_id"]:
        return amount(row)
    return ZERO


def payment_effect(row: Row) -> Decimal:
    """What a Caisse row does to what a prestation or a client has paid."""
    if row["type"] == "Encaissement" or (row["type"] == CARRIED and row["client_id"]):
        return amount(row)
    if row["type"] == "Remboursement":
        return -amount(row)
    return ZERO


def allocation_effect(row: Row) -> Decimal:
    """What an allocation row does to what its prestation has paid (zero for any other row)."""
    if row["type"] == ALLOCATE:
        return amount(row)
    if row["type"] == RELEASE:
        return -amount(row)
    return ZERO


def on_account(row: Row) -> bool:
    """A payment or refund of a client that names no prestation (a payment on account)."""
    return bool(row["client_id"]) and not row["prestation_id"]


def credits(prestations: Iterable[Row], caisse: Iterable[Row]) -> dict[str, Decimal]:
    """Each client's credit (avoir): Σ its payments on account − Σ refunds on account − what allocation rows
    moved from it to its prestations (an allocation belongs to the client of its prestation)."""
    owner = {p.id: p["client_id"] for p in prestations}
    out: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for row in caisse:
        if on_account(row):
            out[str(row["client_id"])] += payment_effect(row)
        elif row["prestation_id"] and (effect := allocation_effect(row)):
            client = owner.get(row["prestation_id"]) or row["client_id"]
            if client:
                out[str(client)] -= effect
    return dict(out)


@dataclass(frozen=True)
class PrestationTotals:
    total: Decimal
    paid: Decimal

    @property
    def balance(self) -> Decimal:
        return self.total - self.paid


@dataclass(frozen=True)
class ClientTotals:
    billed: Decimal
    paid: Decimal

    @property
    def balance(self) -> Decimal:
        return self.billed - self.paid


def rounded(amount: Decimal, quantum: Decimal | None) -> Decimal:
    """Money rounded to the currency's exponent by the one rule of ``functions.money`` (half up)."""
    return amount if quantum is None else round_to(amount, quantum)


def line_total(line: Row | Mapping[str, Any], quantum: Decimal | None = None) -> Decimal:
    qty = line["quantity"] if line["quantity"] is not None else Decimal(1)
    price = line["unit_price"] if line["unit_price"] is not None else ZERO
    off = line.get("discount") if isinstance(line, Mapping) else line["discount"]  # a remise on the line
    off = off if isinstance(off, Decimal) else ZERO
    return rounded(Decimal(qty) * price, quantum) - off


def line_totals(lines: Iterable[Row], quantum: Decimal | None = None) -> dict[str, Decimal]:
    return {line.id: line_total(line, quantum) for line in lines}


def lines_by_prestation(lines: Iterable[Row], quantum: Decimal | None = None) -> dict[str, Decimal]:
    """Σ of each prestation's line totals (each rounded first, so the total is what the lines show)."""
    sums: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for line in lines:
        if line["prestation_id"]:
            sums[line["prestation_id"]] += line_total(line, quantum)
    return dict(sums)


def prestation_totals(
    prestations: Iterable[Row], lines: Iterable[Row], caisse: Iterable[Row], quantum: Decimal | None = None
) -> dict[str, PrestationTotals]:
    """Paid = Σ Encaissement − Σ Remboursement of its Caisse rows, ± the allocations of the client's credit
    to it; total = Σ lines when it has lines."""
    by_lines = lines_by_prestation(lines, quantum)
    paid: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for row in caisse:
        if row["prestation_id"]:
            paid[row["prestation_id"]] += payment_effect(row) + allocation_effect(row)
    out = {}
    for p in prestations:
        total = rounded(by_lines[p.id] if p.id in by_lines else (p["total"] or ZERO), quantum)
        out[p.id] = PrestationTotals(total, paid[p.id])
    return out


def client_totals(
    clients: Iterable[Row],
    prestations: Sequence[Row],
    caisse: Iterable[Row],
    totals: Mapping[str, PrestationTotals],
) -> dict[str, ClientTotals]:
    """Billed = Σ totals of the client's prestations not cancelled; paid = Σ Encaissement − Σ
    Remboursement of the Caisse rows of the client: the client of their prestation when they have one (so a
    prestation moved to another client takes its payments along), else their own Client ID."""
    owner = {p.id: p["client_id"] for p in prestations}
    billed: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for p in prestations:
        if p["client_id"] and p["status"] != "Annulée" and p.id in totals:
            billed[p["client_id"]] += totals[p.id].total
    paid: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for row in caisse:
        client = owner.get(row["prestation_id"] or "") or row["client_id"]
        if client:
            paid[client] += payment_effect(row)
    return {c.id: ClientTotals(billed[c.id], paid[c.id]) for c in clients}


def when(row: Row, undated: datetime = datetime.max) -> datetime:
    """The moment of a ledger row (a bare date counts as midnight; ``undated`` when it has none)."""
    value = row["date"]
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    return undated


def running_cash(caisse: Sequence[Row]) -> dict[str, Decimal]:
    """Solde caisse of each row: Σ money in − money out of every row up to it, by date (stable)."""
    ordered = sorted(range(len(caisse)), key=lambda i: (when(caisse[i]), i))
    balance = ZERO
    out: dict[str, Decimal] = {}
    for i in ordered:
        balance += signed_cash(caisse[i])
        out[caisse[i].id] = balance
    return out


def cash_balance(caisse: Iterable[Row]) -> Decimal:
    return sum((signed_cash(r) for r in caisse), ZERO)


def stock_quantities(stock: Iterable[Row], movements: Iterable[Row]) -> dict[str, Decimal]:
    """Quantité of each article = Σ Mouvements.Quantité of the article."""
    qty: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for m in movements:
        if m["article_id"] and m["quantity"] is not None:
            qty[m["article_id"]] += Decimal(m["quantity"])
    return {s.id: qty[s.id] for s in stock}


def roi(investment: Row) -> Decimal | None:
    """Expected return on investment, as a fraction (0.25 = 25 %)."""
    initial, expected = investment["initial"], investment["expected_return"]
    if not initial or expected is None:
        return None
    return ((expected - initial) / initial).quantize(Decimal("0.0001"))


def match_client(name: str, clients: Iterable[Row]) -> Row | None:
    """The first client of that name, ignoring case and accents; None when absent."""
    key = fold(name)
    return next((c for c in clients if fold(str(c["name"] or "")) == key), None)
