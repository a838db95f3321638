"""Compressing a rewritten sheet part without deflating, or even inflating, the rows that did not change.

A zip member is one raw deflate stream, and a deflate stream may be made of pieces compressed apart, each but
the last ended by a sync flush (byte-aligned, no back-reference across it): every inflater reads them as one.
So when the xlsx backend rewrites a part it compresses three pieces — the head (up to ``<sheetData>``, which
carries the dimension), the rows kept verbatim at the start of the sheet data (the "middle"), the rest — and
keeps, for the part it wrote, the head's and the rest's text and the middle's compressed length, size and
CRC-32 (``Packed``). The next write of that part that only touches rows after the middle (an append) needs
neither the middle's text nor its inflation: it copies the middle's compressed bytes from the file as they
are, and compresses only the new head, the old rest's rows and the new rest. The member's CRC-32 is combined
from the pieces' (``crc32_combine``, zlib's algorithm), and ``Packed`` is used only while the file still holds
that very part (CRC and sizes, checked again against the combined CRC).
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

from functions.store.backend import Cell

LEVEL = 1  # fast deflate (level 6 costs ~3x the time for ~15% smaller parts)
REST_MAX = 256 * 1024  # characters of rows kept as text after the middle (the rest is compressed once, joining it)
_POLY = 0xEDB88320  # CRC-32 (reflected)
_ROW_R = re.compile(r"<row\b[^>]*?\br=\"(\d+)\"")


def _multmodp(a: int, b: int) -> int:
    """a(x) * b(x) modulo the CRC-32 polynomial (both reflected): zlib's ``multmodp``."""
    m, p = 1 << 31, 0
    while True:
        if a & m:
            p ^= b
            if a & (m - 1) == 0:
                return p
        m >>= 1
        b = (b >> 1) ^ _POLY if b & 1 else b >> 1


def _x2n_table() -> list[int]:
    p, out = 1 << 30, []  # x^1
    for _ in range(32):
        out.append(p)
        p = _multmodp(p, p)
    return out


_X2N = _x2n_table()  # x^(2^n) modulo the polynomial


def crc32_combine(crc1: int, crc2: int, len2: int) -> int:
    """The CRC-32 of ``A + B`` from ``crc32(A)``, ``crc32(B)`` and ``len(B)`` (zlib's ``crc32_combine``)."""
    p, k = 1 << 31, 3  # x^0; a byte is 2^3 bits
    while len2:
        if len2 & 1:
            p = _multmodp(_X2N[k & 31], p)
        len2 >>= 1
        k += 1
    return _multmodp(p, crc1) ^ crc2


@dataclass(frozen=True)
class Packed:
    """A sheet part as this backend wrote it: pieces ``head``, the middle (compressed in the file only), ``rest``."""

    head: str  # the part's text up to its rows (the sheetData opening included)
    rest: str  # the rows after the middle, and the end of the part
    head_c: int  # compressed length of the head's piece
    mid_c: int  # compressed length of the middle's pieces
    mid_len: int  # the middle's uncompressed length (bytes)
    mid_crc: int  # the middle's CRC-32
    mid_last: int  # the number of the middle's last row (0: it has none)
    mid_filled: int  # the number of the middle's last row holding a value (0: none)
    header: tuple[Cell, ...] | None  # row 1 when it is in the middle (for an append's outline), else None
    rest_c: int = 0  # compressed length of the rest's piece (the member's last)

    def takes(self, first_row: int) -> bool:
        """Whether a rewrite whose first edited row is ``first_row`` leaves the middle as it is."""
        return first_row > self.mid_last


def _piece(data: bytes, final: bool) -> bytes:
    c = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush(zlib.Z_FINISH if final else zlib.Z_SYNC_FLUSH)


def _rows_span(text: str) -> tuple[int, int]:
    """(the number of the last ``<row`` of ``text``, that of the last one holding a value); 0 when none;
    -1 when a row has no number (the fast path is then refused)."""
    last = text.rfind("<row")
    if last < 0:
        return 0, 0
    m = _ROW_R.match(text, last)
    if m is None:
        return -1, -1
    end = len(text)
    filled = 0
    while (p := text.rfind("<row", 0, end)) >= 0:
        close = text.find("</row>", p, end)
        if close > 0 and re.search(r"<v>[^<]|<t\b[^>]*>[^<]", text[p:close]):
            r = _ROW_R.match(text, p)
            filled = int(r.group(1)) if r else -1
            break
        end = p
    return int(m.group(1)), filled


