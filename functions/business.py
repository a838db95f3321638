"""``Business``: one object over a workbook and a state store, the way every edge uses them.

Each action runs under the workbook lock: read the workbook (one request), compute a ``Change`` with
the pure functions of ``books``, write it with its Journal rows (one request), patch the snapshots. An
idempotency key makes a retried action (a double tap, a redelivered event) return the first result.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from functions.audit import snapshot
from functions.audit.journal import Head, Verdict, journal_key, verify
from functions.audit.merge import since
from functions.audit.recorder import Recorder
from functions.audit.sync import ID_TABS, SyncReport, mark_synced, plan, unchanged_since_sync
from functions.books import commands as cmd
from functions.books import records
from functions.books.allocation import settle
from functions.books.commands import Command
from functions.books.derive import apply_updates, closure, computed_updates, derive, pending_records
from functions.books.quarantine import is_mark
from functions.errors import ConflictError, HeaderError, InvalidInputError, StaleCacheError, TTRError
from functions.state.base import StateStore
from functions.state.session import Session, current
from functions.store.backend import SetupReport
from functions.store.codec import Codec
from functions.store.workbook import Book, Change, Record, Workbook, collector_paused

ACTION_TABS = list(cmd.ACTION_TABS)
OFFLINE_MAX_AGE = timedelta(days=7)  # an action queued longer than this is refused (re-typed, not guessed)
OFFLINE_CLOCK_SKEW = timedelta(minutes=10)  # a phone's clock may be this much ahead


class Business:
    def __init__(self, workbook: Workbook, state: StateStore, *, clock: Callable[[], datetime] | None = None,
                 editor: Callable[[], str | None] | None = None) -> None:
        self.workbook = workbook
        self.state = state
        self.clock = clock or (lambda: datetime.now(UTC))
        self.editor = editor or (lambda: getattr(workbook.backend, "last_editor", lambda: None)())
        self._tz = "Africa/Lome"
        self.recorder = Recorder(workbook, state, self.now)
        #: Called with (business, book, change) before a change is written, by actions and by the sync:
        #: modules above ``books`` (receipts, reminders) complete the change there (e.g. receipt links).
        self.change_hooks: list[Callable[[Business, Book, Change], None]] = []
        # The last full read, for pages (see ``book()``): when, the book, the workbook's version before it.
        self._cached: tuple[float, Book, str | None] | None = None

    # -- time ------------------------------------------------------------------------------------------
    def now(self) -> datetime:
        """Naive local time of the business, to the second."""
        return self.local_time(self.clock())

    def local_time(self, instant: datetime) -> datetime:
        """An aware instant as the business's naive local time, to the second."""
        try:
            zone = ZoneInfo(self._tz)
        except (ZoneInfoNotFoundError, ValueError):
            zone = ZoneInfo("Africa/Lome")
        return instant.astimezone(zone).replace(tzinfo=None, microsecond=0)

    def ctx(self, actor: str) -> records.Ctx:
        return records.Ctx(actor=actor, now=self.now(), next_number=lambda name: current(self.state).next_number(name))

    def load(self, keys: Sequence[str] | None = None) -> Book:
        book = self.workbook.load(keys)
        self._tz = book.settings.get("timezone") or self._tz
        return book

    def book(self, max_age: float = 20.0) -> Book:
        """Every tab, read at most once per ``max_age`` seconds per instance and read again after this
        instance writes or syncs. Past ``max_age``, a workbook whose version is unchanged (see
        ``Workbook.version``: the zip directory, Drive's file version) is not read again. The web app asks
        with ``max_age=0`` before every page (``functions.web.guard.revalidate``): a person's edit in the sheet
        shows on the next page, for one version check when nothing changed."""
        import time

        now = time.monotonic()
        if self._cached is not None and now - self._cached[0] < max_age:
            return self._cached[1]
        version = self.workbook.version()  # before the read: a change meanwhile is seen next time
        if self._cached is not None and version is not None and self._cached[2] == version:
            self._cached = (now, self._cached[1], version)
            return self._cached[1]
        book = self.load()
        self._cached = (now, book, version)
        return book

    def forget(self) -> None:
        """Drop the cached read (after a write, or when a page must see the sheet as it is now)."""
        self._cached = None

    # -- actions ---------------------------------------------------------------------------------------
    def submit(self, command: Command, actor: str, *, idempotency_key: str | None = None,
               made_at: datetime | None = None) -> dict[str, Any]:
        """Run one command through the pipeline (see ``functions.books.commands``); returns its result (ids,
        numbers). A key seen before with the same command returns the first result (``replayed``).

        ``made_at`` (local time of the business) is when a person really made an action queued on a device
        without network: its rows carry that time and its Journal rows say "saisi hors ligne"."""
        apply: Callable[[Book, records.Ctx], Change] = command.apply
        if made_at is not None:
            apply = self._offline(command, made_at)
        try:
            return self._pipeline(apply, actor, command.fingerprint(), idempotency_key, command.tabs)
        except _SyncFirst:
            # A total typed in the sheet on a prestation this action touches, not yet synced: the sync takes it
            # first (it stands, with its « Ajustement » line, journaled), then the action goes on top of it.
            self.sync()
            return self._pipeline(apply, actor, command.fingerprint(), idempotency_key, command.tabs,
                                  typed_totals=False)

    def _offline(self, command: Command, made_at: datetime) -> Callable[[Book, records.Ctx], Change]:
        from functions.store.workbook import JournalEntry

        made_at = made_at.replace(tzinfo=None, microsecond=0)
        now = self.now()
        if made_at > now + OFFLINE_CLOCK_SKEW:
            raise InvalidInputError("Opération hors ligne datée dans le futur : vérifiez l'heure du téléphone.")
        if made_at < now - OFFLINE_MAX_AGE:
            raise InvalidInputError(
                f"Opération hors ligne de plus de {OFFLINE_MAX_AGE.days} jours : saisissez-la de nouveau.")
        mark = f"saisi hors ligne le {made_at.strftime('%d/%m/%Y %H:%M')}"

        def apply(book: Book, ctx: records.Ctx) -> Change:
            ctx.now = made_at
            change = command.apply(book, ctx)
            change.journal = [JournalEntry(j.action, j.tab, j.row, f"{j.changes} — {mark}" if j.changes else mark,
                                           j.actor, j.source) for j in change.journal]
            change.result["offline"] = True
            return change

        return apply

    def _pipeline(self, fn: Callable[[Book, records.Ctx], Change], actor: str, fingerprint: str,
                  idempotency_key: str | None, tabs: Sequence[str], typed_totals: bool = True) -> dict[str, Any]:
        """Lock, idempotency, one read, apply, derived columns, hooks, one write with the Journal."""
        with self.recorder.action(_idem_key(idempotency_key) if idempotency_key else None) as state:
            def replayed() -> dict[str, Any] | None:
                """The first result of a key seen before (read after the change is computed: on Firestore it
                comes with the action's first read, the receipts' index, instead of a read of its own)."""
                if not idempotency_key:
                    return None
                done = state.get("idempotency", _idem_key(idempotency_key))
                if done is None:
                    return None
                if done.get("params") != fingerprint:
                    raise ConflictError("Cette clé d'idempotence a déjà servi pour une autre opération.")
                if done.get("pending"):
                    raise ConflictError(
                        "Cette opération a été interrompue pendant son enregistrement : elle a peut-être été "
                        "enregistrée. Vérifiez (Caisse, Journal) avant de recommencer.")
                return dict(done["result"], replayed=True)

            if idempotency_key and (not isinstance(state, Session) or state.knows("idempotency",
                                                                                 _idem_key(idempotency_key))):
                again = replayed()  # read with the lock already: a replay costs nothing more
                if again is not None:
                    return again
            # A warm Google instance computes from the grids it holds; the write's version check says whether
            # they were current, and if not (StaleCacheError, nothing written) the action starts over on a fresh
            # read, refused if a row it changes was changed meanwhile. Other backends read what is current.
            first: Change | None = None
            for attempt in range(2):
                point = state.savepoint() if isinstance(state, Session) else None
                with self.workbook.trusting() if attempt == 0 else nullcontext():
                    book = self.load(list(tabs))
                if first is not None:
                    _refuse_if_changed(first, book)
                ctx = self.ctx(actor)
                try:
                    change = fn(book, ctx)
                    settle(book, change, ctx)  # payments on account spread over the client's prestations
                    if typed_totals and _typed_totals_pending(book, change):
                        raise _SyncFirst()
                    self._complete(book, change)
                    for hook in self.change_hooks:
                        hook(self, book, change)
                except TTRError:
                    again = replayed()  # done before: its first result, even if it could not be done now
                    if again is not None:
                        _rollback(state, point)
                        return again
                    if attempt == 0 and _stale(self.workbook):  # refused on what was not current: again
                        _rollback(state, point)
                        continue
                    raise
                again = replayed()
                if again is not None:
                    _rollback(state, point)  # nothing of this second computation is kept
                    return again
                self.forget()
                if idempotency_key:  # a process dying mid-write leaves this mark: a retry is refused, not doubled
                    state.put("idempotency", _idem_key(idempotency_key), {"params": fingerprint, "pending": True},
                              ttl_seconds=7 * 86400)
                try:
                    self.recorder.commit(book, change, actor, "app")
                except StaleCacheError:
                    if attempt:
                        raise
                    _rollback(state, point)
                    first = change
                    continue
                except BaseException:
                    if idempotency_key:  # the write failed cleanly (nothing landed): the same key may try again
                        state.delete("idempotency", _idem_key(idempotency_key))
                    raise
                break
            result = {k: (str(v) if not isinstance(v, (str, int, bool, type(None))) else v)
                      for k, v in change.result.items()}
            if idempotency_key:
                state.put("idempotency", _idem_key(idempotency_key), {"params": fingerprint, "result": result},
                          ttl_seconds=7 * 86400)
            return result

    def _complete(self, book: Book, change: Change) -> None:
        """Fill the computed columns of new rows and update those of the rows the change touches (their
        balances computed from the rows they depend on, not from the whole workbook)."""
        pending = pending_records(change.appends)
        book = apply_updates(book, change.updates)
        touched: dict[str, set[str]] = {"caisse": set()}
        for key, values in change.appends:
            if values.get("id"):
                touched.setdefault(key, set()).add(str(values["id"]))
            for ref, tab in (("prestation_id", "prestations"), ("client_id", "clients"), ("article_id", "stock")):
                if values.get(ref):
                    touched.setdefault(tab, set()).add(str(values[ref]))
        for u in change.updates:
            touched.setdefault(u.tab, set()).add(u.record.id)
            if u.tab == "prestations":  # the client it had and the client it has now
                touched.setdefault("clients", set()).update({str(u.record["client_id"] or ""),
                                                             str(u.values.get("client_id") or "")})
        touched = closure(book, pending, touched)
        derived = derive(book, pending, only=touched)
        # The running balance changes from the earliest new entry on (usually only the new rows): derive gives
        # the rows from there, and each of them is touched.
        touched["caisse"] |= set(derived.get("caisse", {}))
        for i, (key, values) in enumerate(change.appends):
            extra = derived.get(key, {}).get(str(values.get("id")), {})
            change.appends[i] = (key, {**values, **{k: v for k, v in extra.items() if v is not None}})
        seen = {(u.tab, u.record.id) for u in change.updates}
        for u in computed_updates(book, derived, touched):
            if (u.tab, u.record.id) in seen:
                next(x for x in change.updates if (x.tab, x.record.id) == (u.tab, u.record.id)).values.update(u.values)
            else:
                change.updates.append(u)

    def add(self, key: str, data: dict[str, Any], actor: str, **kw: Any) -> dict[str, Any]:
        return self.submit(cmd.AddRecord(key, dict(data)), actor, **kw)

    def update(self, key: str, record_id: str, data: dict[str, Any], actor: str, **kw: Any) -> dict[str, Any]:
        return self.submit(cmd.UpdateRecord(key, record_id, dict(data)), actor, **kw)

    def delete(self, key: str, record_id: str, actor: str, **kw: Any) -> dict[str, Any]:
        return self.submit(cmd.DeleteRecord(key, record_id), actor, **kw)

    def restore(self, key: str, record_id: str, actor: str, **kw: Any) -> dict[str, Any]:
        return self.submit(cmd.RestoreRecord(key, record_id), actor, **kw)

    def add_prestation(self, data: dict[str, Any], actor: str, lines: Sequence[dict[str, Any]] = (),
                       paid_now: Any = None, method: str | None = None, **kw: Any) -> dict[str, Any]:
        return self.submit(cmd.AddPrestation(dict(data), tuple(lines), paid_now, method), actor, **kw)

    def set_status(self, prestation_id: str, status: str, actor: str, **kw: Any) -> dict[str, Any]:
        return self.submit(cmd.SetStatus(prestation_id, status), actor, **kw)

    def record_payment(self, amount: Any, actor: str, **kw: Any) -> dict[str, Any]:
        idem = kw.pop("idempotency_key", None)
        return self.submit(cmd.RecordPayment(amount, kw), actor, idempotency_key=idem)

    def refund(self, amount: Any, actor: str, **kw: Any) -> dict[str, Any]:
        idem = kw.pop("idempotency_key", None)
        return self.submit(cmd.Refund(amount, kw), actor, idempotency_key=idem)

    def expense(self, amount: Any, category: str, actor: str, description: str = "", method: str | None = None,
                **kw: Any) -> dict[str, Any]:
        return self.submit(cmd.Expense(amount, category, description, method), actor, **kw)

    def revenue(self, amount: Any, actor: str, description: str = "", method: str | None = None,
                **kw: Any) -> dict[str, Any]:
        return self.submit(cmd.Revenue(amount, description, method), actor, **kw)

    def quick_sale(self, items: Sequence[tuple[str, Any]], actor: str, method: str | None = None,
                   client_id: str = "", **kw: Any) -> dict[str, Any]:
        return self.submit(cmd.QuickSale(tuple((str(a), q) for a, q in items), method, client_id), actor, **kw)

    def stock_adjust(self, article_id: str, kind: str, quantity: Any, actor: str, reason: str = "",
                     **kw: Any) -> dict[str, Any]:
        return self.submit(cmd.AdjustStock(article_id, kind, quantity, reason), actor, **kw)

    def set_setting(self, key: str, value: str, actor: str) -> bool:
        """Change one row of Paramètres; False when the value is already that (see ``set_settings``)."""
        return self.set_settings({key: value}, actor) > 0

    def set_settings(self, values: dict[str, str], actor: str) -> int:
        """Change rows of Paramètres by setting key (each row found by its Clé label, checked against the
        value as read, appended if a person removed it), with their Journal rows, in one write; returns
        how many changed."""
        from functions.store.backend import AppendRows, Op, UpdateRow
        from functions.store.codec import clean_text
        from functions.store.workbook import JournalEntry

        specs = {s.key: s for s in self.workbook.schema.tab("settings").settings}
        unknown = [k for k in values if k not in specs]
        if unknown:
            raise InvalidInputError(f"Paramètre inconnu : « {str(unknown[0])[:40]} ».")
        clean = {k: clean_text(str(v if v is not None else "")).strip() for k, v in values.items()}
        for k, v in clean.items():
            if len(v) > 2000:
                raise InvalidInputError(f"{specs[k].label} : valeur trop longue (2000 caractères au plus).")
        with self.state.lock("workbook", ttl_seconds=6, timeout_seconds=60):
            book = self.load(["settings"])
            title = book.title("settings")
            rows: dict[str, tuple[int, Any]] = {}
            for n, row in enumerate(book.grids[title][1:], start=2):
                if row and row[0] not in (None, "") and str(row[0]).strip() not in rows:
                    rows[str(row[0]).strip()] = (n, row[1] if len(row) > 1 else None)
            ops: list[Op] = []
            change = Change()
            for key, value in clean.items():
                label = specs[key].label
                if label not in rows:
                    ops.append(AppendRows(title, ({"Clé": label, "Valeur": value or None},)))
                    change.journal.append(JournalEntry("paramètre", "settings", label, f"{label} : ∅ → {value or '∅'}"))
                    continue
                n, old = rows[label]
                before = str(book.codec.to_value("text", old)).strip() if old is not None else ""
                if before != value:
                    ops.append(UpdateRow(title, label, {"Valeur": value or None}, {"Valeur": old}, "Clé", n))
                    change.journal.append(JournalEntry("paramètre", "settings", label,
                                                       f"{label} : {before or '∅'} → {value or '∅'}"))
            if not ops:
                return 0
            self.forget()
            self.recorder.commit(book, change, actor, "app", extra_ops=ops)
            return len(ops)

    # -- sync ------------------------------------------------------------------------------------------
    def sync(self, complete: bool = False) -> SyncReport:
        """Journal what people changed and complete the workbook. Nothing changed since the last sync (the
        workbook's version, the day, the Journal): the last report, without reading any value, unless
        ``complete`` (``ttr sync --complet``), which reads and recomputes everything."""
        if not complete:
            quiet = unchanged_since_sync(self.state, self.workbook.version(), self.now().date())
            if quiet is not None:
                return quiet
        with self.state.lock("workbook", ttl_seconds=6, timeout_seconds=120), collector_paused():
            book = self.load()
            head = self.recorder.head(book)
            lost = self._lost_journal_rows(book, head)
            snaps = snapshot.load_all(self.state, {k: book.schema.tab(k) for k in ID_TABS})
            # Rows the app wrote have vanished: the file was saved from an older copy, merged three ways
            # against the version it came from (the actions since then, from the snapshot history).
            patches = since(snapshot.history(self.state), len(book.all_rows("journal"))) if lost else None
            change, report = plan(book, snaps, self.ctx("système"), lambda: self.editor() or "inconnu", lost,
                                  patches, full=complete)
            reached = None if report.touched is None else report.touched.get("clients", set())
            if settle(book, change, self.ctx("système"), every=reached is None, also=reached,
                      system=True).result.get("allocations"):
                self._complete(book, change)  # the allocation rows' balances, as for an action
            for hook in self.change_hooks:
                hook(self, book, change)
            restored: list[dict[str, Any]] = []
            if lost:
                restored = self._journal_cells(book, lost)
                change.journal.insert(0, _journal_note(len(lost)))
                report.restored.append((book.title("journal"), f"{len(lost)} ligne(s)"))
            self.forget()
            report.writes = self.recorder.commit(book, change, "système", "feuille", restored,
                                                 extra_ops=report.ops) if change else 0
            baseline = [k for k in ID_TABS if snaps.get(k) is None and k in book.tabs]
            if report.writes or baseline:
                self._rebuild_snapshots(book, change, None if report.writes else baseline, snaps, report.edited)
            report.baseline = baseline
            mark_synced(self.state, self.workbook.version(), self.now().date(), report)
            return report

    def _lost_journal_rows(self, book: Book, head: Head) -> list[list[str]]:
        present = len(book.all_rows("journal"))
        if present >= head.count:
            return []
        rows = snapshot.journal_rows(self.state, present, head.count)
        last = book.all_rows("journal")[-1]["hash"] if present else None
        if present and (len(rows) != head.count - present or (snapshot.journal_rows(self.state, present - 1, present)
                                                               or [[""] * 8])[0][7] != last):
            return []  # not a clean cut at the end: `ttr audit verify` will say where it breaks
        return rows

    def _journal_cells(self, book: Book, lost: list[list[str]]) -> list[dict[str, Any]]:
        """Journal rows lost to a stale save go back exactly as they were (their Empreinte too)."""
        jtab = book.schema.tab("journal")
        codec = book.codec
        return [{c.header: codec.to_cell(c.type, codec.to_value(c.type, v) if v != "" else None)
                 for c, v in zip(jtab.columns, row, strict=False)} for row in lost]

    def _rebuild_snapshots(self, book: Book, change: Change, only: list[str] | None,
                           known: dict[str, snapshot.TabSnapshot | None] | None = None,
                           edited: dict[str, set[str]] | None = None) -> None:
        """The snapshots of the workbook as this sync leaves it; a tab's is saved only when it differs from
        ``known`` (what the state held at the start of the sync). ``edited`` (an incremental sync): the rows
        that differ from ``known`` are those, and those the change writes; the others are taken from it."""
        written: dict[str, dict[str, dict[str, Any]]] = {}  # the rows the change writes: their values after it
        by_id = {k: {r.id: r for r in book.all_rows(k)} for k in {u.tab for u in change.updates} if k in book.tabs}
        for u in change.updates:
            rid = str(u.values.get("id") or u.record.id)
            if is_mark(rid):
                continue  # a row typed by hand and quarantined: not taken
            rows = written.setdefault(u.tab, {})
            if rid not in rows:
                found = by_id.get(u.tab, {}).get(rid)
                rows[rid] = dict(found.values if found is not None and not is_mark(found.id) else u.record.values)
            rows[rid].update(u.values)
        for key, values in change.appends:
            if values.get("id"):
                written.setdefault(key, {})[str(values["id"])] = dict(values)
        keys = [k for k in ID_TABS if k in book.tabs]
        for key in keys + [k for k in written if k not in keys]:
            if only is not None and key not in only:
                continue
            tab = book.schema.tab(key)
            base = known.get(key) if known is not None and edited is not None else None
            if base is not None:
                ids = edited.get(key, set()) | set(written.get(key, {}))  # type: ignore[union-attr]
                if not ids:
                    continue  # nobody changed a row of it, the sync writes none
                snap = dict(base)  # (copied whole, then the ids taken out: the same order as filtering it)
                for rid in ids:
                    snap.pop(rid, None)
                snap.update({r.id: snapshot.record_canon(tab, r) for r in book.all_rows(key)
                             if r.id in ids and not is_mark(r.id)})
            else:
                snap = {r.id: snapshot.record_canon(tab, r) for r in book.all_rows(key) if r.id and not is_mark(r.id)}
            for rid, values in written.get(key, {}).items():
                snap[rid] = snapshot.row_canon(tab, values)
            if base is not None and len(snap) == len(base) and all(base.get(i) == snap.get(i) for i in ids):
                continue  # the state holds exactly this already (the other rows are its own)
            if base is None and known is not None and known.get(key) == snap:
                continue  # the state holds exactly this already
            snapshot.save(self.state, key, snap)

    # -- journal ---------------------------------------------------------------------------------------
    def verify_journal(self) -> Verdict:
        """Check the Journal chain straight from its cells (no typed records: 100k rows stay fast)."""
        titles = self.workbook.resolve_titles(self.workbook.backend.titles())
        if "journal" not in titles or "settings" not in titles:
            self.load(["journal"])  # raises the clear missing-tab error
        grids = self.workbook.backend.read([titles["settings"], titles["journal"]])
        settings = self.workbook.parse_settings(grids[titles["settings"]])
        self._tz = settings.get("timezone") or self._tz
        codec = Codec(settings.get("currency") or "XOF")
        grid = grids[titles["journal"]]
        tab = self.workbook.schema.tab("journal")
        header = [str(h) if h is not None else "" for h in (grid[0] if grid else [])]
        missing = [h for h in tab.headers if h not in header]
        if missing:
            raise HeaderError(f"Onglet « {titles['journal']} » : colonne « {missing[0]} » introuvable.")
        cols = [(c.key, header.index(c.header)) for c in tab.columns]
        rows: list[dict[str, Any]] = []
        for n, raw in enumerate(grid[1:], start=2):
            values: dict[str, Any] = {}
            for column, i in cols:
                cell = raw[i] if i < len(raw) else None
                try:
                    values[column] = codec.to_value("datetime", cell) if column == "time" else (
                        cell if cell.__class__ is str else codec.to_value("text", cell))
                except InvalidInputError as exc:
                    return Verdict(False, len(grid) - 1, f"Journal, ligne {n} : {exc.message} (ligne illisible)", n)
            rows.append(values)
        key = journal_key(self.state)
        verdict = verify(key, rows, Head.load(self.state))
        pending = self.state.get("journal", "pending")
        if not verdict.ok and pending is not None:
            alt = verify(key, rows, Head(int(pending["count"]), str(pending["hash"])))
            if alt.ok:
                return alt
        return verdict

    # -- set-up ----------------------------------------------------------------------------------------
    def init(self, settings: dict[str, str] | None = None) -> SetupReport:
        """Create or upgrade the workbook from the schema, never destroying data. The settings given (setup,
        Paramètres page, new workspace, CLI) are checked first: currency, country and time zone from their
        lists, no control character. A business type given here renames the prestations tab in place when
        its title follows the type (a Boutique's tab is « Ventes »), its rows kept."""
        from functions.regional import check_settings
        from functions.store.codec import clean_text

        given = check_settings({k: clean_text(str(v), k) for k, v in (settings or {}).items()})
        existing, rows = {}, []
        titles = self.workbook.resolve_titles(self.workbook.backend.titles()) if _exists(self.workbook) else {}
        if "settings" in titles:
            rows = self.workbook.backend.read([titles["settings"]])[titles["settings"]]
            existing = self.workbook.parse_settings(rows)
        merged = {**existing, **given}
        wanted = self.workbook.schema.tab("prestations").title_for(merged.get("business_type"))
        if given.get("business_type") and titles.get("prestations", wanted) != wanted \
                and wanted not in self.workbook.backend.titles():
            self.workbook.backend.rename_tab(titles["prestations"], wanted)  # in place: its rows stay
            titles["prestations"] = wanted
            self.forget()
        specs = self.workbook.tab_specs(merged)
        if "prestations" in titles:  # keep the prestations tab under the name it has
            specs = [s if s.title != self.workbook.schema.tab("prestations").title_for(merged.get("business_type"))
                     else _retitle(s, titles["prestations"]) for s in specs]
        report = self.workbook.backend.setup(specs)
        if "settings" in titles:  # an existing workbook: a setting added to the schema since gets its row
            self._add_missing_settings(rows, merged)
        if report.created_file or not titles:
            for key in ID_TABS:
                if snapshot.load(self.state, key) is None:
                    snapshot.save(self.state, key, {})
        return report


    def _add_missing_settings(self, grid: list[list[Any]], values: dict[str, str]) -> None:
        """Append the Paramètres rows the schema has and the tab lacks (their value as read: the default),
        journaled: settings added by a new version appear in an existing workbook at ``ttr init``."""
        present = {str(r[0]).strip() for r in grid[1:] if r and r[0] not in (None, "")}
        missing = {s.key: values.get(s.key, s.default) for s in self.workbook.schema.tab("settings").settings
                   if s.label not in present}
        if missing:
            self.set_settings(missing, "système")


