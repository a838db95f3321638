"""The local ``.xlsx`` workbook backend: the embedded default (open the file in LibreOffice or Excel).

Reads go through python-calamine (a whole workbook in a fraction of a second), and only for the tabs whose
sheet part changed: the zip's central directory gives each part's CRC-32 and size, so a tab whose part (and
the parts every tab depends on: workbook, shared strings, styles) is unchanged since it was last read or
written keeps its grid, without reading the file. A write never loads the
workbook with openpyxl (seconds at 10k rows): under a sidecar lock (``<path>.lock``) it rewrites only the
sheet parts of the tabs it touches inside the zip, copies every other member's compressed bytes as they
are, and replaces the file atomically (temp file in the same folder, fsync, ``os.replace``, fsync of the
folder). A process killed mid-write leaves the previous file whole. ``setup`` (a one-off, ``ttr init``)
uses openpyxl, and rewrites nothing when the workbook already matches the contract.
"""

from __future__ import annotations

import glob
import io
import os
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import timedelta
from typing import IO

import filelock
from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum

from functions.errors import (
    BackendError,
    BackendTimeoutError,
    HeaderError,
    InvalidInputError,
    MissingTabError,
    WorkbookCorruptError,
    WorkbookMissingError,
)
from functions.store.backend import (
    AppendRows,
    Backend,
    Cell,
    Grid,
    NumberFormat,
    Op,
    ReplaceTab,
    RowIndex,
    SetupReport,
    TabSpec,
    TokenGrid,
    UpdateRow,
    locate_row,
    trim_grid,
)
from functions.store.xlsx_cache import DiskCache
from functions.store.xlsx_pack import Packed, holds, pack, pack_after
from functions.store.xlsx_parts import (
    Package,
    SheetEdit,
    append_outline,
    copy_member,
    member_data,
    open_package,
    put_member,
    rewrite_sheet_split,
)
from functions.store.xlsx_styles import Styles

COMPRESS_LEVEL = 1  # rewritten parts: fast deflate (level 6 costs ~3x the time for ~15% smaller parts)
Payload = tuple[list[bytes], int, int]  # a member's raw deflate data (in pieces), CRC-32 and uncompressed size


def _missing_tab(title: str) -> MissingTabError:
    return MissingTabError(f"Onglet « {title} » introuvable. Lancez « ttr init » pour le recréer.")


def _clean(row: list) -> list[Cell]:
    """Calamine cells as backend cells: "" is empty, integral floats are ints; text is never touched."""
    return [v if v.__class__ is str and v else _clean_cell(v) for v in row]


def _clean_cell(v: object) -> Cell:
    if v == "":
        return None
    if v.__class__ is float and v.is_integer() and -(2**53) < v < 2**53:  # type: ignore[attr-defined]
        return int(v)  # type: ignore[call-overload]
    if isinstance(v, timedelta):
        return v.total_seconds() / 86400
    return v  # type: ignore[return-value]


def _pattern(formats: Mapping[str, NumberFormat], header: str) -> str | None:
    f = formats.get(header)
    return f.pattern if f is not None else None


