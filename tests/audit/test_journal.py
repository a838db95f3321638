"""The Journal chain: every tampering is named at its first bad row."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from functions.audit.journal import GENESIS, Head, chain, link, verify

KEY = b"k" * 32


def make_rows(n: int) -> list[dict]:
    t = datetime(2026, 3, 1, 8)
    rows = []
    for i in range(n):
        rows.append({"time": t + timedelta(minutes=i), "actor": "Awa", "source": "app", "action": "ajout",
                     "tab": "Caisse", "row": f"K{i}", "changes": f"Montant : {i * 100}"})
    for r, h in zip(rows, chain(KEY, GENESIS, rows), strict=True):
        r["hash"] = h
    return rows


def head_of(rows):
    return Head(len(rows), rows[-1]["hash"])


def test_clean_chain_verifies():
    rows = make_rows(50)
    assert verify(KEY, rows, head_of(rows)).ok


@pytest.mark.parametrize("tamper, bad_row", [
    (lambda rs: rs[10].update(changes="Montant : 99999"), 12),  # edited
    (lambda rs: rs.pop(10), 12),  # deleted in the middle
    (lambda rs: rs.insert(10, dict(rs[10], row="K999")), 12),  # inserted (a copy of a real row)
    (lambda rs: rs.__setitem__(slice(10, 12), [rs[11], rs[10]]), 12),  # reordered
    (lambda rs: rs[0].update(time=rs[0]["time"] + timedelta(seconds=1)), 2),  # time changed
])
def test_tampering_is_named_at_the_first_bad_row(tamper, bad_row):
    rows = make_rows(30)
    head = head_of(rows)
    tamper(rows)
    verdict = verify(KEY, rows, head)
    assert not verdict.ok and verdict.first_bad_row == bad_row
    assert f"ligne {bad_row}" in verdict.message


def test_cut_at_the_end_is_noticed():
    rows = make_rows(30)
    head = head_of(rows)
    verdict = verify(KEY, rows[:27], head)
    assert not verdict.ok and verdict.first_bad_row == 29 and "3 ligne(s) manquent" in verdict.message


def test_rows_forged_without_the_key_fail():
    rows = make_rows(5)
    forged = dict(rows[-1], row="K5")
    forged["hash"] = link(b"x" * 32, rows[-1]["hash"], forged)
    verdict = verify(KEY, rows + [forged], head_of(rows))
    assert not verdict.ok and verdict.first_bad_row == 7


def test_journal_of_actions_verifies_and_detects_a_sheet_edit(biz):
    biz.add("clients", {"name": "Kofi"}, "Awa")
    biz.expense("500", "Transport", "Awa")
    assert biz.verify_journal().ok
    grid = biz.workbook.backend.grid("Journal")
    grid[2][6] = "Montant : 5"  # a person edits the second Journal row
    verdict = biz.verify_journal()
    assert not verdict.ok and verdict.first_bad_row == 3
