"""The report as a printable A4 PDF (fpdf2): the business header, the key figures, the three charts drawn
as vector shapes (the same ``charts.Chart`` as the page) and every table of ``view.tables``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from functions.receipts.pdf import _Writer
from functions.reports import charts, text, view
from functions.reports.figures import Report

MARGIN = 14.0
COLOURS = [(27, 107, 74), (181, 70, 47), (47, 95, 158)]


class _Doc:
    """The receipt's A4 writer (fonts, Latin-1 fallback) with the report's charts and tables."""

    def __init__(self) -> None:
        self.w = _Writer("a4", 297.0)
        self.pdf = self.w.pdf
        self.pdf.set_margins(MARGIN, MARGIN, MARGIN)
        self.pdf.set_auto_page_break(True, MARGIN)
        self.pdf.set_xy(MARGIN, MARGIN)
        self.family, self.unicode = self.w.family, self.w.unicode
        self.width = self.pdf.w - 2 * MARGIN

    def text(self, value: Any) -> str:
        return self.w.text(str(value if value is not None else "").replace("\u00a0", " ") if not self.unicode
                           else value)

    def font(self, size: float, bold: bool = False) -> None:
        self.pdf.set_font(self.family, "B" if bold else "", size)

    def line(self, value: Any, size: float = 10, bold: bool = False) -> None:
        self.font(size, bold)
        self.pdf.multi_cell(self.width, size * 0.5, self.text(value), new_x="LMARGIN", new_y="NEXT")

    def room(self, height: float) -> None:
        if self.pdf.get_y() + height > self.pdf.h - MARGIN:
            self.pdf.add_page()

    def columns(self, c: charts.Chart, height: float = 55) -> None:
        self.room(height + 12)
        self.line(c.title, 11, True)
        x0, y0 = MARGIN + 18, self.pdf.get_y() + 2
        plot_w, plot_h = self.width - 20, height - 12
        peak = c.peak or Decimal(1)
        self.font(7)
        for i in range(3):
            value = peak * Decimal(i) / 2
            y = y0 + plot_h - float(value / peak) * plot_h
            self.pdf.set_draw_color(200, 200, 200)
            self.pdf.line(x0, y, x0 + plot_w, y)
            self.pdf.set_xy(MARGIN, y - 2)
            self.pdf.cell(17, 4, self.text(text.compact(value)), align="R")
        n = max(1, len(c.rows))
        slot = plot_w / n
        bar = slot * 0.8 / max(1, len(c.series))
        every = max(1, -(-n // 16))
        labels = c.short or tuple(label for label, _ in c.rows)
        for i, (_, values) in enumerate(c.rows):
            for j, v in enumerate(values):
                h = float(v / peak) * plot_h if v > 0 else 0.0
                if h:
                    self.pdf.set_fill_color(*COLOURS[j % len(COLOURS)])
                    self.pdf.rect(x0 + i * slot + slot * 0.1 + j * bar, y0 + plot_h - h, bar, h, style="F")
            if i % every == 0:
                self.pdf.set_xy(x0 + i * slot - 4, y0 + plot_h + 1)
                self.pdf.cell(slot + 8, 3.5, self.text(labels[i]), align="C")
        y = y0 + plot_h + 6
        for j, name in enumerate(c.series):
            self.pdf.set_fill_color(*COLOURS[j % len(COLOURS)])
            self.pdf.rect(x0 + j * 40, y, 3, 3, style="F")
            self.pdf.set_xy(x0 + j * 40 + 4, y - 0.5)
            self.pdf.cell(34, 4, self.text(name))
        self.pdf.set_y(y + 6)

    def bars(self, c: charts.Chart) -> None:
        self.room(10 + 7 * max(1, len(c.rows)))
        self.line(c.title, 11, True)
        peak = c.peak or Decimal(1)
        self.font(8)
        if not c.rows:
            self.line("Aucun chiffre sur la période.", 8)
        for label, values in c.rows:
            y = self.pdf.get_y() + 1
            self.pdf.set_xy(MARGIN, y)
            self.pdf.cell(55, 5, self.text(label[:40]))
            w = float(values[0] / peak) * (self.width - 100) if values[0] > 0 else 0.0
            if w:
                self.pdf.set_fill_color(*COLOURS[0])
                self.pdf.rect(MARGIN + 56, y + 1, w, 3, style="F")
            self.pdf.set_xy(MARGIN + 58 + w, y)
            self.pdf.cell(40, 5, self.text(text.money(values[0], c.currency)))
            self.pdf.set_y(y + 6)
        self.pdf.ln(2)

    def table(self, t: dict[str, Any], currency: str) -> None:
        n = len(t["headers"])
        first = min(70.0, self.width * (0.4 if n > 3 else 0.55))
        rest = (self.width - first) / max(1, n - 1)
        widths = [first] + [rest] * (n - 1)
        self.room(18)
        self.line(t["title"], 11, True)
        self.font(7.5, True)
        self.pdf.set_fill_color(221, 235, 227)
        for w, h in zip(widths, t["headers"], strict=True):
            self.pdf.cell(w, 5, self.text(h)[:40], border="B", align="L" if w == first else "R", fill=True)
        self.pdf.ln(5)
        if not t["rows"]:
            self.line("Rien sur la période.", 8)
        for row in t["rows"]:
            self.room(5)
            bold = bool(row) and row[0] in ("Total", "Résultat", "Chiffre d'affaires")
            self.font(7.5, bold)
            for i, (w, v) in enumerate(zip(widths, row, strict=True)):
                value = self.text(view.cell(v, t["kinds"][i], currency))
                while i == 0 and value and self.pdf.get_string_width(value) > w - 1:
                    value = value[:-2] + "…" if self.unicode else value[:-1]
                self.pdf.cell(w, 4.5, value, align="L" if i == 0 else "R")
            self.pdf.ln(4.5)
        self.pdf.ln(3)


def render(r: Report, settings: dict[str, str] | None = None) -> bytes:
    from functions.reports.exports import title

    d = _Doc()
    s = settings or {}
    d.line(r.business or "Rapport", 16, True)
    for key in ("address", "phone", "email"):
        if s.get(key):
            d.line(("Tél. " if key == "phone" else "") + s[key], 9)
    d.pdf.ln(1)
    d.line(title(r), 12, True)
    k = view.key_figures(r)
    d.line(f"Chiffre d'affaires {text.money(k['chiffre_affaires'], r.currency)}  ·  Dépenses "
           f"{text.money(k['depenses'], r.currency)}  ·  Résultat {text.money(k['resultat'], r.currency)}", 10)
    d.line(f"Caisse : {text.money(k['solde_debut'], r.currency)} au début, {text.money(k['solde_fin'], r.currency)} "
           f"à la fin  ·  Impayés {text.money(k['impayes'], r.currency)}", 10)
    d.pdf.ln(3)
    d.columns(view.sales_chart(r))
    d.bars(view.expenses_chart(r))
    d.bars(view.methods_chart(r))
    for t in view.tables(r):
        d.table(t, r.currency)
    return bytes(d.pdf.output())
