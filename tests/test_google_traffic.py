"""What one action costs on Google, counted at the fake's HTTP layer (requests and bytes as sent), on a
workbook of 1 000 rows per tab built as the bench builds it: every action writes in one batchUpdate and reads
no values when nothing changed; pages and a sync with nothing new read none at all."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bench.measure import CountingWsgi
from bench.run import build
from functions.business import Business
from functions.receipts.hooks import receipt_hook
from functions.state.memory import MemoryStateStore
from functions.store.workbook import Workbook
from tests.fakes.sheets_api import FakeSheetsApi
from tests.store.factory_gsheets import SPREADSHEET_ID, GSheetsPerson, backend_for

ROWS = 1000
LIMIT = 16 * 1024  # bytes on the wire per action, both ways (issue 15)


def since(api: FakeSheetsApi, wire: CountingWsgi, mark: tuple[int, int]) -> tuple[list[str], int]:
    """The requests since ``mark`` (method ids, from the fake's log) and their bytes both ways."""
    return [str(c.method_id) for c in api.calls()[mark[0]:]], wire.down + wire.up - mark[1]


def mark(api: FakeSheetsApi, wire: CountingWsgi) -> tuple[int, int]:
    return len(api.calls()), wire.down + wire.up


def sheets(calls: list[str]) -> list[str]:
    return [c for c in calls if c.startswith("sheets.")]


@pytest.fixture(scope="module")
def shop():
    api = FakeSheetsApi(reads_per_minute=10**6, writes_per_minute=10**6)
    wire = CountingWsgi(api.wsgi)
    api.wsgi = wire  # type: ignore[method-assign]
    with api:
        api.create(SPREADSHEET_ID)
        biz = Business(Workbook(backend_for(api, timeout=(5, 120))), MemoryStateStore(),
                       clock=lambda: datetime(2026, 6, 1, 9, tzinfo=UTC), editor=lambda: "test")
        biz.change_hooks.append(receipt_hook("http://test.invalid"))
        build(biz, ROWS, ledgers=True)
        biz.quick_sale([("S1", 1)], "Awa")  # a first action: the instance is warm
        yield {"api": api, "wire": wire, "biz": biz}


ACTIONS = {
    "add_client": lambda biz: biz.add("clients", {"name": "Nouvelle cliente"}, "Awa"),
    "payment": lambda biz: biz.record_payment("1000", "Awa", prestation_id="P0000007"),
    "quick_sale": lambda biz: biz.quick_sale([("S1", 1), ("S2", 2)], "Awa"),
    "status_change": lambda biz: biz.set_status("P0000011", "Effectuée", "Awa"),
    "expense": lambda biz: biz.expense("1500", "Fournitures", "Awa"),
}


@pytest.mark.parametrize("action", list(ACTIONS))
def test_an_action_on_a_warm_instance_is_one_batch_update_and_a_few_kilobytes(shop, action):
    api, wire = shop["api"], shop["wire"]
    start = mark(api, wire)
    ACTIONS[action](shop["biz"])
    calls, size = since(api, wire, start)
    assert sheets(calls) == ["sheets.spreadsheets.batchUpdate"]
    assert len(calls) <= 2 and size <= LIMIT, (calls, size)  # and one Drive version check


def test_a_page_and_a_quiet_sync_read_no_values(shop):
    biz, api, wire = shop["biz"], shop["api"], shop["wire"]
    biz.sync()
    start = mark(api, wire)
    biz.book(max_age=0)
    biz.sync()
    calls, _ = since(api, wire, start)
    assert sheets(calls) == [] and calls  # Drive's version only


def test_a_persons_edit_is_seen_by_the_next_action_and_page(shop):
    biz, api, wire = shop["biz"], shop["api"], shop["wire"]
    person = GSheetsPerson(api, SPREADSHEET_ID)
    person.set_cell("Stock", 2, "Prix de vente", 650)  # S1's price, typed in the sheet
    start = mark(api, wire)
    sale = biz.quick_sale([("S1", 1)], "Awa")
    calls, _ = since(api, wire, start)
    assert "sheets.spreadsheets.values.batchGet" in calls  # the values were read again
    assert sale["total"] == "650", sale
    caisse = biz.book(max_age=0).find("caisse", str(sale["caisse_id"]))
    assert caisse is not None and caisse["amount"] == 650


def test_sixty_actions_a_minute_fit_in_googles_quota(shop):
    """Google allows 60 read and 60 write requests a minute for the service account: 60 mixed actions in one
    minute (the quota's clock held still) are all accepted, none waits for a 429."""
    api, biz = shop["api"], shop["biz"]
    api.quota.reads_per_minute = api.quota.writes_per_minute = 60
    api.quota.clock = lambda: 0.0  # one and the same minute throughout
    api.quota.used = {}
    slept: list[float] = []
    biz.workbook.backend.http.sleep = slept.append
    start = len(api.calls())
    try:
        for i in range(60):
            list(ACTIONS.values())[i % len(ACTIONS)](biz)
    finally:
        api.quota.reads_per_minute = api.quota.writes_per_minute = 10**6
    statuses = [c.status for c in api.calls()[start:]]
    assert 429 not in statuses and slept == []
    assert sum(1 for c in api.calls()[start:] if str(c.method_id).startswith("sheets.")) <= 60


def test_an_action_started_over_after_a_persons_edit_burns_no_number_and_issues_one_receipt(shop):
    from functions.receipts import store

    biz, api = shop["biz"], shop["api"]
    first = biz.quick_sale([("S2", 1)], "Awa")
    before = store.for_row(biz.state, "caisse", str(first["caisse_id"]))
    GSheetsPerson(api, SPREADSHEET_ID).set_cell("Clients", 3, "Notes", "rappeler lundi")  # elsewhere in the sheet
    second = biz.quick_sale([("S2", 1)], "Awa")  # computed on the grids held, found stale, started over
    after = store.for_row(biz.state, "caisse", str(second["caisse_id"]))
    assert before is not None and after is not None
    assert int(after.number.rsplit("-", 1)[1]) == int(before.number.rsplit("-", 1)[1]) + 1  # no gap
    assert biz.verify_journal().ok


def test_a_row_a_person_changed_since_the_instance_last_looked_is_not_overwritten(shop):
    from functions.errors import ConflictError

    biz, api = shop["biz"], shop["api"]
    biz.set_status("P0000021", "Confirmée", "Awa")  # the instance holds this row as Confirmée
    person, title = GSheetsPerson(api, SPREADSHEET_ID), biz.load(["prestations"]).title("prestations")
    row = next(i + 1 for i, r in enumerate(person.grid(title)) if r and r[0] == "P0000021")
    person.set_cell(title, row, "Statut", "Annulée")
    with pytest.raises(ConflictError, match="entre-temps"):
        biz.set_status("P0000021", "Effectuée", "Awa")
    assert biz.load(["prestations"]).find("prestations", "P0000021")["status"] == "Annulée"
    assert biz.set_status("P0000021", "Confirmée", "Awa")  # seen now: the next try goes through
