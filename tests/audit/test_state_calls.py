"""What an action asks of the state store (each call a round trip on Firestore), counted at its interface."""

from __future__ import annotations

from bench.measure import CountingState
from functions.business import Business
from functions.state.memory import MemoryStateStore
from functions.store.backend import MemoryBackend
from functions.store.workbook import Workbook


def test_the_journal_key_is_read_once_per_store_not_once_per_action(clock):
    state = CountingState(MemoryStateStore())
    biz = Business(Workbook(MemoryBackend()), state, clock=clock)
    biz.init({"business_name": "Chez Awa"})
    biz.revenue("5000", "Awa", description="Apport")
    state.by_name.clear()
    biz.revenue("2000", "Awa", description="Apport")
    biz.expense("1500", "Transport", "Awa")
    assert "get secrets" not in state.by_name and "create secrets" not in state.by_name
    assert biz.verify_journal().ok


def test_a_sync_with_nothing_new_asks_four_things(tmp_path, clock):
    from functions.store.xlsx import XlsxBackend

    state = CountingState(MemoryStateStore())
    biz = Business(Workbook(XlsxBackend(tmp_path / "w.xlsx")), state, clock=clock)
    biz.init({"business_name": "Chez Awa"})
    biz.sync()
    before = state.calls
    biz.sync()
    assert state.calls - before == 4  # the mark, the Journal head, a half-done commit, the actions to merge
