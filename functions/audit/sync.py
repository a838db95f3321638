"""The sync: make the workbook whole again after people typed in it, and journal what they did.

``plan(book, snapshots, ctx, editor)`` is pure: from one read of every tab and the snapshots it returns
one ``Change`` (ids for rows typed by hand, clients linked or created, hand edits of computed columns
handled, every computed column and the dashboard recomputed, ledger and Journal rows lost to a stale
save put back) and a report. ``Business.sync`` writes that change in at most one request.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

from functions.audit import merge as stale
from functions.audit.incremental import Touched, client_balances
from functions.audit.journal import Head
from functions.audit.snapshot import TabSnapshot, canon, record_canon
from functions.books import dashboard, ledger
from functions.books.derive import apply_updates, computed_updates, derive, pending_records
from functions.books.quarantine import (
    ID_TABS,
    grid_record,
    mark,
    quarantine,
    same_mark,
    unmarked,
    validate_rows,
    warnings,
)
from functions.books.records import Ctx, describe, display, taken_ids
from functions.errors import InvalidInputError, RowError
from functions.state.base import StateStore
from functions.store.backend import Op
from functions.store.workbook import Book, Change, JournalEntry, Record, RowUpdate, TabRows

LEDGER_TABS = ("caisse", "movements")
__all__ = ["ID_TABS", "SyncReport", "mark_synced", "plan", "unchanged_since_sync", "validate_rows"]


@dataclass
class SyncReport:
    errors: list[RowError] = field(default_factory=list)
    ids_assigned: list[tuple[str, int, str]] = field(default_factory=list)  # (tab title, row, id)
    journal_rows: int = 0
    restored: list[tuple[str, str]] = field(default_factory=list)  # (tab title, id)
    writes: int = 0
    baseline: list[str] = field(default_factory=list)  # tabs whose first snapshot this sync took
    quarantined: list[RowError] = field(default_factory=list)  # rows typed by hand, not taken
    corrected: list[tuple[str, str, str]] = field(default_factory=list)  # (tab, id, header): computed value put back
    adjusted: list[tuple[str, str, str]] = field(default_factory=list)  # (tab, prestation id, adjustment line id)
    merged: int = 0  # app changes put back after a stale save
    conflicts: list[tuple[str, str, str, str, str]] = field(default_factory=list)  # (tab, row, header, sheet, app)
    ops: list[Op] = field(default_factory=list)  # Paramètres rows the merge puts back (written with the change)
    warnings: list[RowError] = field(default_factory=list)  # rows taken, with something missing
    touched: dict[str, set[str]] | None = None  # ids whose balances an incremental sync recomputed (None: all)
    edited: dict[str, set[str]] | None = None  # incremental: ids of the rows added, changed or deleted by hand

    def lines(self) -> list[str]:
        out = [f"{len(self.ids_assigned)} ID attribué(s), {self.journal_rows} ligne(s) de Journal, "
               f"{len(self.restored)} ligne(s) restaurée(s), {len(self.corrected)} valeur(s) calculée(s) remise(s), "
               f"{len(self.adjusted)} total(aux) saisi(s) conservé(s), {self.writes} écriture(s)."]
        out += [f"  {title}, ligne {row} : ID {rid} attribué" for title, row, rid in self.ids_assigned]
        out += [f"  {title} : ligne {rid} restaurée" for title, rid in self.restored]
        out += [f"  {title} : {rid}, « {header} » est calculé, valeur remise" for title, rid, header in self.corrected]
        out += [f"  {title} : {rid}, Montant total saisi conservé (ligne Ajustement {lid})"
                for title, rid, lid in self.adjusted]
        if self.merged or self.conflicts:
            out.append(f"Copie ancienne enregistrée par-dessus : {self.merged} changement(s) de l'application "
                       "rétabli(s).")
        out += [f"  {tab} {row}, « {h} » modifié des deux côtés : « {t or '∅'} » (feuille) remplacé par "
                f"« {o or '∅'} » (application)" for tab, row, h, t, o in self.conflicts]
        held = {(e.tab, e.row) for e in self.quarantined}
        if self.quarantined:
            out.append(f"À corriger : {len(self.quarantined)} ligne(s) non prise(s) en compte (ni ID, ni Journal, "
                       "ni effet sur les soldes) jusqu'à leur correction :")
        out += [f"  À CORRIGER {e.message}" for e in self.quarantined]
        out += [f"  ERREUR {e.message}" for e in self.errors if (e.tab, e.row) not in held]
        out += [f"  ATTENTION {e.message}" for e in self.warnings]
        return out


def _sheet_entry(action: str, tab: str, row: str, changes: str, editor: str) -> JournalEntry:
    return JournalEntry(action, tab, row, changes, actor=editor, source="feuille")


def _editor_actor(book: Book, editor: str) -> str:
    """A sheet edit journaled under the Équipe member whose email is the Google editor's (their name, their
    id), not under Google's display name; an editor who is no member stays as named."""
    from functions.accounts.identity import Team

    return Team(book.all_rows("team")).editor(editor) if "team" in book.tabs else editor