class _SyncFirst(Exception):  # noqa: N818 - a signal to ``submit``, never shown
    """The action touches a prestation whose total was typed in the sheet since the last sync."""


def _typed_totals_pending(book: Book, change: Change) -> bool:
    """Whether a prestation with lines that the change touches (and whose lines it does not change) holds a
    Montant total other than its lines give: typed by a person, not synced yet. Recomputing it here would
    put the lines' total back over it without a word; the sync keeps it (« Ajustement »)."""
    if "lines" not in book.tabs or "prestations" not in book.tabs:
        return False
    touched = {u.record.id for u in change.updates if u.tab == "prestations"}
    touched |= {str(v["prestation_id"]) for _, v in change.appends if v.get("prestation_id")}
    touched -= {str(v.get("prestation_id") or "") for k, v in change.appends if k == "lines"}
    touched -= {str(u.record["prestation_id"] or "") for u in change.updates if u.tab == "lines"}
    touched.discard("")
    if not touched:
        return False
    derived = derive(book, {}, only=closure(book, {}, {"prestations": touched})).get("prestations", {})
    for pid in touched:
        p = book.find("prestations", pid)
        total = derived.get(pid, {}).get("total")
        if p is not None and total is not None and p["total"] is not None and p["total"] != total:
            return True
    return False


