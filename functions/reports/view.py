"""What the page, the PDF and TRIX show of a ``Report``: its charts, its tables and its key figures.

``dashboard_trend(book, today)`` is the small chart of the Tableau de bord (recettes of the last 30 days),
computed without pandas (``books.trend``).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from markupsafe import Markup

from functions.reports import charts, text
from functions.reports.ageing import BUCKETS
from functions.reports.figures import Report
from functions.store.workbook import Book


def sales_chart(r: Report) -> charts.Chart:
    return charts.Chart(f"Recettes et dépenses {text.GRAIN_LABELS[r.grain]}", ("Recettes", "Dépenses"),
                        tuple((text.bucket(b.start, r.grain), (b.sales, b.expenses)) for b in r.series), r.currency,
                        tuple(text.bucket(b.start, r.grain, short=True) for b in r.series))


def expenses_chart(r: Report) -> charts.Chart:
    return charts.Chart("Dépenses par catégorie", ("Montant",),
                        tuple((c, (v,)) for c, v in r.expenses_by_category), r.currency)


def methods_chart(r: Report) -> charts.Chart:
    return charts.Chart("Encaissé par moyen de paiement (net des remboursements)", ("Montant",),
                        tuple((m, (i - o,)) for m, i, o in r.by_method), r.currency)


def svgs(r: Report) -> list[Markup]:
    return [charts.columns(sales_chart(r)), charts.bars(expenses_chart(r)), charts.bars(methods_chart(r))]


def key_figures(r: Report) -> dict[str, Decimal]:
    """The figures TRIX and the page's cards share (Decimal, not formatted)."""
    return {"chiffre_affaires": r.revenue, "depenses": r.expenses, "resultat": r.result, "solde_debut": r.opening,
            "entrees": r.money_in, "sorties": r.money_out, "solde_fin": r.closing,
            "impayes": r.ageing.total if r.ageing else Decimal(0), "valeur_stock": r.stock.value}


def tables(r: Report, limit: int | None = None) -> list[dict[str, Any]]:
    """Every section as (title, headers, rows of cells, kinds): the page, the .xlsx, the CSV and the PDF.
    With ``limit`` (the page), long lists keep their first rows and their total row; ``more`` says how many
    rows only the exports hold."""
    out = _tables(r)
    for t in out:
        t["more"] = 0
        if limit is not None and t["key"] in LONG and len(t["rows"]) > limit + 1:
            total = t["rows"][-1:] if t["rows"][-1][0] == "Total" else []
            body = t["rows"][:-1] if total else t["rows"]
            t["more"] = len(body) - limit
            t["rows"] = body[:limit] + total
    return out


LONG = frozenset({"articles", "types", "impayes", "stock", "investissements", "moyens"})


