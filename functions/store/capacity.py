"""How much of Google Sheets' cell limit a workbook uses, and the owner's warning past 70 %.

Google counts every cell of every tab's grid (empty or not) toward a limit of 10 million cells per
spreadsheet; past it, no write lands. ``cell_usage`` reads the grid sizes (one ``spreadsheets.get``);
``cell_limit_warning`` is the French line shown by the Tableau de bord, the morning summary and
``ttr doctor``. Backends without such a limit (``.xlsx``, memory) have no usage: no warning.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

GOOGLE_CELL_LIMIT = 10_000_000
WARN_PERCENT = 70


@dataclass(frozen=True)
class CellUsage:
    cells: int
    limit: int = GOOGLE_CELL_LIMIT

    @property
    def percent(self) -> int:
        """Whole percent used, rounded down (69.99 % is 69)."""
        return self.cells * 100 // self.limit

    @property
    def near_limit(self) -> bool:
        return self.cells * 100 >= WARN_PERCENT * self.limit


def cell_usage(backend: Any, fresh: bool = True) -> CellUsage | None:
    """The workbook's grid cells against Google's limit; None for a backend without a cell limit.
    ``fresh=False`` (the Tableau de bord, the morning summary) costs no request once the workbook was read."""
    count = getattr(backend, "grid_cells", None)
    return CellUsage(int(count(fresh))) if callable(count) else None


def _thousands(n: int) -> str:
    return f"{n:,}".replace(",", "\u202f")


def cell_limit_warning(backend: Any, usage: CellUsage | None = None, fresh: bool = False) -> str | None:
    """A French warning when the workbook uses 70 % or more of the cell limit, else None."""
    usage = usage if usage is not None else cell_usage(backend, fresh)
    if usage is None or not usage.near_limit:
        return None
    return (f"Le classeur Google Sheets utilise {usage.percent} % de sa limite ({_thousands(usage.cells)} cellules "
            f"sur {_thousands(usage.limit)}). Au-delà, plus rien ne pourra y être enregistré : supprimez les lignes "
            "et colonnes vides en bas et à droite des onglets, ou archivez les années passées dans une copie du "
            "classeur puis effacez-les de celui-ci.")


def describe(usage: CellUsage) -> str:
    return f"Cellules Google Sheets : {_thousands(usage.cells)} sur {_thousands(usage.limit)} ({usage.percent} %)."
