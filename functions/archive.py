"""Clôture d'exercice: a closed year moves into an archive workbook; the live workbook keeps its balances
through opening rows and its Journal chain through a checkpoint row (``ttr cloture 2026``).

Safe by construction:

1. under the workbook lock, after a sync with nothing left to correct (a row « À corriger » refuses the close);
2. the plan (``functions.books.year_end``) is computed, and every derived figure of the live workbook as it
   would be after the close is compared with the figures now: any difference refuses the close;
3. the archive (``<classeur>-<année>.xlsx`` beside the workbook, or the Google Sheet given) is written from
   the schema, read-only for people, then read back and checked (every moved row there, its Journal chain
   whole) — nothing has left the live workbook yet, so a crash here leaves it as it was and a new run starts
   the archive again;
4. the live workbook is rewritten in one write (one atomic file replace, one ``batchUpdate``): the moved
   rows out, the opening rows and a checkpoint row at the head of the Journal in. Its Journal then verifies
   alone; ``verify_archives`` checks the chain across every archive.

Running it twice moves nothing more. The state store keeps, per closed year, the archive, what moved and the
chain's head at the cut (collection ``closings``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from functions.audit.journal import GENESIS, Head, journal_key, link
from functions.books import year_end
from functions.books.records import Ctx
from functions.errors import ConflictError, InvalidInputError
from functions.store.backend import Backend, ReplaceTab, TabSpec
from functions.store.workbook import Book, Record, Workbook

CHECKPOINT = "clôture d'exercice"
_NAMED = re.compile(r"dernière empreinte ([0-9a-f]{20})")
ARCHIVED_TABS = ("prestations", "lines", "caisse", "movements", "agenda", "journal")


class YearClosedError(ConflictError):
    """Cet exercice est déjà clôturé."""


@dataclass
class CloseReport:
    year: int
    archive: str
    moved: dict[str, int] = field(default_factory=dict)
    openings: int = 0
    journal_rows: int = 0
    dry_run: bool = False
    opening_rows: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (tab key, typed values)

    def lines(self) -> list[str]:
        names = {"prestations": "prestation(s)", "lines": "ligne(s) de prestation", "caisse": "ligne(s) de Caisse",
                 "movements": "mouvement(s) de stock", "agenda": "tâche(s) d'agenda", "journal": "ligne(s) du Journal"}
        verb = "partiraient" if self.dry_run else "archivées"
        out = [f"Exercice {self.year} → {self.archive}"]
        out += [f"  {n} {names[k]} {verb}" for k, n in self.moved.items() if n]
        out.append(f"  {self.openings} ligne(s) « À nouveau {self.year} » {'à ajouter' if self.dry_run else 'ajoutées'}")
        return out


def archive_path(workbook_path: str | Path, year: int) -> Path:
    path = Path(workbook_path)
    return path.with_name(f"{path.stem}-{year}{path.suffix or '.xlsx'}")


def is_checkpoint(values: dict[str, Any]) -> bool:
    return values.get("action") == CHECKPOINT and values.get("source") == "système"


def named_digest(values: dict[str, Any]) -> str | None:
    """The Empreinte a year-end checkpoint row says the archived chain ended with."""
    match = _NAMED.search(str(values.get("changes") or ""))
    return match.group(1) if match else None


def archive_target(workbook: str, year: int, archive: str | None, google: bool) -> str:
    """Where the archive of ``year`` goes: ``<classeur>-<année>.xlsx`` beside an ``.xlsx`` workbook (absolute
    path); on Google Sheets the empty Google Sheet given by ``--archive`` (shared like the main one)."""
    if google:
        if not archive:
            raise InvalidInputError("Sur Google Sheets, créez une Google Sheet vide dans le même dossier Drive, "
                                    "partagez-la avec le compte de service comme le classeur, puis donnez son URL "
                                    "(--archive URL).")
        return archive.strip()
    if not workbook.strip():
        raise InvalidInputError("Classeur inconnu : indiquez-le (TTR_WORKBOOK) pour savoir où écrire l'archive.")
    if archive:
        raise InvalidInputError("--archive ne sert que sur Google Sheets : l'archive d'un .xlsx est écrite à côté "
                                f"du classeur ({archive_path(workbook, year).name}).")
    return str(archive_path(workbook, year).resolve())


def close_year(biz: Any, year: int, open_archive: Callable[[], Backend], archive_name: str, *,
               dry_run: bool = False, actor: str = "système", spec: str | None = None) -> CloseReport:
    """Close ``year`` (see the module docstring); ``open_archive`` opens the archive workbook's backend and
    ``spec`` is what opens it again later (a path or a Google Sheets URL; ``archive_name`` by default)."""
    done = biz.state.get("closings", str(year))
    if done and done.get("status") == "done":
        raise YearClosedError(f"L'exercice {year} est déjà clôturé (archive : {done.get('archive')}). "
                              "Rien de plus ne part.")
    if not dry_run:
        report = biz.sync()
        if report.errors:
            raise ConflictError(f"{len(report.errors)} ligne(s) « À corriger » dans le classeur : corrigez-les (ou "
                                "supprimez-les) puis relancez la clôture.")
    with biz.state.lock("workbook", ttl_seconds=30, timeout_seconds=60):
        biz.forget()
        book = biz.load()
        ctx = biz.ctx(actor)
        if _already_cut(book, year):  # the live write landed, its bookkeeping did not
            biz.state.put("closings", str(year), {**(done or {}), "status": "done"})
            raise YearClosedError(f"L'exercice {year} est déjà clôturé. Rien de plus ne part.")
        the_plan = year_end.plan(book, year, ctx)
        journal_cut = _journal_prefix(book, the_plan)
        report = CloseReport(year, archive_name, {**the_plan.count(), "journal": len(journal_cut)},
                             sum(1 for _ in the_plan.openings), dry_run=dry_run, opening_rows=the_plan.openings)
        if not the_plan and not journal_cut:
            if dry_run:
                return report
            raise InvalidInputError(f"Rien à clôturer pour {year} : aucune ligne de cet exercice.")
        live = _live_grids(biz, book, the_plan, journal_cut, ctx, archive_name)
        after = _book_from(biz.workbook, book, live)
        changed = year_end.differences(year_end.figures(book), year_end.figures(after))
        if changed:  # pragma: no cover - the plan's own guarantee; refuse rather than lose a figure
            raise ConflictError("La clôture changerait des soldes (" + " ; ".join(changed[:3]) + ") : rien n'a été fait.")
        if dry_run:
            return report
        archive = open_archive()
        _write_archive(biz, book, the_plan, journal_cut, archive)
        _check_archive(biz, book, the_plan, journal_cut, Workbook(archive, biz.workbook.schema))
        last = str(journal_cut[-1]["hash"]) if journal_cut else GENESIS
        record = {"archive": archive_name, "spec": spec or archive_name, "moved": report.moved,
                  "journal_count": len(journal_cut), "journal_last": last}
        biz.state.put("closings", str(year), {"status": "archived", **record})
        ops = [ReplaceTab(book.title(key), tuple(tuple(r) for r in rows[1:])) for key, rows in live.items()]
        jrows = live["journal"][1:]
        hidx = [str(h) for h in live["journal"][0]].index("Empreinte")
        head = Head(len(jrows), str(jrows[-1][hidx]), archived_rows(book, journal_cut) - 1)
        biz.state.put("journal", "pending", {"count": head.count, "hash": head.hash})
        biz.workbook.backend.write(ops)
        head.save(biz.state)
        biz.state.delete("journal", "pending")
        _reset_logs(biz, jrows)
        biz.forget()
        _new_baseline(biz, biz.load())
        biz.state.put("closings", str(year), {"status": "done", **record, "at": ctx.now.isoformat(sep=" ")})
        biz.forget()
    biz.sync()  # snapshots of the new live rows (a sync with nothing new writes nothing)
    return report


def _already_cut(book: Book, year: int) -> bool:
    rows = book.all_rows("journal")
    return bool(rows) and is_checkpoint(rows[0].values) and f"Exercice {year} " in str(rows[0]["changes"] or "")


def _journal_prefix(book: Book, the_plan: year_end.Plan) -> list[Record]:
    """The Journal rows of the closed period: the longest run from the top dated before its end."""
    out = []
    for i, row in enumerate(book.all_rows("journal")):
        moment = row["time"]
        if i == 0 and is_checkpoint(row.values):  # a previous close's checkpoint goes with the rows it heads
            out.append(row)
            continue
        if moment is None or moment >= the_plan.end:
            break
        out.append(row)
    return out if len(out) > 1 or not (out and is_checkpoint(out[0].values)) else []


def _raw(book: Book, key: str) -> list[list[Any]]:
    return book.grids[book.title(key)]


def _live_grids(biz: Any, book: Book, the_plan: year_end.Plan, journal_cut: list[Record], ctx: Ctx,
                archive_name: str) -> dict[str, list[list[Any]]]:
    """The new grids of the live tabs: header, the rows that stay (as they were), the opening rows."""
    out: dict[str, list[list[Any]]] = {}
    for key in year_end.MOVED_TABS:
        grid = _raw(book, key)
        gone = {r.row for r in the_plan.moved.get(key, [])}
        if not gone and not any(k == key for k, _ in the_plan.openings):
            continue
        header = [str(h) if h is not None else "" for h in grid[0]]
        kept = [list(row) for n, row in enumerate(grid[1:], start=2) if n not in gone]
        tab = book.schema.tab(key)
        for k, values in the_plan.openings:
            if k == key:
                cells = biz.workbook.to_cells(tab, values, book.codec)
                kept.append([cells.get(h) for h in header])
        out[key] = [list(grid[0])] + kept
    jgrid = _raw(book, "journal")
    header = [str(h) if h is not None else "" for h in jgrid[0]]
    hidx = header.index("Empreinte")
    jtab = book.schema.tab("journal")
    codec = book.codec

    def typed(raw: dict[str, Any]) -> dict[str, Any]:
        return {c.key: codec.to_value(c.type, codec.to_cell(c.type, raw.get(c.key))) for c in jtab.columns
                if c.key != "hash"}

    last = str(journal_cut[-1]["hash"]) if journal_cut else GENESIS
    moved = the_plan.count()
    text = (f"Exercice {the_plan.year} archivé dans « {archive_name} » : {archived_rows(book, journal_cut)} "
            "ligne(s) du Journal, "
            + ", ".join(f"{n} {k}" for k, n in moved.items()) + f" ; dernière empreinte {last}")
    checkpoint = typed({"time": ctx.now, "actor": ctx.actor, "source": "système", "action": CHECKPOINT,
                        "tab": book.title("journal"), "row": "", "changes": text})
    jkey = journal_key(biz.state)
    checkpoint["hash"] = link(jkey, last, checkpoint)
    rest = [list(row) for row in jgrid[1 + len(journal_cut):]]
    previous = str(rest[-1][hidx]) if rest and len(rest[-1]) > hidx else last
    from functions.store.workbook import Change, JournalEntry

    note = Change(journal=[JournalEntry(
        "clôture", "journal", "", f"Clôture de l'exercice {the_plan.year} : {len(the_plan.openings)} ligne(s) « "
        f"{the_plan.label} » (soldes par moyen de paiement, comptes clients, stock)", source="système")])
    after_cut = Head(1 + len(rest), previous, archived_rows(book, journal_cut) - 1)
    closing = biz.recorder.journal_values(book, note, ctx.actor, "système", after_cut)  # sealed checkpoints too
    cells = [biz.workbook.to_cells(jtab, v, book.codec) for v in (checkpoint, *closing)]
    out["journal"] = [list(jgrid[0]), [cells[0].get(h) for h in header], *rest,
                      *([c.get(h) for h in header] for c in cells[1:])]
    return out


def archived_rows(book: Book, journal_cut: list[Record]) -> int:
    """How many rows of the whole chain come before the first row kept live (every archive counted once: a
    previous close's checkpoint row, archived again now, stands for the rows it named)."""
    from functions.audit.journal import year_end_cut

    first = journal_cut[0].values if journal_cut else None
    earlier = year_end_cut(first) if first is not None else None
    return len(journal_cut) + (earlier[1] - 1 if earlier else 0)


def _book_from(workbook: Workbook, book: Book, grids: dict[str, list[list[Any]]]) -> Book:
    """``book`` as it will read once ``grids`` replace its tabs (for the figures check)."""
    tabs = dict(book.tabs)
    for key, grid in grids.items():
        tabs[key] = workbook.parse_tab(book.schema.tab(key), book.title(key), grid, book.codec)
    return Book(book.schema, book.settings, book.codec, tabs, {**book.grids, **{book.title(k): g for k, g in grids.items()}})


def _write_archive(biz: Any, book: Book, the_plan: year_end.Plan, journal_cut: list[Record], archive: Backend) -> None:
    specs = [TabSpec(s.title, s.columns, True, s.initial_rows) for s in biz.workbook.tab_specs(book.settings)]
    archive.setup(specs)
    ops = []
    for key in ARCHIVED_TABS:
        grid = _raw(book, key)
        rows = [grid[r.row - 1] for r in (journal_cut if key == "journal" else the_plan.moved.get(key, []))]
        ops.append(ReplaceTab(book.title(key), _in_schema_order(book, key, rows)))
    for key in ("clients", "stock", "types"):  # what the archived rows name, as it was
        if key in book.tabs:
            ops.append(ReplaceTab(book.title(key), _in_schema_order(book, key, _raw(book, key)[1:])))
    settings = [list(r) for r in _raw(book, "settings")[1:]]
    ops.append(ReplaceTab(book.title("settings"), tuple(tuple(r[:2]) for r in settings if r)))
    archive.write(ops)


def _in_schema_order(book: Book, key: str, rows: list[list[Any]]) -> tuple[tuple[Any, ...], ...]:
    """Raw rows of a live tab (its columns in the order people left them) in the schema's column order."""
    header = [str(h) if h is not None else "" for h in _raw(book, key)[0]]
    where = [header.index(c.header) if c.header in header else None for c in book.schema.tab(key).columns]
    return tuple(tuple(row[i] if i is not None and i < len(row) else None for i in where) for row in rows)


def _check_archive(biz: Any, book: Book, the_plan: year_end.Plan, journal_cut: list[Record], archive: Workbook) -> None:
    """Read the archive back: every moved row there by its id, the Journal rows with their Empreintes."""
    got = archive.load([k for k in ARCHIVED_TABS])
    for key in year_end.MOVED_TABS:
        want = {r.id for r in the_plan.moved.get(key, [])}
        have = {r.id for r in got.all_rows(key)}
        if want - have:
            raise ConflictError(f"Archive incomplète ({book.title(key)}) : la clôture s'arrête, rien n'a quitté le "
                                "classeur. Relancez-la.")
    hashes = [str(r["hash"]) for r in got.all_rows("journal")]
    if hashes != [str(r["hash"]) for r in journal_cut]:
        raise ConflictError("Archive incomplète (Journal) : la clôture s'arrête, rien n'a quitté le classeur.")
    verdict = verify_rows(journal_key(biz.state), [r.values for r in got.all_rows("journal")])
    if verdict is not None:
        raise ConflictError(f"Journal de l'archive invalide ({verdict}) : la clôture s'arrête.")


def _new_baseline(biz: Any, book: Book) -> None:
    """The close is the sync's new starting point: snapshots of the live rows as they are now, and no history
    of earlier actions (a copy of the workbook saved from before the close is not merged back)."""
    from functions.audit.sync import ID_TABS
    from functions.store.workbook import Change

    for key, _doc in biz.state.list("snapshot_patch"):
        biz.state.delete("snapshot_patch", key)
    biz.state.put_blob("snapshot.history", b"")
    biz._rebuild_snapshots(book, Change(), [k for k in ID_TABS if k in book.tabs])


def _reset_logs(biz: Any, jrows: list[list[Any]]) -> None:
    """The Journal's positions changed: the log the sync restores lost rows from starts again from them."""
    from functions.audit import snapshot

    for key, _doc in biz.state.list("journal_log"):
        biz.state.delete("journal_log", key)
    snapshot.log_journal(biz.state, 0, [list(r) for r in jrows])


def verify_rows(key: bytes, rows: list[dict[str, Any]]) -> str | None:
    """The chain of Journal rows (a year-end checkpoint first starts it at the Empreinte it names); None when
    whole, else the 1-based position of the first bad row."""
    previous = GENESIS
    for i, values in enumerate(rows):
        if i == 0 and is_checkpoint(values) and (named := named_digest(values)):
            if link(key, named, values) != str(values.get("hash") or ""):
                return "ligne 2"
            previous = named
            continue
        expected = link(key, previous, values)
        if expected != str(values.get("hash") or ""):
            return f"ligne {i + 2}"
        previous = expected
    return None


__all__ = ["CHECKPOINT", "CloseReport", "YearClosedError", "archive_path", "archive_target", "close_year", "is_checkpoint",
           "named_digest", "verify_rows"]
