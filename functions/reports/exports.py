"""A report as a file: ``.xlsx`` (openpyxl: FCFA formats, frozen headers, column widths), CSV (``;``,
UTF-8 with BOM, formula-escaped) and a printable A4 PDF (fpdf2: the business header, the charts, the tables).

Every export writes the sections of ``view.tables``: the same figures as the page, one sheet per section
in the workbook, one block per section in the CSV and the PDF.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

from functions.reports import text, view
from functions.reports.figures import Report

FORMATS = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
           "csv": "text/csv; charset=utf-8", "pdf": "application/pdf"}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def filename(r: Report, fmt: str) -> str:
    return f"rapport-{r.period.start:%Y-%m-%d}-{r.period.end:%Y-%m-%d}.{fmt}"


def title(r: Report) -> str:
    return f"Rapport {r.period.label} ({text.day(r.period.start)} – {text.day(r.period.end)})"


def export(r: Report, fmt: str, settings: dict[str, str] | None = None) -> bytes:
    if fmt == "xlsx":
        return xlsx(r)
    if fmt == "csv":
        return csv_bytes(r)
    if fmt == "pdf":
        return pdf(r, settings)
    from functions.errors import InvalidInputError

    raise InvalidInputError(f"Format inconnu « {fmt[:10]} » : xlsx, csv ou pdf.")


# -- CSV -------------------------------------------------------------------------------------------------------
def escape_cell(value: str) -> str:
    """A text another program will not run as a formula: ``'`` before ``= + - @``, a tab or a CR."""
    return "'" + value if value.startswith(FORMULA_START) else value


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f").replace(".", ",")  # a number the French spreadsheet reads as a number
    return escape_cell(str(value))


def csv_bytes(r: Report) -> bytes:
    out = io.StringIO()
    w = csv.writer(out, delimiter=";", lineterminator="\r\n")
    w.writerow([escape_cell(r.business), escape_cell(title(r))])
    for t in view.tables(r):
        w.writerow([])
        w.writerow([escape_cell(t["title"])])
        w.writerow([escape_cell(h) for h in t["headers"]])
        for row in t["rows"]:
            w.writerow([_csv_value(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# -- .xlsx -----------------------------------------------------------------------------------------------------
def xlsx(r: Report) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell as Cell
    from openpyxl.styles import Font, PatternFill

    from functions.store.codec import Codec

    money_format = Codec(r.currency).money_format().pattern  # the workbook's own currency format
    wb = Workbook(write_only=True)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBE3")
    used: set[str] = set()
    for t in view.tables(r):
        name = _sheet_name(view.SHEETS.get(t["key"], t["title"]), used)
        ws = wb.create_sheet(name)
        widths = [max([len(str(h)) for h in t["headers"]] + [12])] * len(t["headers"])
        for row in t["rows"]:
            for i, v in enumerate(row):
                widths[i] = max(widths[i], min(60, _width(v, t["kinds"][i]) + 2))
        for i, width in enumerate(widths):
            ws.column_dimensions[_letter(i)].width = width
        ws.freeze_panes = "A2"
        header = []
        for h in t["headers"]:
            c = Cell(ws, value=h)
            c.font, c.fill = bold, fill
            header.append(c)
        ws.append(header)
        for row in t["rows"]:
            cells: list[Any] = []
            strong = bool(row) and row[0] in ("Total", "Résultat", "Chiffre d'affaires")
            for i, v in enumerate(row):
                kind = t["kinds"][i]
                if isinstance(v, Decimal) and kind in ("money", "qty"):
                    c = Cell(ws, value=int(v) if v == v.to_integral_value() else float(v))
                    c.number_format = money_format if kind == "money" else "#,##0.##"
                else:
                    value = None if v is None else str(v)
                    if not strong and not (value or "").startswith("="):
                        cells.append(value)  # a plain string cell: openpyxl types it as text
                        continue
                    c = Cell(ws, value=value)
                    c.data_type = "s" if value else c.data_type  # text stays text, never a formula
                if strong:
                    c.font = bold
                cells.append(c)
            ws.append(cells)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _width(value: Any, kind: str) -> int:
    """The characters a cell shows, estimated without formatting it (12 500 FCFA: digits, spaces, symbol)."""
    if isinstance(value, Decimal) and kind in ("money", "qty"):
        digits = len(str(abs(int(value))))
        return digits + (digits - 1) // 3 + (5 if kind == "money" else 0) + (value < 0)
    return len(str(value if value is not None else ""))


def _letter(i: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(i + 1)


def _sheet_name(title_: str, used: set[str]) -> str:
    base = "".join(ch for ch in title_ if ch not in "[]:*?/\\")[:28].strip() or "Feuille"
    name, n = base, 2
    while name.lower() in used:
        name, n = f"{base[:25]} {n}", n + 1
    used.add(name.lower())
    return name


# -- PDF -------------------------------------------------------------------------------------------------------
def pdf(r: Report, settings: dict[str, str] | None = None) -> bytes:
    from functions.reports.pdf import render

    return render(r, settings)
