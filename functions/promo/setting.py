"""Save one Paramètres setting (the applied promo code) with its Journal row, in one backend write.

``Business`` has no settings helper yet (``Business.set_setting(key, value, actor)`` is proposed to the
lead with exactly these semantics): under the workbook lock, read Paramètres; if the value is unchanged,
write nothing; else update the ``Valeur`` cell of the row whose ``Clé`` is the setting's French label
(``UpdateRow(title, key=<label>, values={"Valeur": …}, key_header="Clé")``), or append the row when a
person deleted it, together with a chained Journal row « Clé : ancien → nouveau » — one write, through
the Recorder, so the Journal chain head and pending marker are kept exactly as for any action.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from functions.audit.recorder import Recorder
from functions.business import Business
from functions.errors import ConflictError, InvalidInputError
from functions.store.backend import AppendRows, Op, UpdateRow
from functions.store.workbook import Book, Change, JournalEntry, Workbook


class _WithOps:
    """The workbook, with extra backend ops written in the same request as a change."""

    def __init__(self, workbook: Workbook, extra: Sequence[Op]) -> None:
        self._workbook = workbook
        self._extra = list(extra)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._workbook, name)

    def ops(self, change: Change, book: Book, journal_rows: Sequence[Any] = ()) -> list[Op]:
        return self._extra + self._workbook.ops(change, book, journal_rows)


def set_setting(biz: Business, key: str, value: str, actor: str) -> bool:
    """Set Paramètres › ``key``; True when something was written."""
    specs = {s.key: s for s in biz.workbook.schema.tab("settings").settings}
    if key not in specs:
        raise InvalidInputError(f"Paramètre inconnu : {key}.")
    label = specs[key].label
    with biz.state.lock("workbook", ttl_seconds=120, timeout_seconds=60):
        book = biz.load(["settings", "journal"])
        old = book.settings.get(key, "")
        if old == value:
            return False
        title = book.title("settings")
        rows = [r for r in book.grids[title][1:] if r and r[0] is not None and str(r[0]).strip() == label]
        if len(rows) > 1:
            raise ConflictError(f"Onglet « {title} » : la clé « {label} » apparaît sur plusieurs lignes. "
                                "Supprimez les doublons puis recommencez.")
        cell = book.codec.to_cell("text", value)
        op: Op
        if rows:
            op = UpdateRow(title, cast(str, rows[0][0]), {"Valeur": cell}, None, "Clé")
        else:
            op = AppendRows(title, ({"Clé": label, "Valeur": cell},))
        change = Change(journal=[JournalEntry("modification", "settings", "",
                                              f"{label} : {old or '(vide)'} → {value or '(vide)'}")])
        recorder = Recorder(cast(Workbook, _WithOps(biz.workbook, [op])), biz.state, biz.now)
        recorder.commit(book, change, actor, "app")
        return True


def save_promo_code(biz: Business, code: str, actor: str) -> bool:
    return set_setting(biz, "promo_code", code, actor)