def _system(action: str, tab: str, row: str, changes: str) -> JournalEntry:
    return JournalEntry(action, tab, row, changes, actor="système", source="système")


def plan(book: Book, snapshots: Mapping[str, TabSnapshot | None], ctx: Ctx, editor: Callable[[], str],
         lost_journal_rows: list[list[str]] | None = None,
         stale_patches: list[Mapping[str, Any]] | None = None, full: bool = True) -> tuple[Change, SyncReport]:
    """``stale_patches``: the app's actions since the version a stale save came from (see ``merge``).
    ``full`` (``ttr sync --complet``): every computed column recomputed from the whole workbook; ``False``:
    only those the rows people added, changed or deleted reach (see ``incremental``), the same values, and
    ``report.touched`` names them (the clients to settle). A tab without a snapshot yet, or a stale save's
    merge, is always a full recompute."""
    full = full or stale_patches is not None or any(snapshots.get(k) is None for k in ID_TABS if k in book.tabs)
    touched = Touched()
    book, originals = unmarked(book)
    report = SyncReport(errors=list(book.errors) + validate_rows(book) + _settings_errors(book))
    change = Change()
    updates: dict[tuple[str, int], RowUpdate] = {}
    who: list[str] = []

    def person() -> str:
        if not who:
            who.append(_editor_actor(book, editor() or "inconnu"))
        return who[0]

    def set_values(record: Record, values: dict[str, Any]) -> None:
        k = (record.tab, record.row)
        if k in updates:
            updates[k].values.update(values)
        else:
            updates[k] = RowUpdate(record.tab, originals.get(k, record), dict(values))

    book, held = quarantine(book, report.errors)
    report.warnings = warnings(book)
    for rec, err in held:
        report.quarantined.append(err)
        if not same_mark(originals.get((rec.tab, rec.row), rec).id, err):
            set_values(rec, {"id": mark(err)})
    unreadable = {key: {grid_record(book, key, e.row).id for e in book.tabs[key].errors if e.row}
                  for key in ID_TABS if key in book.tabs}  # rows with an ID the codec could not type: still there

    duplicated = {(e.tab, e.row) for e in report.errors if "en double" in e.reason}
    lost_ids = {r[5] for r in (lost_journal_rows or []) if len(r) > 5}
    new_records: dict[str, list[Record]] = {}

    if stale_patches is not None:  # rows the copy shows without the ID a sync gave them meanwhile
        named = stale.reclaim(book, snapshots, stale_patches)
        for rec, rid, extra in named:
            set_values(rec, {"id": rid, **extra})
            report.merged += 1
        book = apply_updates(book, [RowUpdate(r.tab, r, {"id": rid, **extra}) for r, rid, extra in named])
    book = _assign_ids(book, ctx, set_values, report)
    if stale_patches is not None:
        merged = stale.merge_rows(book, snapshots, stale_patches)
        stale.merge_settings(book, stale_patches, merged)
        for rec, values in merged.updates:
            set_values(rec, values)
        book = apply_updates(book, [RowUpdate(r.tab, r, v) for r, v in merged.updates])
        change.journal += merged.journal
        report.merged += merged.restored
        report.conflicts, report.ops = merged.conflicts, merged.ops
        lost_ids |= {rid for doc in stale_patches for key, rid, _, *old in doc.get("rows", [])
                     if key != "settings" and (not old or old[0] is None)}
    for key in ID_TABS:
        if key not in book.tabs:
            continue
        tab = book.schema.tab(key)
        title = book.title(key)
        snap = snapshots.get(key)
        computed = {c.key for c in tab.columns if c.computed}
        found = 0  # rows the snapshot holds
        for r in book.all_rows(key):
            rid = r.id
            if snap is None:
                continue
            old = snap.get(rid)
            if old is not None:
                found += 1
            else:
                touched.note_new(key, rid, r.values)
                new_records.setdefault(key, []).append(r)
                shown = {k: v for k, v in r.values.items() if k not in computed}
                change.journal.append(_sheet_entry("ajout", key, rid, describe(tab, None, shown), person()))
                continue
            cached = r.__dict__.get("_canon")  # ``record_canon``, inlined: one call per row of 100 000
            now = cached[1] if cached is not None and cached[0] is tab else record_canon(tab, r)
            if now == old:
                continue  # one comparison for a row nobody changed
            touched.note_edit(key, rid, r.values, old)
            diff = {c.key: (old.get(c.key, ""), now[c.key]) for c in tab.columns
                    if c.key != "id" and c.key not in computed and old.get(c.key, "") != now[c.key]}
            if diff and (title, r.row) not in duplicated:
                text = " ; ".join(f"{tab.column(k).header} : {a or '∅'} → {b or '∅'}" for k, (a, b) in diff.items())
                action = "modification"
                if key in LEDGER_TABS:
                    action = "modification (registre)"
                change.journal.append(_sheet_entry(action, key, rid, text, person()))
        if snap is not None and found == len(snap) and stale_patches is None and not unreadable.get(key) \
                and not any(t == title for t, _ in duplicated):
            continue  # each of its rows is a record once (no ID twice): none was deleted
        if snap is not None:
            for rid in unreadable.get(key, set()) & snap.keys():  # not records: the snapshot forgets them
                touched.changed.setdefault(key, set()).add(rid)
            present = {r.id for r in book.all_rows(key) if r.id} | unreadable.get(key, set())
            for rid in [i for i in snap if i not in present]:
                touched.note_gone(key, rid, snap[rid])
                if key in LEDGER_TABS or rid in lost_ids:
                    values = _from_canon(book, key, rid, snap[rid])
                    change.appends.append((key, values))
                    report.restored.append((title, rid))
                    if stale_patches is not None:
                        report.merged += 1
                    why = "disparue du fichier (enregistrement d'une copie ancienne ?)" if rid in lost_ids else \
                        "supprimée dans la feuille ; un registre ne se modifie que par écriture inverse"
                    change.journal.append(_system("restauration", key, rid, f"Ligne {why}"))
                else:
                    change.journal.append(_sheet_entry("suppression", key, rid, describe(
                        tab, None, _from_canon(book, key, rid, snap[rid])), person()))
    if stale_patches is not None:
        change.journal.insert(0, stale.summary(report.merged, report.conflicts))

    _normalise_phones(book, change, set_values)
    _link_clients(book, ctx, change, set_values, report)
    _computed_edits(book, ctx, snapshots, new_records, change, report)
    changed = None if full else touched.changed
    _typed_totals(book, ctx, snapshots, change, report, changed)

    pending = pending_records(change.appends)
    book = apply_updates(book, updates.values())
    if full:
        derived = derive(book, pending)
    else:
        touched.note_change(list(updates.values()), change.appends)
        report.touched, report.edited = touched.reach(book, pending), touched.changed
        derived = derive(book, pending, only=report.touched, cash_since=touched.cash_since)
    restored_computed = _restored_computed_notes(book, snapshots, derived, new_records, report, changed)
    change.journal += restored_computed
    for u in computed_updates(book, derived):
        if (book.title(u.tab), u.record.row) in duplicated:
            continue
        set_values(u.record, u.values)
    for i, (key, values) in enumerate(change.appends):
        extra = derived.get(key, {}).get(str(values.get("id")), {})
        change.appends[i] = (key, {**values, **{k: v for k, v in extra.items() if v is not None}})
    change.updates = list(updates.values())

    if "dashboard" in book.tabs:
        board = dashboard.grid(book, derived, pending, ctx.now, to_fix=report.errors,
                               balances=client_balances(book, derived))
        current = book.grids.get(book.title("dashboard"), [])[1:]
        if dashboard.differs(current, board):
            change.replaces.append(("dashboard", board))
    report.journal_rows = len(change.journal)
    return change, report


