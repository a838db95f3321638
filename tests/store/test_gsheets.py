"""The Google Sheets backend against the fake Sheets API: requests per op, literal text, errors, retries."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest

from functions.errors import (
    AccessDeniedError,
    BackendError,
    BackendTimeoutError,
    InvalidInputError,
    MissingTabError,
    QuotaError,
    WorkbookMissingError,
)
from functions.store.backend import AppendRows, ColumnSpec, NumberFormat, ReplaceTab, TabSpec, UpdateRow
from functions.store.gsheets import GoogleSheetsBackend, spreadsheet_id_from
from tests.fakes.sheets_api import SERVICE_ACCOUNT, FakeSheetsApi
from tests.fakes.sheets_model import apply_mask
from tests.store.factory_gsheets import SPREADSHEET_ID, GSheetsPerson, backend_for, fake_api

MONEY = NumberFormat("CURRENCY", '#,##0 "FCFA"')
CLIENTS = TabSpec("Clients", (
    ColumnSpec("ID", width=10),
    ColumnSpec("Nom", width=24),
    ColumnSpec("Solde", computed=True, number_format=MONEY),
    ColumnSpec("Statut", choices=("Actif", "Inactif")),
    ColumnSpec("Secret", hidden=True),
))
JOURNAL = TabSpec("Journal", (ColumnSpec("Horodatage"), ColumnSpec("Action")), protected=True)
BOARD = TabSpec("Tableau de bord", (ColumnSpec("Indicateur"), ColumnSpec("Valeur")))
BATCH_GET = "sheets.spreadsheets.values.batchGet"
BATCH_UPDATE = "sheets.spreadsheets.batchUpdate"


@pytest.fixture
def api() -> Iterator[FakeSheetsApi]:
    with fake_api(reads_per_minute=10_000, writes_per_minute=10_000) as fake:
        yield fake


@pytest.fixture
def b(api) -> GoogleSheetsBackend:
    backend = backend_for(api)
    backend.setup([CLIENTS, JOURNAL, BOARD])
    return backend


def count(api: FakeSheetsApi, method_id: str) -> int:
    return len(api.calls(method_id))


def add(b: GoogleSheetsBackend, *rows: dict) -> None:
    b.write([AppendRows("Clients", tuple(rows), {"Solde": MONEY})])


# -- identity --------------------------------------------------------------------------------------------
def test_spreadsheet_id_from_url_or_id():
    sid = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-ab"
    assert spreadsheet_id_from(f"https://docs.google.com/spreadsheets/d/{sid}/edit#gid=0") == sid
    assert spreadsheet_id_from(f" {sid} ") == sid
    with pytest.raises(InvalidInputError, match="adresse"):
        spreadsheet_id_from("https://example.com/mon-classeur")


def test_from_default_credentials_builds_an_authorized_session(monkeypatch):
    import google.auth
    from google.auth.credentials import AnonymousCredentials

    class Creds(AnonymousCredentials):
        service_account_email = "ttr@projet.iam.gserviceaccount.com"

    seen = {}

    def default(scopes):
        seen["scopes"] = scopes
        return Creds(), "projet"

    monkeypatch.setattr(google.auth, "default", default)
    backend = GoogleSheetsBackend.from_default_credentials(f"https://docs.google.com/spreadsheets/d/{SPREADSHEET_ID}/")
    assert backend.spreadsheet_id == SPREADSHEET_ID and backend.service_account_email == Creds.service_account_email
    assert "https://www.googleapis.com/auth/drive.readonly" in seen["scopes"]


# -- requests per operation ------------------------------------------------------------------------------
def test_one_read_is_one_batch_get_and_one_write_is_one_batch_update(api, b):
    reads, writes = count(api, BATCH_GET), count(api, BATCH_UPDATE)
    add(b, {"ID": "C1", "Nom": "Awa"}, {"ID": "C2", "Nom": "Kofi"})
    b.write([AppendRows("Journal", ({"Horodatage": "t", "Action": "ajout"},)), ReplaceTab("Tableau de bord", (("a", 1),))])
    assert count(api, BATCH_UPDATE) == writes + 2 and count(api, BATCH_GET) == reads  # headers known from setup
    b.read()
    assert count(api, BATCH_GET) == reads + 1 and count(api, "sheets.spreadsheets.get") == 1  # setup's only
    checks = count(api, "drive.files.get")
    b.write([UpdateRow("Clients", "C2", {"Statut": "Actif"}, row_hint=3), AppendRows("Journal", ({"Action": "x"},))])
    # Nothing changed since the read (the Drive version says so): the rows are where they were, no batchGet.
    assert count(api, BATCH_GET) == reads + 1 and count(api, BATCH_UPDATE) == writes + 3
    assert count(api, "drive.files.get") == checks + 1
    assert b.requests["write"] == count(api, BATCH_UPDATE)


def test_every_request_body_passes_the_discovery_validator(api, b):
    add(b, {"ID": "C1", "Nom": "Awa", "Solde": Decimal("1500"), "Statut": "Actif"})
    b.write([UpdateRow("Clients", "C1", {"Solde": Decimal("-2.5"), "Nom": None}, formats={"Solde": MONEY}),
             ReplaceTab("Tableau de bord", (("Ventes", Decimal("10.25")), ("Jour", date(2026, 3, 1)))),
             AppendRows("Journal", ({"Horodatage": date(2026, 1, 1), "Action": True},))])
    b.setup([CLIENTS, JOURNAL, BOARD, TabSpec("Caisse", (ColumnSpec("ID"),), initial_rows=(("x",),))])
    assert [c.status for c in api.calls()] == [200] * len(api.calls())


def test_a_wrong_body_is_refused_by_the_fake(api, b):
    with pytest.raises(BackendError, match='Unknown name "userEnteredValues"'):
        b.http.call("write", lambda: b.client.batch_update(b.spreadsheet_id, {"requests": [{"appendCells": {
            "sheetId": 1, "rows": [{"values": [{"userEnteredValues": {"stringValue": "x"}}]}], "fields": "*"}}]}))


def test_text_stays_literal_and_decimals_are_sent_exactly(api, b):
    add(b, {"ID": "007", "Nom": '=IMPORTXML("http://x";A1)', "Solde": Decimal("1234.50")})
    assert GSheetsPerson(api, SPREADSHEET_ID).formulas("Clients") == []
    body = api.calls(BATCH_UPDATE)[-1].body
    cells = body["requests"][0]["appendCells"]["rows"][0]["values"]
    assert cells[1]["userEnteredValue"] == {"stringValue": '=IMPORTXML("http://x";A1)'}
    assert str(cells[2]["userEnteredValue"]["numberValue"]) == "1234.50"  # the JSON text, not a float's repr
    assert cells[2]["userEnteredFormat"]["numberFormat"] == {"type": "CURRENCY", "pattern": '#,##0 "FCFA"'}
    assert b.read(["Clients"])["Clients"][1] == ["007", '=IMPORTXML("http://x";A1)', Decimal("1234.5")]


def test_setup_formats_validates_protects_and_is_idempotent(api, b):
    ss = api.spreadsheets[SPREADSHEET_ID]
    clients = ss.by_title("Clients")
    assert clients.frozen_row_count == 1
    assert clients.cells[(0, 0)]["userEnteredFormat"]["textFormat"]["bold"] is True
    assert clients.col_props[1]["pixelSize"] == 24 * 7 and clients.col_props[4]["hiddenByUser"] is True
    solde = clients.cells[(5, 2)]["userEnteredFormat"]
    assert solde["numberFormat"]["type"] == "CURRENCY" and solde["backgroundColor"]["red"] == pytest.approx(0.93)
    rule = clients.cells[(5, 3)]["dataValidation"]
    assert rule["strict"] and rule["showCustomUi"] and [v["userEnteredValue"] for v in rule["condition"]["values"]] == [
        "Actif", "Inactif"]
    (protection,) = ss.by_title("Journal").protected_ranges
    assert SERVICE_ACCOUNT in protection["editors"]["users"] and protection["warningOnly"] is False
    # a data tab is not locked: only its computed columns (here Solde) warn before a person types over them
    assert [(p["warningOnly"], p["range"].get("startColumnIndex"), p["range"].get("startRowIndex"))
            for p in clients.protected_ranges] == [(True, 2, 1)]
    writes = count(api, BATCH_UPDATE)
    report = b.setup([CLIENTS, JOURNAL, BOARD])
    assert not report.changed and count(api, BATCH_UPDATE) == writes


def test_setup_widens_a_narrow_grid_without_touching_data(api):
    ss = api.spreadsheets[SPREADSHEET_ID]
    tab = ss.add_sheet("Clients", column_count=2)
    person = GSheetsPerson(api, SPREADSHEET_ID)
    tab.set(0, 0, apply_mask(None, {"userEnteredValue": {"stringValue": "ID"}}, ["userEnteredValue"]))
    person.set_cell("Clients", 2, "ID", "C1")
    b = backend_for(api)
    report = b.setup([CLIENTS])
    assert report.added_columns == [("Clients", h) for h in ("Nom", "Solde", "Statut", "Secret")]
    assert b.read(["Clients"])["Clients"] == [["ID", "Nom", "Solde", "Statut", "Secret"], ["C1"]]
    assert ss.by_title("Clients").column_count == 5
    assert any("appendDimension" in r for r in api.calls(BATCH_UPDATE)[-1].body["requests"])


def test_replace_tab_wider_than_the_grid(api, b):
    wide = tuple(f"v{i}" for i in range(30))
    b.write([ReplaceTab("Tableau de bord", (wide,))])
    assert b.read(["Tableau de bord"])["Tableau de bord"][1] == list(wide)


# -- errors ------------------------------------------------------------------------------------------------
def test_access_denied_names_the_service_account(api):
    api.denied = True
    with pytest.raises(AccessDeniedError) as exc:
        backend_for(api).read(["Clients"])
    assert SERVICE_ACCOUNT in exc.value.message and "Éditeur" in exc.value.message


def test_unknown_spreadsheet(api):
    api.spreadsheets.clear()
    with pytest.raises(WorkbookMissingError):
        backend_for(api).titles()


def test_missing_tab_and_a_tab_deleted_behind_the_cache(api, b):
    with pytest.raises(MissingTabError):
        b.read(["Caisse"])
    ss = api.spreadsheets[SPREADSHEET_ID]
    ss.sheets.remove(ss.by_title("Journal"))
    with pytest.raises(MissingTabError):
        b.read(["Journal"])
    assert "Journal" not in b.titles()
    with pytest.raises(MissingTabError):
        b.write([AppendRows("Journal", ({"Action": "x"},))])


def test_quota_storm_is_retried_a_bounded_number_of_times_honouring_retry_after(api, b):
    slept: list[float] = []
    b.http.sleep = slept.append
    api.fail_next(429, count=20, retry_after=2)
    before = count(api, BATCH_UPDATE)
    with pytest.raises(QuotaError):
        add(b, {"ID": "C1", "Nom": "Awa"})
    assert count(api, BATCH_UPDATE) - before == 6  # 1 + max_retries
    assert len(slept) == 5 and all(2 <= s < 3 for s in slept) and len(set(slept)) > 1
    api._forced.clear()
    slept.clear()
    api.fail_next(429, count=3)
    add(b, {"ID": "C2", "Nom": "Kofi"})
    assert len(slept) == 3 and all(0 <= s <= cap for s, cap in zip(slept, (1, 2, 4), strict=True))
    ids = [r[0] for r in b.read(["Clients"])["Clients"][1:]]
    assert ids == ["C2"]  # the failed storm wrote nothing, the retried write landed once


def test_retry_after_beyond_the_budget_fails_at_once(api, b):
    slept: list[float] = []
    b.http.sleep = slept.append
    api.fail_next(429, retry_after=600, kind="read")
    with pytest.raises(QuotaError):
        b.read(["Clients"])
    assert slept == []


def test_server_errors_are_retried_then_reported(api, b):
    api.fail_next(503, count=2)
    assert b.read(["Clients"])["Clients"][0][0] == "ID"
    api.fail_next(500, count=10)
    with pytest.raises(BackendError, match="indisponible"):
        b.read(["Clients"])


def caisse_ids(b: GoogleSheetsBackend) -> list:
    return [r[0] for r in b.read(["Clients"])["Clients"][1:]]


def test_a_write_applied_then_answered_500_is_not_resent(api, b):
    api.fail_next(500, kind="write", after_applying=True)
    before = count(api, BATCH_UPDATE)
    add(b, {"ID": "C1", "Nom": "Awa"}, {"ID": "C2", "Nom": "Kofi"})
    assert count(api, BATCH_UPDATE) == before + 1  # Google had applied it: the IDs were re-read, nothing resent
    assert caisse_ids(b) == ["C1", "C2"]


def test_a_write_refused_with_500_before_applying_is_resent_once(api, b):
    api.fail_next(500, kind="write")
    before = count(api, BATCH_UPDATE)
    add(b, {"ID": "C1", "Nom": "Awa"})
    assert count(api, BATCH_UPDATE) == before + 2 and caisse_ids(b) == ["C1"]


def test_a_write_applied_then_timed_out_is_not_resent(api):
    b = backend_for(api, timeout=(1, 0.3))
    b.setup([CLIENTS])
    api.delay_next(0.6, kind="write", after_applying=True)
    before = count(api, BATCH_UPDATE)
    add(b, {"ID": "C1", "Nom": "Awa"})
    assert count(api, BATCH_UPDATE) == before + 1
    assert caisse_ids(b) == ["C1"]


def test_only_the_rows_that_did_not_land_are_resent(api, b):
    add(b, {"ID": "C1", "Nom": "Awa"})
    person = GSheetsPerson(api, SPREADSHEET_ID)
    api.fail_next(503, kind="write")  # not applied: but a person had meanwhile typed C3's row (same ID)
    person.append_row("Clients", {"ID": "C3", "Nom": "Ama"})
    add(b, {"ID": "C2", "Nom": "Kofi"}, {"ID": "C3", "Nom": "Ama"})
    assert caisse_ids(b) == ["C1", "C3", "C2"]
    (resent,) = api.calls(BATCH_UPDATE)[-1].body["requests"]
    assert [r["values"][0]["userEnteredValue"] for r in resent["appendCells"]["rows"]] == [{"stringValue": "C2"}]


def test_a_write_whose_rows_have_no_unique_key_is_never_resent_blindly(api, b):
    api.fail_next(500, kind="write", after_applying=True)
    with pytest.raises(BackendTimeoutError, match="peut-être"):
        b.write([AppendRows("Tableau de bord", ({"Indicateur": "x", "Valeur": 1},))])
    assert b.read(["Tableau de bord"])["Tableau de bord"][1:] == [["x", 1]]  # landed once


def test_a_read_that_times_out_is_retried(api):
    b = backend_for(api, timeout=(1, 0.2))
    b.setup([CLIENTS])
    api.delay_next(0.4, kind="read")
    assert b.read(["Clients"])["Clients"][0][0] == "ID"
    assert b.requests["read"] >= 2


def test_the_fake_per_minute_quota_is_absorbed_by_backoff():
    now = [0.0]
    with fake_api(reads_per_minute=3, writes_per_minute=60, clock=lambda: now[0]) as api:
        slept: list[float] = []

        def sleep(seconds: float) -> None:
            slept.append(seconds)
            now[0] += 30  # the injected clock moves while we wait

        b = backend_for(api, sleep=sleep, rng=random.Random(1))
        person = GSheetsPerson(api, SPREADSHEET_ID)
        b.setup([CLIENTS])  # 1 get + 1 batchGet (is the default tab empty?) + 1 batchUpdate (it is deleted)
        b.read(["Clients"])  # read 3 of this minute
        assert slept == []
        person.set_cell("Clients", 2, "Nom", "Awa")  # the sheet changed: the next read asks for the values
        b.read(["Clients"])  # 429 at t=0 and t=30, then the next minute answers
        assert len(slept) == 2
        assert [c.status for c in api.calls(BATCH_GET)] == [200, 200, 429, 429, 200]
        b.http.max_retries = 0
        person.set_cell("Clients", 2, "Nom", "Kofi")
        b.read(["Clients"])
        person.set_cell("Clients", 2, "Nom", "Ama")
        b.read(["Clients"])
        person.set_cell("Clients", 2, "Nom", "Afi")
        with pytest.raises(QuotaError):
            b.read(["Clients"])


# -- last editor -------------------------------------------------------------------------------------------
def test_last_editor_from_drive_revisions(api, b):
    ss = api.spreadsheets[SPREADSHEET_ID]
    ss.revisions = [{"id": str(i), "modifiedTime": f"2026-02-{i:02d}T08:00:00.000Z",
                     "lastModifyingUser": {"displayName": f"Personne {i}", "emailAddress": f"p{i}@x.tg"}}
                    for i in range(1, 4)]
    assert b.last_editor() == "Personne 3"
    ss.revisions[-1]["lastModifyingUser"] = {"emailAddress": "awa@x.tg"}
    assert b.last_editor() == "awa@x.tg"
    api.fail_next(500, count=5, kind="drive")
    assert b.last_editor() is None


def test_a_write_that_keeps_failing_is_checked_once_more_and_reported_as_not_saved(api, b):
    api.fail_next(500, count=20, kind="write")
    before = count(api, BATCH_UPDATE)
    with pytest.raises(BackendError, match="indisponible"):
        add(b, {"ID": "C1", "Nom": "Awa"})
    assert count(api, BATCH_UPDATE) - before == 1 + b.http.max_retries
    assert caisse_ids(b) == []  # the last answer was checked: nothing landed, and it says so


def test_the_last_attempt_that_landed_is_a_success(api, b):
    b.http.max_retries = 1
    api.fail_next(500, kind="write")
    api.fail_next(500, kind="write", after_applying=True)
    add(b, {"ID": "C1", "Nom": "Awa"})
    assert caisse_ids(b) == ["C1"]
