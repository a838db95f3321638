"""Commit a ``Change`` with its Journal rows in one backend write, and keep the chain head and snapshots.

The caller holds the workbook lock (``Business.run``). Before the write the new head is recorded as
*pending*; after it, as the head. If the process dies in between, the next commit reads the Journal's
last Empreinte to learn whether the write landed, so the chain never forks.

Under an action's state session (``functions.state.session``) the same documents go in its two batches:
what is staged before the write (pending mark, receipts, numbers, the idempotency key's pending mark) is
flushed just before it, in one round trip; the rest (head, Journal log, patch, idempotency result) ends
the session with the lock's release, in one more.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

from functions.audit import checkpoint, snapshot
from functions.audit.journal import GENESIS, Head, journal_key, link
from functions.state.base import StateStore
from functions.state.session import Session, action, active, current
from functions.store.backend import Cell, Op
from functions.store.workbook import Book, Change, Workbook


class Recorder:
    def __init__(self, workbook: Workbook, state: StateStore, now: Callable[[], datetime]) -> None:
        self.workbook = workbook
        self.state = state
        self.now = now
        self.before_write: Callable[[], None] | None = None  # tests: what a person does meanwhile

    #: What an action's session reads with the lock: the head and pending mark (``head``), and the counters
    #: an action takes numbers from (patches, prestations' N°, receipts).
    READS = (("journal", "head"), ("journal", "pending"))
    COUNTERS = ("snapshot_patch", "prestation", "receipt")

    def action(self, idempotency_key: str | None = None) -> AbstractContextManager[Session]:
        """The workbook lock with a state session (``functions.state.session``) that reads, with the lock,
        what an action needs (and the idempotency document of that key)."""
        docs = [*self.READS, *([("idempotency", idempotency_key)] if idempotency_key else [])]
        return action(self.state, "workbook", 6, 60, docs, self.COUNTERS)

    def head(self, book: Book) -> Head:
        state = current(self.state)
        head = Head.load(state)
        pending = state.get("journal", "pending")
        if pending is None:
            return head
        # A previous commit died between its write and its bookkeeping: did its write land?
        title = book.title("journal")
        grid = self.workbook.backend.read([title])[title]
        last = str(grid[-1][7]) if len(grid) > 1 and len(grid[-1]) > 7 else GENESIS
        if last == pending["hash"]:
            head = Head(int(pending["count"]), str(pending["hash"]), head.offset)
            head.save(state)
        state.delete("journal", "pending")
        return head

    def journal_values(self, book: Book, change: Change, actor: str, source: str, head: Head) -> list[dict[str, Any]]:
        key = journal_key(self.state)
        sealing = checkpoint.seal_key(key)
        tab = book.schema.tab("journal")
        codec = book.codec
        when = self.now()
        previous = head.hash
        rows: list[dict[str, Any]] = []

        def add(raw: dict[str, Any]) -> None:
            nonlocal previous
            values = {c.key: codec.to_value(c.type, codec.to_cell(c.type, raw.get(c.key)))
                      for c in tab.columns if c.key != "hash"}
            values["hash"] = previous = link(key, previous, values)
            rows.append(values)

        for e in change.journal:
            if checkpoint.due(head.position(head.count + len(rows))):  # the head sealed into the workbook itself
                add(checkpoint.row_values(checkpoint.make(sealing, head.position(head.count + len(rows)), previous), when,
                                          book.title("journal")))
            who = e.actor or actor
            add({"time": when, "actor": str(who), "source": e.source or source, "action": e.action,
                 "tab": book.title(e.tab) if e.tab in book.schema._by_key else e.tab, "row": e.row,
                 "changes": e.changes, "user_id": getattr(who, "user_id", None)})  # see accounts/identity
        return rows

    def commit(self, book: Book, change: Change, actor: str, source: str = "app",
               restored_journal: Sequence[dict[str, Cell]] = (), extra_ops: Sequence[Op] = ()) -> int:
        """Write the change and its Journal rows (after ``restored_journal``, rows already chained and
        counted in the head); returns the number of backend writes (0 or 1)."""
        if not change and not restored_journal:
            return 0
        state = current(self.state)
        session = active(self.state)
        head = self.head(book)
        journal = self.journal_values(book, change, actor, source, head)
        jtab = book.schema.tab("journal")
        cells = [self.workbook.to_cells(jtab, v, book.codec) for v in journal]
        ops = list(extra_ops) + self.workbook.ops(change, book, list(restored_journal) + cells)
        new_head = Head(head.count + len(journal), journal[-1]["hash"] if journal else head.hash, head.offset)
        patch = snapshot.patch_values(book.schema._by_key, self.patch_rows(book, change, extra_ops))
        number = state.next_number("snapshot_patch") if patch and session is not None else None
        if journal:
            state.put("journal", "pending", {"count": new_head.count, "hash": new_head.hash})
        if self.before_write is not None:
            self.before_write()
        # Was what the change was computed from current? (Google: one Drive version check; StaleCacheError
        # before anything is written.) Then what must exist before the write, in one round trip, and the write.
        self.workbook.confirm()
        if session is not None:
            session.flush()
        self.workbook.backend.write(ops)
        if journal:
            new_head.save(state)
            state.delete("journal", "pending")
            snapshot.log_journal(state, head.count, [[v[c.key] for c in jtab.columns] for v in journal])
        snapshot.record_patch(state, patch, new_head.count, number)
        return 1

    def patch_rows(self, book: Book, change: Change,
                   extra_ops: Sequence[Op] = ()) -> list[tuple[str, str, dict[str, Any], dict[str, Any] | None]]:
        """What the change writes, with the values it replaced (the history a stale save's merge reads)."""
        from functions.store.backend import AppendRows, UpdateRow

        rows: list[tuple[str, str, dict[str, Any], dict[str, Any] | None]] = []
        for key, values in change.appends:
            if values.get("id"):
                rows.append((key, str(values["id"]), values, None))
        for u in change.updates:
            rid = str(u.values.get("id") or u.record.id)
            rows.append((u.tab, rid, dict(u.values), dict(u.record.values)) if u.record.id else
                        (u.tab, rid, {**u.record.values, **u.values}, None))
        settings = book.title("settings")
        codec = book.codec
        for op in extra_ops:  # Paramètres rows, named by their Clé
            if isinstance(op, UpdateRow) and op.title == settings:
                old = (op.expected or {}).get("Valeur")
                rows.append(("settings", op.key, {"value": op.values.get("Valeur")},
                             {"value": codec.to_value("text", old) if old not in (None, "") else None}))
            elif isinstance(op, AppendRows) and op.title == settings:
                rows += [("settings", str(r.get("Clé")), {"value": r.get("Valeur")}, {"value": None}) for r in op.rows]
        return rows
