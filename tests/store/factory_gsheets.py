"""The Google Sheets backend against the local fake Sheets API; the person edits the fake's state as the
Sheets UI would (sorting moves whole rows, inserting rows shifts the ones below). Text a person types is
parsed the way Google parses typed input ("0042" becomes 42, "14/03/2026" a date serial, "=…" a formula)
unless the cell is formatted as plain text (TEXT): what setup gives text columns."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

from functions.store.backend import Cell, Grid
from functions.store.gsheets import GoogleSheetsBackend
from tests.fakes.sheets_api import SERVICE_ACCOUNT, FakeSheetsApi
from tests.fakes.sheets_model import Sheet, apply_mask, render, typed_cell
from tests.store.person import sort_key

SPREADSHEET_ID = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-ab"


def user_value(value: Cell) -> dict[str, Any]:
    """What entering a typed value (a number, a date…) stores; text goes through ``typed_cell``."""
    if value is None or value == "":
        return {}
    if isinstance(value, bool):
        return {"userEnteredValue": {"boolValue": value}}
    if isinstance(value, (int, float)):
        return {"userEnteredValue": {"numberValue": float(value)}}
    if isinstance(value, str):
        return {"userEnteredValue": {"stringValue": value}}
    return {"userEnteredValue": {"numberValue": float(str(value))}}


class GSheetsPerson:
    def __init__(self, api: FakeSheetsApi, spreadsheet_id: str) -> None:
        self.api = api
        self.ss = api.spreadsheets[spreadsheet_id]

    def _sheet(self, title: str) -> Sheet:
        sheet = self.ss.by_title(title)
        assert sheet is not None, title
        return sheet

    def _col(self, sheet: Sheet, header: str) -> int:
        for (r, c), cell in sheet.cells.items():
            if r == 0 and render(cell, "UNFORMATTED_VALUE", "SERIAL_NUMBER") == header:
                return c
        raise KeyError(header)

    def sort(self, title: str, header: str, reverse: bool = False) -> None:
        with self.api.lock:
            sheet = self._sheet(title)
            c = self._col(sheet, header)
            last = sheet.last_data_row()
            order = sorted(range(1, last + 1), key=lambda r: sort_key(self._value(sheet, r, c)), reverse=reverse)
            moved = {}
            for new_r, old_r in enumerate(order, start=1):
                for (r, col), cell in sheet.cells.items():
                    if r == old_r:
                        moved[(new_r, col)] = cell
            sheet.cells = {k: v for k, v in sheet.cells.items() if not 1 <= k[0] <= last} | moved

    @staticmethod
    def _value(sheet: Sheet, r: int, c: int) -> Cell:
        value = render(sheet.cells.get((r, c)), "UNFORMATTED_VALUE", "SERIAL_NUMBER")
        return None if value == "" else value

    def insert_blank_rows(self, title: str, before_row: int, count: int) -> None:
        with self.api.lock:
            self._sheet(title).insert("ROWS", before_row - 1, count, inherit_before=before_row > 1)

    def set_cell(self, title: str, row: int, header: str, value: Cell) -> None:
        with self.api.lock:
            sheet = self._sheet(title)
            c = self._col(sheet, header)
            sheet.row_count = max(sheet.row_count, row)
            sheet.set(row - 1, c, self._typed(sheet.cells.get((row - 1, c)), value))

    def _typed(self, old: dict[str, Any] | None, value: Cell) -> dict[str, Any]:
        if isinstance(value, str) and value != "":
            return typed_cell(old, value, self.ss.locale)  # read as the spreadsheet's locale reads it
        return apply_mask(old, user_value(value), ["userEnteredValue"])

    def delete_row(self, title: str, row: int) -> None:
        with self.api.lock:
            self._sheet(title).delete("ROWS", row - 1, row)

    def append_row(self, title: str, values: dict[str, Cell]) -> None:
        with self.api.lock:
            sheet = self._sheet(title)
            r = sheet.last_data_row() + 1
            sheet.row_count = max(sheet.row_count, r + 1)
            for header, value in values.items():
                c = self._col(sheet, header)
                sheet.set(r, c, self._typed(sheet.cells.get((r, c)), value))

    def grid(self, title: str) -> Grid:
        with self.api.lock:
            sheet = self._sheet(title)
            width = sheet.last_data_col() + 1
            return [[self._value(sheet, r, c) for c in range(width)]
                    for r in range(sheet.last_data_row() + 1)]

    def formulas(self, title: str) -> list[str]:
        with self.api.lock:
            sheet = self._sheet(title)
            return [cell["userEnteredValue"]["formulaValue"] for _, cell in sorted(sheet.cells.items())
                    if "formulaValue" in cell.get("userEnteredValue", {})]


@contextmanager
def fake_api(**kwargs: Any) -> Iterator[FakeSheetsApi]:
    with FakeSheetsApi(**kwargs) as api:
        api.create(SPREADSHEET_ID)
        yield api


def backend_for(api: FakeSheetsApi, **kwargs: Any) -> GoogleSheetsBackend:
    kwargs.setdefault("sleep", lambda s: None)
    kwargs.setdefault("rng", random.Random(7))
    kwargs.setdefault("service_account_email", SERVICE_ACCOUNT)
    kwargs.setdefault("timeout", (2, 5))
    return GoogleSheetsBackend(SPREADSHEET_ID, requests.Session(), base_url=api.url, drive_url=api.url, **kwargs)


@contextmanager
def make(tmp_path: Path) -> Iterator[tuple[GoogleSheetsBackend, GSheetsPerson]]:
    # The contract suite makes many calls per minute: quota high here, tested on its own in test_gsheets.
    with fake_api(reads_per_minute=10_000, writes_per_minute=10_000) as api:
        backend = backend_for(api)
        yield backend, GSheetsPerson(api, SPREADSHEET_ID)
        backend.http.session.close()
        # Every request of the contract suite passed the fake's discovery-document validation.
        refused = [(c.method_id, c.error) for c in api.calls() if c.status in (400, 501)]
        assert not refused, f"the fake refused requests the backend sent: {refused}"
