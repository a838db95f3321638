"""A proforma, an invoice or a credit note as an A4 PDF (fpdf2, the receipts' writer and fonts)."""

from __future__ import annotations

from typing import Any

from functions.receipts.pdf import _Writer, line_parts
from functions.receipts.render import qty
from functions.templating import day, money


def _layout(w: _Writer, v: dict[str, Any]) -> None:
    cur = v["currency"]
    b, ids = v["business"], v["ids"]
    if v.get("next"):
        n = v["next"]
        w.para(f"{n['text']} {n['number']}" + (f" du {day(n['on'])}" if n.get("on") else "") + ".", 0.95, True)
    w.para(b["name"], 1.5, True)
    for key in ("address", "phone", "email", "website"):
        if b.get(key):
            w.para(("Tél. " if key == "phone" else "") + b[key], 0.9)
    for label, key in (("NIF / NCC / NINEA", "tax_id"), ("RCCM", "rccm"), ("N° FNE", "fne")):
        if ids.get(key):
            w.para(f"{label} : {ids[key]}", 0.9, True)
    w.rule(3)
    w.para(v["title"].upper(), 1.3, True)
    w.para(v["number"], 1.15, True)
    if v["kind"] == "proforma":
        w.para(f"Facture proforma — valable jusqu'au {day(v['valid_until'])}", 1.0, True)
    meta = [("Date", day(v["when"])), ("Référence", v.get("reference") or ""), ("Détail", v.get("description") or ""),
            ("Proforma", v.get("proforma") or ""), ("Annule la facture", v.get("cancels") or ""),
            ("Motif", v.get("reason") or ""), ("Client", (v.get("client") or {}).get("name", ""))]
    w.meta(meta)
    for line in v["lines"]:
        count, price, total = line_parts(line, cur)
        w.pair(f"{line['article']}  —  {count}{price}", total)
        if line.get("discount"):
            w.pair("    dont remise", f"-{money(line['discount'], cur)}", 0.85)
    w.rule(3)
    if v.get("discount"):
        reason = f" ({v['discount_reason']})" if v.get("discount_reason") else ""
        w.pair(f"Remise{reason}", f"-{money(v['discount'], cur)}")
    for t in v.get("taxes") or []:
        w.pair(f"TVA {qty(t['rate'])} % : HT {money(t['ht'], cur)} - TVA {money(t['tva'], cur)}",
               f"TTC {money(t['ttc'], cur)}", 0.9)
    w.pair("Montant de l'avoir" if v["kind"] == "credit" else "Total", money(v["total"], cur), 1.1, True)
    if v["kind"] == "invoice":
        w.pair("Déjà payé", money(v["paid"], cur))
        due = v["balance"] if v["balance"] > 0 else 0
        w.pair("NET À PAYER" if due else "PAYÉE", money(due, cur), 1.25, True)
        w.para("Chaque paiement de cette facture donne un reçu.", 0.85)
    w.rule(3)
    if ids.get("not_fne"):
        w.para(ids["not_fne"], 0.95, True)
    for text in (ids.get("legal"), v.get("terms")):
        if text:
            w.para(text, 0.85)
    w.qr(v["url"], 35.0)
    w.para(v["url"], 0.75, align="C")


def render_pdf(v: dict[str, Any]) -> bytes:
    """The A4 PDF bytes of a document's page data (``functions.invoices.render.page``)."""
    w = _Writer("a4", 297.0)
    _layout(w, v)
    return bytes(w.pdf.output())
