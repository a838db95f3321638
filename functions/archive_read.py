"""Reading the closed years (``functions.archive`` writes them): the archive workbooks by year, the chain of
the Journal across every archive (``ttr audit verify --archives``), a client's history across years, and the
workbook's size with the year that can be closed (Tableau de bord, morning summary).

The state store records each close (collection ``closings``, one document per year: ``archive`` the name shown,
``spec`` what opens it — a path or a Google Sheets URL —, ``journal_count`` and ``journal_last`` the archived
Journal's row count and last Empreinte).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from functions.archive import is_checkpoint, named_digest, verify_rows
from functions.audit.journal import Verdict, journal_key
from functions.books import year_end
from functions.errors import TTRError, WorkbookError
from functions.store.backend import Backend
from functions.store.workbook import Book, Record, Workbook

Opener = Callable[[str], Backend]


def closings(state: Any) -> list[tuple[int, dict[str, Any]]]:
    """The closed years (done), oldest first, with what the state store recorded."""
    out = []
    for key, doc in state.list("closings"):
        if doc.get("status") == "done" and str(key).isdigit():
            out.append((int(key), doc))
    return sorted(out, key=lambda x: x[0])


def _default_opener(spec: str) -> Backend:
    from functions.config import open_backend

    return open_backend(spec)


def open_archives(biz: Any, opener: Opener | None = None, years: set[int] | None = None) -> dict[int, Workbook]:
    """The archive workbook of every closed year (or of ``years``), opened, not read: a read happens when asked."""
    opener = opener or _default_opener
    return {year: Workbook(opener(str(doc.get("spec") or doc["archive"])), biz.workbook.schema)
            for year, doc in closings(biz.state) if years is None or year in years}


def verify_archives(biz: Any, opener: Opener | None = None) -> Verdict:
    """The live Journal, then every archive's Journal and the links between them: each archive's chain whole,
    its row count what the state recorded, its last Empreinte the one the next archive's (or the live
    Journal's) checkpoint names. The first break is named in French."""
    live = biz.verify_journal()
    if not live.ok:
        return Verdict(False, live.rows, f"Classeur : {live.message}", live.first_bad_row)
    done = closings(biz.state)
    if not done:
        return Verdict(True, live.rows, live.message + " Aucun exercice clôturé : pas d'archive à vérifier.")
    key = journal_key(biz.state)
    archives = open_archives(biz, opener)
    heads: list[tuple[str, dict[str, Any] | None]] = []  # (who, its first Journal row) for each next link
    total = live.rows
    chains: list[tuple[int, dict[str, Any], list[dict[str, Any]]]] = []
    for year, doc in done:
        name = f"Archive {year} (« {doc.get('archive')} »)"
        try:
            rows = [r.values for r in archives[year].load(["journal"]).all_rows("journal")]
        except (TTRError, OSError) as exc:
            return Verdict(False, total, f"{name} illisible : {getattr(exc, 'message', exc)}")
        bad = verify_rows(key, rows)
        if bad is not None:
            return Verdict(False, total, f"{name}, Journal {bad} : empreinte invalide — cette ligne (ou celle "
                           "d'avant) a été modifiée, insérée, supprimée ou déplacée.")
        if len(rows) != int(doc.get("journal_count", -1)):
            return Verdict(False, total, f"{name} : {len(rows)} ligne(s) au Journal, la clôture en a enregistré "
                           f"{doc.get('journal_count')} — des lignes ont été ajoutées ou retirées.")
        last = str(rows[-1].get("hash") or "") if rows else ""
        if rows and last != str(doc.get("journal_last")):
            return Verdict(False, total, f"{name} : sa dernière empreinte n'est pas celle enregistrée à la clôture.")
        chains.append((year, doc, rows))
        heads.append((f"l'archive {year}", rows[0] if rows else None))
        total += len(rows)
    live_first = biz.load(["journal"]).all_rows("journal")[:1]
    heads.append(("le Journal du classeur", live_first[0].values if live_first else None))
    for i, (year, _doc, rows) in enumerate(chains):
        who, first = heads[i + 1]
        named = named_digest(first) if first is not None and is_checkpoint(first) else None
        last = str(rows[-1].get("hash") or "") if rows else ""
        if named != last:
            return Verdict(False, total, f"Chaîne rompue entre l'archive {year} et {who} : le point de clôture "
                           "ne nomme pas la dernière empreinte de l'archive.")
    years = ", ".join(str(y) for y, _ in done)
    return Verdict(True, total, f"Journal intact : classeur et {len(done)} archive(s) ({years}), {total} ligne(s) "
                   "vérifiée(s), chaîne continue d'une archive à l'autre.")


