"""The state of the fake Sheets API: spreadsheets, sheets and cells kept the way Google keeps them.

A cell is a ``CellData`` dict (``userEnteredValue``, ``effectiveValue``, ``userEnteredFormat``,
``dataValidation``) stored sparsely by ``(row, column)``; cell dicts are never mutated in place, so copying
a sheet for an all-or-nothing batch is a shallow copy. Numbers are kept as doubles, as Google does.
Formulas are stored (``formulaValue``) but not evaluated: their effective value is an ``#ERROR!``.
"""

from __future__ import annotations

import copy
import itertools
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

EPOCH = datetime(1899, 12, 30)
FORMULA_ERROR = {"errorValue": {"type": "ERROR", "message": "The fake does not evaluate formulas."}}


class SheetsError(Exception):
    """An error the API answers with: HTTP status, Google status and message."""

    def __init__(self, code: int, status: str, message: str) -> None:
        super().__init__(message)
        self.code, self.status, self.message = code, status, message


def bad_request(message: str) -> SheetsError:
    return SheetsError(400, "INVALID_ARGUMENT", message)


# -- A1 notation ---------------------------------------------------------------------------------------
def col_letters(index: int) -> str:
    out = ""
    n = index + 1
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def col_index(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


def quote_title(title: str) -> str:
    """Titles are quoted unless made of ASCII letters, digits and underscores (as Google answers)."""
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", title) and not re.fullmatch(r"[A-Za-z]{1,3}\d+", title):
        return title
    return "'" + title.replace("'", "''") + "'"


_CELLS = re.compile(r"^(?:([A-Za-z]{1,3})?(\d+)?)(?::(?:([A-Za-z]{1,3})?(\d+)?))?$")


@dataclass
class Area:
    """A rectangle of a sheet: 0-based, end exclusive, None = unbounded."""

    sheet: Sheet
    r0: int = 0
    r1: int | None = None
    c0: int = 0
    c1: int | None = None
    anchor: bool = False  # a single cell (``A1``): writes may extend from it

    def bounded(self) -> tuple[int, int, int, int]:
        r1 = self.sheet.row_count if self.r1 is None else min(self.r1, self.sheet.row_count)
        c1 = self.sheet.column_count if self.c1 is None else min(self.c1, self.sheet.column_count)
        return self.r0, r1, self.c0, c1

    def a1(self) -> str:
        r0, r1, c0, c1 = self.bounded()
        name = quote_title(self.sheet.title)
        if r1 <= r0 or c1 <= c0:
            return f"{name}!{col_letters(c0)}{r0 + 1}"
        return f"{name}!{col_letters(c0)}{r0 + 1}:{col_letters(c1 - 1)}{r1}"


# -- cells ---------------------------------------------------------------------------------------------
def has_value(cell: dict[str, Any] | None) -> bool:
    return bool(cell) and "userEnteredValue" in cell  # type: ignore[operator]


def effective(user_value: dict[str, Any]) -> dict[str, Any]:
    if "formulaValue" in user_value:
        return dict(FORMULA_ERROR)
    return dict(user_value)


def number(value: Any) -> float:
    return float(value) if not isinstance(value, str) else float(value.replace("Infinity", "inf"))


def normalize_user_value(v: dict[str, Any]) -> dict[str, Any]:
    if "numberValue" in v:
        return {"numberValue": number(v["numberValue"])}
    return {k: val for k, val in v.items() if val is not None}


#: The spreadsheet locale's decimal mark and thousands separators, as the Sheets UI reads typed numbers: in
#: fr_FR the decimal mark is the comma and a space (or no-break space) groups thousands, so "1,5" is 1.5,
#: "25 000" is 25000 and a dot is no number at all ("25.000" stays the text "25.000"); en_US reads
#: "25.000" as 25 and "25,000" as 25000; de_DE (and the other dot-grouping locales) "25.000" as 25000.
NUMBER_MARKS = {"fr": (",", " \u00a0\u202f"), "en": (".", ","), "de": (",", "."), "it": (",", "."),
                "es": (",", "."), "pt": (",", "."), "nl": (",", ".")}


def _locale_number(text: str, locale: str) -> float | None:
    point, groups = NUMBER_MARKS.get(locale.split("_")[0].lower(), NUMBER_MARKS["en"])
    sep = "[" + re.escape(groups) + "]"
    m = re.fullmatch(rf"\s*([+-]?)(\d{{1,3}}(?:{sep}\d{{3}})+|\d+)(?:{re.escape(point)}(\d+))?\s*(%?)\s*", text)
    if m is None:
        return None
    whole = re.sub(sep, "", m.group(2))
    n = float(f"{whole}.{m.group(3) or 0}") * (-1 if m.group(1) == "-" else 1)
    return n / 100 if m.group(4) else n


def parse_user_entered(text: str, locale: str = "fr_FR") -> dict[str, Any]:
    """What the Sheets UI (and USER_ENTERED) makes of typed text, in the spreadsheet's ``locale``."""
    if text.startswith("="):
        return {"formulaValue": text}
    if text.startswith("'"):
        return {"stringValue": text[1:]}
    if text.upper() in ("TRUE", "FALSE", "VRAI", "FAUX"):
        return {"boolValue": text.upper() in ("TRUE", "VRAI")}
    n = _locale_number(text, locale)
    if n is not None:  # "0707123456" is the number 707123456, "0042" is 42: leading zeros are lost
        return {"numberValue": n}
    d = re.fullmatch(r"\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*", text)  # fr_FR: day/month/year
    if d:
        try:
            day = date(int(d.group(3)), int(d.group(2)), int(d.group(1)))
        except ValueError:
            return {"stringValue": text}
        return {"numberValue": float((day - date(1899, 12, 30)).days)}
    return {"stringValue": text}


def typed_cell(old: dict[str, Any] | None, text: str, locale: str = "fr_FR") -> dict[str, Any]:
    """A cell after a person typed ``text`` in the Sheets UI of a spreadsheet in ``locale``: parsed (numbers,
    dates, booleans, formulas) unless the cell is formatted as plain text (TEXT, ``@``); a parsed date gets a
    date format."""
    fmt = ((old or {}).get("userEnteredFormat") or {}).get("numberFormat") or {}
    if fmt.get("type") == "TEXT":
        value = {"stringValue": text}
    else:
        value = parse_user_entered(text, locale)
    cell = apply_mask(old, {"userEnteredValue": value}, ["userEnteredValue"])
    if "numberValue" in value and re.fullmatch(r"\s*\d{1,2}/\d{1,2}/\d{4}\s*", text) and not fmt:
        cell = apply_mask(cell, {"userEnteredFormat": {"numberFormat": {"type": "DATE", "pattern": "dd/mm/yyyy"}}},
                          ["userEnteredFormat.numberFormat"])
    return cell


def apply_mask(old: dict[str, Any] | None, new: dict[str, Any], paths: list[str]) -> dict[str, Any]:
    """``old`` with the fields named by ``paths`` taken from ``new`` (absent in ``new`` → cleared)."""
    out = copy.deepcopy(old) if old else {}
    for path in paths:
        if path == "*":
            out = {k: v for k, v in out.items() if k in ("effectiveValue",)}
            out.update(copy.deepcopy(new))
            continue
        parts = path.split(".")
        src: Any = new
        for p in parts:
            src = src.get(p) if isinstance(src, dict) else None
        dst = out
        for p in parts[:-1]:
            dst = dst.setdefault(p, {})
        if src is None:
            dst.pop(parts[-1], None)
        else:
            dst[parts[-1]] = copy.deepcopy(src)
    _prune(out)
    if "userEnteredValue" in out:
        out["userEnteredValue"] = normalize_user_value(out["userEnteredValue"])
        if not out["userEnteredValue"]:
            del out["userEnteredValue"]
    out.pop("effectiveValue", None)
    if "userEnteredValue" in out:
        out["effectiveValue"] = effective(out["userEnteredValue"])
    return out


def _prune(d: dict[str, Any]) -> None:
    for k in list(d):
        if isinstance(d[k], dict):
            _prune(d[k])
            if not d[k] and k != "userEnteredValue":
                del d[k]


# -- sheets --------------------------------------------------------------------------------------------
class Cells(dict):  # type: ignore[type-arg]
    """A sheet's cells, counting changes: what the fake's Drive ``version`` sees of a person's edit made on
    the model directly (tests), as it sees the API's own writes."""

    changes = 0
    _serials = itertools.count(1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.serial = next(Cells._serials)  # never reused, unlike id()

    def _changed(self) -> None:
        self.changes += 1

    def __setitem__(self, key: Any, value: Any) -> None:
        self._changed()
        super().__setitem__(key, value)

    def __delitem__(self, key: Any) -> None:
        self._changed()
        super().__delitem__(key)

    def pop(self, *args: Any) -> Any:
        self._changed()
        return super().pop(*args)

    def popitem(self) -> Any:
        self._changed()
        return super().popitem()

    def clear(self) -> None:
        self._changed()
        super().clear()

    def update(self, *args: Any, **kwargs: Any) -> None:
        self._changed()
        super().update(*args, **kwargs)

    def setdefault(self, key: Any, default: Any = None) -> Any:
        self._changed()
        return super().setdefault(key, default)


@dataclass
class Sheet:
    sheet_id: int
    title: str
    index: int
    row_count: int = 1000
    column_count: int = 26
    frozen_row_count: int = 0
    frozen_column_count: int = 0
    hidden: bool = False
    cells: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    row_props: dict[int, dict[str, Any]] = field(default_factory=dict)
    col_props: dict[int, dict[str, Any]] = field(default_factory=dict)
    protected_ranges: list[dict[str, Any]] = field(default_factory=list)
    conditional_formats: list[dict[str, Any]] = field(default_factory=list)

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "cells" and not isinstance(value, Cells):
            value = Cells(value)
        object.__setattr__(self, name, value)

    def fingerprint(self) -> tuple[Any, ...]:
        cells = self.cells
        return (self.sheet_id, self.title, self.index, self.row_count, self.column_count,
                cells.serial if isinstance(cells, Cells) else id(cells), cells.changes if isinstance(cells, Cells) else 0,
                len(cells), self.hidden,
                len(self.protected_ranges), len(self.row_props), len(self.col_props))

    def copy(self) -> Sheet:
        clone = copy.copy(self)
        clone.cells = dict(self.cells)
        clone.row_props = dict(self.row_props)
        clone.col_props = dict(self.col_props)
        clone.protected_ranges = copy.deepcopy(self.protected_ranges)
        clone.conditional_formats = copy.deepcopy(self.conditional_formats)
        return clone

    def properties(self) -> dict[str, Any]:
        grid: dict[str, Any] = {"rowCount": self.row_count, "columnCount": self.column_count}
        if self.frozen_row_count:
            grid["frozenRowCount"] = self.frozen_row_count
        if self.frozen_column_count:
            grid["frozenColumnCount"] = self.frozen_column_count
        props: dict[str, Any] = {"sheetId": self.sheet_id, "title": self.title, "index": self.index,
                                 "sheetType": "GRID", "gridProperties": grid}
        if self.hidden:
            props["hidden"] = True
        return props

    def last_data_row(self) -> int:
        """0-based index of the last row holding a value, -1 when none."""
        return max((r for (r, _), c in self.cells.items() if has_value(c)), default=-1)

    def last_data_col(self) -> int:
        return max((c for (_, c), cell in self.cells.items() if has_value(cell)), default=-1)

    def check_inside(self, r: int, c: int, what: str) -> None:
        if r >= self.row_count or c >= self.column_count or r < 0 or c < 0:
            raise bad_request(
                f"Invalid {what}: Range ({quote_title(self.title)}!{col_letters(max(c, 0))}{r + 1}) exceeds grid "
                f"limits. Max rows: {self.row_count}, max columns: {self.column_count}"
            )

    def set(self, r: int, c: int, cell: dict[str, Any]) -> None:
        if cell:
            self.cells[(r, c)] = cell
        else:
            self.cells.pop((r, c), None)

    # Structure changes shift cells and dimension properties, as inserting rows in the UI does.
    def insert(self, dimension: str, start: int, count: int, inherit_before: bool = False) -> None:
        rows = dimension == "ROWS"

        def shift(i: int) -> int:
            return i + count if i >= start else i

        self.cells = {((shift(r), c) if rows else (r, shift(c))): v for (r, c), v in self.cells.items()}
        props = self.row_props if rows else self.col_props
        moved = {shift(i): v for i, v in props.items()}
        props.clear()
        props.update(moved)
        if rows:
            self.row_count += count
        else:
            self.column_count += count
        source = start - 1 if inherit_before else start + count
        for (r, c), cell in list(self.cells.items()):
            if (r if rows else c) == source:
                fmt = {k: v for k, v in cell.items() if k in ("userEnteredFormat", "dataValidation")}
                for i in range(start, start + count):
                    if fmt:
                        self.cells[(i, c) if rows else (r, i)] = copy.deepcopy(fmt)

    def delete(self, dimension: str, start: int, end: int) -> None:
        rows = dimension == "ROWS"
        count = end - start
        limit = self.row_count if rows else self.column_count
        if start < 0 or end > limit or count <= 0:
            raise bad_request(f"Invalid deleteDimension: range {start}:{end} outside the grid.")
        if count == limit:
            raise bad_request("Invalid requests[0].deleteDimension: You can't delete all the rows on the sheet.")
        out = {}
        for (r, c), v in self.cells.items():
            i = r if rows else c
            if start <= i < end:
                continue
            ni = i - count if i >= end else i
            out[(ni, c) if rows else (r, ni)] = v
        self.cells = out
        if rows:
            self.row_count -= count
        else:
            self.column_count -= count


@dataclass
class Spreadsheet:
    spreadsheet_id: str
    title: str = "TTR Gestion"
    locale: str = "fr_FR"
    time_zone: str = "Africa/Abidjan"
    sheets: list[Sheet] = field(default_factory=list)
    next_protected_id: int = 1000
    revisions: list[dict[str, Any]] = field(default_factory=list)
    developer_metadata: list[dict[str, Any]] = field(default_factory=list)
    #: Drive's file ``version``: increases with every change, by the API or by a person (``touch``).
    version: int = 1
    _seen: tuple[Any, ...] = field(default=(), repr=False, compare=False)

    def _fingerprint(self) -> tuple[Any, ...]:
        return (tuple(s.fingerprint() for s in self.sheets), len(self.developer_metadata), self.title)

    def touch(self) -> None:
        """A change made since the last look (a person's edit on the model) counts as one."""
        fp = self._fingerprint()
        if fp != self._seen:
            if self._seen:
                self.version += 1
            self._seen = fp

    def bump(self) -> None:
        """One write request applied: one change."""
        self.version += 1
        self._seen = self._fingerprint()

    def by_title(self, title: str) -> Sheet | None:
        return next((s for s in self.sheets if s.title == title), None)

    def by_id(self, sheet_id: int, what: str) -> Sheet:
        found = next((s for s in self.sheets if s.sheet_id == sheet_id), None)
        if found is None:
            raise bad_request(f"Invalid {what}: No grid with id: {sheet_id}")
        return found

    def add_sheet(self, title: str, sheet_id: int | None = None, **grid: int) -> Sheet:
        sid = sheet_id if sheet_id is not None else max((s.sheet_id for s in self.sheets), default=-1) + 1
        sheet = Sheet(sid, title, len(self.sheets), **grid)
        self.sheets.append(sheet)
        return sheet

    def reindex(self) -> None:
        for i, s in enumerate(self.sheets):
            s.index = i

    def parse_range(self, text: str) -> Area:
        """A1 notation: ``'Tableau de bord'!A1:C``, ``Clients``, ``Clients!1:1``, ``A1:B2`` (first sheet)."""
        failure = bad_request(f"Unable to parse range: {text}")
        title, cells = None, text
        if text.startswith("'"):
            m = re.match(r"^'((?:[^']|'')*)'(?:!(.*))?$", text, re.S)
            if not m:
                raise failure
            title, cells = m.group(1).replace("''", "'"), m.group(2) or ""
        elif "!" in text:
            title, cells = text.rsplit("!", 1)
        elif self.by_title(text) is not None:
            title, cells = text, ""
        sheet = self.by_title(title) if title is not None else (self.sheets[0] if self.sheets else None)
        if sheet is None:
            raise failure
        if cells == "":
            return Area(sheet)
        m = _CELLS.match(cells)
        if not m or not any(m.groups()):
            raise failure
        ca, ra, cb, rb = m.groups()
        if ":" not in cells:
            if not (ca and ra):
                raise failure
            cb, rb = ca, ra
        area = Area(
            sheet,
            r0=int(ra) - 1 if ra else 0,
            r1=int(rb) if rb else None,
            c0=col_index(ca) if ca else 0,
            c1=col_index(cb) + 1 if cb else None,
            anchor=":" not in cells,
        )
        if ra == "0" or rb == "0":
            raise failure
        return area

    def metadata(self) -> dict[str, Any]:
        sheets = []
        for s in self.sheets:
            entry: dict[str, Any] = {"properties": s.properties()}
            if s.protected_ranges:
                entry["protectedRanges"] = copy.deepcopy(s.protected_ranges)
            if s.conditional_formats:
                entry["conditionalFormats"] = copy.deepcopy(s.conditional_formats)
            sheets.append(entry)
        extra: dict[str, Any] = {}
        if self.developer_metadata:
            extra["developerMetadata"] = copy.deepcopy(self.developer_metadata)
        return {**extra,
            "spreadsheetId": self.spreadsheet_id,
            "properties": {"title": self.title, "locale": self.locale, "timeZone": self.time_zone,
                           "autoRecalc": "ON_CHANGE"},
            "sheets": sheets,
            "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{self.spreadsheet_id}/edit",
        }


# -- rendering values ----------------------------------------------------------------------------------
def json_number(value: float) -> int | float:
    return int(value) if value == int(value) and abs(value) < 2**53 else value


def format_serial(serial: float, pattern: str) -> str:
    moment = EPOCH + timedelta(seconds=round(serial * 86400))
    out = re.sub(r"yyyy", "%Y", pattern)
    out = re.sub(r"(h+)(:)mm", r"\1\2%M", out)
    out = out.replace("dd", "%d").replace("mm", "%m").replace("hh", "%H").replace("ss", "%S")
    return moment.strftime(out)


def render(cell: dict[str, Any] | None, value_render: str, date_render: str) -> Any:
    if not cell or "userEnteredValue" not in cell:
        return ""
    user = cell["userEnteredValue"]
    if value_render == "FORMULA" and "formulaValue" in user:
        return user["formulaValue"]
    eff = cell.get("effectiveValue", {})
    if "errorValue" in eff:
        return "#ERROR!"
    if "stringValue" in eff:
        return eff["stringValue"]
    if "boolValue" in eff:
        return eff["boolValue"] if value_render != "FORMATTED_VALUE" else ("TRUE" if eff["boolValue"] else "FALSE")
    n = eff.get("numberValue", 0.0)
    fmt = cell.get("userEnteredFormat", {}).get("numberFormat", {})
    is_date = fmt.get("type") in ("DATE", "TIME", "DATE_TIME")
    if is_date and (value_render == "FORMATTED_VALUE" or date_render == "FORMATTED_STRING"):
        return format_serial(n, fmt.get("pattern") or "dd/mm/yyyy")
    if value_render == "FORMATTED_VALUE":
        return str(json_number(n))
    return json_number(n)


def values_of(area: Area, value_render: str, date_render: str, major: str) -> list[list[Any]]:
    """Cells of ``area`` with trailing empty cells and rows trimmed, as Google returns them."""
    r0, r1, c0, c1 = area.bounded()
    rows: list[list[Any]] = []
    for r in range(r0, r1):
        row = [render(area.sheet.cells.get((r, c)), value_render, date_render) for c in range(c0, c1)]
        while row and row[-1] == "":
            row.pop()
        rows.append(row)
    while rows and not rows[-1]:
        rows.pop()
    if major == "COLUMNS":
        width = max((len(r) for r in rows), default=0)
        cols = [[r[c] if c < len(r) else "" for r in rows] for c in range(width)]
        for col in cols:
            while col and col[-1] == "":
                col.pop()
        return cols
    return rows


def input_cell(value: Any, option: str) -> dict[str, Any] | None:
    """The userEnteredValue for one value of a ValueRange (None: skip the cell, {}: clear it)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, (int, float, Decimal)):
        return {"numberValue": float(value)}
    if not isinstance(value, str):
        raise bad_request(f"Invalid values: unsupported value {value!r}")
    if value == "":
        return {}
    return parse_user_entered(value) if option == "USER_ENTERED" else {"stringValue": value}
