"""The Google backend holds the grids it read and keeps them up to date with its own writes; the Drive file's
``version`` says whether anyone else changed the spreadsheet since. Nothing is served that a fresh read would
not give: every case here compares with a second client reading cold."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
import requests

from functions.store.backend import AppendRows, ColumnSpec, ReplaceTab, TabSpec, UpdateRow
from tests.store.factory_gsheets import SPREADSHEET_ID, GSheetsPerson, backend_for, fake_api

BATCH_GET = "sheets.spreadsheets.values.batchGet"
CLIENTS = TabSpec("Clients", (ColumnSpec("ID"), ColumnSpec("Nom"), ColumnSpec("Solde"), ColumnSpec("Depuis"),
                              ColumnSpec("Actif"), ColumnSpec("Notes")))
BOARD = TabSpec("Tableau de bord", (ColumnSpec("Quoi"), ColumnSpec("Valeur")))


@pytest.fixture
def api():
    with fake_api(reads_per_minute=10_000, writes_per_minute=10_000) as api:
        yield api


@pytest.fixture
def b(api):
    backend = backend_for(api)
    backend.setup([CLIENTS, BOARD])
    backend.write([AppendRows("Clients", tuple({"ID": f"C{i}", "Nom": f"Client {i}", "Solde": Decimal(i * 500)}
                                                for i in range(1, 6)))])
    return backend


def count(api, method_id: str) -> int:
    return len(api.calls(method_id))


def cold(api, titles=("Clients", "Tableau de bord")):
    """What a client that never read this spreadsheet reads now."""
    other = backend_for(api)
    return {t: [list(r) for r in g] for t, g in other.read(list(titles)).items()}


def test_a_second_read_of_an_unchanged_spreadsheet_reads_no_values(api, b):
    first = b.read(["Clients"])
    reads = count(api, BATCH_GET)
    again = b.read(["Clients"])
    assert count(api, BATCH_GET) == reads  # only Drive's version was asked
    assert again == first and again["Clients"] is not first["Clients"]  # a copy each time


def test_a_persons_edit_is_read_at_once(api, b):
    b.read(["Clients"])
    GSheetsPerson(api, SPREADSHEET_ID).set_cell("Clients", 3, "Nom", "Corrigé à la main")
    reads = count(api, BATCH_GET)
    grid = b.read(["Clients"])["Clients"]
    assert count(api, BATCH_GET) == reads + 1
    assert grid[2][1] == "Corrigé à la main"


def test_what_the_backend_holds_after_its_own_writes_is_what_a_cold_read_gives(api, b):
    b.read(["Clients", "Tableau de bord"])
    b.write([
        AppendRows("Clients", ({"ID": "C9", "Nom": "=1+1", "Solde": Decimal("1234.5"), "Depuis": date(2026, 3, 14),
                                "Actif": True, "Notes": "0707123456"},)),
        UpdateRow("Clients", "C2", {"Solde": Decimal("-0.1"), "Nom": None, "Notes": "été"}, row_hint=3),
        UpdateRow("Clients", "C5", {"Depuis": datetime(2026, 3, 14, 12, 30, 15), "Actif": False}, row_hint=6),
        ReplaceTab("Tableau de bord", (("Ventes", Decimal("10.25")), ("Jour", date(2026, 3, 1)), ("", None))),
    ])
    reads = count(api, BATCH_GET)
    held = {t: [list(r) for r in g] for t, g in b.read(["Clients", "Tableau de bord"]).items()}
    assert count(api, BATCH_GET) == reads  # nothing read: the writes were applied to what it holds
    assert held == cold(api)


def test_a_sort_between_the_read_and_a_row_update_is_seen_and_the_row_found(api, b):
    grid = b.read(["Clients"])["Clients"]
    assert grid[2][0] == "C2"
    GSheetsPerson(api, SPREADSHEET_ID).sort("Clients", "Nom", reverse=True)
    b.write([UpdateRow("Clients", "C2", {"Notes": "payé"}, row_hint=3)])
    rows = {r[0]: r for r in cold(api, ("Clients",))["Clients"][1:]}
    assert rows["C2"][5] == "payé" and all(len(r) < 6 for k, r in rows.items() if k != "C2")
    assert b.read(["Clients"])["Clients"] == cold(api, ("Clients",))["Clients"]


def test_another_clients_write_is_read_at_once(api, b):
    b.read(["Clients"])
    backend_for(api).write([AppendRows("Clients", ({"ID": "C7", "Nom": "Par une autre instance"},))])
    grid = b.read(["Clients"])["Clients"]
    assert grid[-1][:2] == ["C7", "Par une autre instance"]


def test_without_drive_every_read_reads_the_values(api, b):
    b.read(["Clients"])
    api.fail_next(403, count=50, kind="drive")
    reads = count(api, BATCH_GET)
    b.read(["Clients"])
    GSheetsPerson(api, SPREADSHEET_ID).set_cell("Clients", 2, "Nom", "Vu quand même")
    grid = b.read(["Clients"])["Clients"]
    assert count(api, BATCH_GET) == reads + 2 and grid[1][1] == "Vu quand même"
    assert b.version() is None


def test_a_write_whose_answer_was_lost_is_not_trusted(api, b):
    b.read(["Clients"])
    api.fail_next(500, kind="write", after_applying=True)
    b.write([AppendRows("Clients", ({"ID": "C8", "Nom": "Perdu puis retrouvé"},))])
    reads = count(api, BATCH_GET)
    grid = b.read(["Clients"])["Clients"]
    assert count(api, BATCH_GET) > reads  # read again from Google
    assert [r[0] for r in grid[1:]].count("C8") == 1 and grid == cold(api, ("Clients",))["Clients"]


def test_answers_are_compact_and_compressed(api, b):
    seen: list[requests.Response] = []
    b.http.session.hooks["response"].append(lambda r, *a, **k: seen.append(r))
    GSheetsPerson(api, SPREADSHEET_ID).set_cell("Clients", 2, "Nom", "x")
    b.read(["Clients"])
    b.write([AppendRows("Clients", ({"ID": "C6", "Nom": "Zoé"},))])
    assert seen and all(r.headers.get("Content-Encoding") == "gzip" for r in seen)
    assert all(c.query.get("prettyPrint") == ["false"] for c in api.calls()[-len(seen):])
