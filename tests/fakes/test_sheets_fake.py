"""The fake Sheets API behaves like Google where TTR depends on it, and refuses what Google refuses."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import pytest
import requests

from tests.fakes.discovery import PayloadError, load, split_mask
from tests.fakes.sheets_api import FakeSheetsApi

GOOD_BATCH = {
    "requests": [
        {"addSheet": {"properties": {"sheetId": 12, "title": "Tableau de bord",
                                     "gridProperties": {"rowCount": 1000, "columnCount": 26, "frozenRowCount": 1}}}},
        {"appendCells": {"sheetId": 12, "fields": "userEnteredValue,userEnteredFormat.numberFormat",
                         "rows": [{"values": [
                             {"userEnteredValue": {"stringValue": "=IMPORTXML(\"http://x\";A1)"}},
                             {"userEnteredValue": {"numberValue": 1234.5},
                              "userEnteredFormat": {"numberFormat": {"type": "CURRENCY", "pattern": "#,##0"}}},
                         ]}]}},
        {"setDataValidation": {"range": {"sheetId": 12, "startRowIndex": 1, "startColumnIndex": 0,
                                         "endColumnIndex": 1},
                               "rule": {"condition": {"type": "ONE_OF_LIST", "values": [{"userEnteredValue": "A"}]},
                                        "showCustomUi": True, "strict": True}}},
        {"updateDimensionProperties": {"range": {"sheetId": 12, "dimension": "COLUMNS", "startIndex": 0,
                                                 "endIndex": 1},
                                       "properties": {"pixelSize": 98, "hiddenByUser": True},
                                       "fields": "pixelSize,hiddenByUser"}},
        {"addProtectedRange": {"protectedRange": {"range": {"sheetId": 12}, "warningOnly": False,
                                                  "editors": {"users": ["a@b.c"]}}}},
    ]
}


@pytest.fixture
def api() -> Iterator[FakeSheetsApi]:
    with FakeSheetsApi() as fake:
        fake.create("s1", ("Paramètres", "Clients"))
        yield fake


def url(api: FakeSheetsApi, rest: str) -> str:
    return f"{api.url}/v4/spreadsheets/s1{rest}"


def batch(api: FakeSheetsApi, body: dict) -> requests.Response:
    return requests.post(url(api, ":batchUpdate"), json=body, timeout=5)


def get_values(api: FakeSheetsApi, rng: str, **params: str) -> dict:
    r = requests.get(url(api, "/values/" + quote(rng, safe="")), params=params, timeout=5)
    assert r.status_code == 200, r.text
    return r.json()


# -- the validator ---------------------------------------------------------------------------------------
def test_validator_accepts_a_known_good_body():
    load().check("BatchUpdateSpreadsheetRequest", GOOD_BATCH)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"requests": [{"appendCells": {"sheetId": 1, "rows": [{"values": [{"userEnteredValue": {"textValue": "x"}}]}]}}]},
         "Unknown name \"textValue\" at 'requests[0].append_cells.rows[0].values[0].user_entered_value': "
         "Cannot find field."),
        ({"requests": [{"appendCells": {"sheetId": 1, "foo": 2}}]},
         "Invalid JSON payload received. Unknown name \"foo\" at 'requests[0].append_cells': Cannot find field."),
        ({"requests": [{"appendDimension": {"sheetId": 1, "dimension": "LINES", "length": 2}}]},
         "Invalid value at 'requests[0].append_dimension.dimension'"),
        ({"requests": [{"appendDimension": {"sheetId": "one", "dimension": "ROWS", "length": 2}}]},
         "(TYPE_INT32)"),
        ({"requests": [{"repeatCell": {"cell": {"userEnteredFormat": {"textFormat": {"bold": "yes"}}}}}]},
         "(TYPE_BOOL)"),
        ({"requests": [{"addSheet": {}, "deleteSheet": {"sheetId": 1}}]}, "Oneof field 'kind' is already set"),
        ({"requests": [{}]}, "No request set"),
        ({"requests": [{"updateCells": {"rows": [{"values": [{"userEnteredValue": {"stringValue": "a",
                                                                                   "numberValue": 1}}]}]}}]},
         "Oneof field 'value' is already set"),
    ],
)
def test_validator_refuses_what_google_refuses(body, message):
    with pytest.raises(PayloadError) as exc:
        load().check("BatchUpdateSpreadsheetRequest", body)
    assert message in str(exc.value)


def test_field_masks_are_checked_against_the_schema():
    load().check_mask("CellData", "userEnteredValue,userEnteredFormat(numberFormat,textFormat.bold)", "x")
    with pytest.raises(PayloadError):
        load().check_mask("CellData", "userEnteredFormat.numberformat", "x")
    assert split_mask("a.b,c(d,e/f)") == ["a.b", "c.d", "c.e.f"]


def test_server_refuses_invalid_bodies_and_query_parameters_with_googles_envelope(api):
    r = batch(api, {"requests": [{"appendCells": {"sheetId": 0, "foo": 1}}]})
    assert r.status_code == 400
    err = r.json()["error"]
    assert err["status"] == "INVALID_ARGUMENT" and err["code"] == 400 and "Unknown name \"foo\"" in err["message"]
    r = requests.get(url(api, "/values:batchGet"), params={"ranges": "A1", "valueRenderOption": "RAW"}, timeout=5)
    assert r.status_code == 400 and "value_render_option" in r.json()["error"]["message"]
    r = requests.get(url(api, "/values:batchGet"), params={"ranges": "A1", "colour": "red"}, timeout=5)
    assert r.status_code == 400 and "Cannot bind query parameter" in r.json()["error"]["message"]
    r = batch(api, {"requests": [{"updateCells": {"start": {"sheetId": 0}, "rows": [], "fields": "nope"}}]})
    assert r.status_code == 400 and "Invalid field mask" in r.json()["error"]["message"]


# -- state and values --------------------------------------------------------------------------------------
def test_batch_update_is_all_or_nothing_and_replies(api):
    r = batch(api, GOOD_BATCH)
    assert r.status_code == 200, r.text
    replies = r.json()["replies"]
    assert replies[0]["addSheet"]["properties"]["title"] == "Tableau de bord" and replies[1] == {}
    assert replies[4]["addProtectedRange"]["protectedRange"]["range"] == {"sheetId": 12}
    before = get_values(api, "'Tableau de bord'")
    r = batch(api, {"requests": [
        {"appendCells": {"sheetId": 12, "rows": [{"values": [{"userEnteredValue": {"stringValue": "x"}}]}],
                         "fields": "userEnteredValue"}},
        {"appendCells": {"sheetId": 999, "rows": [], "fields": "userEnteredValue"}},
    ]})
    assert r.status_code == 400 and "No grid with id: 999" in r.json()["error"]["message"]
    assert get_values(api, "'Tableau de bord'") == before


def test_values_ranges_are_quoted_trimmed_and_carry_major_dimension(api):
    r = requests.put(url(api, "/values/" + quote("'Paramètres'!A1", safe="")),
                     params={"valueInputOption": "RAW"}, json={"values": [["Clé", "Valeur", ""], ["Devise", "XOF"],
                                                                          [], [None]]}, timeout=5)
    assert r.status_code == 200, r.text
    assert r.json()["updatedRange"] == "'Paramètres'!A1:C4"
    data = get_values(api, "Paramètres", valueRenderOption="UNFORMATTED_VALUE")
    assert data == {"range": "'Paramètres'!A1:Z1000", "majorDimension": "ROWS",
                    "values": [["Clé", "Valeur"], ["Devise", "XOF"]]}
    empty = get_values(api, "Clients!A1:C3")
    assert empty == {"range": "Clients!A1:C3", "majorDimension": "ROWS"}  # no "values" when empty
    cols = get_values(api, "'Paramètres'!A1:B2", majorDimension="COLUMNS")
    assert cols["values"] == [["Clé", "Devise"], ["Valeur", "XOF"]]
    r = requests.get(url(api, "/values/" + quote("'Caisse'!A1", safe="")), timeout=5)
    assert r.status_code == 400 and r.json()["error"]["message"] == "Unable to parse range: 'Caisse'!A1"


def test_user_entered_parses_like_the_ui_and_raw_stays_text(api):
    values = [["=SUM(1;2)", "+22890112233", "'007", "TRUE", "12,5"]]
    for option, rng in (("USER_ENTERED", "Clients!A1"), ("RAW", "Clients!A2")):
        r = requests.put(url(api, "/values/" + quote(rng)), params={"valueInputOption": option},
                         json={"values": values}, timeout=5)
        assert r.status_code == 200
    data = get_values(api, "Clients", valueRenderOption="FORMULA")["values"]
    assert data[0] == ["=SUM(1;2)", 22890112233, "007", True, 12.5]
    assert data[1] == values[0]
    assert get_values(api, "Clients!A1", valueRenderOption="UNFORMATTED_VALUE")["values"] == [["#ERROR!"]]


def test_append_finds_the_table_and_insert_rows_keeps_what_is_below(api):
    put = requests.put(url(api, "/values/Clients!A1"), params={"valueInputOption": "RAW"},
                       json={"values": [["ID", "Nom"], ["C1", "Awa"], [], ["total", "1"]]}, timeout=5)
    assert put.status_code == 200
    r = requests.post(url(api, "/values/" + quote("Clients!A1:B2") + ":append"),
                      params={"valueInputOption": "RAW", "insertDataOption": "INSERT_ROWS"},
                      json={"values": [["C2", "Kofi"]]}, timeout=5)
    assert r.status_code == 200, r.text
    assert r.json()["tableRange"] == "Clients!A1:B2"
    assert r.json()["updates"]["updatedRange"] == "Clients!A3:B3"
    rows = get_values(api, "Clients")["values"]
    assert rows == [["ID", "Nom"], ["C1", "Awa"], ["C2", "Kofi"], [], ["total", "1"]]


def test_metadata_fields_partial_response(api):
    r = requests.get(url(api, ""), params={"fields": "sheets.properties(sheetId,title)"}, timeout=5)
    assert r.json() == {"sheets": [{"properties": {"sheetId": 0, "title": "Paramètres"}},
                                   {"properties": {"sheetId": 1, "title": "Clients"}}]}


# -- errors, quota and knobs -------------------------------------------------------------------------------
def test_errors_and_knobs(api):
    assert requests.get(f"{api.url}/v4/spreadsheets/nope", timeout=5).json()["error"]["status"] == "NOT_FOUND"
    api.fail_next(429, retry_after=3)
    r = requests.get(url(api, ""), timeout=5)
    assert r.status_code == 429 and r.headers["Retry-After"] == "3"
    assert r.json()["error"]["status"] == "RESOURCE_EXHAUSTED"
    api.fail_next(503, kind="write")
    assert requests.get(url(api, ""), timeout=5).status_code == 200  # only writes are targeted
    assert batch(api, {"requests": []}).status_code == 503
    api.denied = True
    r = requests.get(url(api, ""), timeout=5)
    assert r.status_code == 403 and r.json()["error"]["message"] == "The caller does not have permission"
    api.denied = False
    api.delay_next(0.3)
    with pytest.raises(requests.Timeout):
        requests.get(url(api, ""), timeout=0.1)
    assert [c.method_id for c in api.calls()][-1] == "sheets.spreadsheets.get"


def test_per_minute_quota():
    now = [0.0]
    with FakeSheetsApi(reads_per_minute=2, writes_per_minute=1, clock=lambda: now[0]) as api:
        api.create("s1")
        codes = [requests.get(url(api, ""), timeout=5).status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        assert batch(api, {"requests": []}).status_code == 200
        assert batch(api, {"requests": []}).status_code == 429
        now[0] = 61.0
        assert requests.get(url(api, ""), timeout=5).status_code == 200


def test_drive_revisions_are_paged_oldest_first(api):
    api.spreadsheets["s1"].revisions = [{"id": str(i), "modifiedTime": f"2026-01-0{i}T10:00:00.000Z"}
                                        for i in range(1, 6)]
    r = requests.get(f"{api.url}/drive/v3/files/s1/revisions", params={"pageSize": "2"}, timeout=5).json()
    assert [x["id"] for x in r["revisions"]] == ["1", "2"] and r["nextPageToken"] == "2"
    bad = requests.get(f"{api.url}/drive/v3/files/s1/revisions", params={"pageSize": "5000"}, timeout=5)
    assert bad.status_code == 400
