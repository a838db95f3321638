"""The business's figures as TRIX reads them: pure functions over a ``Book``, computed by ``books``' rules.

Every function returns a small JSON-ready dict: amounts are strings formatted in the business's currency
(``12 500 FCFA``), quantities plain strings, dates ``JJ/MM/AAAA``; lists are cut to a limit and say how
many items there are in all. Nothing here writes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cached_property
from typing import Any

from functions.books import ledger
from functions.books.dashboard import ledger_text
from functions.reports.periods import PERIODS, Period, period  # noqa: F401 - the periods TRIX offers
from functions.store.schema import fold
from functions.store.workbook import Book, Record
from functions.templating import money as fmt_money

TABS = ["clients", "prestations", "lines", "caisse", "stock", "movements", "agenda", "investments"]


@dataclass
class Figures:
    """One read of the workbook, and the derived totals computed once for every tool of a conversation."""

    book: Book
    now: datetime
    links: list[dict[str, str]] = field(default_factory=list)  # wa.me links drafted during the conversation
    #: The book a period starting on a day reads (``functions.reports.history.period_book``: the closed
    #: years' archives it covers); None: the live workbook only.
    history: Callable[[date], Book] | None = None
    _reports: dict[tuple[date, date], Any] = field(default_factory=dict, repr=False)
    _books: dict[int, Book] = field(default_factory=dict, repr=False)

    @property
    def today(self) -> date:
        return self.now.date()

    def money(self, value: Decimal) -> str:
        return fmt_money(self.book.codec.money(value), self.book.codec.currency)

    @cached_property
    def caisse(self) -> list[Record]:
        return self.book.all_rows("caisse")

    @cached_property
    def prestation_totals(self) -> dict[str, ledger.PrestationTotals]:
        return ledger.prestation_totals(self.book.all_rows("prestations"), self.book.rows("lines"), self.caisse,
                                        self.book.codec.quantum)

    @cached_property
    def client_totals(self) -> dict[str, ledger.ClientTotals]:
        return ledger.client_totals(self.book.rows("clients"), self.book.all_rows("prestations"), self.caisse,
                                    self.prestation_totals)

    @cached_property
    def quantities(self) -> dict[str, Decimal]:
        return ledger.stock_quantities(self.book.rows("stock"), self.book.all_rows("movements"))

    # -- the tools' figures ------------------------------------------------------------------------------
    def period_book(self, p: Period) -> Book:
        """The live book, with the archives of the closed years a period starting then covers (read once per
        conversation: which archives a period needs depends only on its first year)."""
        if self.history is None:
            return self.book
        if p.start.year not in self._books:
            self._books[p.start.year] = self.history(p.start)
        return self._books[p.start.year]

    def report(self, p: Period) -> Any:
        """The Rapports figures of the period (``functions.reports``): TRIX says what the page shows."""
        from functions.reports.figures import compute

        key = (p.start, p.end)
        if key not in self._reports:
            self._reports[key] = compute(self.period_book(p), p, self.today)
        return self._reports[key]

    def kpis(self, p: Period) -> dict[str, Any]:
        r = self.report(p)
        book = self.period_book(p)
        prestations = [x for x in book.rows("prestations") if x["start"] in p]
        return {
            "periode": p.json(),
            "entrees": self.money(r.money_in),
            "dont_encaissements": self.money(r.by_kind.get("Encaissement", Decimal(0))),
            "dont_ventes_rapides": self.money(r.by_kind.get("Vente", Decimal(0))),
            "dont_revenus": self.money(r.by_kind.get("Revenu", Decimal(0))),
            "depenses": self.money(r.expenses),
            "remboursements": self.money(r.by_kind.get("Remboursement", Decimal(0))),
            "resultat_net": self.money(r.result),
            "nombre_operations_caisse": sum(1 for x in book.all_rows("caisse") if x["date"] in p
                                            and x["type"] != ledger.CARRIED),
            "prestations_commencees": sum(1 for x in prestations if x["status"] != "Annulée"),
            "prestations_annulees": sum(1 for x in prestations if x["status"] == "Annulée"),
            "nouveaux_clients": sum(1 for c in self.book.rows("clients") if c["created_at"] in p),
            "solde_caisse_actuel": self.money(ledger.cash_balance(self.caisse)),
            "impayes_clients_actuels": self.money(sum((t.balance for t in self.client_totals.values()
                                                       if t.balance > 0), Decimal(0))),
        }

    def profit_and_loss(self, p: Period, limit: int) -> dict[str, Any]:
        """The Rapports page's compte de résultat and caisse of the period, figure for figure."""
        r = self.report(p)
        return {"periode": {**p.json(), "du": r.period.start.strftime("%d/%m/%Y")},
                "chiffre_affaires": self.money(r.revenue), "depenses": self.money(r.expenses),
                "resultat": self.money(r.result),
                "depenses_par_categorie": [{"categorie": c, "montant": self.money(v)}
                                           for c, v in r.expenses_by_category[:limit]],
                "par_moyen_de_paiement": [{"moyen": m, "encaisse": self.money(i), "rembourse": self.money(o)}
                                          for m, i, o in r.by_method[:limit]],
                "solde_caisse_debut": self.money(r.opening), "solde_caisse_fin": self.money(r.closing),
                "taux_occupation": (f"{(r.occupancy.rate * 100).quantize(Decimal('0.1'))} %".replace(".", ",")
                                    if r.occupancy is not None else ""),
                "note": "Mêmes chiffres que la page Rapports (recettes nettes des remboursements)."}

    def sales_by_type(self, p: Period, limit: int) -> dict[str, Any]:
        items = self.report(p).by_type
        return {"periode": p.json(), "onglet": self.book.title("prestations"), "nombre_de_types": len(items),
                "types": [{"type": k, "nombre": n, "montant_facture": self.money(b), "deja_paye": self.money(pd)}
                          for k, n, b, pd in items[:limit]]}

    def sales_by_article(self, p: Period, limit: int) -> dict[str, Any]:
        items = self.report(p).by_article
        return {"periode": p.json(), "nombre_d_articles": len(items),
                "note": "Ventes rapides (montant encaissé réparti entre les articles), plus les lignes des prestations.",
                "articles": [{"article": n, "quantite": ledger_text(q), "montant": self.money(a)}
                             for n, q, a in items[:limit]]}

    def client_balances(self, limit: int) -> dict[str, Any]:
        owing = sorted(((c, self.client_totals[c.id]) for c in self.book.rows("clients")
                        if self.client_totals[c.id].balance > 0), key=lambda x: (-x[1].balance, str(x[0]["name"])))
        return {"nombre_clients_debiteurs": len(owing),
                "total_du": self.money(sum((t.balance for _, t in owing), Decimal(0))),
                "clients": [{"id": c.id, "nom": c["name"], "telephone": c["phone"] or "",
                             "facture": self.money(t.billed), "paye": self.money(t.paid), "solde": self.money(t.balance)}
                            for c, t in owing[:limit]]}

    def unpaid_prestations(self, limit: int) -> dict[str, Any]:
        rows = [(x, self.prestation_totals[x.id]) for x in self.book.rows("prestations")
                if x["status"] != "Annulée" and self.prestation_totals[x.id].balance > 0]
        rows.sort(key=lambda r: (r[0]["start"] or date.max, r[0]["number"] or ""))
        return {"onglet": self.book.title("prestations"), "nombre": len(rows),
                "total_restant": self.money(sum((t.balance for _, t in rows), Decimal(0))),
                "prestations": [{"numero": x["number"] or x.id, "client": x["client"] or "", "type": x["type"] or "",
                                 "debut": _day(x["start"]), "statut": x["status"] or "", "total": self.money(t.total),
                                 "paye": self.money(t.paid), "reste": self.money(t.balance)} for x, t in rows[:limit]]}

    def stock(self, only_low: bool, limit: int) -> dict[str, Any]:
        items = []
        value = Decimal(0)
        for s in self.book.rows("stock"):
            q = self.quantities[s.id]
            low = s["threshold"] is not None and q <= s["threshold"]
            value += max(q, Decimal(0)) * (s["purchase_price"] or 0)
            if only_low and not low:
                continue
            items.append({"id": s.id, "article": s["article"], "quantite": ledger_text(q), "unite": s["unit"] or "",
                          "seuil_alerte": ledger_text(Decimal(s["threshold"])) if s["threshold"] is not None else "",
                          "stock_bas": low, "a_vendre": s["for_sale"] == "Oui",
                          "prix_vente": self.money(s["sale_price"]) if s["sale_price"] is not None else ""})
        low_count = sum(1 for s in self.book.rows("stock") if s["threshold"] is not None
                        and self.quantities[s.id] <= s["threshold"])
        return {"nombre_articles": len(self.book.rows("stock")), "nombre_stock_bas": low_count,
                "valeur_stock_prix_achat": self.money(value), "articles": items[:limit], "affiches": min(len(items), limit)}

    def agenda(self, days: int, limit: int) -> dict[str, Any]:
        last = self.today + timedelta(days=days)
        todo = [a for a in self.book.rows("agenda") if a["status"] == "À faire" and isinstance(a["date"], date)
                and a["date"] <= last]
        todo.sort(key=lambda a: (a["date"], str(a["time"] or "")))
        arrivals = [x for x in self.book.rows("prestations") if isinstance(x["start"], date)
                    and self.today <= x["start"] <= last and x["status"] != "Annulée"]
        arrivals.sort(key=lambda x: x["start"])
        return {"du": _day(self.today), "au": _day(last),
                "taches": [{"titre": a["title"], "date": _day(a["date"]), "heure": str(a["time"] or "")[:5],
                            "type": a["type"] or "", "pour": a["for"] or "", "en_retard": a["date"] < self.today}
                           for a in todo[:limit]],
                "prestations_a_venir": [{"numero": x["number"] or x.id, "client": x["client"] or "",
                                         "type": x["type"] or "", "debut": _day(x["start"]), "statut": x["status"]}
                                        for x in arrivals[:limit]]}

    def cash_by_category(self, p: Period, limit: int) -> dict[str, Any]:
        groups: dict[tuple[str, str], list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
        for r in self.period_book(p).all_rows("caisse"):
            if r["date"] in p:
                g = groups[(str(r["type"]), str(r["category"] or "(sans catégorie)"))]
                g[0] += 1
                g[1] += ledger.amount(r)
        def side(kinds: frozenset[str]) -> list[tuple[tuple[str, str], list[Decimal]]]:
            return sorted(((k, v) for k, v in groups.items() if k[0] in kinds), key=lambda kv: -kv[1][1])

        def rows(items: list[tuple[tuple[str, str], list[Decimal]]]) -> list[dict[str, Any]]:
            return [{"type": k[0], "categorie": k[1], "operations": int(v[0]), "montant": self.money(v[1])}
                    for k, v in items[:limit]]

        ins, outs = side(ledger.MONEY_IN), side(ledger.MONEY_OUT)
        return {"periode": p.json(),
                "total_entrees": self.money(sum((v[1] for _, v in ins), Decimal(0))),
                "total_sorties": self.money(sum((v[1] for _, v in outs), Decimal(0))),
                "entrees": rows(ins), "sorties": rows(outs)}

    def investments(self, limit: int) -> dict[str, Any]:
        out = []
        for i in self.book.rows("investments"):
            roi = ledger.roi(i)
            gain = (i["expected_return"] - i["initial"]) if i["initial"] is not None and i["expected_return"] is not None else None
            months = i["months"]
            out.append({"projet": i["project"], "statut": i["status"] or "", "risque": i["risk"] or "",
                        "montant_initial": self.money(i["initial"]) if i["initial"] is not None else "",
                        "retour_attendu": self.money(i["expected_return"]) if i["expected_return"] is not None else "",
                        "gain_attendu": self.money(gain) if gain is not None else "",
                        "duree_mois": months if months is not None else "",
                        "roi": f"{(roi * 100).quantize(Decimal('0.1'))} %".replace(".", ",") if roi is not None else "",
                        "gain_par_mois": self.money(gain / months) if gain is not None and months else ""})
        return {"nombre": len(out), "investissements": out[:limit]}

    def find_clients(self, query: str, limit: int) -> dict[str, Any]:
        key = fold(query)
        found = [c for c in self.book.rows("clients") if key and key in fold(str(c["name"] or ""))]
        return {"nombre": len(found), "clients": [
            {"id": c.id, "nom": c["name"], "telephone": c["phone"] or "", "email": c["email"] or "",
             "solde": self.money(self.client_totals[c.id].balance)} for c in found[:limit]]}

    def profile(self) -> dict[str, Any]:
        s = self.book.settings
        return {"nom": s.get("business_name", ""), "type_activite": s.get("business_type", ""),
                "pays": s.get("country", ""), "devise": self.book.codec.currency, "telephone": s.get("phone", ""),
                "adresse": s.get("address", ""), "email": s.get("email", ""), "site_web": s.get("website", ""),
                "onglet_prestations": self.book.title("prestations"),
                "categories_depenses": s.get("expense_categories", "")}


def for_business(biz: Any, book: Book) -> Figures:
    """The figures of a conversation: ``book`` now, and a period over a closed year reads its archive
    (``functions.reports.history``), so TRIX gives the Rapports page's numbers for every year."""
    from functions.reports.history import period_book

    return Figures(book, biz.now(), history=lambda start: period_book(biz, start, book))


def _day(value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return ""
