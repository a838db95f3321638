"""The batchUpdate requests that create or upgrade a workbook in Google Sheets from ``TabSpec``s.

Pure: given the tabs already there (ids, grid sizes, protection) and their header rows, returns the
requests of one batchUpdate. New tabs get their sheet id chosen here, so later requests of the same batch
can name them. Existing data is never changed: missing columns are added at the right of the header, a header
the schema renamed (``formerly``) is renamed in place.

Grids are sized to the schema: as many columns as the tab has (Google counts every grid cell toward its
10 million limit, a 1 000 × 26 default tab costs 26 000), ``ROW_STEP`` empty rows below the data, more
added in steps by the writes. Column number formats (TEXT ``@`` on text columns, so typed "0042" stays
text) are applied at creation, and again on existing tabs once when the workbook's format version (a
developer metadata entry ``ttr-format``) is older than ``FORMAT_VERSION``: that is the upgrade.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from functions.store.backend import ColumnSpec, SetupReport, TabSpec
from functions.store.gsheets_cells import cell_data
from functions.store.schema import renames

GREY = {"red": 0.93, "green": 0.93, "blue": 0.93}
PIXELS_PER_CHAR = 7
ROW_STEP = 200  # empty rows kept below the data of a new tab, and added at a time when a write needs room
FORMAT_KEY, FORMAT_VERSION = "ttr-format", 4  # 2: text columns are TEXT-formatted; 3: dropdowns set again (the
# Caisse « Moyen » lists the mobile-money operators, not the former fixed five); 4: the spreadsheet's locale is
# LOCALE (see ``locale_request``)
#: The spreadsheet's locale, set at creation and once on older workbooks. Google reads what a person types in a
#: number cell by it: in fr_FR « 25.000 » stays text, which the codec reads as 25 000 FCFA, and « 14/03/2026 » is
#: the 14th of March; in en_US (the locale of a spreadsheet made by an English-speaking account) « 25.000 » would
#: be stored as the number 25, and 03/14 read month first. Google has no locale of West Africa: fr_FR is the
#: French one whose rules are those of the app (``functions.money``: comma decimal mark, space groups thousands).
LOCALE = "fr_FR"


class KnownTab(Protocol):
    sheet_id: int
    row_count: int
    column_count: int
    protected: bool


def _text_cell(text: str, bold: bool = False) -> dict[str, Any]:
    cell: dict[str, Any] = {"userEnteredValue": {"stringValue": text}}
    if bold:
        cell["userEnteredFormat"] = {"textFormat": {"bold": True}}
    return cell


def format_request(sheet_id: int, index: int, col: ColumnSpec) -> dict[str, Any] | None:
    """The number format of one column below the header (None when it has none)."""
    if col.number_format is None:
        return None
    below = {"sheetId": sheet_id, "startRowIndex": 1, "startColumnIndex": index, "endColumnIndex": index + 1}
    fmt = {"numberFormat": {"type": col.number_format.type, "pattern": col.number_format.pattern}}
    return {"repeatCell": {"range": below, "cell": {"userEnteredFormat": fmt},
                           "fields": "userEnteredFormat.numberFormat"}}


def validation_request(sheet_id: int, index: int, col: ColumnSpec) -> dict[str, Any] | None:
    """The dropdown of one column below the header (None when it has no choices)."""
    if not col.choices:
        return None
    below = {"sheetId": sheet_id, "startRowIndex": 1, "startColumnIndex": index, "endColumnIndex": index + 1}
    return {"setDataValidation": {"range": below, "rule": {
        "condition": {"type": "ONE_OF_LIST", "values": [{"userEnteredValue": c} for c in col.choices]},
        "showCustomUi": True, "strict": True,
    }}}


def column_requests(sheet_id: int, index: int, col: ColumnSpec) -> list[dict[str, Any]]:
    """Width, hidden, number format, shading and choices of one column (below the header)."""
    below = {"sheetId": sheet_id, "startRowIndex": 1, "startColumnIndex": index, "endColumnIndex": index + 1}
    props: dict[str, Any] = {"pixelSize": max(1, col.width) * PIXELS_PER_CHAR}
    fields = ["pixelSize"]
    if col.hidden:
        props["hiddenByUser"] = True
        fields.append("hiddenByUser")
    out: list[dict[str, Any]] = [{"updateDimensionProperties": {
        "range": {"sheetId": sheet_id, "dimension": "COLUMNS", "startIndex": index, "endIndex": index + 1},
        "properties": props, "fields": ",".join(fields),
    }}]
    fmt: dict[str, Any] = {}
    masks = []
    if col.number_format is not None:
        fmt["numberFormat"] = {"type": col.number_format.type, "pattern": col.number_format.pattern}
        masks.append("userEnteredFormat.numberFormat")
    if col.computed:
        fmt["backgroundColor"] = dict(GREY)
        masks.append("userEnteredFormat.backgroundColor")
    if fmt:
        out.append({"repeatCell": {"range": below, "cell": {"userEnteredFormat": fmt}, "fields": ",".join(masks)}})
    if col.computed:  # written by the sync: typing over it shows a warning first
        out.append({"addProtectedRange": {"protectedRange": {"range": below, "warningOnly": True, "description":
                    f"« {col.header} » est calculé par TTR Gestion : une valeur saisie sera remplacée"}}})
    if (rule := validation_request(sheet_id, index, col)) is not None:
        out.append(rule)
    return out


def protect_request(sheet_id: int, title: str, editor: str | None) -> dict[str, Any]:
    pr: dict[str, Any] = {"range": {"sheetId": sheet_id}, "warningOnly": False,
                          "description": f"{title} : modifié uniquement par TTR Gestion"}
    if editor:
        pr["editors"] = {"users": [editor]}
    return {"addProtectedRange": {"protectedRange": pr}}


def setup_requests(
    tabs: Sequence[TabSpec],
    known: Mapping[str, KnownTab],
    headers: Mapping[str, list[str]],
    used_ids: set[int],
    rng: random.Random,
    editor: str | None,
    report: SetupReport,
    format_version: int = FORMAT_VERSION,
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    upgrade = format_version < FORMAT_VERSION
    for spec in tabs:
        if spec.title not in known:
            out += _new_tab(spec, used_ids, rng, editor)
            report.created_tabs.append(spec.title)
            continue
        tab = known[spec.title]
        header = headers.get(spec.title, [])
        renamed = renames(spec.columns, header)
        for i, col in renamed:  # an earlier header: renamed in place, the column's cells kept
            out.append({"updateCells": {
                "start": {"sheetId": tab.sheet_id, "rowIndex": 0, "columnIndex": i},
                "rows": [{"values": [_text_cell(col.header, bold=True)]}],
                "fields": "userEnteredValue,userEnteredFormat.textFormat.bold",
            }})
            report.renamed_columns.append((spec.title, header[i], col.header))
        missing = [c for c in spec.columns if c.header not in header and all(c is not r for _, r in renamed)]
        if upgrade:  # formats and dropdowns of the columns already there (no value changes)
            for i, h in enumerate(header):
                if (col := _column(spec, h)) is not None:
                    out += [r for r in (format_request(tab.sheet_id, i, col), validation_request(tab.sheet_id, i, col))
                            if r is not None]
        if missing:
            start = len(header)
            if start + len(missing) > tab.column_count:
                out.append({"appendDimension": {"sheetId": tab.sheet_id, "dimension": "COLUMNS",
                                                "length": start + len(missing) - tab.column_count}})
            out.append({"updateCells": {
                "start": {"sheetId": tab.sheet_id, "rowIndex": 0, "columnIndex": start},
                "rows": [{"values": [_text_cell(c.header, bold=True) for c in missing]}],
                "fields": "userEnteredValue,userEnteredFormat.textFormat.bold",
            }})
            for i, col in enumerate(missing):
                out += column_requests(tab.sheet_id, start + i, col)
                report.added_columns.append((spec.title, col.header))
        if spec.protected and not tab.protected:
            out.append(protect_request(tab.sheet_id, spec.title, editor))
    if upgrade:
        out.append(locale_request())
        out.append(format_mark(format_version))
    return out


def locale_request() -> dict[str, Any]:
    """The spreadsheet read as the app reads amounts and dates (``LOCALE``)."""
    return {"updateSpreadsheetProperties": {"properties": {"locale": LOCALE}, "fields": "locale"}}


def header_after(spec: TabSpec, header: Sequence[str]) -> list[str]:
    """The header row of a tab once ``setup_requests`` ran: earlier headers renamed, missing ones at the right."""
    out = list(header)
    for i, col in renames(spec.columns, header):
        out[i] = col.header
    return out + [c.header for c in spec.columns if c.header not in out]


def _column(spec: TabSpec, header: str) -> ColumnSpec | None:
    return next((c for c in spec.columns if c.header == header), None)


def format_mark(current: int) -> dict[str, Any]:
    """The spreadsheet's format version, where the next setup reads it."""
    meta = {"metadataKey": FORMAT_KEY, "metadataValue": str(FORMAT_VERSION), "location": {"spreadsheet": True},
            "visibility": "DOCUMENT"}
    if current:
        return {"updateDeveloperMetadata": {
            "dataFilters": [{"developerMetadataLookup": {"metadataKey": FORMAT_KEY}}],
            "developerMetadata": {"metadataValue": str(FORMAT_VERSION)}, "fields": "metadataValue"}}
    return {"createDeveloperMetadata": {"developerMetadata": meta}}