def _stale(workbook: Workbook) -> bool:
    """Was what this action read unchecked out of date? (Asked when it was refused: a refusal on stale
    grids, e.g. an article a person just added, is tried again on a fresh read.)"""
    try:
        workbook.confirm()
    except StaleCacheError:
        return True
    return False


def _rollback(state: StateStore, point: tuple[object, ...] | None) -> None:
    if point is not None and isinstance(state, Session):
        state.rollback(point)  # the first attempt's staged state (numbers, receipts, marks) is forgotten


def _refuse_if_changed(first: Change, book: Book) -> None:
    """Starting over after a stale read: a value the action meant to change that a person changed meanwhile
    is theirs to keep (ConflictError), as a change between read and write always was."""
    for u in first.updates:
        if not u.check or not u.record.id:
            continue
        now = book.find(u.tab, u.record.id)
        tab = book.schema.tab(u.tab)
        if now is None or any(now.values.get(k) != u.record.values.get(k) for k in u.check):
            head = tab.column(u.check[0]).header if u.check else ""
            raise ConflictError(f"Onglet « {book.title(u.tab)} » : la ligne {u.record.id} a été modifiée "
                                f"entre-temps (« {head} »). Rechargez puis recommencez.")


def _idem_key(key: str) -> str:
    if not isinstance(key, str) or not (8 <= len(key) <= 200):
        raise InvalidInputError("Clé d'idempotence invalide (8 à 200 caractères).")
    return hashlib.sha256(key.encode()).hexdigest()


def _exists(workbook: Workbook) -> bool:
    try:
        workbook.backend.titles()
        return True
    except Exception:  # noqa: BLE001 - a workbook that cannot be listed is created by setup
        return False


def _retitle(spec: Any, title: str) -> Any:
    from dataclasses import replace

    return replace(spec, title=title)


def _journal_note(n: int) -> Any:
    from functions.store.workbook import JournalEntry

    return JournalEntry("restauration", "journal", "", f"{n} ligne(s) du Journal remise(s) après l'enregistrement "
                        "d'une copie ancienne du classeur", actor="système", source="système")


__all__ = ["Business", "Record"]
