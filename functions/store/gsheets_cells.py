"""Cells, ranges and tab metadata of the Google Sheets backend, in the Sheets API's own shapes (pure).

User text is always a ``stringValue`` (never parsed, never a formula); numbers are exact JSON numbers
(``Decimal``); dates, datetimes and times are serial numbers (days since 1899-12-30).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from datetime import time as dtime
from decimal import Decimal
from typing import Any

from functions.errors import InvalidInputError
from functions.store.backend import Cell, NumberFormat

EPOCH = datetime(1899, 12, 30)
_ID = re.compile(r"^[A-Za-z0-9_-]{20,}$")
_URL = re.compile(r"/spreadsheets/d/([A-Za-z0-9_-]+)")


def spreadsheet_id_from(url_or_id: str) -> str:
    """The spreadsheet id in a Google Sheets URL (``…/spreadsheets/d/<id>/edit#gid=0``) or a bare id."""
    text = (url_or_id or "").strip()
    m = _URL.search(text)
    if m:
        return m.group(1)
    if _ID.match(text):
        return text
    raise InvalidInputError(
        f"« {text[:80]} » n'est pas l'adresse d'un classeur Google Sheets. Copiez l'adresse complète depuis "
        "le navigateur (https://docs.google.com/spreadsheets/d/…/edit)."
    )


def quote_title(title: str) -> str:
    """A1 notation of a whole tab; always quoted, quotes doubled (``'Tableau de bord'``)."""
    return "'" + title.replace("'", "''") + "'"


def serial(value: date | datetime | dtime) -> Decimal:
    """Spreadsheet serial number (days since 1899-12-30), exact."""
    if isinstance(value, datetime):
        delta = value.replace(tzinfo=None) - EPOCH
        micros = delta.seconds * 1_000_000 + delta.microseconds
        return Decimal(delta.days) + Decimal(micros) / Decimal(86_400_000_000)
    if isinstance(value, date):
        return Decimal((value - EPOCH.date()).days)
    micros = ((value.hour * 60 + value.minute) * 60 + value.second) * 1_000_000 + value.microsecond
    return Decimal(micros) / Decimal(86_400_000_000)


def cell_data(value: Cell, fmt: NumberFormat | None = None) -> dict[str, Any]:
    """A ``CellData`` for a cell value: text stays literal text (``stringValue``), never a formula."""
    out: dict[str, Any] = {}
    if value is None or value == "":
        pass
    elif isinstance(value, bool):
        out["userEnteredValue"] = {"boolValue": value}
    elif isinstance(value, (int, Decimal)):
        out["userEnteredValue"] = {"numberValue": value}
    elif isinstance(value, float):
        out["userEnteredValue"] = {"numberValue": value}
    elif isinstance(value, str):
        out["userEnteredValue"] = {"stringValue": value}
    elif isinstance(value, (date, datetime, dtime)):
        out["userEnteredValue"] = {"numberValue": serial(value)}
    else:
        raise InvalidInputError(f"Valeur de cellule non prise en charge : {value!r}.")
    if fmt is not None:
        out["userEnteredFormat"] = {"numberFormat": {"type": fmt.type, "pattern": fmt.pattern}}
    return out


def rendered(data: Mapping[str, Any]) -> Cell:
    """What reading a cell written as ``data`` (a ``CellData``) gives back (UNFORMATTED_VALUE, serial dates):
    text as sent, numbers as the doubles Google keeps (read back as int, else Decimal of the double)."""
    value = (data.get("userEnteredValue") or {})
    if "stringValue" in value:
        return from_value(value["stringValue"])
    if "boolValue" in value:
        return bool(value["boolValue"])
    if "numberValue" in value:
        number = float(value["numberValue"])
        if number == int(number) and abs(number) < 2**53:
            return int(number)
        return Decimal(repr(number))
    return None


def from_value(value: Any) -> Cell:
    if value == "":
        return None
    return value  # str, bool, int or Decimal (parsed with parse_float=Decimal)


@dataclass
class TabInfo:
    sheet_id: int
    title: str
    index: int
    row_count: int
    column_count: int
    protected: bool = False

    @classmethod
    def of(cls, props: Mapping[str, Any], protected: bool = False) -> TabInfo:
        grid = props.get("gridProperties", {})
        return cls(int(props.get("sheetId", 0)), str(props["title"]), int(props.get("index", 0)),
                   int(grid.get("rowCount", 0)), int(grid.get("columnCount", 0)), protected)


def fields_mask(formats: Mapping[str, NumberFormat | None]) -> str:
    return "userEnteredValue,userEnteredFormat.numberFormat" if any(formats.values()) else "userEnteredValue"


def after_setup(known: Mapping[str, TabInfo], plan: list[dict[str, Any]], replies: list[Any]) -> dict[str, TabInfo]:
    """The tab cache after a setup batchUpdate, from its replies (no extra metadata request)."""
    tabs = {t: replace(info) for t, info in known.items()}
    for reply in replies:
        props = (reply or {}).get("addSheet", {}).get("properties")
        if props:
            tabs[props["title"]] = TabInfo.of(props)
    by_id = {info.sheet_id: info for info in tabs.values()}
    for req in plan:
        if "appendDimension" in req and req["appendDimension"]["dimension"] == "COLUMNS":
            by_id[req["appendDimension"]["sheetId"]].column_count += req["appendDimension"]["length"]
        if "deleteDimension" in req and req["deleteDimension"]["range"]["dimension"] == "COLUMNS":
            rng = req["deleteDimension"]["range"]
            by_id[rng["sheetId"]].column_count -= rng["endIndex"] - rng["startIndex"]
        if "deleteSheet" in req:
            gone = by_id.pop(req["deleteSheet"]["sheetId"])
            del tabs[gone.title]
        if "addProtectedRange" in req and set(req["addProtectedRange"]["protectedRange"]["range"]) <= {"sheetId"}:
            by_id[req["addProtectedRange"]["protectedRange"]["range"]["sheetId"]].protected = True  # whole tab
    return tabs
