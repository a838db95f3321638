"""Résidence Kékéli (an auberge in Lomé, XOF): a fixture workbook whose figures are computed by hand.

Today is Saturday 14 March 2026. What happened (amounts in FCFA):

* 20/11/2025  Yao books « Chambre simple » 20→22/11 for 30 000 and pays 10 000 (Espèces): 20 000 left.
* 10/01/2026  Kofi books « Chambre double » 10→12/01 for 50 000, pays nothing.
* 05/02/2026  Dépense Loyer 40 000 (Espèces); Revenu « Location de salle » 5 000 (Virement).
* 15/02/2026  Ama books « Chambre double » 15→18/02 for 75 000 and pays it all (Mobile Money).
* 20/02/2026  Ama is refunded 5 000 (Espèces).
* 25/02/2026  Stock: Savon (achat 300, vente 500) +20, Eau (achat 250, vente 400) +12;
              quick sale 3 savons + 2 eaux = 2 300 (Espèces).
* 02/03/2026  Quick sale 5 savons = 2 500 (Mobile Money); Dépense Fournitures 12 000 (Espèces),
              Dépense Transport 3 000 (Mobile Money).
* 05/03/2026  Kofi books 05→07/03, lines « Chambre double » 2 × 25 000 = 50 000, pays 20 000 (Carte).
* 10/03/2026  Ama books a « Suite » 12→13/03 for 90 000, cancelled.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from functions.archive import close_year
from functions.business import Business
from functions.state.memory import MemoryStateStore
from functions.store.backend import MemoryBackend
from functions.store.workbook import Workbook
from functions.store.xlsx import XlsxBackend
from tests.archive.conftest import fill_year
from tests.conftest import Clock

ACTOR = "Awa"


def at(clock, y: int, m: int, d: int, h: int = 10) -> None:
    clock.when = datetime(y, m, d, h, 0, tzinfo=UTC)


@pytest.fixture
def kekeli(biz, clock):
    at(clock, 2025, 11, 20)
    yao = biz.add("clients", {"name": "Yao", "phone": "+22890000001"}, ACTOR)["id"]
    biz.add_prestation({"client_id": yao, "type": "Chambre simple", "start": date(2025, 11, 20),
                        "end": date(2025, 11, 22), "total": 30000}, ACTOR, paid_now=10000, method="Espèces")
    at(clock, 2026, 1, 10)
    kofi = biz.add("clients", {"name": "Kofi Mensah", "phone": "+22890112233"}, ACTOR)["id"]
    biz.add_prestation({"client_id": kofi, "type": "Chambre double", "start": date(2026, 1, 10),
                        "end": date(2026, 1, 12), "total": 50000}, ACTOR)
    at(clock, 2026, 2, 5)
    biz.expense(40000, "Loyer", ACTOR, method="Espèces")
    biz.revenue(5000, ACTOR, "Location de salle", method="Virement")
    at(clock, 2026, 2, 15)
    ama = biz.add("clients", {"name": "Ama", "phone": "+22891112233"}, ACTOR)["id"]
    stay = biz.add_prestation({"client_id": ama, "type": "Chambre double", "start": date(2026, 2, 15),
                               "end": date(2026, 2, 18), "total": 75000}, ACTOR, paid_now=75000,
                              method="Mobile Money")["id"]
    at(clock, 2026, 2, 20)
    biz.refund(5000, ACTOR, prestation_id=stay, method="Espèces", reason="Climatisation en panne")
    at(clock, 2026, 2, 25)
    soap = biz.add("stock", {"article": "Savon", "unit": "pièces", "for_sale": "Oui", "sale_price": 500,
                             "purchase_price": 300}, ACTOR)["id"]
    water = biz.add("stock", {"article": "Eau", "unit": "bouteilles", "for_sale": "Oui", "sale_price": 400,
                              "purchase_price": 250}, ACTOR)["id"]
    biz.stock_adjust(soap, "Entrée", 20, ACTOR)
    biz.stock_adjust(water, "Entrée", 12, ACTOR)
    biz.quick_sale([(soap, 3), (water, 2)], ACTOR, method="Espèces")
    at(clock, 2026, 3, 2)
    biz.quick_sale([(soap, 5)], ACTOR, method="Mobile Money")
    biz.expense(12000, "Fournitures", ACTOR, method="Espèces")
    biz.expense(3000, "Transport", ACTOR, method="Mobile Money")
    at(clock, 2026, 3, 5)
    biz.add_prestation({"client_id": kofi, "type": "Chambre double", "start": date(2026, 3, 5),
                        "end": date(2026, 3, 7)}, ACTOR,
                       lines=[{"article": "Chambre double", "quantity": 2, "unit_price": 25000}],
                       paid_now=20000, method="Carte")
    at(clock, 2026, 3, 10)
    suite = biz.add_prestation({"client_id": ama, "type": "Suite", "start": date(2026, 3, 12),
                                "end": date(2026, 3, 13), "total": 90000}, ACTOR)["id"]
    biz.set_status(suite, "Annulée", ACTOR)
    for name in ("Chambre simple", "Chambre double", "Suite"):
        biz.add("types", {"name": name, "price": 25000}, ACTOR)
    biz.add("investments", {"project": "Climatiseurs", "initial": 400000, "expected_return": 500000, "months": 10,
                            "risk": "Faible", "status": "Actif"}, ACTOR)
    at(clock, 2026, 3, 14, 9)
    biz.ids = {"yao": yao, "kofi": kofi, "ama": ama, "soap": soap, "water": water}
    return biz


TODAY = date(2026, 3, 14)


def closed_years(tmp_path: Path) -> tuple[Business, dict[str, str], Callable[[int], Path], Clock]:
    """An auberge's 2025 (a stay settled, one still open into 2026 and paid in May 2026, a payment on account,
    stock, a quick sale, rent), sales in 2026, and a way to close a year into ``<tmp>/ttr-<année>.xlsx``."""
    clock = Clock(datetime(2025, 3, 2, 9, 0, tzinfo=UTC))
    biz = Business(Workbook(MemoryBackend()), MemoryStateStore(), clock=clock, editor=lambda: "Awa (feuille)")
    biz.init({"business_name": "Chez Awa", "business_type": "Auberge", "currency": "XOF"})
    ids = fill_year(biz, clock)  # ends on 10/01/2026 with a quick sale of one Coca
    biz.expense("7000", "Transport", "Awa", method="Espèces")  # 10/01/2026
    clock.when = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
    biz.set_status(ids["open"], "Terminée", "Awa")
    biz.record_payment("60000", "Awa", prestation_id=ids["open"], method="Mobile Money")
    biz.quick_sale([(ids["coca"], 2)], "Awa", method="Mobile Money")
    clock.when = datetime(2027, 2, 1, 9, 0, tzinfo=UTC)

    def close(year: int) -> Path:
        path = tmp_path / f"ttr-{year}.xlsx"
        close_year(biz, year, lambda: XlsxBackend(path), path.name, spec=str(path))
        biz.forget()
        return path

    return biz, ids, close, clock
