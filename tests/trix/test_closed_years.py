"""TRIX over a closed year: asked for the profit of a month of an archived year, it answers (through the
whole conversation loop) the number the Rapports page shows for that month, and the one before the close."""

from __future__ import annotations

import json

from functions.templating import money
from functions.trix.chat import ask
from functions.trix.figures import for_business
from functions.trix.tools import run_tool
from tests.fakes.openai_server import Turn
from tests.reports.conftest import closed_years
from tests.trix.conftest import tool_data
from tests.trix.test_same_figures import page_result

MARCH_2025 = {"start": "2025-03-01", "end": "2025-03-31"}


def test_trix_profit_of_a_closed_month_is_the_rapports_figure(tmp_path, fake, settings):
    biz, _ids, close, clock = closed_years(tmp_path)
    before = json.loads(run_tool("profit_and_loss", json.dumps(MARCH_2025), for_business(biz, biz.book())))
    close(2025)
    close(2026)
    fake.script(Turn(tool_calls=[("profit_and_loss", MARCH_2025)]), lambda body: Turn(content="Voilà."))
    events = list(ask(biz, [{"role": "user", "content": "Quel bénéfice en mars 2025 ?"}], settings))
    assert [e.text for e in events if e.kind == "tool"] == ["profit_and_loss"]
    answer = tool_data(fake.chat_requests()[-1])
    on_page = page_result(biz, clock, "periode=custom&du=2025-03-01&au=2025-03-31")
    # 87 000 in (the stay, 30 000 on the open one, 5 000 on account, 4 Coca), 45 000 rent: all archived
    assert answer["resultat"] == on_page == before["resultat"] == money(42000, "XOF")
    assert answer["chiffre_affaires"] == before["chiffre_affaires"] == money(87000, "XOF")
    assert answer["solde_caisse_fin"] == before["solde_caisse_fin"]


def test_the_live_workbook_alone_would_not_know_the_closed_month(tmp_path):
    from functions.trix.figures import Figures

    biz, _ids, close, _clock = closed_years(tmp_path)
    close(2025)
    alone = json.loads(run_tool("profit_and_loss", json.dumps(MARCH_2025), Figures(biz.book(), biz.now())))
    # why TRIX reads the archive: only the payment of the stay still open stayed in the workbook
    assert alone["resultat"] == money(30000, "XOF")
