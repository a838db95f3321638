"""Writes are commands: one frozen dataclass per operation, ``apply(book, ctx) -> Change``, pure.

Every change to the workbook is submitted as a command to ``Business.submit`` (the one pipeline: lock,
idempotency checked against the command's own fingerprint, one read of ``command.tabs``, ``apply``, the
one completion rule of derived columns, the hooks, one write with the Journal rows, the snapshot patch).
Web routes, the CLI, reminders, TRIX images, promo approvals and the sync build commands; none writes
around the pipeline, and none builds a fingerprint by hand.

Commands of modules above ``books`` (receipt links, the Équipe mirror, reminders, TRIX images, promo
notes) subclass ``Command`` next to their module, so dependencies keep pointing down.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar

from functions.books import records
from functions.books.records import Ctx
from functions.store.workbook import Book, Change

#: The tabs an action may need (a command may name fewer).
ACTION_TABS: tuple[str, ...] = ("settings", "clients", "prestations", "lines", "caisse", "stock", "movements",
                                "agenda", "investments", "types", "team")
#: What a command that moves money for a client or a prestation reads: their figures, the allocation of a
#: payment on account (``allocation.settle``) and the receipt (``receipts.render``) come from these.
ACCOUNT_TABS: tuple[str, ...] = ("settings", "clients", "prestations", "lines", "caisse")
#: What a command that only adds a Caisse row reads (its running balance, its receipt).
CASH_TABS: tuple[str, ...] = ("settings", "caisse")
#: What a command that only moves stock reads (quantities come from the movements).
STOCK_TABS: tuple[str, ...] = ("settings", "stock", "movements")


def _canon(value: Any) -> Any:
    """A JSON-able, order-independent form of a command's fields (for its fingerprint)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _canon(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _canon(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple)):
        return [_canon(v) for v in value]
    if isinstance(value, (str, int, bool, type(None))):
        return value
    return str(value)