class XlsxBackend(Backend):
    """A workbook stored as one ``.xlsx`` file on the local disk."""

    def __init__(self, path: str | os.PathLike[str], lock_timeout: float = 30,
                 cache_dir: str | os.PathLike[str] | None = None) -> None:
        self.path = os.path.abspath(os.fspath(path))
        self.lock_timeout = lock_timeout
        # Grids and compressed pieces kept across processes (``xlsx_cache``; ``config`` puts them in
        # ``<workbook>.cache``); None: this process's memory only.
        self._disk = DiskCache(cache_dir) if cache_dir is not None else None
        self.requests = {"read": 0, "write": 0}
        self.traffic = {"down": 0, "up": 0}  # bytes of the file read and written (bench/)
        # Grids of the tabs as last read or written, each with the signature of its part (CRC-32 and size from
        # the zip's central directory, and those of the parts every tab depends on): a tab whose signature is
        # unchanged is not read again (the toolkit's own writes keep it warm; any other change drops it).
        self._cache: dict[str, tuple[tuple[object, ...], Grid, object]] = {}  # title -> (signature, grid, token)
        # The zip's directory as last seen, and what it says: titles in order, title -> part, shared parts.
        self._titles: tuple[tuple[object, ...], list[str], dict[str, str], tuple[str, ...]] | None = None
        # The sheet parts this backend wrote, by member name, with their signature in the file as written: the
        # text (not inflated again) and the compressed start of its rows (not deflated again, see xlsx_pack).
        self._packed: dict[str, tuple[tuple[object, ...], Packed]] = {}
        # The row indexes of the last write (``RowIndex``), by title and key header, each with the cached grid
        # it indexes: the next write to that very grid starts from it instead of indexing 100 000 rows again.
        self._carried: dict[str, dict[str, tuple[Grid, RowIndex]]] = {}

    # -- file access ---------------------------------------------------------------------------------------
    def _file(self) -> IO[bytes]:
        try:
            return open(self.path, "rb")  # noqa: SIM115 - the caller closes it
        except FileNotFoundError:
            raise WorkbookMissingError(
                f"Classeur introuvable : {self.path}. Créez-le avec « ttr init » ou vérifiez TTR_WORKBOOK."
            ) from None
        except OSError as exc:
            raise WorkbookCorruptError(f"Impossible de lire le classeur {self.path} : {exc.strerror}.") from exc

    def _load(self) -> bytes:
        with self._file() as f:
            data = f.read()
        if not data.startswith(b"PK\x03\x04"):
            raise self._corrupt()
        self.traffic["down"] += len(data)
        return data

    def _corrupt(self) -> WorkbookCorruptError:
        return WorkbookCorruptError(
            f"Le fichier {self.path} n'est pas un classeur .xlsx lisible. "
            "Restaurez une sauvegarde ou recréez-le avec « ttr init »."
        )

    def _workbook(self, data: bytes) -> CalamineWorkbook:
        try:
            return CalamineWorkbook.from_filelike(io.BytesIO(data))
        except (CalamineError, OSError, ValueError) as exc:
            raise self._corrupt() from exc

    @staticmethod
    def _worksheets(wb: CalamineWorkbook) -> list[str]:
        return [m.name for m in wb.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet]

    def _grid(self, wb: CalamineWorkbook, title: str) -> Grid:
        try:
            rows = wb.get_sheet_by_name(title).to_python(skip_empty_area=False)
        except (CalamineError, OSError, ValueError) as exc:
            raise self._corrupt() from exc
        return trim_grid([_clean(r) for r in rows])

    @contextmanager
    def _lock(self) -> Iterator[None]:
        lock = filelock.FileLock(self.path + ".lock", timeout=self.lock_timeout)
        try:
            lock.acquire()
        except filelock.Timeout:
            raise BackendTimeoutError(
                f"Le classeur {self.path} est occupé par une autre écriture depuis {self.lock_timeout:g} s. "
                "Réessayez dans un instant."
            ) from None
        try:
            yield
        finally:
            lock.release()

    def _replace(self, write: Callable[[IO[bytes]], None]) -> None:
        """Write a new file next to the workbook, fsync it, swap it in, fsync the folder (under the lock)."""
        folder, base = os.path.split(self.path)
        for stale in glob.glob(os.path.join(glob.escape(folder), f".{glob.escape(base)}.*.tmp")):
            try:  # left by a process killed mid-write; we hold the lock, so nobody is writing it
                os.unlink(stale)
            except OSError:
                pass
        fd, tmp = tempfile.mkstemp(prefix=f".{base}.", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(fd, "wb") as f:
                write(f)
                f.flush()
                _fsync(f.fileno())
            try:
                os.chmod(tmp, os.stat(self.path).st_mode & 0o7777)
            except FileNotFoundError:
                os.chmod(tmp, 0o644)
            try:
                os.replace(tmp, self.path)
            except PermissionError as exc:  # Windows: the file is open in Excel
                raise BackendError(
                    f"Impossible d'enregistrer {self.path} : le fichier est verrouillé par un autre programme. "
                    "Fermez-le dans Excel ou LibreOffice puis réessayez."
                ) from exc
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
        try:  # make the rename itself durable (POSIX; Windows cannot open a folder)
            dir_fd = os.open(folder, os.O_RDONLY)
        except OSError:
            return
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    # -- Backend -------------------------------------------------------------------------------------------
    def titles(self) -> list[str]:
        """Worksheet titles in workbook order; none while the file does not exist (before ``setup``)."""
        if not os.path.exists(self.path):
            return []
        with self._open() as (f, zf):
            return list(self._names(f, zf)[0])

    def version(self) -> str:
        """A digest of the zip's directory (every part's name, CRC-32 and sizes): any change to the file
        changes it, and reading it reads no values."""
        import hashlib

        with self._open() as (_, zf):
            return hashlib.blake2b(repr(_version(zf)).encode(), digest_size=16).hexdigest()

    @contextmanager
    def _open(self) -> Iterator[tuple[IO[bytes], zipfile.ZipFile]]:
        """The file and its zip directory (reading the directory only: the parts are read when needed). One
        open file throughout, so a file replaced meanwhile is never mixed with the one being read."""
        f = self._file()
        try:
            if f.read(4) != b"PK\x03\x04":
                raise self._corrupt()
            try:
                zf = zipfile.ZipFile(f)
            except (zipfile.BadZipFile, OSError, ValueError) as exc:
                raise self._corrupt() from exc
            yield f, zf
        finally:
            f.close()

    def _names(self, f: IO[bytes], zf: zipfile.ZipFile) -> tuple[list[str], dict[str, str], tuple[object, ...]]:
        """(worksheet titles in order, title -> sheet part, the signature every tab's depends on)."""
        version = _version(zf)
        if self._titles is None or self._titles[0] != version:
            try:
                pkg = open_package(zf)
            except (zipfile.BadZipFile, KeyError, UnicodeDecodeError, OSError) as exc:
                raise self._corrupt() from exc
            common = tuple(n for n in (pkg.main, pkg.styles, pkg.shared) if n)
            self._titles = (version, list(pkg.sheets), dict(pkg.sheets), common)
        _, names, parts, common = self._titles
        return names, parts, tuple(_member_signature(zf, n) for n in common)

    def read(self, titles: Sequence[str] | None = None) -> dict[str, Grid]:
        self.requests["read"] += 1
        with self._open() as (f, zf):
            names, parts, shared = self._names(f, zf)
            wanted = list(titles) if titles is not None else names
            for t in wanted:
                if t not in names:
                    raise _missing_tab(t)
            sigs = {t: (_member_signature(zf, parts[t]), shared) for t in wanted}
            cache = self._cache  # this read's view, even if a write in another thread replaces it meanwhile
            found = {t: cache[t] for t in wanted if t in cache and cache[t][0] == sigs[t]}
            for t in wanted:
                if t not in found and self._disk is not None and (g := self._disk.grid(parts[t], sigs[t])) is not None:
                    found[t] = cache[t] = (sigs[t], g, object())
            if len(found) < len(wanted):
                f.seek(0)
                data = f.read()
                self.traffic["down"] += len(data)
                wb = self._workbook(data)
                for t in wanted:
                    if t not in found:
                        found[t] = cache[t] = (sigs[t], self._grid(wb, t), object())
                        if self._disk is not None:
                            self._disk.put_grid(parts[t], sigs[t], found[t][1])
        # Rows are shared, never changed in place (_plan); each grid carries the token of the cached one, so
        # ``Workbook`` keeps the typed rows of a tab whose grid did not change (``parse_tab``).
        return {t: TokenGrid(found[t][1], found[t][2]) for t in wanted}

    def write(self, ops: Sequence[Op]) -> None:
        self.requests["write"] += 1
        self._indexes: dict[tuple[int, str], RowIndex] = {}  # rows by key, for this write only
        if not ops:
            return
        if not os.path.exists(self.path):
            self._load()  # raises WorkbookMissingError
        with self._lock():
            data = self._load()
            try:
                zf = zipfile.ZipFile(io.BytesIO(data))
                pkg = open_package(zf)
            except (zipfile.BadZipFile, KeyError, UnicodeDecodeError) as exc:
                raise self._corrupt() from exc
            sigs = self._signatures(zf, pkg)
            known = {t: entry for t, entry in self._cache.items() if sigs.get(t) == entry[0]}
            cache = {t: entry[1] for t, entry in known.items()}
            sheets = _SheetSource(self, data, pkg, ops, cache)
            carried, self._carried = self._carried, {}  # given back below, if this write lands
            edits = self._plan(ops, sheets, carried)
            if not any(e.cells or e.replaced for e in edits.values()):
                return
            styles = Styles(pkg.text(pkg.styles) if pkg.styles else None)
            packed: dict[str, Payload] = {}
            keep: dict[str, Packed] = {}
            for t, e in edits.items():
                if e.cells or e.replaced:
                    part = pkg.sheets[t]
                    header = tuple(sheets.grids[t][0]) if sheets.grids[t] else ()
                    before = sheets.packed(t)
                    if before is not None and not e.replaced and before.takes(min(e.cells)):
                        text = before.head + before.rest  # the part without its middle rows, never inflated
                        head, lo, hi, rest = rewrite_sheet_split(text, e, styles)
                        middle = member_data(data, zf.NameToInfo[part])[before.head_c : before.head_c + before.mid_c]
                        pieces, crc, size, keep[part] = pack_after(before, middle, head, text[lo:hi], rest, header)
                    else:
                        xml = sheets.xml(t)
                        head, lo, hi, rest = rewrite_sheet_split(xml, e, styles)
                        pieces, crc, size, keep[part] = pack(head, xml[lo:hi], rest, header)
                    packed[part] = (pieces, crc, size)
            parts: dict[str, bytes] = {}
            if styles.changed and pkg.styles:
                parts[pkg.styles] = styles.render().encode("utf-8")
            written: list[zipfile.ZipInfo] = []
            self._replace(lambda f: written.extend(_write_zip(f, data, zf, parts, packed)))
            self.traffic["up"] += os.path.getsize(self.path)
            # What the new file holds, by the signatures of its parts: untouched tabs keep their grid (a style
            # added for new cells changes no value), tabs written whole take the grid the ops were applied to.
            names = {i.filename: i for i in written}
            new_sigs = _signatures_of(names, pkg)
            kept = {t: (new_sigs[t], entry[1], entry[2]) for t, entry in known.items() if t not in sheets.grids}
            changed: dict[str, set[int]] = {t: set() for t in kept}
            for t, g in sheets.grids.items():
                if t in sheets.complete:
                    rows = None if edits[t].replaced or t not in known else {r - 1 for r in edits[t].cells}
                    kept[t] = (new_sigs[t], trim_grid(g) if rows is None else _trimmed(g, rows), object())
                    if rows is not None:
                        changed[t] = rows
            self._cache = kept
            self._carried = self._carry(carried, sheets, kept, changed)
            shared = _signature_of(names, pkg.shared)
            self._packed.update({part: ((_signature_of(names, part), shared), k) for part, k in keep.items()})
            if self._disk is not None:
                self._store(pkg, known, kept, changed, {part: (self._packed[part][0], k) for part, k in keep.items()})
            common = tuple(n for n in (pkg.main, pkg.styles, pkg.shared) if n)
            self._titles = (tuple((i.filename, i.CRC, i.file_size, i.compress_size) for i in written),
                            list(pkg.sheets), dict(pkg.sheets), common)

    def _store(self, pkg: Package, known: Mapping[str, tuple[tuple[object, ...], Grid, object]],
               kept: Mapping[str, tuple[tuple[object, ...], Grid, object]], changed: Mapping[str, set[int]],
               packed: Mapping[str, tuple[tuple[object, ...], Packed]]) -> None:
        """Keep on disk what this write leaves in memory: each grid as a delta of the one it came from (the rows
        set, none for a tab whose signature changed by a shared part) or whole, and the compressed pieces."""
        assert self._disk is not None
        for t, (sig, grid, _) in kept.items():
            part = pkg.sheets[t]
            if t in known and t in changed:
                if known[t][0] != sig:
                    self._disk.put_delta(part, known[t][0], sig, grid, changed[t])
            else:
                self._disk.put_grid(part, sig, grid)
        for part, (sig, k) in packed.items():
            self._disk.put_packed(part, sig, k)

    @staticmethod
    def _signatures(zf: zipfile.ZipFile, pkg: Package) -> dict[str, tuple[object, ...]]:
        return _signatures_of(zf.NameToInfo, pkg)

    def _carry(self, carried: Mapping[str, Mapping[str, tuple[Grid, RowIndex]]], sheets: _SheetSource,
               kept: Mapping[str, tuple[tuple[object, ...], Grid, object]],
               changed: Mapping[str, set[int]]) -> dict[str, dict[str, tuple[Grid, RowIndex]]]:
        """The row indexes to keep for the next write: those this write used, moved to the grids it leaves (the
        rows it set and appended indexed), and those of tabs it did not touch whose grid stays the same."""
        out: dict[str, dict[str, tuple[Grid, RowIndex]]] = {}
        for t, by_key in carried.items():
            if t not in sheets.grids and t in kept:
                out[t] = {k: (g, index) for k, (g, index) in by_key.items() if g is kept[t][1]}
        for (_, key), index in self._indexes.items():
            for t, g in sheets.grids.items():
                if index.g is g and t in kept and t in changed and t in sheets.complete:
                    out.setdefault(t, {})[key] = (kept[t][1], index.carry(kept[t][1], changed[t]))
        return out

    def _plan(self, ops: Sequence[Op], sheets: _SheetSource,
              carried: Mapping[str, Mapping[str, tuple[Grid, RowIndex]]] | None = None) -> dict[str, SheetEdit]:
        """The cells every op sets, checked like ``apply_ops_to_grids``; raises before anything is written."""
        grids: dict[str, Grid] = {}
        edits: dict[str, SheetEdit] = {}
        for op in ops:
            if op.title not in grids:
                grids[op.title] = sheets.grids[op.title] = sheets.grid(op.title)
                edits[op.title] = SheetEdit()
                source = sheets.cache.get(op.title)
                for key, (indexed, by_key) in (carried or {}).get(op.title, {}).items():
                    if source is not None and indexed is source and op.title in sheets.complete:
                        by_key.g = grids[op.title]  # a copy of the cached grid: the same rows at the same places
                        self._indexes[(id(by_key.g), key)] = by_key
            g, edit = grids[op.title], edits[op.title]
            header = [str(h) if h is not None else "" for h in g[0]]
            if isinstance(op, AppendRows):
                for row in op.rows:
                    unknown = [h for h in row if h not in header]
                    if unknown:
                        raise HeaderError(f"Onglet « {op.title} » : colonne « {unknown[0]} » introuvable.")
                    g.append([row.get(h) for h in header])
                    for col, h in enumerate(header, start=1):
                        value = row.get(h)
                        if value is not None and value != "":
                            edit.set(len(g), col, value, _pattern(op.formats, h))
            elif isinstance(op, UpdateRow):
                index = locate_row(op, g, header, self._indexes)
                target = g[index] = list(g[index])  # copy on write: cached rows are shared
                for h, value in op.values.items():
                    if h not in header:
                        raise HeaderError(f"Onglet « {op.title} » : colonne « {h} » introuvable.")
                    col = header.index(h)
                    target.extend([None] * (col + 1 - len(target)))
                    target[col] = value
                    edit.set(index + 1, col + 1, value, _pattern(op.formats, h))
            elif isinstance(op, ReplaceTab):
                g[1:] = [list(r) for r in op.rows]
                edit.replaced = True
                edit.cells = {r: c for r, c in edit.cells.items() if r < 2}
                for r, cells in enumerate(op.rows, start=2):
                    for col, cell in enumerate(cells, start=1):
                        if cell is not None and cell != "":
                            edit.set(r, col, cell)
            else:  # pragma: no cover - exhaustive
                raise InvalidInputError(f"Opération inconnue : {op!r}")
        return edits

    def rename_tab(self, old: str, new: str) -> None:
        """Rename a tab in place (its rows, formats and protection stay), one atomic file replace."""
        from openpyxl import load_workbook

        with self._lock():
            wb = load_workbook(self.path)
            if old not in wb.sheetnames:
                raise _missing_tab(old)
            wb[old].title = new
            self._replace(wb.save)

    def setup(self, tabs: Sequence[TabSpec]) -> SetupReport:
        from functions.store.xlsx_setup import create_workbook, upgrade_workbook

        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        report = SetupReport()
        with self._lock():
            if not os.path.exists(self.path):
                wb = create_workbook(tabs, report)
                self._replace(wb.save)
                return report
            cwb = self._workbook(self._load())
            names = self._worksheets(cwb)
            headers = {}
            for spec in tabs:
                if spec.title in names:
                    first = next(iter(cwb.get_sheet_by_name(spec.title).to_python(skip_empty_area=False)), [])
                    headers[spec.title] = ["" if h is None else str(h) for h in trim_grid([_clean(first)])[0]]
            wb = upgrade_workbook(self.path, tabs, headers, report)
            if wb is not None:
                self._replace(wb.save)
        return report


class _SheetSource:
    """The touched tabs of the workbook being written: their XML, and their grid for the ops to check.

    A tab that only receives appends needs its header and its last row with a value, read from the XML
    without parsing the other rows (from the head and the end alone of a part this backend wrote); a tab
    with an update or a replace is read whole with calamine.
    """

    def __init__(self, backend: XlsxBackend, data: bytes, pkg: Package, ops: Sequence[Op],
                 cache: dict[str, Grid]) -> None:
        self.backend, self.data, self.pkg, self.cache = backend, data, pkg, cache
        self.full = {op.title for op in ops if not isinstance(op, AppendRows)}
        self.grids: dict[str, Grid] = {}  # the grids the ops were applied to
        self.complete: set[str] = set()  # those of them that hold the whole tab (not an outline)
        self._xml: dict[str, str] = {}
        self._wb: CalamineWorkbook | None = None

    def packed(self, title: str) -> Packed | None:
        """What this backend kept of the tab's part when it wrote it, if the file still holds that very part."""
        part = self.pkg.sheets[title]
        info = self.pkg.zf.NameToInfo.get(part)
        if info is None:
            return None
        signature = (_member_signature(self.pkg.zf, part), _member_signature(self.pkg.zf, self.pkg.shared))
        known = self.backend._packed.get(part)
        found = known[1] if known is not None and known[0] == signature else None
        if found is None and self.backend._disk is not None:
            found = self.backend._disk.packed(part, signature)
        return found if found is not None and holds(found, info.CRC, info.file_size, info.compress_size) else None

    def xml(self, title: str) -> str:
        if title not in self._xml:
            self._xml[title] = self.pkg.text(self.pkg.sheets[title])
        return self._xml[title]

    def _outline(self, title: str) -> tuple[list[Cell], int] | None:
        before = self.packed(title)
        if before is None:
            return append_outline(self.xml(title), self.pkg.strings)
        outline = append_outline(before.head + before.rest, self.pkg.strings)
        if outline is None:
            return None
        header, last = outline
        if before.header is not None:  # row 1 is in the middle
            header = list(before.header)
        return header, max(last, before.mid_filled)

    def grid(self, title: str) -> Grid:
        if title not in self.pkg.sheets:
            raise _missing_tab(title)
        if title in self.cache:
            self.complete.add(title)
            return list(self.cache[title])  # a row is copied by _plan before it changes
        if title not in self.full:
            outline = self._outline(title)
            if outline is not None:
                header, last = outline
                return [header, *([[]] * (last - 1))]  # rows above the last are never looked at (appends only)
        if self._wb is None:
            self._wb = self.backend._workbook(self.data)
        if title not in self.backend._worksheets(self._wb):
            raise _missing_tab(title)
        self.complete.add(title)
        return self.backend._grid(self._wb, title) or [[]]


def _trimmed(grid: Grid, rows: set[int]) -> Grid:
    """``trim_grid`` of a grid whose other rows are trimmed already (they come from the cache)."""
    out = list(grid)
    for i in rows:
        row = out[i] if i < len(out) else None
        if row and (row[-1] is None or row[-1] == ""):
            row = list(row)
            while row and (row[-1] is None or row[-1] == ""):
                row.pop()
            out[i] = row
    while len(out) > 1 and not out[-1]:
        out.pop()
    return out


def _version(zf: zipfile.ZipFile) -> tuple[object, ...]:
    """Every member's name, CRC-32 and size: equal for two reads of an unchanged file."""
    return tuple((i.filename, i.CRC, i.file_size, i.compress_size) for i in zf.infolist())


def _member_signature(zf: zipfile.ZipFile, name: str | None) -> tuple[object, ...]:
    return _signature_of(zf.NameToInfo, name)


def _signature_of(infos: Mapping[str, zipfile.ZipInfo], name: str | None) -> tuple[object, ...]:
    info = infos.get(name) if name else None
    return (name,) if info is None else (name, info.CRC, info.file_size, info.compress_size)


def _signatures_of(infos: Mapping[str, zipfile.ZipInfo], pkg: Package) -> dict[str, tuple[object, ...]]:
    """Tab -> the signature of its part and of the parts every tab depends on (workbook, styles, strings)."""
    shared = tuple(_signature_of(infos, n) for n in (pkg.main, pkg.styles, pkg.shared) if n)
    return {t: (_signature_of(infos, part), shared) for t, part in pkg.sheets.items()}


def _fsync(fd: int) -> None:  # one seam, so a test can stall a writer between write and rename
    os.fsync(fd)


def _write_zip(f: IO[bytes], data: bytes, zf: zipfile.ZipFile, parts: dict[str, bytes],
               packed: dict[str, Payload]) -> list[zipfile.ZipInfo]:
    """Every member of ``zf`` in order: ``parts`` deflated here, ``packed`` as compressed by ``pack``, the others
    copied as they are; returns the members as written."""
    with zipfile.ZipFile(f, "w") as out:
        for info in zf.infolist():
            if info.filename in parts or info.filename in packed:
                zi = zipfile.ZipInfo(info.filename, info.date_time)
                zi.compress_type = zipfile.ZIP_DEFLATED
                zi.external_attr = info.external_attr
                if info.filename in parts:
                    out.writestr(zi, parts[info.filename], compresslevel=COMPRESS_LEVEL)
                    continue
                pieces, zi.CRC, zi.file_size = packed[info.filename]
                zi.compress_size = sum(len(p) for p in pieces)
                put_member(out, zi, *pieces)
            else:
                copy_member(data, info, out)
        return list(out.infolist())
