"""The Google Sheets backend: a workbook is one spreadsheet, talked to in JSON through an injected session.

Requests per operation (what the Sheets quota of 60 reads and 60 writes per minute sees):

* ``read(titles)``: one ``values.batchGet`` for every tab (plus one ``spreadsheets.get`` the first time,
  to learn the tab titles and ids; cached, refreshed when a tab is reported missing).
* ``write(ops)``: one ``spreadsheets.batchUpdate`` carrying every op (AppendCells / UpdateCells), which
  Google applies all-or-nothing. When the ops contain an ``UpdateRow`` (or append to a tab whose header
  is not known yet), one ``values.batchGet`` first, to find rows by id and columns by header.
* ``setup(tabs)``: one ``spreadsheets.get``, one ``values.batchGet`` of the existing headers, and one
  ``batchUpdate`` when something must change (none on an up-to-date workbook).

User text is always sent as ``stringValue`` (never parsed, never a formula); numbers as exact JSON
numbers; dates, datetimes and times as serial numbers.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from datetime import time as dtime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import requests

from functions.errors import HeaderError, InvalidInputError, MissingTabError
from functions.store.backend import (
    AppendRows,
    Backend,
    Cell,
    Grid,
    NumberFormat,
    Op,
    ReplaceTab,
    RowIndex,
    SetupReport,
    TabSpec,
    UpdateRow,
    locate_row,
)
from functions.store.gsheets_http import GridNotFoundError, SheetsHttp
from functions.store.gsheets_setup import setup_requests

SCOPES = ("https://www.googleapis.com/auth/spreadsheets", "https://www.googleapis.com/auth/drive.readonly")
EPOCH = datetime(1899, 12, 30)
_ID = re.compile(r"^[A-Za-z0-9_-]{20,}$")
_URL = re.compile(r"/spreadsheets/d/([A-Za-z0-9_-]+)")


def spreadsheet_id_from(url_or_id: str) -> str:
    """The spreadsheet id in a Google Sheets URL (``…/spreadsheets/d/<id>/edit#gid=0``) or a bare id."""
    text = (url_or_id or "").strip()
    m = _URL.search(text)
    if m:
        return m.group(1)
    if _ID.match(text):
        return text
    raise InvalidInputError(
        f"« {text[:80]} » n'est pas l'adresse d'un classeur Google Sheets. Copiez l'adresse complète depuis "
        "le navigateur (https://docs.google.com/spreadsheets/d/…/edit)."
    )


def quote_title(title: str) -> str:
    """A1 notation of a whole tab; always quoted, quotes doubled (``'Tableau de bord'``)."""
    return "'" + title.replace("'", "''") + "'"


def serial(value: date | datetime | dtime) -> Decimal:
    """Spreadsheet serial number (days since 1899-12-30), exact."""
    if isinstance(value, datetime):
        delta = value.replace(tzinfo=None) - EPOCH
        micros = delta.seconds * 1_000_000 + delta.microseconds
        return Decimal(delta.days) + Decimal(micros) / Decimal(86_400_000_000)
    if isinstance(value, date):
        return Decimal((value - EPOCH.date()).days)
    micros = ((value.hour * 60 + value.minute) * 60 + value.second) * 1_000_000 + value.microsecond
    return Decimal(micros) / Decimal(86_400_000_000)


def cell_data(value: Cell, fmt: NumberFormat | None = None) -> dict[str, Any]:
    """A ``CellData`` for a cell value: text stays literal text (``stringValue``), never a formula."""
    out: dict[str, Any] = {}
    if value is None or value == "":
        pass
    elif isinstance(value, bool):
        out["userEnteredValue"] = {"boolValue": value}
    elif isinstance(value, (int, Decimal)):
        out["userEnteredValue"] = {"numberValue": value}
    elif isinstance(value, float):
        out["userEnteredValue"] = {"numberValue": value}
    elif isinstance(value, str):
        out["userEnteredValue"] = {"stringValue": value}
    elif isinstance(value, (date, datetime, dtime)):
        out["userEnteredValue"] = {"numberValue": serial(value)}
    else:
        raise InvalidInputError(f"Valeur de cellule non prise en charge : {value!r}.")
    if fmt is not None:
        out["userEnteredFormat"] = {"numberFormat": {"type": fmt.type, "pattern": fmt.pattern}}
    return out


def from_value(value: Any) -> Cell:
    if value == "":
        return None
    return value  # str, bool, int or Decimal (parsed with parse_float=Decimal)


@dataclass
class TabInfo:
    sheet_id: int
    title: str
    index: int
    row_count: int
    column_count: int
    protected: bool = False

    @classmethod
    def of(cls, props: Mapping[str, Any], protected: bool = False) -> TabInfo:
        grid = props.get("gridProperties", {})
        return cls(int(props.get("sheetId", 0)), str(props["title"]), int(props.get("index", 0)),
                   int(grid.get("rowCount", 0)), int(grid.get("columnCount", 0)), protected)


class GoogleSheetsBackend(Backend):
    """A workbook in Google Sheets, through the Sheets API v4 (and Drive v3 for the last editor)."""

    def __init__(
        self,
        spreadsheet_id: str,
        session: requests.Session,
        *,
        base_url: str = "https://sheets.googleapis.com",
        drive_url: str = "https://www.googleapis.com",
        timeout: float | tuple[float, float] = (5, 30),
        max_retries: int = 5,
        service_account_email: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.spreadsheet_id = spreadsheet_id_from(spreadsheet_id)
        self.base = f"{base_url.rstrip('/')}/v4/spreadsheets/{quote(self.spreadsheet_id, safe='')}"
        self.drive = f"{drive_url.rstrip('/')}/drive/v3/files/{quote(self.spreadsheet_id, safe='')}"
        self.service_account_email = service_account_email
        self.rng = rng or random.Random()
        self.requests = {"read": 0, "write": 0, "drive": 0}
        self.http = SheetsHttp(
            session, counters=self.requests, timeout=timeout, max_retries=max_retries, sleep=sleep, rng=self.rng,
            service_account_email=service_account_email, what=self.spreadsheet_id,
        )
        self._tabs: dict[str, TabInfo] | None = None
        self._headers: dict[str, list[str]] = {}
        self.specs: dict[str, TabSpec] = {}

    @classmethod
    def from_default_credentials(cls, url_or_id: str, **kwargs: Any) -> GoogleSheetsBackend:
        """Authorized with Application Default Credentials (``GOOGLE_APPLICATION_CREDENTIALS`` or the
        Cloud Functions runtime's service account)."""
        import google.auth
        from google.auth.transport.requests import AuthorizedSession

        credentials, _ = google.auth.default(scopes=list(SCOPES))
        email = getattr(credentials, "service_account_email", None)
        kwargs.setdefault("service_account_email", email if email and "@" in str(email) else None)
        return cls(url_or_id, AuthorizedSession(credentials, refresh_timeout=30), **kwargs)

    # -- metadata -------------------------------------------------------------------------------------
    def _metadata(self, refresh: bool = False) -> dict[str, TabInfo]:
        if self._tabs is None or refresh:
            fields = ("sheets(properties(sheetId,title,index,gridProperties(rowCount,columnCount)),"
                      "protectedRanges(range,editors,warningOnly))")
            data = self.http.call("GET", self.base, kind="read", params=[("fields", fields)])
            tabs: dict[str, TabInfo] = {}
            for sheet in data.get("sheets", []):
                whole = any(set(pr.get("range", {})) <= {"sheetId"} for pr in sheet.get("protectedRanges", []))
                info = TabInfo.of(sheet.get("properties", {}), whole)
                tabs[info.title] = info
            self._tabs = tabs
        return self._tabs

    def _require(self, titles: Sequence[str]) -> dict[str, TabInfo]:
        tabs = self._metadata()
        if any(t not in tabs for t in titles):
            tabs = self._metadata(refresh=True)
        for t in titles:
            if t not in tabs:
                raise MissingTabError(f"Onglet « {t} » introuvable. Lancez « ttr init » pour le recréer.")
        return tabs

    def titles(self) -> list[str]:
        return [t.title for t in sorted(self._metadata().values(), key=lambda t: t.index)]

    # -- read -----------------------------------------------------------------------------------------
    def _batch_get(self, ranges: Sequence[str]) -> list[list[list[Any]]]:
        params = [("ranges", r) for r in ranges] + [
            ("majorDimension", "ROWS"), ("valueRenderOption", "UNFORMATTED_VALUE"),
            ("dateTimeRenderOption", "SERIAL_NUMBER"),
        ]
        try:
            data = self.http.call("GET", f"{self.base}/values:batchGet", kind="read", params=params)
        except GridNotFoundError:
            self._tabs = None  # a tab was deleted or renamed behind our back
            raise
        return [vr.get("values", []) for vr in data.get("valueRanges", [])]

    def read(self, titles: Sequence[str] | None = None) -> dict[str, Grid]:
        wanted = list(titles) if titles is not None else self.titles()
        self._require(wanted)
        if not wanted:
            return {}
        out: dict[str, Grid] = {}
        for title, values in zip(wanted, self._batch_get([quote_title(t) for t in wanted]), strict=True):
            grid: Grid = [[from_value(v) for v in row] for row in values] or [[]]
            out[title] = grid
            self._headers[title] = [str(h) if h is not None else "" for h in grid[0]]
        return out

    # -- write ----------------------------------------------------------------------------------------
    def write(self, ops: Sequence[Op]) -> None:
        """Every op in one batchUpdate, or nothing.

        Rows to update are found by id in a ``values.batchGet`` made just before the batchUpdate (the hint
        is checked first, then the key; a vanished, duplicated or changed row is a ``ConflictError``). A
        residual window remains between that read and the write (typically well under a second): a person
        who sorts or inserts rows exactly then could make the UpdateCells land on another row, because the
        Sheets API has no conditional write. Appends have no such window (AppendCells goes after the last
        row with data, wherever it is). Appending to a tab whose header was read earlier (by ``read()`` or
        ``setup()``) uses that cached header; columns moved by a person since then are not seen until the
        next read. A header named by an op but missing from the cache triggers a fresh read first.
        """
        self._indexes: dict[tuple[int, str], RowIndex] = {}  # rows by key, for this write only
        if not ops:
            return
        titles = list(dict.fromkeys(op.title for op in ops))
        self._require(titles)
        need_rows = {op.title for op in ops if isinstance(op, UpdateRow)}
        need_header = {
            op.title for op in ops if isinstance(op, AppendRows) and op.title not in need_rows
            and (op.title not in self._headers or any(h not in self._headers[op.title] for r in op.rows for h in r))
        }
        grids: dict[str, Grid] = {}
        if need_rows or need_header:
            order = [t for t in titles if t in need_rows or t in need_header]
            ranges = [quote_title(t) if t in need_rows else f"{quote_title(t)}!1:1" for t in order]
            for title, values in zip(order, self._batch_get(ranges), strict=True):
                grid: Grid = [[from_value(v) for v in row] for row in values] or [[]]
                self._headers[title] = [str(h) if h is not None else "" for h in grid[0]]
                if title in need_rows:
                    grids[title] = grid
        requests_: list[dict[str, Any]] = []
        tabs = self._require(titles)
        for op in ops:
            requests_ += self._op_requests(op, tabs[op.title], grids.get(op.title))
        if requests_:
            try:
                self.http.call("POST", f"{self.base}:batchUpdate", kind="write", body={"requests": requests_})
            except GridNotFoundError:
                self._tabs = None
                raise
            if any("appendDimension" in r for r in requests_):
                self._tabs = None  # grid sizes changed: learn them on next use

    def _op_requests(self, op: Op, tab: TabInfo, grid: Grid | None) -> list[dict[str, Any]]:
        header = self._headers.get(op.title, [])
        if isinstance(op, AppendRows):
            formats = {**self._column_formats(op.title), **op.formats}
            rows = []
            for row in op.rows:
                unknown = [h for h in row if h not in header]
                if unknown:
                    raise HeaderError(f"Onglet « {op.title} » : colonne « {unknown[0]} » introuvable.")
                cells = [row.get(h) for h in header]
                while cells and cells[-1] in (None, ""):
                    cells.pop()
                rows.append({"values": [cell_data(v, formats.get(h)) for h, v in zip(header, cells, strict=False)]})
                if grid is not None:
                    grid.append(list(cells))
            if not rows:
                return []
            return [{"appendCells": {"sheetId": tab.sheet_id, "rows": rows, "fields": _fields(formats)}}]
        if isinstance(op, UpdateRow):
            assert grid is not None
            index = locate_row(op, grid, header, self._indexes)
            out: list[dict[str, Any]] = []
            for h, v in op.values.items():
                if h not in header:
                    raise HeaderError(f"Onglet « {op.title} » : colonne « {h} » introuvable.")
                col = header.index(h)
                fmt = op.formats.get(h)
                out.append({"updateCells": {
                    "start": {"sheetId": tab.sheet_id, "rowIndex": index, "columnIndex": col},
                    "rows": [{"values": [cell_data(v, fmt)]}],
                    "fields": _fields({h: fmt} if fmt else {}),
                }})
                target = grid[index]
                target.extend([None] * (col + 1 - len(target)))
                target[col] = v
            return out
        if isinstance(op, ReplaceTab):
            out = [{"updateCells": {"range": {"sheetId": tab.sheet_id, "startRowIndex": 1},
                                    "fields": "userEnteredValue"}}]
            width = max((len(r) for r in op.rows), default=0)
            if width > tab.column_count:
                out.append({"appendDimension": {"sheetId": tab.sheet_id, "dimension": "COLUMNS",
                                                "length": width - tab.column_count}})
            if op.rows:
                out.append({"appendCells": {"sheetId": tab.sheet_id, "fields": "userEnteredValue",
                                            "rows": [{"values": [cell_data(v) for v in r]} for r in op.rows]}})
            if grid is not None:
                grid[1:] = [list(r) for r in op.rows]
            return out
        raise InvalidInputError(f"Opération inconnue : {op!r}")  # pragma: no cover

    def _column_formats(self, title: str) -> dict[str, NumberFormat]:
        """Number formats of the tab's columns known from ``setup()`` in this process. AppendCells sets
        the number format of every cell it writes when any is given (a field mask is per request), so
        the columns' own formats are sent along to keep the cells looking like their column."""
        spec = self.specs.get(title)
        return {c.header: c.number_format for c in spec.columns if c.number_format} if spec else {}

    # -- setup ----------------------------------------------------------------------------------------
    def setup(self, tabs: Sequence[TabSpec]) -> SetupReport:
        for spec in tabs:
            self.specs[spec.title] = spec
        known = self._metadata(refresh=True)
        existing = [s.title for s in tabs if s.title in known]
        headers: dict[str, list[str]] = {}
        if existing:
            ranges = [f"{quote_title(t)}!1:1" for t in existing]
            for title, values in zip(existing, self._batch_get(ranges), strict=True):
                headers[title] = [str(h) if h is not None else "" for h in (values[0] if values else [])]
        used_ids = {t.sheet_id for t in known.values()}
        report = SetupReport()
        plan = setup_requests(tabs, known, headers, used_ids, self.rng, self.service_account_email, report)
        if plan:
            data = self.http.call("POST", f"{self.base}:batchUpdate", kind="write", body={"requests": plan})
            self._tabs = _after_setup(known, plan, data.get("replies", []))
        for spec in tabs:
            self._headers[spec.title] = headers.get(spec.title, []) + [
                c.header for c in spec.columns if c.header not in headers.get(spec.title, [])
            ]
        return report

    # -- Drive ----------------------------------------------------------------------------------------
    def last_editor(self) -> str | None:
        """Display name (else email) of the last person who modified the workbook, from Drive revisions
        (oldest first, so the last page holds the latest); None when unknown or on any failure."""
        try:
            latest: dict[str, Any] | None = None
            token = ""
            for _ in range(5):  # bounded: 5 pages of 1000 revisions
                params = [("pageSize", "1000"), ("fields", "nextPageToken,revisions(id,modifiedTime,"
                                                            "lastModifyingUser(displayName,emailAddress))")]
                if token:
                    params.append(("pageToken", token))
                data = self.http.call("GET", f"{self.drive}/revisions", kind="drive", params=params, retries=1)
                for rev in data.get("revisions", []):
                    if latest is None or str(rev.get("modifiedTime", "")) >= str(latest.get("modifiedTime", "")):
                        latest = rev
                token = data.get("nextPageToken", "")
                if not token:
                    break
            user = (latest or {}).get("lastModifyingUser") or {}
            return user.get("displayName") or user.get("emailAddress") or None
        except Exception:  # informative only: never fail the caller
            return None


def _fields(formats: Mapping[str, NumberFormat | None]) -> str:
    return "userEnteredValue,userEnteredFormat.numberFormat" if any(formats.values()) else "userEnteredValue"


def _after_setup(known: Mapping[str, TabInfo], plan: list[dict[str, Any]], replies: list[Any]) -> dict[str, TabInfo]:
    """The tab cache after a setup batchUpdate, from its replies (no extra metadata request)."""
    tabs = {t: replace(info) for t, info in known.items()}
    for reply in replies:
        props = (reply or {}).get("addSheet", {}).get("properties")
        if props:
            tabs[props["title"]] = TabInfo.of(props)
    by_id = {info.sheet_id: info for info in tabs.values()}
    for req in plan:
        if "appendDimension" in req and req["appendDimension"]["dimension"] == "COLUMNS":
            by_id[req["appendDimension"]["sheetId"]].column_count += req["appendDimension"]["length"]
        if "addProtectedRange" in req:
            by_id[req["addProtectedRange"]["protectedRange"]["range"]["sheetId"]].protected = True
    return tabs