def _new_tab(spec: TabSpec, used_ids: set[int], rng: random.Random, editor: str | None) -> list[dict[str, Any]]:
    sheet_id = rng.randrange(1, 2**31 - 1)
    while sheet_id in used_ids:
        sheet_id = rng.randrange(1, 2**31 - 1)
    used_ids.add(sheet_id)
    columns = max(1, len(spec.columns), *(len(r) for r in spec.initial_rows or [()]))
    rows = 1 + len(spec.initial_rows) + ROW_STEP
    out: list[dict[str, Any]] = [{"addSheet": {"properties": {
        "sheetId": sheet_id, "title": spec.title,
        "gridProperties": {"rowCount": rows, "columnCount": columns, "frozenRowCount": 1},
    }}}]
    out.append({"updateCells": {
        "start": {"sheetId": sheet_id, "rowIndex": 0, "columnIndex": 0},
        "rows": [{"values": [_text_cell(c.header, bold=True) for c in spec.columns]}],
        "fields": "userEnteredValue,userEnteredFormat.textFormat.bold",
    }})
    if spec.initial_rows:
        out.append({"updateCells": {
            "start": {"sheetId": sheet_id, "rowIndex": 1, "columnIndex": 0},
            "rows": [{"values": [cell_data(v) for v in row]} for row in spec.initial_rows],
            "fields": "userEnteredValue",
        }})
    for i, col in enumerate(spec.columns):
        out += column_requests(sheet_id, i, col)
    if spec.protected:
        out.append(protect_request(sheet_id, spec.title, editor))
    return out
