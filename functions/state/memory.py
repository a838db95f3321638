"""A throwaway state store for tests: the SQLite store on a temporary file, removed when closed.

It is the real SQLite backend (so it honours the whole contract), only placed where nothing outlives the
test that made it.
"""

from __future__ import annotations

import os
import tempfile
import time
import weakref
from collections.abc import Callable

from functions.state.sqlite import SQLiteStateStore


def _remove(folder: str) -> None:
    for name in os.listdir(folder):
        try:
            os.unlink(os.path.join(folder, name))
        except OSError:
            pass
    try:
        os.rmdir(folder)
    except OSError:
        pass


class MemoryStateStore(SQLiteStateStore):
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        folder = tempfile.mkdtemp(prefix="ttr-state-")
        super().__init__(os.path.join(folder, "state.sqlite"), clock=clock)
        self._cleanup = weakref.finalize(self, _remove, folder)

    def close(self) -> None:
        super().close()
        self._cleanup()
