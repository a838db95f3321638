"""The cyclic garbage collector around large reads and syncs (issue 15 item 3): paused, then back as it was."""

from __future__ import annotations

import gc

import pytest

from functions.store import workbook
from functions.store.workbook import collector_paused


def test_collector_paused_in_the_block_and_back_after() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_collector_back_after_an_error() -> None:
    with pytest.raises(ValueError), collector_paused():
        raise ValueError("boom")
    assert gc.isenabled()


def test_collector_left_off_when_it_was_off() -> None:
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_frozen_rows_are_still_freed_when_dropped() -> None:
    import weakref

    class Row:
        pass

    row = Row()
    gone = weakref.ref(row)
    workbook._freeze()
    try:
        del row
        assert gone() is None  # freed by its reference count, frozen or not
    finally:
        gc.unfreeze()
