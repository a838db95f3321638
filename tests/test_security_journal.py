"""Issue 13, item 10: the Journal's key and head sit in the state store, so whoever can write it could rewrite
the rows and recompute the chain. Every ``checkpoint.EVERY``-th Journal row is a checkpoint of the head sealed
with a key the state store does not hold (TTR_SECRET_KEY): ``ttr audit verify`` catches such a rewrite."""

from __future__ import annotations

from typing import Any

import pytest

from functions.audit import checkpoint
from functions.audit.journal import GENESIS, Head, journal_key, link
from functions.store.codec import Codec

COLUMNS = ("time", "actor", "source", "action", "tab", "row", "changes")


@pytest.fixture
def sealed(monkeypatch, biz):
    """Checkpoints every 5 rows, TTR_SECRET_KEY set (in the cloud: a Secret Manager secret)."""
    monkeypatch.setattr(checkpoint, "EVERY", 5)
    monkeypatch.setenv("TTR_SECRET_KEY", "k" * 48)
    for n in range(6):
        biz.add("clients", {"name": f"Client {n}"}, "Awa")
        biz.expense(str(100 + n), "Transport", "Awa")
    return biz


def journal(biz) -> list[list[Any]]:
    return biz.workbook.backend.grid("Journal")


def rechain(biz, *, fix_checkpoints: bool = True) -> None:
    """What an attacker with the state store does after editing rows: recompute every Empreinte with the
    Journal key, fix each checkpoint's head (not its sceau: that key is elsewhere), store the new head."""
    key, codec, grid = journal_key(biz.state), Codec("XOF"), journal(biz)
    previous = GENESIS
    for i, raw in enumerate(grid[1:]):
        values = {c: (codec.to_value("datetime", raw[j]) if c == "time" else
                      (raw[j] if isinstance(raw[j], str) else codec.to_value("text", raw[j])))
                  for j, c in enumerate(COLUMNS)}
        found = checkpoint.parse(values["changes"]) if values["action"] == checkpoint.ACTION else None
        if found is not None and fix_checkpoints:
            values["changes"] = raw[6] = checkpoint.Checkpoint(i, previous, found.seal).text()
        raw[7] = previous = link(key, previous, values)
    Head(len(grid) - 1, previous).save(biz.state)


def test_checkpoints_are_written_every_few_rows_and_verify(sealed):
    rows = journal(sealed)[1:]
    kinds = [r[3] for r in rows]
    assert len(rows) >= 12
    assert [i for i, k in enumerate(kinds) if k == checkpoint.ACTION] == [4, 9] + ([14] if len(rows) > 14 else [])
    first = checkpoint.parse(rows[4][6])
    assert first is not None and first.count == 4 and first.head == rows[3][7]
    assert sealed.verify_journal().ok


def test_a_rewrite_of_rows_and_state_head_is_caught_by_the_checkpoint(sealed):
    grid = journal(sealed)
    assert "Client 0" in grid[1][6]
    grid[1][6] = grid[1][6].replace("Client 0", "Client Fantôme")  # history rewritten…
    rechain(sealed)  # …and the chain recomputed with the key from the state store, head saved there
    verdict = sealed.verify_journal()
    assert not verdict.ok and "point de contrôle" in verdict.message and verdict.first_bad_row == 6


def test_removing_a_checkpoint_is_caught(sealed):
    grid = journal(sealed)
    second = [i for i, r in enumerate(grid) if r[3] == checkpoint.ACTION][1]
    del grid[second]
    rechain(sealed)
    verdict = sealed.verify_journal()
    assert not verdict.ok and "point de contrôle" in verdict.message


def test_without_the_checkpoints_the_same_rewrite_would_pass(sealed, monkeypatch):
    """The attack is real: the chain alone (key and head in the state) does not see it."""
    grid = journal(sealed)
    grid[1][6] = grid[1][6].replace("Client 0", "Client Fantôme")
    rechain(sealed)
    assert not sealed.verify_journal().ok
    monkeypatch.setattr(checkpoint, "check", lambda *a: None)  # the verifier as it was before checkpoints
    assert sealed.verify_journal().ok


def test_latest_checkpoint_for_the_owner_summary(sealed):
    rows = [{"action": r[3], "changes": r[6]} for r in journal(sealed)[1:]]
    last = checkpoint.latest(rows)
    assert last is not None and last.count in (9, 14)
    assert last.short().startswith(f"{last.count} lignes, sceau ")


def test_the_owner_summary_carries_the_latest_checkpoint(sealed):
    from datetime import date

    from functions.reminders import messages, rules

    sealed.set_settings({"phone": "90 11 22 33"}, "Awa")
    book = sealed.load()
    settings = rules.Settings.from_book(book)
    summary = next(d for d in rules.business_due(book, date(2026, 3, 14), settings) if d.rule == rules.SUMMARY)
    last = checkpoint.latest(book.all_rows("journal"))
    assert last is not None and summary.recipient.admin
    _, text = messages.render(rules.SUMMARY, summary.context)
    assert f"Point de contrôle du Journal : {last.short()}" in text
