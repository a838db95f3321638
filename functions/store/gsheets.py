"""The Google Sheets backend: a workbook is one spreadsheet, talked to through gspread's HTTP client.

Requests per operation (what the Sheets quota of 60 reads and 60 writes per minute sees):

* ``read(titles)``: one ``values.batchGet`` for every tab (plus one ``spreadsheets.get`` the first time,
  to learn the tab titles and ids; cached, refreshed when a tab is reported missing).
* ``write(ops)``: one ``spreadsheets.batchUpdate`` carrying every op (AppendCells / UpdateCells), which
  Google applies all-or-nothing. When the ops contain an ``UpdateRow`` (or append to a tab whose header
  is not known yet), one ``values.batchGet`` first, to find rows by id and columns by header.
* ``setup(tabs)``: one ``spreadsheets.get``, one ``values.batchGet`` of the existing headers, and one
  ``batchUpdate`` when something must change (none on an up-to-date workbook).

User text is always sent as ``stringValue`` (never parsed, never a formula); numbers as exact JSON
numbers; dates, datetimes and times as serial numbers. Text columns carry the TEXT number format (``@``),
so what a person types there stays text ("0707123456" keeps its zero).

A write whose answer was lost (5xx, timeout) is never resent blindly: ``_landed`` re-reads the unique IDs
(``ID``, or ``Empreinte`` on the Journal) of the rows it appended and resends only what is not there.
Grids are sized to the schema (no 1 000 × 26 default); ``grid_cells()`` says how much of Google's 10 million
cell limit the workbook uses (``functions/store/capacity.py`` warns past 70 %).
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote

import gspread
import requests
from gspread.utils import rowcol_to_a1

from functions.errors import HeaderError, InvalidInputError, MissingTabError, StaleCacheError
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
    TokenGrid,
    UpdateRow,
    locate_row,
    trim_grid,
)
from functions.store.gsheets_cells import (
    TabInfo,
    after_setup,
    cell_data,
    fields_mask,
    from_value,
    quote_title,
    rendered,
    spreadsheet_id_from,
)
from functions.store.gsheets_drive import DriveRevisions
from functions.store.gsheets_http import (
    GridNotFoundError,
    OutcomeUnknownError,
    Send,
    SheetsClient,
    SheetsHttp,
    service_account_email,
)
from functions.store.gsheets_setup import (
    FORMAT_KEY,
    FORMAT_VERSION,
    ROW_STEP,
    format_mark,
    header_after,
    setup_requests,
)

DEFAULT_TAB_TITLES = frozenset({"Feuille 1", "Feuille1", "Feuil1", "Sheet1", "Hoja 1"})
SCOPES = ("https://www.googleapis.com/auth/spreadsheets", "https://www.googleapis.com/auth/drive.readonly")
KEY_HEADERS = ("ID", "Empreinte")  # the unique column of a data tab, of the Journal
DRIVE_URL = "https://www.googleapis.com"


class GoogleSheetsBackend(Backend):
    """A workbook in Google Sheets, through the Sheets API v4 (and Drive v3 for the last editor)."""

    def __init__(
        self,
        spreadsheet_id: str,
        session: requests.Session,
        *,
        base_url: str | None = None,
        drive_url: str | None = None,
        timeout: float | tuple[float, float] = (5, 30),
        max_retries: int = 5,
        service_account_email: str | None = None,
        credentials: Any = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.spreadsheet_id = spreadsheet_id_from(spreadsheet_id)
        self.gc = gspread.Client(credentials, session=session, http_client=SheetsClient)
        self.client: SheetsClient = self.gc.http_client  # type: ignore[assignment]
        if base_url:
            self.client.base_url = base_url
        self.drive = f"{(drive_url or base_url or DRIVE_URL).rstrip('/')}/drive/v3/files/{quote(self.spreadsheet_id, safe='')}"
        self.service_account_email = service_account_email
        self.credentials = credentials
        self.rng = rng or random.Random()
        self.requests = {"read": 0, "write": 0, "drive": 0}
        self.http = SheetsHttp(
            self.client, counters=self.requests, timeout=timeout, max_retries=max_retries, sleep=sleep, rng=self.rng,
            email=self.account_email, what=self.spreadsheet_id,
        )
        self._tabs: dict[str, TabInfo] | None = None
        self._format_version = 0
        self._headers: dict[str, list[str]] = {}
        self._rows: dict[str, int] = {}  # rows with data (header included), where known
        # The grids as last read, with this process's own writes applied (see ``version``): title -> (rows,
        # token). Valid while the Drive file version is the one expected (the one they were read at, plus one
        # per write of ours since); replaced whole, never changed in place (readers share the rows).
        self._grids: dict[str, tuple[Grid, object]] = {}
        self._expected: int | None = None
        self._guard = threading.RLock()
        self._local = threading.local()  # per thread: trusting, served (unverified), confirmed (see ``confirm``)
        self.revisions = DriveRevisions(self.http, self.client, f"{self.drive}/revisions")
        self.specs: dict[str, TabSpec] = {}

    @classmethod
    def from_default_credentials(cls, url_or_id: str, *, env: Mapping[str, str] | None = None,
                                 **kwargs: Any) -> GoogleSheetsBackend:
        """Authorized with Application Default Credentials (``GOOGLE_APPLICATION_CREDENTIALS`` or the
        Cloud Functions runtime's service account). With ``TTR_SHEETS_API_URL`` set (a local fake or an
        emulator), anonymous credentials and that base URL (Drive too)."""
        import google.auth
        from google.auth.credentials import AnonymousCredentials
        from google.auth.transport.requests import AuthorizedSession

        base = (env or {}).get("TTR_SHEETS_API_URL", "").strip()
        if base:
            credentials: Any = AnonymousCredentials()
            kwargs.setdefault("base_url", base)
        else:
            credentials, _ = google.auth.default(scopes=list(SCOPES))
        email = getattr(credentials, "service_account_email", None)
        kwargs.setdefault("service_account_email", email if email and "@" in str(email) else None)
        return cls(url_or_id, AuthorizedSession(credentials, refresh_timeout=30), credentials=credentials, **kwargs)

    def account_email(self) -> str | None:
        """The email the sheet must be shared with (looked up once, when Google refuses access)."""
        if not self.service_account_email and self.credentials is not None:
            self.service_account_email = service_account_email(self.credentials, self.http.session)
        return self.service_account_email

    # -- metadata -------------------------------------------------------------------------------------
    def _metadata(self, refresh: bool = False) -> dict[str, TabInfo]:
        if self._tabs is None or refresh:
            fields = ("sheets(properties(sheetId,title,index,gridProperties(rowCount,columnCount)),"
                      "protectedRanges(range,editors,warningOnly)),developerMetadata(metadataKey,metadataValue)")
            data = self.http.call("read", lambda: self.client.fetch_sheet_metadata(
                self.spreadsheet_id, params={"fields": fields}))
            tabs: dict[str, TabInfo] = {}
            for sheet in data.get("sheets", []):
                whole = any(set(pr.get("range", {})) <= {"sheetId"} for pr in sheet.get("protectedRanges", []))
                info = TabInfo.of(sheet.get("properties", {}), whole)
                tabs[info.title] = info
            marks = [m for m in data.get("developerMetadata", []) if m.get("metadataKey") == FORMAT_KEY]
            self._format_version = max((int(m.get("metadataValue") or 0) for m in marks), default=0)
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

    def grid_cells(self, fresh: bool = True) -> int:
        """Cells of every tab's grid, as Google counts them toward its 10 million limit; ``fresh=False``
        uses the tab sizes already known in this process (no request once the workbook was read)."""
        return sum(t.row_count * t.column_count for t in self._metadata(refresh=fresh).values())

    # -- read -----------------------------------------------------------------------------------------
    def _batch_get(self, ranges: Sequence[str]) -> list[list[list[Any]]]:
        params = {"majorDimension": "ROWS", "valueRenderOption": "UNFORMATTED_VALUE",
                  "dateTimeRenderOption": "SERIAL_NUMBER", "fields": "valueRanges(values)"}
        try:
            data = self.http.call("read", lambda: self.client.values_batch_get(
                self.spreadsheet_id, list(ranges), params=dict(params)))
        except GridNotFoundError:
            self._tabs = None  # a tab was deleted or renamed behind our back
            raise
        return [vr.get("values", []) for vr in data.get("valueRanges", [])]

    def _batch_update(self, body: Mapping[str, Any]) -> Send:
        return lambda: self.client.batch_update(self.spreadsheet_id, body)

    # -- version and cache ----------------------------------------------------------------------------
    def _drive_version(self) -> int | None:
        """The Drive file's ``version`` (one small Drive request, outside the Sheets quota); None when Drive
        cannot say (API not enabled, no scope, an error): then nothing is served from the cache."""
        def get() -> Any:
            return self.client.request("get", self.drive, params={"fields": "version"}).json()

        try:
            return int(self.http.call("drive", get, retries=1).get("version"))
        except Exception:  # noqa: BLE001 - a failed check only costs a full read
            return None

    def version(self) -> str | None:
        """The workbook's version (Drive's file ``version``, which increases with every change, by anyone).
        The grids this process holds stay valid while it is the version they were read at plus one per write
        of ours since; any other value (a person's edit, another instance's write) drops them."""
        v = self._drive_version()
        with self._guard:
            if v is None or v != self._expected:
                self._grids, self._expected = {}, v
        return None if v is None else str(v)

    def _drop(self) -> None:
        with self._guard:
            self._grids, self._expected = {}, None

    @contextmanager
    def trusting(self) -> Iterator[None]:
        """Reads in this block (this thread) serve the grids held without asking Drive first; ``confirm``
        (before the write) says whether they were current, else raises ``StaleCacheError`` (nothing was
        written): the caller reads again and starts over. One Drive check per action instead of two."""
        self._local.trusting, self._local.served = True, None  # what an earlier block served is not this one's
        try:
            yield
        finally:
            self._local.trusting = False

    def confirm(self) -> None:
        """Just before a write: one version check. Grids served unchecked (``trusting``) that are no longer
        current raise ``StaleCacheError``; current ones let the write skip its own check (rows are where the
        grids say)."""
        served, self._local.served = getattr(self._local, "served", None), None
        with self._guard:
            expected = self._expected
        self.version()
        with self._guard:
            current = expected is not None and self._expected == expected
        self._local.confirmed = expected if current else None
        if served is not None and not current:
            raise StaleCacheError()

    def read(self, titles: Sequence[str] | None = None) -> dict[str, Grid]:
        """The tabs' values: those held are not read again when the version check made first shows nothing
        changed since (every read makes one: a check made earlier says nothing of an edit made since), or
        inside ``trusting`` (checked by ``confirm`` before the write)."""
        wanted = list(titles) if titles is not None else self.titles()
        self._require(wanted)
        if not wanted:
            return {}
        with self._guard:
            held, expected = dict(self._grids), self._expected
        if getattr(self._local, "trusting", False) and expected is not None and all(t in held for t in wanted):
            self._local.served = expected
            return {t: TokenGrid(held[t][0], held[t][1]) for t in wanted}
        self.version()
        with self._guard:
            held, expected = dict(self._grids), self._expected
        missing = [t for t in wanted if t not in held]
        if missing:
            fresh: dict[str, tuple[Grid, object]] = {}
            for title, values in zip(missing, self._batch_get([quote_title(t) for t in missing]), strict=True):
                grid: Grid = [[from_value(v) for v in row] for row in values] or [[]]
                fresh[title] = (grid, object())
                self._headers[title] = [str(h) if h is not None else "" for h in grid[0]]
                self._rows[title] = len(values)
            held.update(fresh)
            with self._guard:
                if expected is not None and self._expected == expected:
                    self._grids = {**self._grids, **fresh}
        return {t: TokenGrid(held[t][0], held[t][1]) for t in wanted}

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
        held: dict[str, tuple[Grid, object]] = {}
        confirmed, self._local.confirmed = getattr(self._local, "confirmed", None), None
        if need_rows:
            # Rows are addressed by index: the grids held are used only if the workbook is still the version
            # they are (a person who sorted meanwhile changed it; ``confirm`` just checked, or we check now);
            # else the tabs are read again.
            with self._guard:
                known = confirmed is not None and self._expected == confirmed
            if not known:
                self.version()
            with self._guard:
                held = dict(self._grids)
        work: dict[str, Grid] = {t: list(held[t][0]) for t in need_rows if t in held}
        with self._guard:
            expected = self._expected
        fetch = [t for t in titles if (t in need_rows and t not in work) or t in need_header]
        if fetch:
            ranges = [quote_title(t) if t in need_rows else f"{quote_title(t)}!1:1" for t in fetch]
            for title, values in zip(fetch, self._batch_get(ranges), strict=True):
                grid: Grid = [[from_value(v) for v in row] for row in values] or [[]]
                self._headers[title] = [str(h) if h is not None else "" for h in grid[0]]
                if title in need_rows:
                    work[title] = grid
                    self._rows[title] = len(values)
        with self._guard:  # appended and replaced tabs held: kept up to date with what this write does
            for t, (rows, _) in self._grids.items():
                if t in titles and t not in work:
                    work[t] = list(rows)
        requests_: list[dict[str, Any]] = []
        appended: list[tuple[int, str, list[Any]]] = []  # (request index, tab, unique key of each row)
        tabs = self._require(titles)
        for op in ops:
            if isinstance(op, AppendRows):
                requests_ += self._grow(tabs[op.title], len(op.rows))
                appended.append((len(requests_), op.title, [self._key(op.title, r) for r in op.rows]))
            requests_ += self._op_requests(op, tabs[op.title], work.get(op.title))
        if not requests_:
            return
        body = {"requests": requests_}
        resolved: list[bool] = []

        def resolve() -> Send | None:
            resolved.append(True)
            return self._landed(body, appended)

        try:
            self.http.call("write", self._batch_update(body), resolve=resolve)
        except GridNotFoundError:
            self._tabs = None
            self._drop()
            raise
        except BaseException:
            self._drop()  # did it land? the next read asks Google
            raise
        if any("appendDimension" in r for r in requests_):
            self._tabs = None  # grid sizes changed: learn them on next use
        for op in ops:
            if isinstance(op, ReplaceTab):
                self._rows[op.title] = 1 + len(op.rows)
            elif isinstance(op, AppendRows) and op.title in self._rows:
                self._rows[op.title] += len(op.rows)
        with self._guard:
            if resolved or expected is None or self._expected != expected:
                self._grids, self._expected = {}, None  # how many changes it made is not known: ask next time
            else:
                self._expected = expected + 1  # one batchUpdate, one change to the file
                self._grids = {**{t: g for t, g in self._grids.items() if t not in titles},
                               **{t: (trim_grid(g), object()) for t, g in work.items()}}

    def _key(self, title: str, row: Mapping[str, Cell]) -> Any:
        header = self._headers.get(title, [])
        key = next((h for h in KEY_HEADERS if h in header), None)
        return row.get(key) if key else None

    def _grow(self, tab: TabInfo, count: int) -> list[dict[str, Any]]:
        """Rows added in steps of ``ROW_STEP`` before an append that would fill the grid (formats inherited
        from the last row); when the tab's row count is unknown, AppendCells grows it by what it writes."""
        used = self._rows.get(tab.title)
        if used is None or used + count <= tab.row_count:
            return []
        step = max(ROW_STEP, used + count - tab.row_count)
        start = tab.row_count
        tab.row_count += step
        return [{"insertDimension": {"range": {"sheetId": tab.sheet_id, "dimension": "ROWS", "startIndex": start,
                                               "endIndex": start + step}, "inheritFromBefore": start > 0}}]

    def _landed(self, body: Mapping[str, Any], appended: list[tuple[int, str, list[Any]]]) -> Send | None:
        """After a write whose answer was lost: None when it landed, else what to send (only what did not
        land). Google applies a batchUpdate all-or-nothing, so one appended row found means it all landed."""
        requests_ = list(body["requests"])
        if not appended:
            return self._batch_update(body)  # updates and replaces only: sending them again is harmless
        if any(key in (None, "") for _, _, keys in appended for key in keys):
            raise OutcomeUnknownError()  # rows without a unique key: cannot tell, never resend blindly
        titles = list(dict.fromkeys(t for _, t, _ in appended))
        ranges = []
        for t in titles:
            header = self._headers[t]
            col = next(header.index(h) for h in KEY_HEADERS if h in header)
            letter = _letter(col + 1)
            ranges.append(f"{quote_title(t)}!{letter}:{letter}")
        present: dict[str, set[str]] = {}
        for t, values in zip(titles, self._batch_get(ranges), strict=True):
            present[t] = {str(row[0]) for row in values[1:] if row}
        missing: dict[int, list[int]] = {}
        found = False
        for index, title, keys in appended:
            missing[index] = [i for i, k in enumerate(keys) if str(k) not in present[title]]
            found = found or len(missing[index]) < len(keys)
        if not found:
            return self._batch_update(body)  # nothing landed: send it all again
        rest = []
        for index, _, _ in appended:
            if missing[index]:
                req = dict(requests_[index]["appendCells"])
                req["rows"] = [req["rows"][i] for i in missing[index]]
                rest.append({"appendCells": req})
        return self._batch_update({"requests": rest}) if rest else None

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
                data = [cell_data(v, formats.get(h)) for h, v in zip(header, cells, strict=False)]
                rows.append({"values": data})
                if grid is not None:
                    grid.append([rendered(d) for d in data])
            if not rows:
                return []
            return [{"appendCells": {"sheetId": tab.sheet_id, "rows": rows, "fields": fields_mask(formats)}}]
        if isinstance(op, UpdateRow):
            assert grid is not None
            index = locate_row(op, grid, header, self._indexes)
            out: list[dict[str, Any]] = []
            target = grid[index] = list(grid[index])  # a copy: the held rows are shared with readers
            for h, v in op.values.items():
                if h not in header:
                    raise HeaderError(f"Onglet « {op.title} » : colonne « {h} » introuvable.")
                col = header.index(h)
                fmt = op.formats.get(h)
                cell = cell_data(v, fmt)
                out.append({"updateCells": {
                    "start": {"sheetId": tab.sheet_id, "rowIndex": index, "columnIndex": col},
                    "rows": [{"values": [cell]}],
                    "fields": fields_mask({h: fmt} if fmt else {}),
                }})
                target.extend([None] * (col + 1 - len(target)))
                target[col] = rendered(cell)
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
                grid[1:] = [[rendered(cell_data(v)) for v in r] for r in op.rows]
            return out
        raise InvalidInputError(f"Opération inconnue : {op!r}")  # pragma: no cover

    def _column_formats(self, title: str) -> dict[str, NumberFormat]:
        """Number formats of the tab's columns known from ``setup()`` in this process. AppendCells sets
        the number format of every cell it writes when any is given (a field mask is per request), so
        the columns' own formats are sent along to keep the cells looking like their column."""
        spec = self.specs.get(title)
        return {c.header: c.number_format for c in spec.columns if c.number_format} if spec else {}

    def rename_tab(self, old: str, new: str) -> None:
        """Rename a tab in place (one updateSheetProperties: its rows, formats and protection stay)."""
        tab = self._require([old])[old]
        body = {"requests": [{"updateSheetProperties": {"properties": {"sheetId": tab.sheet_id, "title": new},
                                                        "fields": "title"}}]}

        def resolve() -> Send | None:  # the answer was lost: rename again only if it did not happen
            return None if new in self._metadata(refresh=True) else self._batch_update(body)

        self.http.call("write", self._batch_update(body), resolve=resolve)
        self._tabs = None
        self._drop()
        if old in self._headers:
            self._headers[new] = self._headers.pop(old)
        if old in self._rows:
            self._rows[new] = self._rows.pop(old)
        if old in self.specs:
            self.specs[new] = self.specs.pop(old)

    # -- setup ----------------------------------------------------------------------------------------
    def setup(self, tabs: Sequence[TabSpec]) -> SetupReport:
        for spec in tabs:
            self.specs[spec.title] = spec
        self._drop()
        report = SetupReport()
        known, headers, plan = self._setup_plan(tabs, report)
        if plan:
            def resolve() -> Send | None:  # the answer was lost: plan again from what is there now
                _, _, again = self._setup_plan(tabs, SetupReport())
                return self._batch_update({"requests": again}) if again else None

            data = self.http.call("write", self._batch_update({"requests": plan}), resolve=resolve)
            self._tabs = after_setup(known, plan, data.get("replies", [])) if data else None
            self._format_version = FORMAT_VERSION
            self._drop()
        for spec in tabs:
            self._headers[spec.title] = header_after(spec, headers.get(spec.title, []))
            self._rows.pop(spec.title, None)
        return report

    def _setup_plan(self, tabs: Sequence[TabSpec], report: SetupReport
                    ) -> tuple[dict[str, TabInfo], dict[str, list[str]], list[dict[str, Any]]]:
        known = self._metadata(refresh=True)
        titles = {s.title for s in tabs}
        existing = [s.title for s in tabs if s.title in known]
        spare = [t for t in known if t not in titles and t in DEFAULT_TAB_TITLES]  # Google's empty first tab
        headers: dict[str, list[str]] = {}
        empty: set[int] = set()
        # Upgrade: the columns right of the schema of an older 26-column grid, deleted when empty.
        wide = {s.title: len(s.columns) for s in tabs if s.title in known and self._format_version < FORMAT_VERSION
                and known[s.title].column_count > len(s.columns)} if existing else {}
        ranges = [f"{quote_title(t)}!1:1" for t in existing] + [quote_title(t) for t in spare] + [
            f"{quote_title(t)}!{_letter(w + 1)}:{_letter(known[t].column_count)}" for t, w in wide.items()]
        trim: list[dict[str, Any]] = []
        if ranges:
            kinds = [("header", t) for t in existing] + [("spare", t) for t in spare] + [("wide", t) for t in wide]
            for (kind, title), values in zip(kinds, self._batch_get(ranges), strict=True):
                if kind == "spare":
                    if not any(v not in (None, "") for row in values for v in row):
                        empty.add(known[title].sheet_id)
                elif kind == "wide":
                    tab = known[title]
                    used = max((i + 1 for row in values for i, v in enumerate(row) if v not in (None, "")), default=0)
                    keep = wide[title] + used
                    if keep < tab.column_count:
                        trim.append({"deleteDimension": {"range": {"sheetId": tab.sheet_id, "dimension": "COLUMNS",
                                                                   "startIndex": keep, "endIndex": tab.column_count}}})
                else:
                    headers[title] = [str(h) if h is not None else "" for h in (values[0] if values else [])]
        used_ids = {t.sheet_id for t in known.values()}
        plan = setup_requests(tabs, known, headers, used_ids, self.rng, self.account_email(), report,
                              format_version=self._format_version)
        if empty and any("addSheet" in r for r in plan):
            plan += [{"deleteSheet": {"sheetId": sid}} for sid in sorted(empty)]
        if trim:
            marked = any("createDeveloperMetadata" in r or "updateDeveloperMetadata" in r for r in plan)
            plan += trim if marked else [*trim, format_mark(self._format_version)]
        return known, headers, plan

    # -- Drive ----------------------------------------------------------------------------------------
    def last_editor(self, reported: str | None = None) -> str | None:
        """Who made the latest change: ``reported`` (the editor the Apps Script trigger names) when given,
        else the newest Drive revision not made by the service account (``gsheets_drive``)."""
        if reported and reported.strip():
            return reported.strip()[:120]
        return self.revisions.newest_editor(self.service_account_email)


def _letter(column: int) -> str:
    """The A1 letters of a 1-based column (1 → A, 27 → AA)."""
    return rowcol_to_a1(1, column)[:-1]
