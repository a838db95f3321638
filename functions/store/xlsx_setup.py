"""``setup`` for the ``.xlsx`` backend, with openpyxl (a one-off at ``ttr init``; writes go elsewhere).

New tabs get a bold frozen header, column widths, dropdowns on choice columns, number formats and a grey
fill on computed columns as column styles (rows appended later look right), hidden columns and sheet
protection. On an existing workbook only missing tabs and missing columns are added, and a header the schema
renamed (``formerly``) is renamed in place: no data cell changes.
Text columns are plain text (``@``) so that what a person types there keeps its leading zeros; an older
workbook whose text columns lack it gets it at upgrade (checked cheaply in the zip, loaded only to fix).
"""

from __future__ import annotations

import copy
import re
import zipfile
from collections.abc import Sequence

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import Cell as XlCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from functions.store.backend import Cell, ColumnSpec, SetupReport, TabSpec
from functions.store.schema import renames
from functions.store.xlsx_parts import attrs, open_package
from functions.store.xlsx_styles import _XF, BUILTIN_FORMATS

COMPUTED_FILL = PatternFill("solid", start_color="F2F2F2", end_color="F2F2F2")
VALIDATION_LAST_ROW = 10000
MAX_LIST_FORMULA = 255  # a literal list longer than this is refused by Excel: no dropdown then


