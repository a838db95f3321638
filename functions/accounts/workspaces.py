"""Workspaces (« Espaces de travail »): one account, several businesses, each its own workbook and state.

The global state store (``TTR_STATE``) holds accounts, sessions and this registry (``workspaces/<id>``:
name, workbook spec, state spec, owner). The default workspace ``principal`` is the configured
``TTR_WORKBOOK``/``TTR_STATE``. A new workspace gets a new workbook (a new ``.xlsx`` next to the default
one, or the Google Sheet whose URL the admin gives; ``memory:<id>`` in tests) and its own state: a
namespace of the global store (state spec ``@global:<prefix>``) whose every collection, counter, lock and
blob name is prefixed, so no key of one workspace can name a key of another.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from functions.books.records import random_id
from functions.business import Business
from functions.errors import InvalidInputError, NotFoundError
from functions.state.base import Doc, RenamedBatches, StateStore
from functions.store.workbook import Workbook

DEFAULT = "principal"
GLOBAL_PREFIX = "@global:"


class PrefixedStateStore(RenamedBatches, StateStore):
    """A namespace of another store: every name gets ``prefix`` in front (batches too)."""

    def __init__(self, inner: StateStore, prefix: str) -> None:
        if not re.fullmatch(r"[A-Za-z0-9_.:-]{1,40}", prefix):
            raise InvalidInputError(f"Préfixe d'espace invalide : {prefix!r}.")
        self.inner = inner
        self.prefix = prefix

    def _n(self, name: str) -> str:
        return self.prefix + name

    def get(self, collection: str, key: str) -> Doc | None:
        return self.inner.get(self._n(collection), key)

    def put(self, collection: str, key: str, value: Doc, ttl_seconds: float | None = None) -> None:
        self.inner.put(self._n(collection), key, value, ttl_seconds)

    def create(self, collection: str, key: str, value: Doc, ttl_seconds: float | None = None) -> bool:
        return self.inner.create(self._n(collection), key, value, ttl_seconds)

    def delete(self, collection: str, key: str) -> None:
        self.inner.delete(self._n(collection), key)

    def update(self, collection: str, key: str, fn: Callable[[Doc | None], Doc | None]) -> Doc | None:
        return self.inner.update(self._n(collection), key, fn)

    def list(self, collection: str, prefix: str = "") -> list[tuple[str, Doc]]:
        return self.inner.list(self._n(collection), prefix)

    def next_number(self, counter: str, count: int = 1) -> int:
        return self.inner.next_number(self._n(counter), count)

    def hit(self, key: str, window_seconds: float) -> int:
        return self.inner.hit(self._n(key), window_seconds)

    def lock(self, name: str, ttl_seconds: float = 60, timeout_seconds: float = 30) -> AbstractContextManager[None]:
        return self.inner.lock(self._n(name), ttl_seconds, timeout_seconds)

    def put_blob(self, key: str, data: bytes) -> None:
        self.inner.put_blob(self._n(key), data)

    def get_blob(self, key: str) -> bytes | None:
        return self.inner.get_blob(self._n(key))


class Workspaces:
    """The registry, and the ``Business`` of each workspace (opened once per process)."""

    def __init__(self, default: Callable[[], Business], env: dict[str, str] | None = None,
                 open_workbook: Callable[[str], Workbook] | None = None) -> None:
        self._factory = default
        self._default_biz: Business | None = None
        self.env = env or {}
        self._open_workbook = open_workbook or _open_workbook
        self._cache: dict[str, Business] = {}
        self._memory: dict[str, Any] = {}
        self._mutex = threading.Lock()

    def _default(self) -> Business:
        """The default workspace's Business, opened once per app (the factory may open files)."""
        if self._default_biz is None:
            self._default_biz = self._factory()
        return self._default_biz

    @property
    def state(self) -> StateStore:
        """The global state store: the default workspace's."""
        return self._default().state

    def get(self, workspace_id: str) -> Doc | None:
        if workspace_id == DEFAULT:
            doc = self.state.get("workspaces", DEFAULT) or {}
            return {"id": DEFAULT, "name": doc.get("name") or "Espace principal", "workbook": "", "state": "",
                    "owner": doc.get("owner")}
        if not isinstance(workspace_id, str) or not re.fullmatch(r"W[0-9A-Z]{6,12}", workspace_id):
            return None
        return self.state.get("workspaces", workspace_id)

    def all(self) -> list[Doc]:
        others = [d for k, d in self.state.list("workspaces") if k != DEFAULT]
        return [self.get(DEFAULT) or {}] + sorted(others, key=lambda d: str(d.get("created_at", "")))

    def business(self, workspace_id: str) -> Business:
        if workspace_id == DEFAULT:
            return self._default()
        with self._mutex:
            if workspace_id in self._cache:
                return self._cache[workspace_id]
        record = self.get(workspace_id)
        if record is None:
            raise NotFoundError("Espace de travail introuvable.")
        biz = self._open(record)
        with self._mutex:
            return self._cache.setdefault(workspace_id, biz)

    def _open(self, record: Doc) -> Business:
        default = self._default()
        spec = str(record["state"])
        if spec.startswith(GLOBAL_PREFIX):
            state: StateStore = PrefixedStateStore(self.state, spec[len(GLOBAL_PREFIX):])
        else:
            from functions.config import open_state_store

            state = open_state_store(spec)
        wb_spec = str(record["workbook"])
        if wb_spec.startswith("memory:"):
            from functions.store.backend import MemoryBackend

            with self._mutex:
                backend = self._memory.setdefault(wb_spec, MemoryBackend())
            workbook = Workbook(backend)
        else:
            workbook = self._open_workbook(wb_spec)
        biz = Business(workbook, state, clock=default.clock)
        biz.change_hooks = list(default.change_hooks)  # receipt links, as in the default workspace
        return biz

    def set_default_name(self, name: str, owner: str | None = None) -> None:
        self.state.update("workspaces", DEFAULT, lambda d: {**(d or {}), "name": name,
                                                            "owner": (d or {}).get("owner") or owner})

    def create(self, name: str, owner: str, settings: dict[str, str], when_local: str,
               sheet_url: str = "") -> Doc:
        """Register a workspace and create its workbook from the schema (``Business.init``): all or nothing
        (a workbook file made by a failed attempt is removed; the registry entry is written last)."""
        from functions.regional import check_settings
        from functions.store.codec import clean_text

        name = " ".join(clean_text(name or "", "name").split())
        if not (2 <= len(name) <= 80):
            raise InvalidInputError("Indiquez un nom d'espace de 2 à 80 caractères.", field="name")
        settings = check_settings({k: clean_text(str(v), k) for k, v in settings.items()})
        workspace_id = "W" + random_id(8)
        record = {"id": workspace_id, "name": name, "workbook": self._new_workbook_spec(workspace_id, name, sheet_url),
                  "state": f"{GLOBAL_PREFIX}{workspace_id}.", "owner": owner, "created_at": when_local}
        made = Path(str(record["workbook"]))
        existed = made.suffix == ".xlsx" and made.exists()
        biz = self._open(record)
        try:
            biz.init({"business_name": name, **settings})
        except Exception:
            if made.suffix == ".xlsx" and not existed:
                made.unlink(missing_ok=True)
            raise
        if not self.state.create("workspaces", workspace_id, record):  # pragma: no cover - 40 bits
            raise InvalidInputError("Réessayez.")
        with self._mutex:
            self._cache[workspace_id] = biz
        return record

    def _new_workbook_spec(self, workspace_id: str, name: str, sheet_url: str) -> str:
        backend = self._default().workbook.backend
        if sheet_url.strip():
            from functions.config import is_google_sheet

            if not is_google_sheet(sheet_url.strip()):
                raise InvalidInputError("Adresse de Google Sheet invalide : collez l'URL complète de la feuille.")
            return sheet_url.strip()
        path = getattr(backend, "path", None)
        if path:
            folder = Path(path).parent
            return str(folder / f"{Path(path).stem}-{_slug(name)}-{workspace_id.lower()}.xlsx")
        if type(backend).__name__ == "MemoryBackend":
            return f"memory:{workspace_id}"
        raise InvalidInputError("Avec Google Sheets, créez d'abord une feuille vide, partagez-la avec le compte "
                                "de service, puis collez son URL ici.")

    def __iter__(self) -> Iterator[Doc]:
        return iter(self.all())


def _open_workbook(spec: str) -> Workbook:
    from functions.config import open_backend

    return Workbook(open_backend(spec))


def _slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-")[:30] or "espace"
