"""``ttr doctor``: checks that the workbook and the state store answer, and what needs the owner's attention
(Google's cell limit, rows to correct). Each check is a line; a problem makes the command exit non-zero."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from functions.errors import TTRError
from functions.store.capacity import cell_limit_warning, cell_usage, describe


@dataclass(frozen=True)
class Check:
    ok: bool
    line: str


def checks(biz: Any) -> list[Check]:
    out: list[Check] = []
    backend = biz.workbook.backend
    try:
        titles = backend.titles()
        out.append(Check(True, f"Classeur joignable : {len(titles)} onglets."))
    except TTRError as exc:
        return [Check(False, f"Classeur injoignable : {exc.message}")]
    try:
        usage = cell_usage(backend)
    except TTRError as exc:
        out.append(Check(False, f"Taille du classeur inconnue : {exc.message}"))
        usage = None
    if usage is not None:
        warning = cell_limit_warning(backend, usage)
        out.append(Check(warning is None, warning or describe(usage)))
    try:
        biz.state.get("workspaces", "principal")
        out.append(Check(True, "État privé joignable."))
    except TTRError as exc:
        out.append(Check(False, f"État privé injoignable : {exc.message}"))
    return out