def _settings_errors(book: Book) -> list[RowError]:
    """Currency, country and time zone typed in the Paramètres tab are checked like the app's lists
    (``functions.regional``): a typo is named with its row, not silently replaced by a default."""
    from functions.regional import CHECKS

    title = book.title("settings")
    labels = {s.label: s.key for s in book.schema.tab("settings").settings if s.key in CHECKS}
    out: list[RowError] = []
    for n, row in enumerate(book.grids.get(title, [])[1:], start=2):
        key = labels.get(str(row[0]).strip()) if row and row[0] is not None else None
        value = str(row[1]).strip() if key and len(row) > 1 and row[1] is not None else ""
        if key and value:
            try:
                CHECKS[key](value)
            except InvalidInputError as exc:
                out.append(RowError(title, n, exc.message))
    return out


def _normalise_phones(book: Book, change: Change, set_values: Callable[[Record, dict[str, Any]], None]) -> None:
    """A phone typed in the sheet as people write it (« 90 11 22 33 ») is stored in the one international form
    (« +22890112233 », shown national by the app), journaled; text that is not a number is left as typed."""
    from functions import phones

    country = book.settings.get("country") or "TG"
    for key in ID_TABS:
        if key not in book.tabs:
            continue
        tab = book.schema.tab(key)
        columns = [c for c in tab.columns if c.type == "phone" and not c.computed]
        if not columns:
            continue
        for r in book.all_rows(key):
            cached = r.__dict__.get("_phones")  # kept on the record: a record never changes (see record_canon)
            if cached is not None and cached[0] == country:
                fixed = cached[1]
            else:
                fixed = {}
                for c in columns:
                    typed = str(r[c.key] or "").strip()
                    stored = phones.e164(typed, country) if typed else ""
                    if stored and stored != typed:
                        fixed[c.key] = stored
                r.__dict__["_phones"] = (country, fixed)
            if fixed and r.id:
                set_values(r, fixed)
                change.journal.append(_system("téléphone", key, r.id, " ; ".join(
                    f"{tab.column(k).header} : {r[k]} → {v}" for k, v in fixed.items())))


