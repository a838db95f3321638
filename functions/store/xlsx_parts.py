"""The parts of an ``.xlsx`` package the xlsx backend rewrites, by string splicing (no full XML parse).

An ``.xlsx`` is a zip of XML parts, one per tab. A write rewrites only the sheet parts of the touched
tabs (and ``styles.xml`` when a cell needs a number format the workbook lacks) and copies every other
member's compressed bytes unchanged. Text is written as inline strings, so ``sharedStrings.xml`` is
never touched; ``\\r`` and characters XML cannot hold are escaped the OOXML way (``&#13;``, ``_xHHHH_``).
Rows are located by their ``r`` attribute, so gaps left by a person's deletions are fine.
"""

from __future__ import annotations

import copy
import html
import math
import posixpath
import re
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from functions.errors import InvalidInputError, WorkbookCorruptError
from functions.store.backend import Cell

if TYPE_CHECKING:
    from functions.store.xlsx_styles import Styles

_ATTR = re.compile(r"([\w:.-]+)\s*=\s*(\"[^\"]*\"|'[^']*')")
_ROW = re.compile(r"<row\b[^>]*?(?:/>|>.*?</row>)", re.S)
_CELL = re.compile(r"<c\b[^>]*?(?:/>|>.*?</c>)", re.S)
_ROW_R = re.compile(r"\br=\"(\d+)\"")
_OOXML_ESCAPE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
EPOCH = datetime(1899, 12, 30)
DEFAULT_PATTERNS = {datetime: "dd/mm/yyyy hh:mm:ss", date: "dd/mm/yyyy", time: "hh:mm"}
REL_SHEET = "/worksheet"
REL_STYLES = "/styles"
REL_SHARED = "/sharedStrings"
_HAS_VALUE = re.compile(r"<v>[^<]|<t\b[^>]*>[^<]")
_TEXT = re.compile(r"<t\b[^>]*?(?:/>|>(.*?)</t>)", re.S)
_SI = re.compile(r"<si\b[^>]*?(?:/>|>(.*?)</si>)", re.S)
_UNESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def attrs(tag: str) -> dict[str, str]:
    """Attributes of one start tag, unescaped (prefixes kept: ``r:id``)."""
    return {k: html.unescape(v[1:-1]) for k, v in _ATTR.findall(tag)}


def col_letter(index: int) -> str:
    """1-based column index to letters (1 -> A, 27 -> AA)."""
    out = ""
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


# -- the package ---------------------------------------------------------------------------------------

@dataclass
class Package:
    """Member names and the part of each tab, read from the zip's relationships."""

    zf: zipfile.ZipFile
    sheets: dict[str, str] = field(default_factory=dict)  # title -> member name
    main: str = "xl/workbook.xml"
    styles: str | None = None
    shared: str | None = None
    _strings: list[str] | None = None

    def text(self, name: str) -> str:
        return self.zf.read(name).decode("utf-8")

    def strings(self) -> list[str]:
        """The shared strings (parsed on first use: files saved by LibreOffice or Excel use them)."""
        if self._strings is None:
            xml = self.text(self.shared) if self.shared else ""
            self._strings = [_rich_text(m.group(1) or "") for m in _SI.finditer(xml)]
        return self._strings