def client_history(biz: Any, client_id: str, opener: Opener | None = None) -> list[tuple[int, list[Record], str]]:
    """The client's archived prestations by closed year, newest year first: (year, prestations, problem)."""
    out: list[tuple[int, list[Record], str]] = []
    for year, wb in sorted(open_archives(biz, opener).items(), reverse=True):
        try:
            rows = [p for p in wb.load(["prestations"]).all_rows("prestations") if str(p["client_id"]) == client_id]
        except (TTRError, OSError):
            out.append((year, [], f"Archive {year} illisible pour l'instant."))
            continue
        if rows:
            out.append((year, rows, ""))
    return out


def archives_from(biz: Any, start: date, keys: list[str], opener: Opener | None = None) -> dict[int, Book]:
    """The archive books (tabs ``keys``) that a period starting on ``start`` needs, by closed year: every
    closed year from ``start``'s on — an archive holds the rows of its year and of earlier ones that moved with
    it (a prestation still open at an earlier close, its payments with it), never of later years. Earlier
    closed years count through their « À nouveau » rows (``functions.reports.history``). An archive that cannot
    be read stops the caller with what to do, rather than give figures with a year missing."""
    years = {y for y, _ in closings(biz.state) if y >= start.year}
    if not years:
        return {}
    out: dict[int, Book] = {}
    for year, wb in sorted(open_archives(biz, opener, years).items()):
        try:
            out[year] = wb.load(keys)
        except (TTRError, OSError) as exc:
            raise WorkbookError(f"L'archive de l'exercice {year} est illisible ({getattr(exc, 'message', exc)}) : "
                                "les chiffres de cette période en ont besoin. Remettez le fichier d'archive à sa "
                                "place (ou rendez la Google Sheet accessible), puis recommencez.") from None
    return out


def archived_books(biz: Any, start: date, end: date, keys: list[str], opener: Opener | None = None) -> list[Any]:
    """The archive books (tabs ``keys``) a period from ``start`` to ``end`` reads, oldest first (see
    ``archives_from``: ``end`` bounds nothing, a later archive can hold rows of the period)."""
    return list(archives_from(biz, start, keys, opener).values())


@dataclass(frozen=True)
class Size:
    """How big the live workbook is, and whether a close would help."""

    rows: dict[str, int]  # tab title -> data rows
    cells: int | None  # grid cells on Google Sheets (its 10 million limit), None elsewhere
    closable: int | None  # the oldest year that can be closed, if any
    cell_percent: int | None = None

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    def line(self) -> str:
        return year_end.size_line(self.total_rows, self.cells, self.cell_percent)

    def suggestion(self) -> str | None:
        """The French hint shown when the workbook is large and a year can be closed."""
        return year_end.size_hint(self.total_rows, self.closable, self.cells, self.cell_percent)


def workbook_size(biz: Any, book: Any | None = None, fresh: bool = False) -> Size:
    """Rows per tab (every backend), grid cells on Google Sheets (``functions.store.capacity``; the tab sizes
    already known in this process unless ``fresh``: no request on a page view)."""
    from functions.store.capacity import CellUsage

    book = book if book is not None else biz.book()
    rows = {book.title(k): len(t.records) for k, t in book.tabs.items()}
    count = getattr(biz.workbook.backend, "grid_cells", None)
    try:
        usage = CellUsage(int(count(fresh=fresh))) if callable(count) else None
    except TTRError:
        usage = None
    closed = {y for y, _ in closings(biz.state)}
    year = year_end.closable_year(book, biz.now())
    return Size(rows, usage.cells if usage else None, None if year in closed else year,
                usage.percent if usage else None)


__all__ = ["Size", "archived_books", "archives_from", "client_history", "closings", "open_archives", "verify_archives", "workbook_size"]