def _assign_ids(book: Book, ctx: Ctx, set_values: Callable[[Record, dict[str, Any]], None],
                report: SyncReport) -> Book:
    """Rows typed by hand get an id; the returned book shows them under it (same rows, same cells)."""
    tabs = dict(book.tabs)
    for key in ID_TABS:
        if key not in book.tabs or all(r.id for r in book.all_rows(key)):
            continue
        taken = taken_ids(book, key)
        records = []
        for r in book.all_rows(key):
            if not r.id:
                rid = ctx.new_id(key, taken)
                named: dict[str, Any] = {"id": rid}
                if key == "prestations" and not r["number"]:  # numbered as the app numbers its own
                    named["number"] = f"{ctx.next_number('prestation'):05d}"
                set_values(r, named)
                report.ids_assigned.append((book.title(key), r.row, rid))
                r = Record(r.tab, r.row, {**r.values, **named}, r.cells)
            records.append(r)
        t = book.tabs[key]
        tabs[key] = TabRows(t.tab, t.title, t.header, records, t.errors, t.blank_rows)
    return replace(book, tabs=tabs)


def _from_canon(book: Book, key: str, rid: str, canon_row: dict[str, str]) -> dict[str, Any]:
    tab = book.schema.tab(key)
    values: dict[str, Any] = {"id": rid}
    for c in tab.columns:
        if c.key in canon_row and canon_row[c.key] != "" and not c.computed:
            values[c.key] = book.codec.to_value(c.type, canon_row[c.key])
    return values