def _rels(zf: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """Relationship id -> (type, target member name) of ``part``."""
    folder, base = posixpath.split(part)
    name = posixpath.join(folder, "_rels", base + ".rels")
    if name not in zf.NameToInfo:
        return {}
    out = {}
    for tag in re.findall(r"<Relationship\b[^>]*>", zf.read(name).decode("utf-8")):
        a = attrs(tag)
        target = a.get("Target", "")
        target = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        out[a.get("Id", "")] = (a.get("Type", ""), target)
    return out


def open_package(zf: zipfile.ZipFile) -> Package:
    main = next((t for typ, t in _rels(zf, "").values() if typ.endswith("/officeDocument")), "xl/workbook.xml")
    try:
        workbook = zf.read(main).decode("utf-8")
    except KeyError as exc:
        raise WorkbookCorruptError() from exc
    rels = _rels(zf, main)
    pkg = Package(zf, main=main)
    for tag in re.findall(r"<(?:\w+:)?sheet\b[^>]*>", workbook):
        a = attrs(tag)
        rid = next((v for k, v in a.items() if k == "id" or k.endswith(":id")), "")
        typ, target = rels.get(rid, ("", ""))
        if typ.endswith(REL_SHEET) and target in zf.NameToInfo:
            pkg.sheets[a.get("name", "")] = target
    pkg.styles = next((t for typ, t in rels.values() if typ.endswith(REL_STYLES) and t in zf.NameToInfo), None)
    pkg.shared = next((t for typ, t in rels.values() if typ.endswith(REL_SHARED) and t in zf.NameToInfo), None)
    return pkg


def member_data(src: bytes, info: zipfile.ZipInfo) -> memoryview:
    """One member's compressed bytes in the file ``src`` (not copied)."""
    off = info.header_offset
    name_len, extra_len = struct.unpack("<HH", src[off + 26 : off + 30])
    start = off + 30 + name_len + extra_len
    return memoryview(src)[start : start + info.compress_size]


def copy_member(src: bytes, info: zipfile.ZipInfo, out: zipfile.ZipFile) -> None:
    """Copy one member's compressed bytes as they are (no inflate/deflate)."""
    zi = copy.copy(info)
    zi.flag_bits &= ~0x08  # sizes and CRC go in the local header: no data descriptor
    put_member(out, zi, member_data(src, info))


def put_member(out: zipfile.ZipFile, zi: zipfile.ZipInfo, *payload: bytes | memoryview) -> None:
    """Write a member whose compressed bytes (in pieces), CRC and sizes are already known (``zi`` says them)."""
    assert out.fp is not None
    zi.header_offset = out.fp.tell()
    out.fp.write(zi.FileHeader(False))
    for piece in payload:
        out.fp.write(piece)
    out.filelist.append(zi)
    out.NameToInfo[zi.filename] = zi
    out.start_dir = out.fp.tell()  # type: ignore[attr-defined]


# -- cells ---------------------------------------------------------------------------------------------

def escape_text(text: str) -> str:
    text = _OOXML_ESCAPE.sub(r"_x005F_\1", text)
    text = _NOT_XML.sub(lambda m: f"_x{ord(m.group()):04X}_", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def serial(value: date | datetime | time) -> str:
    """Spreadsheet serial number (1900 system) of a date, datetime or time."""
    if isinstance(value, datetime):
        delta = value.replace(tzinfo=None) - EPOCH
        return repr(delta.days + (delta.seconds + delta.microseconds / 1e6) / 86400)
    if isinstance(value, date):
        return str((value - EPOCH.date()).days)
    return repr((value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6) / 86400)


def cell_xml(ref: str, value: Cell, style: int | None) -> str:
    s = f' s="{style}"' if style else ""
    if value is None or value == "":
        return f'<c r="{ref}"{s}/>' if style else ""
    if isinstance(value, str):
        return f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">{escape_text(value)}</t></is></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int):
        return f'<c r="{ref}"{s}><v>{value}</v></c>'
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise InvalidInputError(f"Nombre invalide en {ref} : {value}.")
        return f'<c r="{ref}"{s}><v>{format(value, "f")}</v></c>'
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidInputError(f"Nombre invalide en {ref} : {value}.")
        return f'<c r="{ref}"{s}><v>{value!r}</v></c>'
    if isinstance(value, (date, time)):
        return f'<c r="{ref}"{s}><v>{serial(value)}</v></c>'
    if isinstance(value, timedelta):
        return f'<c r="{ref}"{s}><v>{value.total_seconds() / 86400!r}</v></c>'
    raise InvalidInputError(f"Valeur non prise en charge en {ref} : {value!r}.")


def pattern_for(value: Cell, pattern: str | None) -> str | None:
    """The number format a written cell needs: the op's, else a default for dates and times."""
    if isinstance(value, (bool, str)) or value is None:
        return None
    if pattern:
        return pattern
    for kind, default in DEFAULT_PATTERNS.items():
        if isinstance(value, kind):
            return default
    return None


# -- sheets --------------------------------------------------------------------------------------------

@dataclass
class SheetEdit:
    """What a write does to one tab: cells to set, by 1-based row and column, with a number format."""

    replaced: bool = False  # every row below the header is dropped first (ReplaceTab)
    cells: dict[int, dict[int, tuple[Cell, str | None]]] = field(default_factory=dict)

    def set(self, row: int, col: int, value: Cell, pattern: str | None = None) -> None:
        self.cells.setdefault(row, {})[col] = (value, pattern)


def _row_number(body: str, start: int) -> int | None:
    m = _ROW_R.search(body, start, body.index(">", start))
    return int(m.group(1)) if m else None


def _seek(body: str, target: int, lo: int = 0, hi: int | None = None) -> int:
    """A row start at or before row ``target`` in ``body[lo:hi]`` (rows are sorted by ``r``): a bisection, not
    a scan; ``lo`` when there is none before."""
    hi = len(body) if hi is None else hi
    first = best = lo
    while hi - lo > 2048:
        mid = (lo + hi) // 2
        p = body.find("<row", mid, hi)
        if p < 0:
            hi = mid
            continue
        r = _row_number(body, p)
        if r is None:
            return first
        if r < target:
            lo = best = p
        else:
            hi = mid
    return best


class _SheetWriter:
    def __init__(self, head: str, edit: SheetEdit, styles: Styles) -> None:
        self.edit = edit
        self.styles = styles
        self.col_styles = []
        for tag in re.findall(r"<col\b[^>]*>", head):
            a = attrs(tag)
            if a.get("style", "0") != "0":
                self.col_styles.append((int(a.get("min", "0")), int(a.get("max", "0")), int(a["style"])))
        self.max_col = 0

    def col_style(self, col: int) -> int | None:
        return next((s for lo, hi, s in self.col_styles if lo <= col <= hi), None)

    def cells_xml(self, r: int, cells: dict[int, str], bases: dict[int, int | None]) -> str:
        for col, (value, pattern) in self.edit.cells[r].items():
            self.max_col = max(self.max_col, col)
            base = bases[col] if col in bases else self.col_style(col)
            xml = cell_xml(f"{col_letter(col)}{r}", value, self.styles.derive(base, pattern_for(value, pattern)))
            if xml:
                cells[col] = xml
            else:
                cells.pop(col, None)
        return "".join(cells[c] for c in sorted(cells))

    def new_row(self, r: int) -> str:
        inner = self.cells_xml(r, {}, {})
        return f'<row r="{r}">{inner}</row>' if inner else ""

    def merge_row(self, row: str, r: int) -> str:
        end = row.index(">")
        closed = row[end - 1] == "/"
        tag = re.sub(r'\s(spans|r)="[^"]*"', "", row[: end - 1 if closed else end])
        inner = "" if closed else row[end + 1 : -len("</row>")]
        a = attrs(tag)
        row_style = int(a["s"]) if a.get("customFormat") in ("1", "true") and "s" in a else None
        cells: dict[int, str] = {}
        bases: dict[int, int | None] = {}
        prev = 0
        for m in _CELL.finditer(inner):
            c = m.group()
            ref = re.search(r'\br="([A-Z]+)\d*"', c[: c.index(">")])
            col = col_index(ref.group(1)) if ref else prev + 1
            if not ref:
                c = f'<c r="{col_letter(col)}{r}"' + c[2:]
            prev = col
            cells[col] = c
            s = re.search(r'\ss="(\d+)"', c[: c.index(">")])
            bases[col] = int(s.group(1)) if s else None
        for col in self.edit.cells[r]:
            if col not in bases:
                bases[col] = row_style if row_style is not None else self.col_style(col)
        inner = self.cells_xml(r, cells, bases)
        return f'<row r="{r}"{tag[4:]}>{inner}</row>'


def _sheet_bounds(xml: str) -> tuple[int, int, str | None]:
    """(where the rows start, where they end, the replacement of an empty ``<sheetData/>`` or None)."""
    m = re.compile(r"<sheetData\s*/>|<sheetData\b[^>]*>").search(xml, max(0, xml.find("<sheetData")))
    if m is None:
        raise WorkbookCorruptError("Onglet illisible : aucune zone de données (sheetData).")
    if m.group().endswith("/>"):
        return m.start(), m.start(), None
    close = xml.rfind("</sheetData>")
    if close < m.end():
        raise WorkbookCorruptError("Onglet illisible : zone de données (sheetData) incomplète.")
    return m.end(), close, m.group()


def _split_sheet(xml: str) -> tuple[str, str, str]:
    """(everything up to ``<sheetData>``, the rows, ``</sheetData>`` and what follows)."""
    start, end, opening = _sheet_bounds(xml)
    if opening is None:
        return xml[:start] + "<sheetData>", "", "</sheetData>" + xml[xml.index("/>", start) + 2 :]
    return xml[:start], xml[start:end], xml[end:]


def rewrite_sheet(xml: str, edit: SheetEdit, styles: Styles) -> str:
    """The sheet part with ``edit`` applied; untouched rows are copied as they are."""
    head, lo, hi, rest = rewrite_sheet_split(xml, edit, styles)
    return head + xml[lo:hi] + rest


def rewrite_sheet_split(xml: str, edit: SheetEdit, styles: Styles, scan_all: bool = False
                        ) -> tuple[str, int, int, str]:
    """``rewrite_sheet`` as (the new part up to its rows, ``lo``, ``hi``, the rest): ``xml[lo:hi]``, the rows
    before the first edited one (found by bisection unless ``scan_all``: rows without ``r`` need counting),
    stay verbatim, without being copied here; the writer reuses what it compressed of them last time."""
    lo, end, opening = _sheet_bounds(xml)
    if opening is None:  # <sheetData/>: no rows
        head, tail = xml[:lo] + "<sheetData>", "</sheetData>" + xml[xml.index("/>", lo) + 2 :]
    else:
        head, tail = xml[:lo], xml[end:]
    writer = _SheetWriter(head, edit, styles)
    targets = sorted(edit.cells)
    start = lo if scan_all else _seek(xml, 2 if edit.replaced else (targets[0] if targets else 1), lo, end)
    out: list[str] = []
    pos, prev, t = start, 0, 0
    for row in _ROW.finditer(xml, start, end):
        if t == len(targets) and not edit.replaced:
            break
        r = _row_number(xml, row.start())
        if r is None and start > lo:
            return rewrite_sheet_split(xml, edit, styles, scan_all=True)
        r = prev + 1 if r is None else r
        prev = r
        out.append(xml[pos : row.start()])
        pos = row.end()
        while t < len(targets) and targets[t] < r:
            out.append(writer.new_row(targets[t]))
            t += 1
        if t < len(targets) and targets[t] == r:
            out.append(writer.new_row(r) if edit.replaced and r >= 2 else writer.merge_row(row.group(), r))
            t += 1
        elif not (edit.replaced and r >= 2):
            out.append(row.group())
    out.append(xml[pos:end])
    out.extend(writer.new_row(r) for r in targets[t:])
    rest = "".join(out)
    last = rest.rfind("<row")
    last_row = (_row_number(rest, last) or 1) if last >= 0 else None
    if last_row is None:
        last = xml.rfind("<row", lo, start)
        last_row = (_row_number(xml, last) or 1) if last >= 0 else 1
    head = _dimension(head, last_row, writer.max_col)
    return head, lo, start, rest + tail


def _dimension(head: str, last_row: int, max_col: int) -> str:
    m = re.search(r'<dimension\b[^>]*?ref="([A-Z]*)\d*(?::([A-Z]+)\d+)?"[^>]*/>', head)
    if m is None:
        return head
    cols = max(col_index(m.group(2) or m.group(1) or "A"), max_col, 1)
    return head[: m.start()] + f'<dimension ref="A1:{col_letter(cols)}{last_row}"/>' + head[m.end() :]


# -- what an append needs, without parsing the whole sheet ----------------------------------------------

def _rich_text(xml: str) -> str:
    """Text of an ``<si>`` or ``<is>`` element: its ``<t>`` runs (phonetic runs left out), unescaped."""
    xml = re.sub(r"<rPh\b.*?</rPh>", "", xml, flags=re.S)
    text = html.unescape("".join(m.group(1) or "" for m in _TEXT.finditer(xml)))
    return _UNESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def _cell_value(cell: str, strings: Callable[[], list[str]]) -> Cell:
    end = cell.index(">")
    kind = attrs(cell[:end]).get("t", "n")
    if kind == "inlineStr":
        return _rich_text(cell[end:]) or None
    v = re.search(r"<v>(.*?)</v>", cell, re.S)
    if v is None:
        return None
    raw = html.unescape(v.group(1))
    if kind == "s":
        shared = strings()
        return (shared[int(raw)] if int(raw) < len(shared) else "") or None
    if kind in ("str", "e"):
        return raw or None
    if kind == "b":
        return raw.strip() in ("1", "true")
    number = float(raw)
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def append_outline(xml: str, strings: Callable[[], list[str]]) -> tuple[list[Cell], int] | None:
    """Header cells (row 1) and the number of the last row holding a value, read from the sheet part
    without parsing its other rows; None when the part is unusual (rows without ``r``): parse it all."""
    body = _split_sheet(xml)[1]
    header: list[Cell] = []
    first = _ROW.search(body)
    first_row = _row_number(body, first.start()) if first is not None else 1
    if first_row is None:
        return None
    if first is not None and first_row == 1:
        prev = 0
        for c in _CELL.finditer(first.group()):
            ref = re.search(r'\br="([A-Z]+)\d*"', c.group()[: c.group().index(">")])
            col = col_index(ref.group(1)) if ref else prev + 1
            prev = col
            header.extend([None] * (col - len(header)))
            header[col - 1] = _cell_value(c.group(), strings)
    while header and header[-1] is None:
        header.pop()
    last = _last_row(body)
    return None if last is None else (header, last)


def _last_row(body: str) -> int | None:
    end = len(body)
    while (p := body.rfind("<row", 0, end)) >= 0:
        close = body.find("</row>", p, end)
        if _HAS_VALUE.search(body, p, end if close < 0 else close):
            return _row_number(body, p)
        end = p
    return 1
