"""Google's 10 million cell limit: grids sized to the schema, rows grown in steps, the owner warned past 70 %."""

from __future__ import annotations

from click.testing import CliRunner

from functions.store.backend import AppendRows, ColumnSpec, MemoryBackend, TabSpec
from functions.store.capacity import CellUsage, cell_limit_warning, cell_usage
from functions.store.gsheets_setup import ROW_STEP
from functions.store.workbook import Workbook
from tests.store.factory_gsheets import SPREADSHEET_ID, backend_for, fake_api

CAISSE = TabSpec("Caisse", tuple(ColumnSpec(h) for h in ("ID", "Date", "Type", "Montant")))


def test_new_tabs_are_as_wide_as_their_schema_and_the_default_tab_is_deleted():
    with fake_api() as api:
        b = backend_for(api)
        specs = Workbook(MemoryBackend()).tab_specs({"currency": "XOF"})
        b.setup(specs)
        ss = api.spreadsheets[SPREADSHEET_ID]
        assert "Feuille 1" not in [s.title for s in ss.sheets]
        for spec in specs:
            sheet = ss.by_title(spec.title)
            assert sheet.column_count == max(len(spec.columns), *(len(r) for r in spec.initial_rows or [()]))
            assert sheet.row_count == 1 + len(spec.initial_rows) + ROW_STEP
        total = b.grid_cells()
        assert total == sum(s.row_count * s.column_count for s in ss.sheets)
        assert total < 13 * 1000 * 26 // 5  # a fifth of the old 1 000 × 26 grids


def test_a_default_tab_holding_data_is_kept():
    with fake_api() as api:
        ss = api.spreadsheets[SPREADSHEET_ID]
        from tests.fakes.sheets_model import apply_mask

        ss.by_title("Feuille 1").set(0, 0, apply_mask(None, {"userEnteredValue": {"stringValue": "à moi"}},
                                                     ["userEnteredValue"]))
        backend_for(api).setup([CAISSE])
        assert [s.title for s in ss.sheets] == ["Feuille 1", "Caisse"]


def test_an_appended_row_costs_the_schema_width_and_rows_grow_in_steps():
    with fake_api() as api:
        b = backend_for(api)
        b.setup([CAISSE])
        ss = api.spreadsheets[SPREADSHEET_ID]
        b.read(["Caisse"])  # the row count is known from here
        rows = tuple({"ID": f"K{i}", "Type": "Vente", "Montant": i} for i in range(ROW_STEP + 1))
        b.write([AppendRows("Caisse", rows)])
        sheet = ss.by_title("Caisse")
        assert sheet.column_count == 4
        assert sheet.row_count == 1 + ROW_STEP + ROW_STEP  # one step added, not one row per sale
        b.write([AppendRows("Caisse", ({"ID": "K-last", "Type": "Vente", "Montant": 1},))])
        assert ss.by_title("Caisse").row_count == 1 + 2 * ROW_STEP  # room left: no growth
        assert b.read(["Caisse"])["Caisse"][-1][0] == "K-last" and len(b.read(["Caisse"])["Caisse"]) == ROW_STEP + 3


def test_the_warning_starts_at_70_percent_of_the_limit():
    assert cell_limit_warning(None, CellUsage(6_999_999)) is None
    warning = cell_limit_warning(None, CellUsage(7_000_000))
    assert warning and "70 %" in warning and "10\u202f000\u202f000" in warning
    assert cell_usage(MemoryBackend()) is None and cell_limit_warning(MemoryBackend()) is None


def test_a_workbook_near_the_limit_is_reported_by_ttr_doctor(monkeypatch, tmp_path):
    with fake_api() as api:
        b = backend_for(api)
        b.setup([CAISSE])
        api.spreadsheets[SPREADSHEET_ID].by_title("Caisse").row_count = 1_800_000  # 7.2 M cells
        usage = cell_usage(b)
        assert usage is not None and usage.percent == 72
        reads = b.requests["read"]
        assert cell_limit_warning(b) and b.requests["read"] == reads  # the dashboard's call costs no request
        from functions import cli, config

        monkeypatch.setattr(config, "open_backend", lambda spec: b)
        monkeypatch.setattr(cli, "open_business", lambda cfg: config.open_business(cfg))
        result = CliRunner().invoke(cli.main, ["doctor", "--workbook", SPREADSHEET_ID,
                                               "--state", str(tmp_path / "s.sqlite")])
        assert result.exit_code == 1, result.output
        assert "72 %" in result.output and "ATTENTION" in result.output


def test_upgrade_trims_the_empty_columns_of_an_older_26_column_tab():
    from tests.fakes.sheets_model import apply_mask

    def text(value: str) -> dict:
        return apply_mask(None, {"userEnteredValue": {"stringValue": value}}, ["userEnteredValue"])

    with fake_api() as api:
        ss = api.spreadsheets[SPREADSHEET_ID]
        tab = ss.add_sheet("Caisse")  # 1 000 × 26, as the older setup made it, with no format version
        for c, header in enumerate(("ID", "Date", "Type", "Montant")):
            tab.set(0, c, text(header))
        tab.set(4, 5, text("note"))  # a person's note in column F
        b = backend_for(api)
        b.setup([CAISSE])
        assert ss.by_title("Caisse").column_count == 6  # up to the person's note; 20 empty columns gone
        assert b.read(["Caisse"])["Caisse"][4][5] == "note"
        assert b.grid_cells(fresh=False) == b.grid_cells()  # the cache followed the deletion
        writes = len(api.calls("sheets.spreadsheets.batchUpdate"))
        b.setup([CAISSE])
        assert len(api.calls("sheets.spreadsheets.batchUpdate")) == writes  # once