def _link_clients(book: Book, ctx: Ctx, change: Change, set_values: Callable[[Record, dict[str, Any]], None],
                  report: SyncReport) -> None:
    """A prestation typed with a client name and no Client ID gets linked, or a client is created."""
    from functions.books.records import add

    created: list[Record] = []
    for p in book.all_rows("prestations"):
        if p["client_id"] or not p["client"]:
            continue
        found = ledger.match_client(p["client"], book.rows("clients") + created)
        if found is not None:
            set_values(p, {"client_id": found.id})
            change.journal.append(_system("liaison", "prestations", p.id or f"ligne {p.row}",
                                          f"Client ID : ∅ → {found.id} (client « {found['name']} » existant)"))
            continue
        added = add(book, "clients", {"name": p["client"]}, ctx)
        cid = added.result["id"]
        values = added.appends[0][1]
        created.append(Record("clients", 0, values))
        change.appends += added.appends
        change.journal.append(_system("ajout", "clients", cid, f"Nom : {p['client']} (créé depuis la ligne "
                                      f"{p.row} de {book.title('prestations')})"))
        set_values(p, {"client_id": cid})
        change.journal.append(_system("liaison", "prestations", p.id or f"ligne {p.row}",
                                      f"Client ID : ∅ → {cid} (nouveau client « {p['client']} »)"))


def _computed_edits(book: Book, ctx: Ctx, snapshots: Mapping[str, TabSnapshot | None],
                    new_records: dict[str, list[Record]], change: Change, report: SyncReport) -> None:
    """A new prestation's typed Payé becomes its first Encaissement; a typed stock Quantité becomes an
    Inventaire movement. (Other computed edits are restored by the recompute, and journaled.)"""
    from functions.books.operations import cash_row, movement_row

    fresh = new_records.get("prestations", [])
    ids = {p.id for p in fresh}
    already = ledger.prestation_totals(fresh, [ln for ln in book.rows("lines") if ln["prestation_id"] in ids],
                                       [r for r in book.all_rows("caisse") if r["prestation_id"] in ids]) if fresh else {}
    for p in fresh:
        # What the Caisse does not hold yet (a prestation the app wrote but could not record as its own
        # must not be paid twice).
        paid = (p["paid"] or 0) - already[p.id].paid if p["paid"] else None
        if paid and paid > 0:
            row = cash_row(book, ctx, "Encaissement", paid, prestation_id=p.id, client_id=p["client_id"],
                           category="Paiement", description=f"Payé saisi dans la feuille ({p['number'] or p.id})")
            change.appends.append(("caisse", row))
            change.journal.append(_system("paiement", "caisse", row["id"], f"Payé saisi pour {p.id} : {display(paid)}"))
    snap = snapshots.get("stock")
    if snap is None:
        return
    typed_in: list[Record] = []  # the articles whose Quantité was typed since the snapshot
    for s in book.all_rows("stock"):
        typed = s["quantity"]
        if typed is None or not s.id:
            continue
        if (s.id not in snap and typed != 0) or (s.id in snap and snap[s.id].get("quantity") != canon(typed)):
            typed_in.append(s)
    if not typed_in:
        return
    wanted = {s.id for s in typed_in}
    derived_qty = ledger.stock_quantities(typed_in, [m for m in book.all_rows("movements") if m["article_id"] in wanted])
    for s in typed_in:
        typed = s["quantity"]
        is_new = s.id not in snap
        if is_new or typed != derived_qty[s.id]:
            delta = typed - derived_qty[s.id]
            if delta == 0:
                continue
            row = movement_row(book, ctx, s, delta, "Inventaire", "saisie dans la feuille")
            change.appends.append(("movements", row))
            change.journal.append(_system("stock", "movements", row["id"],
                                          f"Quantité de « {s['article']} » saisie : {display(derived_qty[s.id])} → "
                                          f"{display(typed)} (mouvement Inventaire {display(delta)})"))


