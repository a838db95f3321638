"""The Google backend talks through gspread (its HTTP client and named endpoints), with our request bodies,
our bounded retry policy (never gspread's BackOffHTTPClient), a timeout on every call and our errors; no
Sheets URL is built by hand in the toolkit."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import gspread
import pytest
from gspread.http_client import BackOffHTTPClient, HTTPClient

from functions.errors import BackendError
from functions.store.backend import AppendRows, ColumnSpec, TabSpec
from tests.store.factory_gsheets import backend_for, fake_api

ROOT = Path(__file__).resolve().parents[2]
TAB = TabSpec("Caisse", (ColumnSpec("ID"), ColumnSpec("Montant")))


def test_every_sheets_call_goes_through_gspread_with_a_timeout(monkeypatch):
    used: list[tuple[str, object]] = []
    for name in ("batch_update", "values_batch_get", "fetch_sheet_metadata"):
        original = getattr(HTTPClient, name)

        def spy(self, *args, _name=name, _original=original, **kwargs):
            used.append((_name, self.timeout))
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(HTTPClient, name, spy)
    with fake_api() as api:
        b = backend_for(api, timeout=(3, 7))
        assert isinstance(b.gc, gspread.Client) and not isinstance(b.client, BackOffHTTPClient)
        b.setup([TAB])
        b.write([AppendRows("Caisse", ({"ID": "K1", "Montant": Decimal("0.1")},))])
        assert b.read(["Caisse"])["Caisse"][1] == ["K1", Decimal("0.1")]
        sheets = [c for c in api.calls() if str(c.method_id).startswith("sheets.")]  # (Drive: client.request)
        assert len(used) == len(sheets) >= 4  # every Sheets request the fake saw came through gspread
        assert {name for name, _ in used} == {"batch_update", "values_batch_get", "fetch_sheet_metadata"}
        assert {timeout for _, timeout in used} == {(3, 7)}


def test_gspread_errors_become_ours_and_retries_stay_bounded():
    with fake_api() as api:
        b = backend_for(api)
        api.fail_next(503, count=20, kind="read")
        with pytest.raises(BackendError, match="indisponible"):
            b.titles()
        assert len(api.calls("sheets.spreadsheets.get")) == 1 + b.http.max_retries


def test_no_sheets_url_is_built_by_hand():
    pattern = re.compile(r"sheets\.googleapis\.com|/v4/spreadsheets|values:batchGet|:batchUpdate")
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "functions").rglob("*.py")
                 if pattern.search(p.read_text(encoding="utf-8"))]
    assert offenders == []
