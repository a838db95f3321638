"""``styles.xml`` of an ``.xlsx``: the cell styles (``cellXfs``) and number formats (``numFmts``) a
written cell needs, derived from the style the cell or its column already has, added only when missing."""

from __future__ import annotations

import html
import re

from functions.store.xlsx_parts import attrs

_XF = re.compile(r"<xf\b[^>]*?(?:/>|>.*?</xf>)", re.S)
_NUMFMT = re.compile(r"<numFmt\b[^>]*/>")
BUILTIN_FORMATS = {"General": 0, "0": 1, "0.00": 2, "#,##0": 3, "#,##0.00": 4, "0%": 9, "0.00%": 10, "@": 49}


class Styles:
    """``cellXfs`` and ``numFmts`` of ``styles.xml``; derives a cell style with another number format."""

    def __init__(self, xml: str | None) -> None:
        self.xml = xml
        self.changed = False
        self.xfs: list[str] = []
        self.formats: dict[int, str] = {}
        self._derived: dict[tuple[int | None, str], int | None] = {}  # xfs only grow: a result stays right
        if xml is None:
            return
        m = re.search(r"<cellXfs\b[^>]*?(?:/>|>(.*?)</cellXfs>)", xml, re.S)
        self._xfs_span = m.span() if m else None
        self.xfs = _XF.findall(m.group(1) or "") if m else []
        n = re.search(r"<numFmts\b[^>]*?(?:/>|>(.*?)</numFmts>)", xml, re.S)
        self._fmt_span = n.span() if n else None
        for tag in _NUMFMT.findall(n.group(1) or "") if n else []:
            a = attrs(tag)
            self.formats[int(a.get("numFmtId", "0"))] = a.get("formatCode", "")

    def _format_id(self, pattern: str) -> int:
        if pattern in BUILTIN_FORMATS:
            return BUILTIN_FORMATS[pattern]
        for fid, code in self.formats.items():
            if code == pattern:
                return fid
        fid = max([163, *self.formats]) + 1
        self.formats[fid] = pattern
        self.changed = True
        return fid

    def derive(self, base: int | None, pattern: str | None) -> int | None:
        """Index of a style like ``base`` whose number format is ``pattern`` (added when missing)."""
        if pattern is None or self.xml is None or not self.xfs or self._xfs_span is None:
            return base
        if (base, pattern) not in self._derived:
            self._derived[(base, pattern)] = self._derive(base, pattern)
        return self._derived[(base, pattern)]

    def _derive(self, base: int | None, pattern: str) -> int | None:
        xf = self.xfs[base] if base is not None and base < len(self.xfs) else self.xfs[0]
        end = xf.index(">")
        cut = end - 1 if xf[end - 1] == "/" else end
        fid = self._format_id(pattern)
        if base is not None and base < len(self.xfs) and attrs(xf[:cut]).get("numFmtId", "0") == str(fid):
            return base
        head = re.sub(r'\s(numFmtId|applyNumberFormat)="[^"]*"', "", xf[:cut]).rstrip()
        wanted = f'{head} numFmtId="{fid}" applyNumberFormat="1"{xf[cut:]}'
        if base is not None and base < len(self.xfs) and _same_xf(self.xfs[base], wanted):
            return base
        for i, other in enumerate(self.xfs):
            if _same_xf(other, wanted):
                return i
        self.xfs.append(wanted)
        self.changed = True
        return len(self.xfs) - 1

    def render(self) -> str:
        assert self.xml is not None and self._xfs_span is not None
        xml = self.xml
        a, b = self._xfs_span
        xml = xml[:a] + f'<cellXfs count="{len(self.xfs)}">' + "".join(self.xfs) + "</cellXfs>" + xml[b:]
        customs = "".join(
            f'<numFmt numFmtId="{fid}" formatCode="{html.escape(code)}"/>' for fid, code in sorted(self.formats.items())
        )
        block = f'<numFmts count="{len(self.formats)}">{customs}</numFmts>'
        if self._fmt_span is not None:
            a, b = self._fmt_span
            return xml[:a] + block + xml[b:]
        m = re.search(r"<styleSheet\b[^>]*>", xml)
        assert m is not None
        return xml[: m.end()] + block + xml[m.end() :]


def _same_xf(a: str, b: str) -> bool:
    return a == b or (attrs(a[: a.index(">")]) == attrs(b[: b.index(">")]) and a[a.index(">") :] == b[b.index(">") :])
