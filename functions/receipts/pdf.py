"""The receipt as a PDF (fpdf2: pure Python, no system service): A4 pages, or one 80 mm / 58 mm roll.

A roll receipt is one page as long as its content: it is laid out once on a very long page to measure
it, then again on a page of that height. The QR code is drawn as vector squares (sharp on any printer).
Text uses DejaVu Sans when the system has it, else the PDF core font Helvetica (Latin-1).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from functions.receipts.render import qr_matrix, qty
from functions.templating import day, money

WIDTHS = {"a4": 210.0, "80mm": 80.0, "58mm": 58.0}
MARGINS = {"a4": 15.0, "80mm": 4.0, "58mm": 3.0}
FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/share/fonts/TTF")
LATIN1 = {"€": "EUR", "−": "-", "—": "-", "–": "-", "’": "'", "…": "...", "\u202f": " ", "·": "-", "×": "x"}


def _font_path() -> Path | None:
    for folder in FONT_DIRS:
        regular, bold = Path(folder, "DejaVuSans.ttf"), Path(folder, "DejaVuSans-Bold.ttf")
        if regular.exists() and bold.exists():
            return Path(folder)
    return None


class _Writer:
    def __init__(self, fmt: str, height: float) -> None:
        from fpdf import FPDF

        self.fmt = fmt
        self.width = WIDTHS[fmt]
        self.margin = MARGINS[fmt]
        self.pdf = FPDF(unit="mm", format=(self.width, height))
        self.pdf.set_margins(self.margin, self.margin, self.margin)
        self.pdf.set_auto_page_break(fmt == "a4", self.margin)
        self.pdf.set_creator("TTR Gestion")
        folder = _font_path()
        self.unicode = folder is not None
        if folder is not None:
            self.pdf.add_font("DejaVu", "", str(folder / "DejaVuSans.ttf"))
            self.pdf.add_font("DejaVu", "B", str(folder / "DejaVuSans-Bold.ttf"))
            self.family = "DejaVu"
        else:
            self.family = "helvetica"
        self.base = {"a4": 10.0, "80mm": 8.5, "58mm": 7.0}[fmt]
        self.pdf.add_page()

    @property
    def inner(self) -> float:
        return self.width - 2 * self.margin

    def text(self, value: Any) -> str:
        s = str(value if value is not None else "")
        if self.unicode:
            return s
        for a, b in LATIN1.items():
            s = s.replace(a, b)
        return s.encode("latin-1", "replace").decode("latin-1")

    def font(self, scale: float = 1.0, bold: bool = False) -> float:
        size = self.base * scale
        self.pdf.set_font(self.family, "B" if bold else "", size)
        return size * 0.45  # line height in mm

    def para(self, value: Any, scale: float = 1.0, bold: bool = False, align: str = "L") -> None:
        h = self.font(scale, bold)
        self.pdf.multi_cell(self.inner, h, self.text(value), align=align, new_x="LMARGIN", new_y="NEXT")

    def pair(self, left: Any, right: Any, scale: float = 1.0, bold: bool = False) -> None:
        h = self.font(scale, bold)
        right_text = self.text(right)
        rw = min(self.pdf.get_string_width(right_text) + 1, self.inner * 0.6)
        y = self.pdf.get_y()
        self.pdf.multi_cell(self.inner - rw, h, self.text(left), new_x="LMARGIN", new_y="NEXT")
        end = self.pdf.get_y()
        self.pdf.set_xy(self.margin + self.inner - rw, y)
        self.pdf.cell(rw, h, right_text, align="R", new_x="LMARGIN", new_y="NEXT")
        self.pdf.set_y(max(end, self.pdf.get_y()))

    def meta(self, items: list[tuple[str, Any]]) -> None:
        """The label/value pairs that have a value, then a rule."""
        for label, value in items:
            if value:
                self.pair(label, value, 0.95)
        self.rule(3)

    def rule(self, gap: float = 1.5) -> None:
        y = self.pdf.get_y() + gap / 2
        self.pdf.line(self.margin, y, self.margin + self.inner, y)
        self.pdf.set_y(y + gap / 2)

    def qr(self, url: str, size: float) -> None:
        matrix = qr_matrix(url)
        n = len(matrix)
        cell = size / n
        x0 = self.margin + (self.inner - size) / 2
        y0 = self.pdf.get_y() + 1
        if self.fmt == "a4" and y0 + size > self.pdf.h - self.margin:
            self.pdf.add_page()
            y0 = self.pdf.get_y()
        self.pdf.set_fill_color(0, 0, 0)
        for r, row in enumerate(matrix):
            c = 0
            while c < n:
                if row[c]:
                    start = c
                    while c < n and row[c]:
                        c += 1
                    self.pdf.rect(x0 + start * cell, y0 + r * cell, (c - start) * cell, cell, style="F")
                else:
                    c += 1
        self.pdf.set_y(y0 + size + 1)


def line_parts(line: dict[str, Any], cur: str) -> tuple[str, str, str]:
    """(quantity, `` × unit price``, total) of a document line, as printed."""
    total = money(line["total"], cur) if line["total"] is not None else ""
    price = f" × {money(line['unit_price'], cur)}" if line["unit_price"] is not None else ""
    return qty(line["quantity"]), price, total


def _layout(w: _Writer, v: dict[str, Any]) -> None:
    cur = v["currency"]
    center = "L" if w.fmt == "a4" else "C"
    b = v["business"]
    if v.get("replaced"):
        r = v["replaced"]
        w.para(f"Ce reçu a été remplacé par le reçu {r['number']}" + (f" du {day(r['on'])}" if r.get("on") else "")
               + f" : {r['url']}", 0.9, True, center)
    if v.get("live"):
        w.para("Relevé en direct : la situation du compte au moment de l'impression.", 0.85, align=center)
    w.para(b["name"], 1.5, True, center)
    for key in ("type", "address", "phone", "email", "website"):
        if b.get(key):
            w.para(("Tél. " if key == "phone" else "") + b[key], 0.9, align=center)
    w.rule(3)
    w.para(v["title"].upper(), 1.25, True, center)
    w.para(v["number"], 1.1, True, center)
    meta = [("Situation au" if v["kind"] == "statement" else "Date", day(v["when"]) if v["when"] else ""),
            ("Référence", v["reference"]), ("Pour", v.get("prestation") or ""), ("Facture", v.get("invoice") or ""),
            ("Client", (v["client"] or {}).get("name", "")), ("Moyen", v.get("method") or ""),
            ("Réf. transaction", v.get("payment_reference") or ""),
            ("Statut", v["status"]), ("Caissier", v["cashier"])]
    w.meta(meta)
    for line in v["lines"]:
        count, price, total = line_parts(line, cur)
        if w.fmt == "a4":
            w.pair(f"{line['article']}  —  {count}{price}", total)
        else:
            w.para(line["article"], 1.0, True)
            w.pair(f"  {count}{price}", total)
    for p in v["prestations"]:
        if w.fmt == "a4":
            w.pair(f"N° {p['number']}  {day(p['date'])}  {p['type']}  {p['status']}", money(p["total"], cur))
        else:
            w.para(f"N° {p['number']} — {p['status']}", 1.0, True)
            w.pair(f"  {day(p['date'])}", money(p["total"], cur))
    if v["lines"] or v["prestations"]:
        w.rule(3)
    if v.get("discount"):  # remise and TVA per rate (functions.books.discounts, functions.books.tax)
        reason = f" ({v['discount_reason']})" if v.get("discount_reason") else ""
        w.pair(f"Remise{reason}", "-" + money(v["discount"], cur))
    for t in v.get("taxes") or []:
        w.pair(f"TVA {qty(t['rate'])} % : HT {money(t['ht'], cur)}, TVA {money(t['tva'], cur)}", money(t["ttc"], cur), 0.9)
    if v["this_amount"] is not None:
        w.pair("Montant remboursé" if v["kind"] == "refund" else "Montant reçu", money(v["this_amount"], cur), 1.1, True)
    if v["total"] is not None:
        billed = v["kind"] == "statement" or v.get("totals_label") == "client"
        w.pair("Total facturé" if billed else "Total", money(v["total"], cur), 1.0, True)
        w.pair("Total payé" if billed or v.get("prestation") else "Payé", money(v["paid"], cur))
        bal = v["balance"]
        label = "RESTE À PAYER" if bal > 0 else ("AVOIR DU CLIENT" if bal < 0 else "SOLDÉ")
        w.pair(label, money(abs(bal), cur) if bal else "rien à payer", 1.25, True)
    if v["payments"]:
        w.rule(3)
        w.para("Historique des paiements", 1.0, True)
        for pay in v["payments"]:
            sign = "-" if pay["effect"] < 0 else ""
            w.pair(f"{day(pay['date'])}  {pay['type']}", sign + money(pay["amount"], cur), 0.9)
    if v["terms"]:
        w.rule(3)
        w.para(v["terms"], 0.9, align=center)
    w.qr(v["url"], {"a4": 40.0, "80mm": 40.0, "58mm": 34.0}[w.fmt])
    w.para(v["url"], 0.75, align="C")


def render_pdf(v: dict[str, Any], fmt: str = "a4") -> bytes:
    """The PDF bytes of a receipt's page data (``render.view``), in the page format ``fmt``."""
    fmt = fmt if fmt in WIDTHS else "a4"
    if fmt == "a4":
        w = _Writer(fmt, 297.0)
        _layout(w, v)
        return bytes(w.pdf.output())
    probe = _Writer(fmt, 3000.0)
    _layout(probe, v)
    w = _Writer(fmt, round(probe.pdf.get_y() + probe.margin, 1))
    _layout(w, v)
    return bytes(w.pdf.output())
