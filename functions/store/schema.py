"""The sheet contract, loaded from ``sheets_schema/`` (one TOML file per tab).

``load_schema()`` returns a ``Schema``: tabs in order, each with its columns (French header, English key,
type, choices, computed, hidden, width). Nothing else in the code spells a header or a tab title.
"""

from __future__ import annotations

import tomllib
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

COLUMN_TYPES = frozenset(
    {"id", "text", "phone", "email", "url", "money", "number", "int", "percent", "date", "datetime", "time",
     "choice"}
)
TAB_KINDS = frozenset({"settings", "data", "ledger", "mirror", "dashboard", "journal"})


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    type: str
    choices: tuple[str, ...] = ()
    computed: bool = False
    hidden: bool = False
    required: bool = False
    default: str | None = None
    width: int = 14
    formerly: tuple[str, ...] = ()  # earlier headers of this column: ``ttr init`` renames them in place


@dataclass(frozen=True)
class Setting:
    key: str
    label: str
    default: str


@dataclass(frozen=True)
class Tab:
    key: str
    title: str
    kind: str
    columns: tuple[Column, ...]
    protected: bool = False
    titles: tuple[tuple[str, str], ...] = ()  # business-type word -> title (prestations only)
    settings: tuple[Setting, ...] = ()

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    def column(self, key: str) -> Column:
        for c in self.columns:
            if c.key == key:
                return c
        raise KeyError(f"{self.key}.{key}")

    def by_header(self) -> dict[str, Column]:
        return {c.header: c for c in self.columns}

    @property
    def has_id(self) -> bool:
        return bool(self.columns) and self.columns[0].key == "id"

    def possible_titles(self) -> list[str]:
        seen = [self.title]
        for _, t in self.titles:
            if t not in seen:
                seen.append(t)
        return seen

    def title_for(self, business_type: str | None) -> str:
        words = fold(business_type or "")
        for word, title in self.titles:
            if fold(word) in words:
                return title
        return self.title


@dataclass(frozen=True)
class Schema:
    tabs: tuple[Tab, ...]
    _by_key: dict[str, Tab] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_key.update({t.key: t for t in self.tabs})

    def tab(self, key: str) -> Tab:
        return self._by_key[key]

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.tabs)


def renames(columns: Iterable[Any], header: Sequence[str]) -> list[tuple[int, Any]]:
    """(0-based index in ``header``, column) of each column whose header is missing from ``header`` but one of
    its earlier headers (``formerly``) is there: what setup renames in place, the data below it kept."""
    out = []
    for col in columns:
        if col.header in header:
            continue
        old = next((h for h in getattr(col, "formerly", ()) if h in header), None)
        if old is not None:
            out.append((list(header).index(old), col))
    return out


def fold(text: str) -> str:
    """Lower-case, accent-free, single-spaced text, for matching names typed by people."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


def _column(raw: dict[str, Any], where: str) -> Column:
    unknown = set(raw) - {"key", "header", "type", "choices", "computed", "hidden", "required", "default", "width",
                          "formerly"}
    if unknown:
        raise ValueError(f"{where}: unknown column fields {sorted(unknown)}")
    if raw["type"] not in COLUMN_TYPES:
        raise ValueError(f"{where}: unknown type {raw['type']!r}")
    if raw["type"] == "choice" and not raw.get("choices"):
        raise ValueError(f"{where}: a choice column needs choices")
    return Column(
        key=raw["key"], header=raw["header"], type=raw["type"], choices=tuple(raw.get("choices", ())),
        computed=bool(raw.get("computed", False)), hidden=bool(raw.get("hidden", False)),
        required=bool(raw.get("required", False)), default=raw.get("default"), width=int(raw.get("width", 14)),
        formerly=tuple(raw.get("formerly", ())),
    )


def parse_tab(raw: dict[str, Any], where: str) -> Tab:
    if raw.get("kind") not in TAB_KINDS:
        raise ValueError(f"{where}: unknown kind {raw.get('kind')!r}")
    columns = tuple(_column(c, f"{where} column {i}") for i, c in enumerate(raw["columns"]))
    if len({c.header for c in columns}) != len(columns) or len({c.key for c in columns}) != len(columns):
        raise ValueError(f"{where}: duplicate header or key")
    settings = tuple(Setting(s["key"], s["label"], str(s.get("default", ""))) for s in raw.get("settings", ()))
    return Tab(
        key=raw["key"], title=raw["title"], kind=raw["kind"], columns=columns,
        protected=bool(raw.get("protected", False)), titles=tuple(raw.get("titles", {}).items()),
        settings=settings,
    )


@lru_cache(maxsize=1)
def load_schema() -> Schema:
    files = sorted(
        (f for f in resources.files("sheets_schema").iterdir() if f.name.endswith(".toml")), key=lambda f: f.name
    )
    tabs = [parse_tab(tomllib.loads(f.read_text(encoding="utf-8")), f.name) for f in files]
    return Schema(tuple(tabs))
