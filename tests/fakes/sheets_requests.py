"""What the fake Sheets API does with each call: values.* methods and the batchUpdate request kinds.

``batch_update`` applies every request to copies of the touched sheets and swaps them in only when all
succeeded: Google applies a batchUpdate all-or-nothing.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from tests.fakes.discovery import Discovery, split_mask
from tests.fakes.sheets_model import (
    Area,
    Sheet,
    SheetsError,
    Spreadsheet,
    apply_mask,
    bad_request,
    has_value,
    input_cell,
    values_of,
)

# -- values.* ------------------------------------------------------------------------------------------


def value_range(ss: Spreadsheet, text: str, q: dict[str, str]) -> dict[str, Any]:
    area = ss.parse_range(text)
    major = q.get("majorDimension", "ROWS")
    if major == "DIMENSION_UNSPECIFIED":
        major = "ROWS"
    values = values_of(area, q.get("valueRenderOption", "FORMATTED_VALUE"),
                       q.get("dateTimeRenderOption", "SERIAL_NUMBER"), major)
    out: dict[str, Any] = {"range": area.a1(), "majorDimension": major}
    if values:
        out["values"] = values
    return out


def _write_values(area: Area, values: list[list[Any]], option: str, major: str) -> dict[str, Any]:
    if major == "COLUMNS":
        width = max((len(c) for c in values), default=0)
        values = [[col[r] if r < len(col) else None for col in values] for r in range(width)]
    sheet = area.sheet
    rows_needed = area.r0 + len(values)
    cols_needed = area.c0 + max((len(r) for r in values), default=0)
    if not area.anchor and (area.r1 is not None and len(values) > area.r1 - area.r0 or (
        area.c1 is not None and cols_needed > area.c1
    )):
        raise bad_request(f"Requested writing within range [{area.a1()}], but tried writing beyond it.")
    sheet.row_count = max(sheet.row_count, rows_needed)  # the values API grows the grid
    sheet.column_count = max(sheet.column_count, cols_needed)
    cells = 0
    for i, row in enumerate(values):
        for j, v in enumerate(row):
            user = input_cell(v, option)
            if user is None:
                continue
            r, c = area.r0 + i, area.c0 + j
            sheet.set(r, c, apply_mask(sheet.cells.get((r, c)), {"userEnteredValue": user}, ["userEnteredValue"]))
            cells += 1
    written = Area(sheet, area.r0, rows_needed, area.c0, cols_needed)
    return {"updatedRange": written.a1(), "updatedRows": len(values),
            "updatedColumns": cols_needed - area.c0, "updatedCells": cells}


def values_update(ss: Spreadsheet, text: str, q: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    option = q.get("valueInputOption")
    if option not in ("RAW", "USER_ENTERED"):
        raise bad_request("Invalid valueInputOption: INPUT_VALUE_OPTION_UNSPECIFIED")
    area = ss.parse_range(text)
    result = _write_values(area, body.get("values") or [], option, body.get("majorDimension") or "ROWS")
    return {"spreadsheetId": ss.spreadsheet_id, **result}


def values_append(ss: Spreadsheet, text: str, q: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    """Find the table in the range (first block of rows with data, as Google's guide describes) and write
    the values below it; INSERT_ROWS inserts rows first so nothing below is overwritten."""
    option = q.get("valueInputOption")
    if option not in ("RAW", "USER_ENTERED"):
        raise bad_request("Invalid valueInputOption: INPUT_VALUE_OPTION_UNSPECIFIED")
    area = ss.parse_range(text)
    sheet = area.sheet
    r0, r1, c0, c1 = area.bounded()

    def row_cols(r: int) -> list[int]:
        return [c for c in range(c0, c1) if has_value(sheet.cells.get((r, c)))]

    start = next((r for r in range(r0, r1) if row_cols(r)), None)
    out: dict[str, Any] = {"spreadsheetId": ss.spreadsheet_id}
    if start is None:
        target_row, target_col = r0, c0
    else:
        end, cols = start, set(row_cols(start))
        while end + 1 < r1 and row_cols(end + 1):
            end += 1
            cols |= set(row_cols(end))
        target_row, target_col = end + 1, min(cols)
        out["tableRange"] = Area(sheet, start, end + 1, min(cols), max(cols) + 1).a1()
    values = body.get("values") or []
    if q.get("insertDataOption", "OVERWRITE") == "INSERT_ROWS" and values and target_row < sheet.row_count:
        sheet.insert("ROWS", target_row, len(values), inherit_before=target_row > 0)
    result = _write_values(Area(sheet, target_row, None, target_col, None), values, option,
                           body.get("majorDimension") or "ROWS")
    out["updates"] = {"spreadsheetId": ss.spreadsheet_id, **result}
    return out


# -- batchUpdate ---------------------------------------------------------------------------------------
class Batch:
    """One batchUpdate in progress: sheets are copied on first touch and committed together."""

    def __init__(self, ss: Spreadsheet, discovery: Discovery) -> None:
        self.ss = ss
        self.discovery = discovery
        self.work = Spreadsheet(ss.spreadsheet_id, ss.title, ss.locale, ss.time_zone, list(ss.sheets),
                                ss.next_protected_id, ss.revisions, copy.deepcopy(ss.developer_metadata))
        self.copied: set[int] = set()
        self.where = ""

    def sheet(self, sheet_id: int | None) -> Sheet:
        sheet = self.work.by_id(sheet_id or 0, self.where)
        if sheet.sheet_id not in self.copied:
            clone = sheet.copy()
            self.work.sheets[self.work.sheets.index(sheet)] = clone
            self.copied.add(sheet.sheet_id)
            return clone
        return sheet

    def mask(self, schema: str, fields: str | None) -> list[str]:
        self.discovery.check_mask(schema, fields or "", self.where)
        return split_mask(fields or "")

    def grid_range(self, rng: dict[str, Any]) -> tuple[Sheet, int, int, int, int]:
        sheet = self.sheet(rng.get("sheetId"))
        r0, c0 = rng.get("startRowIndex", 0), rng.get("startColumnIndex", 0)
        r1, c1 = rng.get("endRowIndex", sheet.row_count), rng.get("endColumnIndex", sheet.column_count)
        if r1 > sheet.row_count or c1 > sheet.column_count:
            sheet.check_inside(r1 - 1, c1 - 1, self.where)
        if r0 > r1 or c0 > c1 or r0 < 0 or c0 < 0:
            raise bad_request(f"Invalid {self.where}: Invalid range {rng}")
        return sheet, r0, r1, c0, c1

    def write_rows(self, sheet: Sheet, r0: int, c0: int, rows: list[dict[str, Any]], paths: list[str]) -> None:
        for i, row in enumerate(rows):
            for j, cell in enumerate(row.get("values") or []):
                r, c = r0 + i, c0 + j
                sheet.check_inside(r, c, self.where)
                sheet.set(r, c, apply_mask(sheet.cells.get((r, c)), cell or {}, paths))

    # request kinds ---------------------------------------------------------------------------------------
    def add_sheet(self, req: dict[str, Any]) -> dict[str, Any]:
        props = req.get("properties") or {}
        title = props.get("title") or f"Feuille {len(self.work.sheets) + 1}"
        if self.work.by_title(title) is not None:
            raise bad_request(f'Invalid {self.where}: A sheet with the name "{title}" already exists. '
                              "Please enter another name.")
        sid = props.get("sheetId")
        if sid is not None and (sid < 0 or any(s.sheet_id == sid for s in self.work.sheets)):
            raise bad_request(f"Invalid {self.where}: Sheet with id {sid} already exists.")
        if sid is None:
            sid = max((s.sheet_id for s in self.work.sheets), default=0) + 1
        grid = props.get("gridProperties") or {}
        sheet = Sheet(sid, title, 0, row_count=grid.get("rowCount", 1000), column_count=grid.get("columnCount", 26),
                      frozen_row_count=grid.get("frozenRowCount", 0),
                      frozen_column_count=grid.get("frozenColumnCount", 0), hidden=bool(props.get("hidden")))
        index = props.get("index", len(self.work.sheets))
        self.work.sheets.insert(min(index, len(self.work.sheets)), sheet)
        self.copied.add(sid)
        self.work.reindex()
        return {"addSheet": {"properties": sheet.properties()}}

    def update_sheet_properties(self, req: dict[str, Any]) -> None:
        props = req.get("properties") or {}
        sheet = self.sheet(props.get("sheetId"))
        merged = apply_mask(sheet.properties(), props, self.mask("SheetProperties", req.get("fields")))
        title = merged.get("title", sheet.title)
        if title != sheet.title and self.work.by_title(title) is not None:
            raise bad_request(f'Invalid {self.where}: A sheet with the name "{title}" already exists.')
        grid = merged.get("gridProperties", {})
        sheet.title, sheet.hidden = title, bool(merged.get("hidden"))
        sheet.frozen_row_count = grid.get("frozenRowCount", 0)
        sheet.frozen_column_count = grid.get("frozenColumnCount", 0)
        sheet.row_count, sheet.column_count = grid.get("rowCount", sheet.row_count), grid.get("columnCount", sheet.column_count)
        if "index" in merged and merged["index"] != sheet.index:
            self.work.sheets.remove(sheet)
            self.work.sheets.insert(min(merged["index"], len(self.work.sheets)), sheet)
            self.work.reindex()

    def append_cells(self, req: dict[str, Any]) -> None:
        sheet = self.sheet(req.get("sheetId"))
        paths = self.mask("CellData", req.get("fields"))
        rows = req.get("rows") or []
        start = sheet.last_data_row() + 1
        sheet.row_count = max(sheet.row_count, start + len(rows))  # appendCells adds rows when needed
        self.write_rows(sheet, start, 0, rows, paths)

    def update_cells(self, req: dict[str, Any]) -> None:
        paths = self.mask("CellData", req.get("fields"))
        rows = req.get("rows") or []
        if "range" in req:
            sheet, r0, r1, c0, c1 = self.grid_range(req["range"])
            for r in range(r0, r1):  # cells of the range not covered by rows are cleared by the mask
                for c in range(c0, c1):
                    covered = r - r0 < len(rows) and c - c0 < len(rows[r - r0].get("values") or [])
                    if not covered and (r, c) in sheet.cells:
                        sheet.set(r, c, apply_mask(sheet.cells[(r, c)], {}, paths))
            if len(rows) > r1 - r0 or any(len(row.get("values") or []) > c1 - c0 for row in rows):
                raise bad_request(f"Invalid {self.where}: the rows are larger than the range.")
            self.write_rows(sheet, r0, c0, rows, paths)
        else:
            start = req.get("start") or {}
            sheet = self.sheet(start.get("sheetId"))
            self.write_rows(sheet, start.get("rowIndex", 0), start.get("columnIndex", 0), rows, paths)

    def repeat_cell(self, req: dict[str, Any]) -> None:
        sheet, r0, r1, c0, c1 = self.grid_range(req.get("range") or {})
        paths = self.mask("CellData", req.get("fields"))
        cell = req.get("cell") or {}
        for r in range(r0, r1):
            for c in range(c0, c1):
                sheet.set(r, c, apply_mask(sheet.cells.get((r, c)), cell, paths))

    def set_data_validation(self, req: dict[str, Any]) -> None:
        sheet, r0, r1, c0, c1 = self.grid_range(req.get("range") or {})
        rule = req.get("rule")
        if rule and rule.get("condition", {}).get("type") == "ONE_OF_LIST" and not rule["condition"].get("values"):
            raise bad_request(f"Invalid {self.where}: ONE_OF_LIST condition needs at least one value.")
        for r in range(r0, r1):
            for c in range(c0, c1):
                sheet.set(r, c, apply_mask(sheet.cells.get((r, c)), {"dataValidation": rule} if rule else {},
                                           ["dataValidation"]))

    def append_dimension(self, req: dict[str, Any]) -> None:
        sheet = self.sheet(req.get("sheetId"))
        length = req.get("length", 0)
        if length <= 0:
            raise bad_request(f"Invalid {self.where}: length must be positive.")
        if req.get("dimension") == "ROWS":
            sheet.row_count += length
        elif req.get("dimension") == "COLUMNS":
            sheet.column_count += length
        else:
            raise bad_request(f"Invalid {self.where}: dimension must be ROWS or COLUMNS.")

    def insert_dimension(self, req: dict[str, Any]) -> None:
        rng = req.get("range") or {}
        sheet = self.sheet(rng.get("sheetId"))
        start, end = rng.get("startIndex", 0), rng.get("endIndex", 0)
        limit = sheet.row_count if rng.get("dimension") == "ROWS" else sheet.column_count
        if rng.get("dimension") not in ("ROWS", "COLUMNS") or not 0 <= start < end or start > limit:
            raise bad_request(f"Invalid {self.where}: invalid dimension range.")
        if req.get("inheritFromBefore") and start == 0:
            raise bad_request(f"Invalid {self.where}: cannot inherit from before the first row or column.")
        sheet.insert(rng["dimension"], start, end - start, bool(req.get("inheritFromBefore")))

    def delete_dimension(self, req: dict[str, Any]) -> None:
        rng = req.get("range") or {}
        sheet = self.sheet(rng.get("sheetId"))
        sheet.delete(rng.get("dimension", "ROWS"), rng.get("startIndex", 0), rng.get("endIndex", 0))

    def update_dimension_properties(self, req: dict[str, Any]) -> None:
        rng = req.get("range") or {}
        sheet = self.sheet(rng.get("sheetId"))
        paths = self.mask("DimensionProperties", req.get("fields"))
        rows = rng.get("dimension") == "ROWS"
        limit = sheet.row_count if rows else sheet.column_count
        start, end = rng.get("startIndex", 0), rng.get("endIndex", limit)
        if not 0 <= start < end <= limit:
            raise bad_request(f"Invalid {self.where}: dimension range {start}:{end} outside the grid ({limit}).")
        props = sheet.row_props if rows else sheet.col_props
        for i in range(start, end):
            props[i] = apply_mask(props.get(i), req.get("properties") or {}, paths)

    def add_protected_range(self, req: dict[str, Any], caller: str) -> dict[str, Any]:
        pr = copy.deepcopy(req.get("protectedRange") or {})
        rng = pr.get("range") or {}
        sheet = self.sheet(rng.get("sheetId"))
        pr["protectedRangeId"] = self.work.next_protected_id
        self.work.next_protected_id += 1
        editors = pr.setdefault("editors", {})
        users = editors.setdefault("users", [])
        if caller not in users:
            users.append(caller)  # the requesting user stays an editor
        pr["requestingUserCanEdit"] = True
        sheet.protected_ranges.append(pr)
        return {"addProtectedRange": {"protectedRange": copy.deepcopy(pr)}}

    def add_conditional_format_rule(self, req: dict[str, Any]) -> None:
        rule = req.get("rule") or {}
        ranges = rule.get("ranges") or []
        if not ranges:
            raise bad_request(f"Invalid {self.where}: a rule needs at least one range.")
        sheet = self.sheet(ranges[0].get("sheetId"))
        sheet.conditional_formats.insert(min(req.get("index", len(sheet.conditional_formats)),
                                             len(sheet.conditional_formats)), copy.deepcopy(rule))

    def update_borders(self, req: dict[str, Any]) -> None:
        sheet, *_ = self.grid_range(req.get("range") or {})  # borders are accepted and not rendered

    def delete_sheet(self, req: dict[str, Any]) -> None:
        sheet = self.work.by_id(req.get("sheetId", 0), self.where)
        if len(self.work.sheets) == 1:
            raise bad_request(f"Invalid {self.where}: You can't remove all the sheets in a document.")
        self.work.sheets.remove(sheet)
        self.work.reindex()

    def create_developer_metadata(self, req: dict[str, Any]) -> dict[str, Any]:
        meta = copy.deepcopy(req.get("developerMetadata") or {})
        if not meta.get("metadataKey") or "visibility" not in meta or "location" not in meta:
            raise bad_request(f"Invalid {self.where}: metadataKey, visibility and location are required.")
        used = {m["metadataId"] for m in self.work.developer_metadata}
        mid = meta.get("metadataId") or max(used, default=100) + 1
        if mid in used:
            raise bad_request(f"Invalid {self.where}: Developer metadata with id {mid} already exists.")
        meta["metadataId"] = mid
        self.work.developer_metadata.append(meta)
        return {"createDeveloperMetadata": {"developerMetadata": copy.deepcopy(meta)}}

    def update_spreadsheet_properties(self, req: dict[str, Any]) -> None:
        """Title, locale and time zone of the spreadsheet (the locale decides how typed text is read)."""
        paths = self.mask("SpreadsheetProperties", req.get("fields"))
        now = {"title": self.work.title, "locale": self.work.locale, "timeZone": self.work.time_zone}
        merged = apply_mask(now, req.get("properties") or {}, paths)
        self.work.title, self.work.locale = merged.get("title", self.work.title), merged.get("locale", "en_US")
        self.work.time_zone = merged.get("timeZone", self.work.time_zone)

    def update_developer_metadata(self, req: dict[str, Any]) -> dict[str, Any]:
        keys = {f.get("developerMetadataLookup", {}).get("metadataKey") for f in req.get("dataFilters") or []}
        paths = self.mask("DeveloperMetadata", req.get("fields"))
        changed = []
        for i, meta in enumerate(self.work.developer_metadata):
            if meta.get("metadataKey") in keys:
                self.work.developer_metadata[i] = apply_mask(meta, req.get("developerMetadata") or {}, paths)
                changed.append(copy.deepcopy(self.work.developer_metadata[i]))
        return {"updateDeveloperMetadata": {"developerMetadata": changed}}


HANDLERS: dict[str, Callable[..., Any]] = {
    "addSheet": Batch.add_sheet,
    "updateSheetProperties": Batch.update_sheet_properties,
    "appendCells": Batch.append_cells,
    "updateCells": Batch.update_cells,
    "repeatCell": Batch.repeat_cell,
    "setDataValidation": Batch.set_data_validation,
    "appendDimension": Batch.append_dimension,
    "insertDimension": Batch.insert_dimension,
    "deleteDimension": Batch.delete_dimension,
    "updateDimensionProperties": Batch.update_dimension_properties,
    "addConditionalFormatRule": Batch.add_conditional_format_rule,
    "updateBorders": Batch.update_borders,
    "deleteSheet": Batch.delete_sheet,
    "createDeveloperMetadata": Batch.create_developer_metadata,
    "updateDeveloperMetadata": Batch.update_developer_metadata,
    "updateSpreadsheetProperties": Batch.update_spreadsheet_properties,
}


def batch_update(ss: Spreadsheet, body: dict[str, Any], discovery: Discovery, caller: str) -> dict[str, Any]:
    batch = Batch(ss, discovery)
    replies: list[dict[str, Any]] = []
    for i, request in enumerate(body.get("requests") or []):
        (kind, req), = ((k, v) for k, v in request.items() if v is not None)
        batch.where = f"requests[{i}].{kind}"
        if kind == "addProtectedRange":
            replies.append(batch.add_protected_range(req, caller))
            continue
        handler = HANDLERS.get(kind)
        if handler is None:
            raise SheetsError(501, "UNIMPLEMENTED", f"The fake Sheets API does not implement {kind}.")
        replies.append(handler(batch, req) or {})
    ss.sheets = batch.work.sheets  # commit: every request succeeded
    ss.next_protected_id = batch.work.next_protected_id
    ss.developer_metadata = batch.work.developer_metadata
    ss.title, ss.locale, ss.time_zone = batch.work.title, batch.work.locale, batch.work.time_zone
    return {"spreadsheetId": ss.spreadsheet_id, "replies": replies}