def _tables(r: Report) -> list[dict[str, Any]]:
    m, q = "money", "qty"
    out: list[dict[str, Any]] = [
        {"key": "resultat", "title": "Compte de résultat (recettes et dépenses)", "headers": ["Poste", "Montant"],
         "kinds": ["text", m],
         "rows": [[text.KIND_LABELS[k], r.by_kind.get(k, Decimal(0))] for k in ("Encaissement", "Vente", "Revenu")]
         + [["Remboursements (en moins)", -r.by_kind.get("Remboursement", Decimal(0))],
            ["Chiffre d'affaires", r.revenue]]
         + [[f"Dépenses : {c}", -v] for c, v in r.expenses_by_category]
         + [["Total des dépenses", -r.expenses], ["Résultat", r.result]]},
        {"key": "caisse", "title": "Caisse", "headers": ["Poste", "Montant"], "kinds": ["text", m],
         "rows": [[f"Solde au {text.day(r.period.start)}", r.opening]]
         + ([["À nouveau d'un exercice clôturé (archive non lue)", r.carried]] if r.carried else [])
         + [["Entrées", r.money_in], ["Sorties", -r.money_out], [f"Solde au {text.day(r.period.end)}", r.closing]]},
        {"key": "periode", "title": f"Recettes et dépenses {text.GRAIN_LABELS[r.grain]}",
         "headers": ["Période", "Recettes", "Dépenses"], "kinds": ["text", m, m],
         "rows": [[text.bucket(b.start, r.grain), b.sales, b.expenses] for b in r.series]},
        {"key": "moyens", "title": "Par moyen de paiement", "headers": ["Moyen", "Encaissé", "Remboursé", "Net"],
         "kinds": ["text", m, m, m], "rows": [[k, i, o, i - o] for k, i, o in r.by_method]},
        {"key": "articles", "title": "Ventes par article", "headers": ["Article", "Quantité", "Montant"],
         "kinds": ["text", q, m], "rows": [[a, n, v] for a, n, v in r.by_article]},
        {"key": "types", "title": f"{r.prestations_title} par type", "headers": ["Type", "Nombre", "Facturé", "Payé"],
         "kinds": ["text", q, m, m], "rows": [[t, n, b, p] for t, n, b, p in r.by_type]},
        {"key": "clients", "title": "Meilleurs clients", "headers": ["Client", "Facturé", "Payé sur la période"],
         "kinds": ["text", m, m], "rows": [[c, b, p] for c, b, p in r.top_clients]},
    ]
    if r.discounts or r.taxes:  # remises given, TVA collected (HT + TVA = TTC per rate)
        out.append({"key": "remises_tva", "title": "Remises et TVA", "headers": ["Poste", "HT", "TVA", "TTC"],
                    "kinds": ["text", m, m, m],
                    "rows": ([["Remises accordées", "", "", r.discounts]] if r.discounts else [])
                    + [[f"TVA {text.number(t.rate)} %" if t.rate is not None else "TVA des ventes rapides", t.ht, t.tva,
                        t.ttc] for t in r.taxes]
                    + ([["Total TVA", "", sum((t.tva for t in r.taxes), Decimal(0)), ""]] if r.taxes else [])})
    if r.ageing is not None:
        out.append({"key": "impayes", "title": f"Soldes impayés par ancienneté au {text.day(r.ageing.as_of)}",
                    "headers": ["Client", "Solde", *BUCKETS], "kinds": ["text", m, m, m, m, m],
                    "rows": [[c.name, c.balance, *c.buckets] for c in r.ageing.clients]
                    + ([["Total", r.ageing.total, *r.ageing.totals]] if r.ageing.clients else [])})
    out.append({"key": "stock", "title": f"Stock au {text.day(r.period.end)} (valeur au prix d'achat)",
                "headers": ["Article", "Quantité", "Prix d'achat", "Valeur", "Sorti sur la période"],
                "kinds": ["text", q, m, m, q],
                "rows": [[s.article, s.quantity, s.purchase_price, s.value, s.moved] for s in r.stock.lines]
                + ([["Total", "", "", r.stock.value, ""]] if r.stock.lines else [])})
    if r.occupancy is not None:
        o = r.occupancy
        out.append({"key": "occupation", "title": "Taux d'occupation", "headers": ["Poste", "Valeur"],
                    "kinds": ["text", "text"],
                    "rows": [["Chambres" + (" (une par type : indiquez « Nombre de chambres » dans Paramètres)"
                                            if o.rooms_from_types else ""), str(o.rooms)],
                             ["Nuits vendues", str(o.nights_sold)], ["Nuits disponibles", str(o.nights_available)],
                             ["Taux d'occupation", text.percent(o.rate)]]})
    out.append({"key": "investissements", "title": "Investissements",
                "headers": ["Projet", "Statut", "Montant initial", "Retour attendu", "Gain attendu", "ROI", "Durée (mois)"],
                "kinds": ["text", "text", m, m, m, "text", "text"],
                "rows": [[i.project, i.status, i.initial, i.expected, i.gain,
                          text.percent(i.roi) if i.roi is not None else "", str(i.months or "")]
                         for i in r.investments]})
    return out


#: The .xlsx sheet of each section.
SHEETS = {"resultat": "Résultat", "caisse": "Caisse", "periode": "Par période", "moyens": "Moyens de paiement",
          "articles": "Articles", "types": "Types", "clients": "Clients", "remises_tva": "Remises et TVA",
          "impayes": "Impayés", "stock": "Stock",
          "occupation": "Occupation", "investissements": "Investissements"}


def cell(value: Any, kind: str, currency: str) -> str:
    if value is None or value == "":
        return ""
    if kind == "money":
        return text.money(value, currency)
    if kind == "qty" and isinstance(value, int | Decimal):
        return text.number(value)
    return str(value)


def dashboard_trend(book: Book, today: date) -> Markup:
    """The dashboard's trend chart: recettes (money in − refunds) of each of the last 30 days, as inline SVG
    (``books.trend``: no pandas on the page a quick sale comes back to). After a close in the window, from
    the cut: the days before it are in the archive."""
    from functions.books import trend

    rows = book.all_rows("caisse")
    first = today - timedelta(days=29)
    start = trend.window_start(rows, first, today)
    title = "Recettes des 30 derniers jours" if start == first else \
        f"Recettes depuis le {text.day(start)} (exercice précédent clôturé)"
    return charts.trend(title, [(text.bucket(d, "day"), v) for d, v in trend.daily_sales(rows, start, today)],
                        book.codec.currency)