def pack(head: str, middle: str, rest: str, header: tuple[Cell, ...] | None) -> tuple[list[bytes], int, int, Packed]:
    """(raw deflate data in pieces, CRC-32, uncompressed size, what to keep) of the part ``head + middle + rest``,
    all compressed here (the part as the file held it was not one this backend wrote). ``header``: row 1's
    cells, kept for the next append's outline when the middle holds it."""
    mid = middle.encode("utf-8")
    mid_piece = _piece(mid, False)
    last, filled = _rows_span(middle)
    return _assemble(head, [mid_piece], len(mid_piece), len(mid), zlib.crc32(mid), last, filled, rest, header)


def pack_after(before: Packed, middle: memoryview, head: str, extra: str, rest: str,
               header: tuple[Cell, ...] | None) -> tuple[list[bytes], int, int, Packed]:
    """``pack`` of the part ``head + <before's middle> + extra + rest``: the middle is ``before``'s compressed
    bytes as the file holds them (``middle``), never inflated; ``extra`` (rows of the old rest that stay) joins it."""
    pieces: list[bytes] = [middle]  # type: ignore[list-item]  # written as they are
    mid_c, mid_len, mid_crc = before.mid_c, before.mid_len, before.mid_crc
    last, filled = before.mid_last, before.mid_filled
    if extra:
        raw = extra.encode("utf-8")
        piece = _piece(raw, False)
        pieces.append(piece)
        mid_c += len(piece)
        mid_len += len(raw)
        mid_crc = crc32_combine(mid_crc, zlib.crc32(raw), len(raw))
        e_last, e_filled = _rows_span(extra)
        if e_last < 0:
            last = filled = -1  # a row without a number: this part is never taken again (see ``holds``)
        elif e_last:
            last, filled = e_last, e_filled or filled
    return _assemble(head, pieces, mid_c, mid_len, mid_crc, last, filled, rest, header)


def _assemble(head: str, mid: list[bytes], mid_c: int, mid_len: int, mid_crc: int, last: int, filled: int,
              rest: str, header: tuple[Cell, ...] | None) -> tuple[list[bytes], int, int, Packed]:
    end = rest.rfind("</sheetData>")
    cut = rest.find("<row", max(0, end - REST_MAX), end) if end > REST_MAX else -1
    if cut > 0:  # a long rest (an update far from the end, a bulk append): its first rows join the middle
        moved, rest = rest[:cut], rest[cut:]
        raw = moved.encode("utf-8")
        piece = _piece(raw, False)
        mid = [*mid, piece]
        mid_c, mid_len = mid_c + len(piece), mid_len + len(raw)
        mid_crc = crc32_combine(mid_crc, zlib.crc32(raw), len(raw))
        m_last, m_filled = _rows_span(moved)
        if m_last < 0 or last < 0:
            last = filled = -1
        elif m_last:
            last, filled = m_last, m_filled or filled
    header = header if last > 0 else None  # kept when row 1 is in the middle (else the outline reads it)
    h, r = head.encode("utf-8"), rest.encode("utf-8")
    head_piece, rest_piece = _piece(h, False), _piece(r, True)
    crc = crc32_combine(crc32_combine(zlib.crc32(h), mid_crc, mid_len), zlib.crc32(r), len(r))
    kept = Packed(head, rest, len(head_piece), mid_c, mid_len, mid_crc, last, filled, header, len(rest_piece))
    return [head_piece, *mid, rest_piece], crc, len(h) + mid_len + len(r), kept


def holds(packed: Packed, crc: int, size: int, compress_size: int) -> bool:
    """Whether a member of that CRC-32 and sizes is the part ``packed`` describes (its pieces add up)."""
    h, r = packed.head.encode("utf-8"), packed.rest.encode("utf-8")
    if packed.mid_last < 0 or len(h) + packed.mid_len + len(r) != size:
        return False
    if packed.head_c + packed.mid_c + packed.rest_c != compress_size:
        return False
    return crc32_combine(crc32_combine(zlib.crc32(h), packed.mid_crc, packed.mid_len), zlib.crc32(r), len(r)) == crc
