"""Charts as inline SVG, drawn on the server: no JavaScript, readable on a 360 px phone, French numbers.

Each chart is a ``<figure>``: an ``<svg role="img">`` with a ``<title>`` and a ``<desc>``, and its table
alternative (the same figures, for screen readers and for reading exact amounts). The SVG scales to the
width it is given (``viewBox`` 360 wide, text 12 px at that width). The same ``Chart`` feeds the PDF.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from markupsafe import Markup, escape

from functions.reports import text

WIDTH = 360
COLOURS = ("#1b6b4a", "#b5462f", "#2f5f9e", "#8a6d1d")  # contrast ≥ 4.5:1 on white
_ids = itertools.count(1)


@dataclass(frozen=True)
class Chart:
    title: str
    series: tuple[str, ...]  # names of the values of each row
    rows: tuple[tuple[str, tuple[Decimal, ...]], ...]  # (label, values)
    currency: str
    short: tuple[str, ...] = ()  # labels under the bars (vertical charts), when shorter than the row labels

    @property
    def peak(self) -> Decimal:
        return max((v for _, vs in self.rows for v in vs), default=Decimal(0))


def _money(c: Chart, value: Decimal) -> str:
    return text.money(value, c.currency)


def table(c: Chart) -> Markup:
    head = "".join(f"<th scope=\"col\">{escape(s)}</th>" for s in c.series)
    body = "".join(f"<tr><th scope=\"row\">{escape(label)}</th>"
                   + "".join(f"<td>{escape(_money(c, v))}</td>" for v in values) + "</tr>"
                   for label, values in c.rows)
    return Markup(f"<details class=\"alt\"><summary>Tableau des chiffres</summary><table><thead><tr>"
                  f"<th scope=\"col\"></th>{head}</tr></thead><tbody>{body}</tbody></table></details>")


def _frame(c: Chart, height: int, inner: str, desc: str) -> Markup:
    n = next(_ids)
    legend = ""
    if len(c.series) > 1:
        legend = "".join(f"<rect x=\"{8 + i * 120}\" y=\"{height - 14}\" width=\"10\" height=\"10\" "
                         f"fill=\"{COLOURS[i]}\"/><text x=\"{22 + i * 120}\" y=\"{height - 5}\">{escape(s)}</text>"
                         for i, s in enumerate(c.series))
    svg = (f"<svg role=\"img\" aria-labelledby=\"ch{n}t ch{n}d\" viewBox=\"0 0 {WIDTH} {height}\" "
           f"width=\"100%\" font-family=\"sans-serif\" font-size=\"12\" fill=\"#222\">"
           f"<title id=\"ch{n}t\">{escape(c.title)}</title><desc id=\"ch{n}d\">{escape(desc)}</desc>"
           f"{inner}{legend}</svg>")
    return Markup(f"<figure class=\"chart\"><figcaption>{escape(c.title)}</figcaption>{svg}{table(c)}</figure>")


def _describe(c: Chart) -> str:
    if not c.rows:
        return "Aucun chiffre sur la période."
    parts = [f"{label} : " + ", ".join(f"{s} {_money(c, v)}" if len(c.series) > 1 else _money(c, v)
                                        for s, v in zip(c.series, values, strict=False))
             for label, values in c.rows[:12]]
    more = f" (et {len(c.rows) - 12} de plus)" if len(c.rows) > 12 else ""
    return " ; ".join(parts) + more


def columns(c: Chart, height: int = 200) -> Markup:
    """Vertical bars, one group per row (e.g. recettes and dépenses per day), with a value axis."""
    left, bottom, top = 40, 34 if len(c.series) > 1 else 20, 10
    plot_h = height - bottom - top - 12
    peak = c.peak or Decimal(1)
    n = max(1, len(c.rows))
    slot = (WIDTH - left - 6) / n
    bar = max(1.0, slot * 0.8 / max(1, len(c.series)))
    parts: list[str] = []
    for i in range(3):  # three grid lines: 0, half, peak
        value = peak * Decimal(i) / 2
        y = top + plot_h - float(value / peak) * plot_h
        parts.append(f"<line x1=\"{left}\" x2=\"{WIDTH - 4}\" y1=\"{y:.1f}\" y2=\"{y:.1f}\" stroke=\"#ccc\"/>"
                     f"<text x=\"{left - 4}\" y=\"{y + 4:.1f}\" text-anchor=\"end\">{escape(text.compact(value))}</text>")
    every = max(1, -(-n * 38 // (WIDTH - left)))  # a label every ``every`` slots, each ~38 px wide
    labels = c.short or tuple(label for label, _ in c.rows)
    for i, (label, values) in enumerate(c.rows):
        x0 = left + i * slot + slot * 0.1
        for j, v in enumerate(values):
            h = max(0.0, float(v / peak) * plot_h) if v > 0 else 0.0
            parts.append(f"<rect x=\"{x0 + j * bar:.1f}\" y=\"{top + plot_h - h:.1f}\" width=\"{bar:.1f}\" "
                         f"height=\"{h:.1f}\" fill=\"{COLOURS[j % len(COLOURS)]}\"><title>{escape(label)} · "
                         f"{escape(c.series[j])} : {escape(_money(c, v))}</title></rect>")
        if i % every == 0:
            x = min(left + i * slot + slot / 2, WIDTH - 18.0)  # the last label stays inside
            parts.append(f"<text x=\"{x:.1f}\" y=\"{top + plot_h + 14}\" "
                         f"text-anchor=\"middle\">{escape(labels[i])}</text>")
    return _frame(c, height, "".join(parts), _describe(c))


def bars(c: Chart) -> Markup:
    """Horizontal bars, one per row, its label above it and its amount beside it: long French labels fit."""
    row_h = 30
    height = max(40, row_h * len(c.rows) + 8)
    peak = c.peak or Decimal(1)
    parts: list[str] = []
    if not c.rows:
        parts.append("<text x=\"8\" y=\"24\">Aucun chiffre sur la période.</text>")
    for i, (label, values) in enumerate(c.rows):
        y = 4 + i * row_h
        v = values[0]
        w = max(1.0, float(v / peak) * (WIDTH - 120)) if v > 0 else 0.0
        parts.append(f"<text x=\"4\" y=\"{y + 11}\">{escape(label[:48])}</text>"
                     f"<rect x=\"4\" y=\"{y + 15}\" width=\"{w:.1f}\" height=\"10\" fill=\"{COLOURS[0]}\"/>"
                     f"<text x=\"{w + 10:.1f}\" y=\"{y + 24}\">{escape(_money(c, v))}</text>")
    return _frame(c, height, "".join(parts), _describe(c))


def trend(title: str, points: Sequence[tuple[str, Decimal]], currency: str, height: int = 90) -> Markup:
    """A small line of daily amounts (the dashboard's last 30 days), with its first and last day."""
    c = Chart(title, ("Recettes",), tuple((label, (v,)) for label, v in points), currency)
    peak = c.peak or Decimal(1)
    n = max(1, len(points) - 1)
    coords = [(6 + i * (WIDTH - 12) / n, 8 + (height - 30) * (1 - float(v / peak)) if v > 0 else height - 22.0)
              for i, (_, v) in enumerate(points)]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
    inner = (f"<line x1=\"6\" x2=\"{WIDTH - 6}\" y1=\"{height - 22}\" y2=\"{height - 22}\" stroke=\"#ccc\"/>"
             f"<polyline points=\"{line}\" fill=\"none\" stroke=\"{COLOURS[0]}\" stroke-width=\"2\"/>")
    if points:
        inner += (f"<text x=\"6\" y=\"{height - 6}\">{escape(points[0][0])}</text>"
                  f"<text x=\"{WIDTH - 6}\" y=\"{height - 6}\" text-anchor=\"end\">{escape(points[-1][0])}</text>"
                  f"<text x=\"{WIDTH - 6}\" y=\"12\" text-anchor=\"end\">max {escape(text.compact(peak))}</text>")
    return _frame(c, height, inner, _describe(c))