def put(cell: XlCell, value: Cell) -> None:
    """Store ``value`` literally: openpyxl would turn a string starting with ``=`` into a formula."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"


def _isolate_column(ws: Worksheet, idx: int) -> None:
    """Split a ``<col min max>`` range covering ``idx`` so the column gets its own formatting."""
    for key, dim in list(ws.column_dimensions.items()):
        lo, hi = dim.min or 0, dim.max or 0
        if not (lo <= idx <= hi) or lo == hi:
            continue
        if lo < idx:
            dim.max = idx - 1
        else:
            del ws.column_dimensions[key]
        if hi > idx:
            after = copy.copy(dim)
            after.index = get_column_letter(idx + 1)
            after.min, after.max = idx + 1, hi
            ws.column_dimensions[after.index] = after


def format_column(ws: Worksheet, idx: int, col: ColumnSpec) -> None:
    """Header cell and column formatting of one column (1-based ``idx``)."""
    _isolate_column(ws, idx)
    letter = get_column_letter(idx)
    header = ws.cell(row=1, column=idx)
    put(header, col.header)
    header.font = Font(bold=True)
    dim = ws.column_dimensions[letter]
    dim.min = dim.max = idx
    dim.width = col.width
    if col.hidden:
        dim.hidden = True
    if col.number_format is not None:
        dim.number_format = col.number_format.pattern
    if col.computed:
        dim.fill = COMPUTED_FILL
        header.fill = COMPUTED_FILL
    if col.choices:
        formula = '"' + ",".join(c.replace('"', '""') for c in col.choices) + '"'
        if len(formula) <= MAX_LIST_FORMULA and not any("," in c for c in col.choices):
            dv = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=True,
                                errorStyle="warning")
            dv.error = "Choisissez une valeur de la liste."
            dv.errorTitle = "Valeur non prévue"
            dv.add(f"{letter}2:{letter}{VALIDATION_LAST_ROW}")
            ws.add_data_validation(dv)


def _fill_new_tab(ws: Worksheet, spec: TabSpec) -> None:
    for idx, col in enumerate(spec.columns, start=1):
        format_column(ws, idx, col)
    ws.freeze_panes = "A2"
    # Printed as people read it: landscape, every column on one page width, the header on every page.
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
    styles = {i: c.number_format.pattern for i, c in enumerate(spec.columns, start=1) if c.number_format}
    fills = {i for i, c in enumerate(spec.columns, start=1) if c.computed}
    for r, row in enumerate(spec.initial_rows, start=2):
        for idx, value in enumerate(row, start=1):
            cell = ws.cell(row=r, column=idx)
            put(cell, None if value == "" else value)
            if idx in styles:
                cell.number_format = styles[idx]
            if idx in fills:
                cell.fill = COMPUTED_FILL
    if spec.protected:
        ws.protection.sheet = True


def create_workbook(tabs: Sequence[TabSpec], report: SetupReport) -> Workbook:
    wb = Workbook()
    wb.remove(wb.active)
    for spec in tabs:
        _fill_new_tab(wb.create_sheet(spec.title), spec)
        report.created_tabs.append(spec.title)
    report.created_file = True
    return wb


def _is_text(col: ColumnSpec) -> bool:
    return col.number_format is not None and col.number_format.type == "TEXT"


def _sheet_head(zf: zipfile.ZipFile, member: str) -> str:
    """The XML of a sheet part up to its ``<sheetData>`` (where ``<cols>`` is), without reading the rows."""
    out = b""
    with zf.open(member) as f:
        while b"<sheetData" not in out and (chunk := f.read(16384)):
            out += chunk
    return out.split(b"<sheetData", 1)[0].decode("utf-8", "replace")


def plain_text_missing(path: str, tabs: Sequence[TabSpec], headers: dict[str, list[str]]) -> dict[str, list[int]]:
    """{tab: 1-based indexes of its text columns whose column style is not ``@``}."""
    out: dict[str, list[int]] = {}
    with zipfile.ZipFile(path) as zf:
        pkg = open_package(zf)
        styles = pkg.text(pkg.styles) if pkg.styles else ""
        m = re.search(r"<cellXfs\b[^>]*>(.*?)</cellXfs>", styles, re.S)
        text_styles = {i for i, xf in enumerate(_XF.findall(m.group(1) if m else ""))
                       if attrs(xf).get("numFmtId") == str(BUILTIN_FORMATS["@"])}
        for spec in tabs:
            header = headers.get(spec.title)
            if header is None or spec.title not in pkg.sheets:
                continue
            styled: set[int] = set()
            for tag in re.findall(r"<(?:\w+:)?col\b[^>]*>", _sheet_head(zf, pkg.sheets[spec.title])):
                a = attrs(tag)
                if int(a.get("style", "0")) in text_styles:
                    styled |= set(range(int(a.get("min", "0")), int(a.get("max", "0")) + 1))
            wanted = [header.index(c.header) + 1 for c in spec.columns if _is_text(c) and c.header in header]
            if missing := [i for i in wanted if i not in styled]:
                out[spec.title] = missing
    return out


def upgrade_workbook(
    path: str, tabs: Sequence[TabSpec], headers: dict[str, list[str]], report: SetupReport
) -> Workbook | None:
    """Missing tabs and columns added to the workbook at ``path``, text columns made plain text; None when
    nothing is missing."""
    missing_tabs = [s for s in tabs if s.title not in headers]
    renamed = {s.title: renames(s.columns, headers[s.title]) for s in tabs if s.title in headers}
    missing_cols = {
        s.title: [c for c in s.columns if c.header not in headers[s.title] and all(c is not r for _, r in renamed[s.title])]
        for s in tabs if s.title in headers
    }
    unformatted = plain_text_missing(path, tabs, headers)
    if not missing_tabs and not any(missing_cols.values()) and not unformatted and not any(renamed.values()):
        return None
    wb = load_workbook(path)
    by_title = {s.title: s for s in tabs}
    for title, indexes in unformatted.items():
        ws = wb[title]
        for idx in indexes:
            col = next(c for c in by_title[title].columns if c.header == headers[title][idx - 1])
            _isolate_column(ws, idx)
            dim = ws.column_dimensions[get_column_letter(idx)]
            dim.min = dim.max = idx
            dim.width, dim.number_format = dim.width if dim.customWidth else col.width, "@"
            dim.hidden = dim.hidden or col.hidden
    order = [s.title for s in tabs]
    for spec in tabs:
        if spec.title in headers:
            ws = wb[spec.title]
            for i, col in renamed[spec.title]:  # an earlier header: renamed in place, the column's cells kept
                put(ws.cell(row=1, column=i + 1), col.header)
                report.renamed_columns.append((spec.title, headers[spec.title][i], col.header))
            width = len(headers[spec.title])
            for col in missing_cols[spec.title]:
                width += 1
                format_column(ws, width, col)
                report.added_columns.append((spec.title, col.header))
            continue
        before = [t for t in order[: order.index(spec.title)] if t in wb.sheetnames]
        index = wb.sheetnames.index(before[-1]) + 1 if before else 0
        _fill_new_tab(wb.create_sheet(spec.title, index), spec)
        report.created_tabs.append(spec.title)
    return wb
