from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from functions.store.backend import MemoryBackend
from tests.store.person import MemoryPerson


@contextmanager
def make(tmp_path: Path) -> Iterator[tuple[MemoryBackend, MemoryPerson]]:
    b = MemoryBackend()
    yield b, MemoryPerson(b)
