"""Compressing a rewritten sheet part without deflating again the rows that did not change.

A zip member is one raw deflate stream, and a deflate stream may be made of pieces compressed apart, each but
the last ended by a sync flush (byte-aligned, no back-reference across it): every inflater reads them as one.
So when the xlsx backend rewrites a part it compresses three pieces — the head (up to ``<sheetData>``, which
carries the dimension), the rows kept verbatim at the start of the sheet data, the rest — and keeps, for the
part it wrote, its text and the kept rows' bytes and compressed pieces. The next write of that part (an append:
the kept rows are all but the last few) compresses only what follows what it already holds. The CRC-32 runs
over every byte as before; the cache is used only while the file still holds that very part (CRC and sizes).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

LEVEL = 1  # fast deflate (level 6 costs ~3x the time for ~15% smaller parts)


@dataclass(frozen=True)
class Packed:
    """A part as written: its text, and what is known of its first rows."""

    xml: str
    head_len: int  # characters of ``xml`` before the rows
    kept: int  # how many characters of the rows ``raw`` and ``packed`` hold
    raw: tuple[bytes, ...]  # those characters in UTF-8, in pieces
    packed: tuple[bytes, ...]  # each piece deflated, sync-flushed (no final block)


def _piece(data: bytes, final: bool) -> bytes:
    c = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush(zlib.Z_FINISH if final else zlib.Z_SYNC_FLUSH)


def pack(xml: str, head: str, lo: int, hi: int, rest: str, before: Packed | None
         ) -> tuple[list[bytes], int, int, Packed]:
    """(raw deflate data in pieces, CRC-32, uncompressed size, what to keep) of the part ``head + xml[lo:hi] +
    rest``. ``before`` is what the previous write of this part kept, for ``xml`` (or None): its compressed start
    is reused when ``xml`` is the very text it kept and the rows kept now run past it."""
    if before is not None and xml is before.xml and lo == before.head_len and hi - lo >= before.kept:
        extra = xml[lo + before.kept : hi].encode("utf-8")
        raw, packed = before.raw + (extra,), before.packed + (_piece(extra, False),)
    else:
        first = xml[lo:hi].encode("utf-8")
        raw, packed = (first,), (_piece(first, False),)
    h, r = head.encode("utf-8"), rest.encode("utf-8")
    crc = zlib.crc32(h)
    for chunk in raw:
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(r, crc)
    size = len(h) + sum(len(c) for c in raw) + len(r)
    kept = Packed(head + xml[lo:hi] + rest, len(head), hi - lo, raw, packed)
    return [_piece(h, False), *packed, _piece(r, True)], crc, size, kept