def _typed_totals(book: Book, ctx: Ctx, snapshots: Mapping[str, TabSnapshot | None], change: Change,
                  report: SyncReport, changed: Mapping[str, set[str]] | None = None) -> None:
    """A Montant total typed on a prestation that has lines stands: a line « Ajustement » brings the
    lines to it (a line of quantity −1 when the total was lowered: prices are never negative). ``changed``:
    the rows that differ from the snapshot (only they can hold a total typed since)."""
    snap = snapshots.get("prestations")
    if snap is None or "lines" not in book.tabs:
        return
    candidates = book.all_rows("prestations")
    if changed is not None:
        edited = changed.get("prestations", set())
        candidates = [p for p in candidates if p.id in edited]
        if not candidates:
            return
    q = book.codec.quantum
    sums = ledger.lines_by_prestation(book.rows("lines") + [Record("lines", 0, v) for k, v in change.appends
                                                            if k == "lines"], q)
    taken = taken_ids(book, "lines")
    for p in candidates:
        typed = p["total"]
        if typed is None or p.id not in sums or p.id not in snap or canon(typed) == snap[p.id].get("total", ""):
            continue
        gap = typed - sums[p.id]
        if gap == 0:
            continue
        lid = ctx.new_id("lines", taken)
        change.appends.append(("lines", {"id": lid, "prestation_id": p.id, "article": "Ajustement",
                                         "quantity": Decimal(1 if gap > 0 else -1), "unit_price": abs(gap)}))
        report.adjusted.append((book.title("prestations"), p.id, lid))
        change.journal.append(_system("ajustement", "lines", lid, f"Montant total saisi pour {p['number'] or p.id} : "
                                      f"lignes {display(sums[p.id])} → {display(typed)} (ligne « Ajustement » "
                                      f"{display(gap)})"))


def _restored_computed_notes(book: Book, snapshots: Mapping[str, TabSnapshot | None], derived: dict[str, Any],
                             new_records: dict[str, list[Record]], report: SyncReport,
                             changed: Mapping[str, set[str]] | None = None) -> list[JournalEntry]:
    """Journal the hand edits of computed columns that the recompute puts back. ``changed``: the rows that
    differ from the snapshot (a computed cell typed since the snapshot is one of them)."""
    notes = []
    for key, by_id in derived.items():
        snap = snapshots.get(key)
        if snap is None or key not in book.tabs or key == "stock":
            continue
        tab = book.schema.tab(key)
        fresh = {r.id for r in new_records.get(key, [])}
        rows = book.all_rows(key)
        if changed is not None:
            edited = changed.get(key, set())
            rows = [r for r in rows if r.id in edited] if edited else []
        for r in rows:
            if not r.id or r.id not in snap or r.id in fresh:
                continue
            for k, want in by_id.get(r.id, {}).items():
                typed, was = canon(r[k]), snap[r.id].get(k, "")
                if typed != was and typed != canon(want):
                    report.corrected.append((book.title(key), r.id, tab.column(k).header))
                    notes.append(_system("correction", key, r.id, f"{tab.column(k).header} est calculé : "
                                         f"{typed or '∅'} saisi → {canon(want) or '∅'} restauré"))
    return notes


# -- a sync with nothing new: a version check, no values ---------------------------------------------------
MARK = ("sync", "mark")


def _errors_doc(errors: list[RowError]) -> list[list[Any]]:
    return [[e.tab, e.row, e.reason] for e in errors]


def _errors_of(doc: list[list[Any]]) -> list[RowError]:
    return [RowError(str(t), int(r) if r is not None else None, str(why)) for t, r, why in doc]


def mark_synced(state: StateStore, version: str | None, day: date, report: SyncReport) -> None:
    """After a sync: the workbook's version as it left it, the day (the dashboard's « today ») and the Journal
    length, with the rows still to fix (what a sync with nothing new reports again)."""
    if version is None:
        state.delete(*MARK)
        return
    state.put(*MARK, {"version": version, "day": day.isoformat(), "head": Head.load(state).count,
                      "errors": _errors_doc(report.errors), "quarantined": _errors_doc(report.quarantined),
                      "warnings": _errors_doc(report.warnings)})


def unchanged_since_sync(state: StateStore, version: str | None, day: date) -> SyncReport | None:
    """The report of a sync with nothing to do, when nothing changed since the last one: the same workbook
    version (any edit, by a person or the toolkit, changes it), the same day, the same Journal length, no
    action waiting to be merged into the snapshots and no half-done commit. None: run the sync."""
    if version is None:
        return None
    mark = state.get(*MARK)
    if not mark or mark.get("version") != version or mark.get("day") != day.isoformat():
        return None
    if Head.load(state).count != mark.get("head") or state.get("journal", "pending") is not None \
            or state.list("snapshot_patch"):
        return None
    return SyncReport(errors=_errors_of(mark.get("errors", [])), quarantined=_errors_of(mark.get("quarantined", [])),
                      warnings=_errors_of(mark.get("warnings", [])))