@dataclass(frozen=True)
class Command:
    """Base of every write. Subclasses are frozen dataclasses naming what the person asked for."""

    name: ClassVar[str] = "commande"
    tabs: ClassVar[tuple[str, ...]] = ACTION_TABS

    def apply(self, book: Book, ctx: Ctx) -> Change:  # pragma: no cover - every subclass overrides it
        raise NotImplementedError

    def fingerprint(self) -> str:
        """What makes two submissions the same operation (the idempotency check compares it)."""
        body = json.dumps([type(self).__name__, _canon(self)], sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(body.encode()).hexdigest()


# -- generic records ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AddRecord(Command):
    key: str
    data: Mapping[str, Any] = field(default_factory=dict)

    def apply(self, book: Book, ctx: Ctx) -> Change:
        return records.add(book, self.key, self.data, ctx)


@dataclass(frozen=True)
class UpdateRecord(Command):
    key: str
    record_id: str
    data: Mapping[str, Any] = field(default_factory=dict)

    def apply(self, book: Book, ctx: Ctx) -> Change:
        return records.update(book, self.key, self.record_id, self.data, ctx)


@dataclass(frozen=True)
class DeleteRecord(Command):
    key: str
    record_id: str

    def apply(self, book: Book, ctx: Ctx) -> Change:
        return records.soft_delete(book, self.key, self.record_id, ctx)


@dataclass(frozen=True)
class RestoreRecord(Command):
    key: str
    record_id: str

    def apply(self, book: Book, ctx: Ctx) -> Change:
        return records.restore(book, self.key, self.record_id, ctx)


# -- prestations -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AddPrestation(Command):
    data: Mapping[str, Any]
    lines: tuple[Mapping[str, Any], ...] = ()
    paid_now: Any = None
    method: str | None = None
    reference: str = ""  # the first payment's transaction reference (mobile money)
    discount: Mapping[str, Any] = field(default_factory=dict)  # value, reason, employee (functions.books.discounts)

    def apply(self, book: Book, ctx: Ctx) -> Change:
        from functions.books import operations as ops

        return ops.add_prestation(book, ctx, self.data, self.lines, self.paid_now, self.method,
                                  reference=self.reference, discount=self.discount)


@dataclass(frozen=True)
class EditPrestation(Command):
    """A prestation's fields changed; a client name typed without an id is linked or created first."""

    prestation_id: str
    data: Mapping[str, Any]

    def apply(self, book: Book, ctx: Ctx) -> Change:
        from functions.books import operations as ops

        data = dict(self.data)
        if data.get("client_id") or not data.get("client"):
            return records.update(book, "prestations", self.prestation_id, data, ctx)
        cid, change = ops.link_or_create_client(book, ctx, data["client"])
        client = book.find("clients", cid)
        name = client["name"] if client is not None else data["client"]
        return change.extend(records.update(book, "prestations", self.prestation_id,
                                            {**data, "client_id": cid, "client": name}, ctx))


@dataclass(frozen=True)
class SetStatus(Command):
    tabs: ClassVar[tuple[str, ...]] = ACCOUNT_TABS
    prestation_id: str
    status: str

    def apply(self, book: Book, ctx: Ctx) -> Change:
        from functions.books import operations as ops

        return ops.set_status(book, ctx, self.prestation_id, self.status)


# -- money -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RecordPayment(Command):
    tabs: ClassVar[tuple[str, ...]] = ACCOUNT_TABS
    amount: Any
    options: Mapping[str, Any] = field(default_factory=dict)  # prestation_id, client_id, method, note…

    def apply(self, book: Book, ctx: Ctx) -> Change:
        from functions.books import operations as ops

        return ops.record_payment(book, ctx, self.amount, **dict(self.options))


@dataclass(frozen=True)
class Refund(Command):
    tabs: ClassVar[tuple[str, ...]] = ACCOUNT_TABS
    amount: Any
    options: Mapping[str, Any] = field(default_factory=dict)

    def apply(self, book: Book, ctx: Ctx) -> Change:
        from functions.books import operations as ops

        return ops.refund(book, ctx, self.amount, **dict(self.options))


@dataclass(frozen=True)
class Expense(Command):
    tabs: ClassVar[tuple[str, ...]] = CASH_TABS
    amount: Any
    category: str
    description: str = ""
    method: str | None = None

    def apply(self, book: Book, ctx: Ctx) -> Change:
        from functions.books import operations as ops

        return ops.expense(book, ctx, self.amount, self.category, self.description, self.method)


@dataclass(frozen=True)
class Revenue(Command):
    tabs: ClassVar[tuple[str, ...]] = CASH_TABS
    amount: Any
    description: str = ""
    method: str | None = None

    def apply(self, book: Book, ctx: Ctx) -> Change:
        from functions.books import operations as ops

        return ops.revenue(book, ctx, self.amount, self.description, self.method)


@dataclass(frozen=True)
class QuickSale(Command):
    items: tuple[tuple[str, Any], ...]
    method: str | None = None
    client_id: str = ""
    reference: str = ""
    discount: Mapping[str, Any] = field(default_factory=dict)  # value, reason, employee

    @property  # type: ignore[misc]
    def tabs(self) -> tuple[str, ...]:  # type: ignore[override]
        """The stock and the Caisse; a sale to a client reads the client's account too."""
        return tuple(dict.fromkeys(STOCK_TABS + CASH_TABS + (ACCOUNT_TABS if self.client_id else ())))

    def apply(self, book: Book, ctx: Ctx) -> Change:
        from functions.books import operations as ops

        return ops.quick_sale(book, ctx, self.items, self.method, self.client_id, self.reference, self.discount)


@dataclass(frozen=True)
class CloseCash(Command):
    tabs: ClassVar[tuple[str, ...]] = CASH_TABS
    counted: Any
    note: str = ""
    seen_expected: Any = None

    def apply(self, book: Book, ctx: Ctx) -> Change:
        from functions.books import closing

        return closing.close_cash(book, ctx, self.counted, self.note, self.seen_expected)


# -- stock -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AdjustStock(Command):
    tabs: ClassVar[tuple[str, ...]] = STOCK_TABS
    article_id: str
    kind: str
    quantity: Any
    reason: str = ""

    def apply(self, book: Book, ctx: Ctx) -> Change:
        from functions.books import operations as ops

        return ops.stock_adjust(book, ctx, self.article_id, self.kind, self.quantity, self.reason)


@dataclass(frozen=True)
class NewArticle(Command):
    tabs: ClassVar[tuple[str, ...]] = STOCK_TABS
    data: Mapping[str, Any]
    initial: Any = None

    def apply(self, book: Book, ctx: Ctx) -> Change:
        """The article and, when an initial quantity is given, its first Entrée, in one change (the quantity
        follows the article's unit)."""
        from functions.books import operations as ops
        from functions.money import parse_quantity
        from functions.store.workbook import JournalEntry, Record

        change = records.add(book, "stock", self.data, ctx)
        article = Record("stock", 0, change.appends[0][1])
        initial = self.initial
        counted = parse_quantity(initial, article["unit"], field="initial", what="Quantité initiale",
                                 allow_zero=True) if str(initial or "").strip() else Decimal(0)
        if counted:
            qty = ops.positive_quantity(counted, article["unit"], field="initial")
            row = ops.movement_row(book, ctx, article, qty, "Entrée", "Stock initial")
            change.appends.append(("movements", row))
            change.journal.append(JournalEntry("stock", "movements", row["id"],
                                               records.describe(book.schema.tab("movements"), None, row)))
        return change


__all__ = [
    "ACCOUNT_TABS", "ACTION_TABS", "CASH_TABS", "STOCK_TABS", "AddPrestation", "AddRecord", "AdjustStock", "CloseCash", "Command", "DeleteRecord",
    "EditPrestation", "Expense", "NewArticle", "QuickSale", "RecordPayment", "Refund", "RestoreRecord",
    "Revenue", "SetStatus", "UpdateRecord",
]
