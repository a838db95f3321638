"""TRIX answers with the Rapports page's figures: last month's profit is the same number on both."""

from __future__ import annotations

import json
import re

from functions.trix.figures import Figures
from functions.trix.tools import run_tool
from functions.web.app import create_app
from tests.web.conftest import SECRET, Shell


def page_result(biz, clock, query: str) -> str:
    shell = Shell(biz, clock)
    shell.app = create_app(lambda: biz, {"TTR_SECRET_KEY": SECRET}, blueprints=["functions.web.reports:bp"])
    shell.app.testing = True
    html = shell.login_admin().get(f"/rapports?{query}").get_data(as_text=True)
    return re.search(r'id="resultat"[^>]*>([^<]+)<', html)[1]


def test_last_month_profit_is_the_rapports_figure(shop, clock):
    answer = json.loads(run_tool("profit_and_loss", json.dumps({"period": "last_month"}), Figures(shop.book(), shop.now())))
    kpis = json.loads(run_tool("kpis", json.dumps({"period": "last_month"}), Figures(shop.book(), shop.now())))
    on_page = page_result(shop, clock, "periode=last_month")
    assert answer["resultat"] == kpis["resultat_net"] == on_page == "3\u00a0000\u00a0FCFA"  # 7 000 in, 4 000 rent


def test_this_month_too_with_refunds_and_quick_sales(shop, clock):
    shop.refund(5000, "Awa", prestation_id=next(p.id for p in shop.book().rows("prestations") if p["client"] == "Ama"),
                reason="Geste commercial")
    answer = json.loads(run_tool("profit_and_loss", json.dumps({"period": "this_month"}), Figures(shop.book(), shop.now())))
    assert answer["resultat"] == page_result(shop, clock, "periode=this_month")
    assert answer["chiffre_affaires"] != answer["resultat"]
