"""What the xlsx backend keeps across processes: a folder next to the workbook (``<workbook>.cache``).

A fresh process (a command, a function's cold start) would otherwise parse every tab it reads with calamine
and, at its first write, inflate and deflate again the whole parts it appends to: seconds at 100 000 rows.
So the backend stores, per sheet part, under the part's signature (CRC-32 and sizes from the zip's directory,
and those of the parts every tab depends on):

- the grid as last read or written: a base (the whole grid) and, after each write, a delta (the rows it set
  and the new length), so a write costs a few rows, not the tab; a chain of deltas is compacted into a new
  base now and then;
- what it kept of the part's compressed pieces (``xlsx_pack.Packed``), so the next append copies them.

Everything is our own pickle, trusted only for the signature it was stored under: a file changed by anyone
else (LibreOffice, Excel, another copy) has other signatures and is read from the file again. A cache file
that is missing, torn or unreadable is a miss, never an error. Writes go through a temp file and a rename.
It is read with a restricted unpickler that builds only cell values (numbers, text, ``Decimal``, dates) and
``Packed``: a file planted in the folder (a shared or synced folder) can make a miss, never run code.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

from functions.store.backend import Grid
from functions.store.xlsx_pack import Packed

COMPACT_AFTER = 64  # deltas in a chain before the grid is stored whole again
CHUNK = 5000  # rows per pickle of a stored grid
_UNREADABLE = (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError, ImportError,
               IndexError, KeyError)  # a missing, torn or foreign cache file: a miss
Signature = tuple[object, ...]
#: The only classes a cache file may name: what cells and ``Packed`` are made of.
_ALLOWED = {("decimal", "Decimal"), ("datetime", "date"), ("datetime", "datetime"), ("datetime", "time"),
            ("datetime", "timedelta"), ("functions.store.xlsx_pack", "Packed")}


class _Restricted(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name} is not a cache value")
        return super().find_class(module, name)


def _load(f: Any) -> Any:
    return _Restricted(f).load()


class DiskCache:
    """Grids and compressed pieces of a workbook's sheet parts, by signature (see the module's docstring)."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)
        self._deltas: dict[str, int] = {}  # part -> deltas appended since its base (this process's count)

    def _file(self, part: str, kind: str) -> Path:
        return self.folder / (part.replace("/", "_") + kind)

    # -- grids -----------------------------------------------------------------------------------------------
    def grid(self, part: str, signature: Signature) -> Grid | None:
        """The grid of ``part`` as stored under ``signature``; None when it is not (or not readably) there."""
        try:
            with open(self._file(part, ".grid"), "rb") as f:
                current, chunks = _load(f)
                grid: Grid = []
                for _ in range(chunks):
                    grid.extend(_load(f))
        except _UNREADABLE:
            return None
        count = 0
        if current != signature:
            try:
                with open(self._file(part, ".delta"), "rb") as f:
                    while current != signature:
                        before, after, length, rows = _load(f)
                        count += 1
                        if before != current:
                            continue  # a delta of another chain (a base stored meanwhile)
                        del grid[length:]
                        grid.extend([] for _ in range(length - len(grid)))
                        for i, row in rows.items():
                            grid[i] = row
                        current = after
            except _UNREADABLE:
                return None
        self._deltas[part] = count
        return grid

    def put_grid(self, part: str, signature: Signature, grid: Grid) -> None:
        """Store the whole grid of ``part`` under ``signature`` (its deltas are dropped)."""
        chunks = [grid[i : i + CHUNK] for i in range(0, len(grid), CHUNK)]
        if self._put(self._file(part, ".grid"), (signature, len(chunks)), *chunks):
            try:
                os.unlink(self._file(part, ".delta"))
            except OSError:
                pass
            self._deltas[part] = 0

    def put_delta(self, part: str, before: Signature, after: Signature, grid: Grid, changed: set[int]) -> None:
        """Store that ``part`` went from ``before`` to ``after`` by setting the rows ``changed`` of ``grid``."""
        if self._deltas.get(part, COMPACT_AFTER) >= COMPACT_AFTER:
            self.put_grid(part, after, grid)
            return
        record = pickle.dumps((before, after, len(grid), {i: grid[i] for i in changed if i < len(grid)}),
                              protocol=pickle.HIGHEST_PROTOCOL)
        try:
            with open(self._file(part, ".delta"), "ab") as f:
                f.write(record)
        except OSError:
            return
        self._deltas[part] = self._deltas.get(part, 0) + 1

    # -- compressed pieces -----------------------------------------------------------------------------------
    def packed(self, part: str, signature: Signature) -> Packed | None:
        try:
            with open(self._file(part, ".packed"), "rb") as f:
                stored, packed = _load(f)
        except _UNREADABLE:
            return None
        return packed if stored == signature and isinstance(packed, Packed) else None

    def put_packed(self, part: str, signature: Signature, packed: Packed) -> None:
        self._put(self._file(part, ".packed"), (signature, packed))

    def _put(self, path: Path, *values: Any) -> bool:
        """Pickle ``values`` one after the other into ``path`` (a temp file, renamed): each its own memo, so a big
        grid stored in chunks never holds a memo entry for each of its cells at once."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=self.folder)
        except OSError:
            return False
        try:
            with os.fdopen(fd, "wb") as f:
                for value in values:
                    pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
            return True
        except OSError:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            return False
