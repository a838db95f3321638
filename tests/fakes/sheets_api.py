"""A local fake of the Google Sheets API v4 (and Drive v3 revisions), served over real HTTP.

Start it with ``with FakeSheetsApi() as api:`` and point a client at ``api.url`` (it answers both
``/v4/spreadsheets/...`` and ``/drive/v3/...``). It speaks Google's wire format for what TTR uses:

* ``spreadsheets.get`` (``fields`` partial responses), ``values.get``/``batchGet`` (render options,
  trailing empty cells and rows trimmed, ``majorDimension`` and a quoted A1 ``range`` in every ValueRange),
  ``values.update`` and ``values.append`` (table detection, RAW/USER_ENTERED, INSERT_ROWS/OVERWRITE),
  ``spreadsheets.batchUpdate`` (all-or-nothing), Drive ``files/{id}/revisions``;
* every query string and JSON body is validated against the discovery documents shipped with
  google-api-python-client (unknown fields, types, enums, oneofs, field masks) → 400 INVALID_ARGUMENT;
* Google's error envelope ``{"error": {"code", "message", "status"}}``; a per-minute quota (60 reads and
  60 writes by default) answering 429 RESOURCE_EXHAUSTED;
* test knobs: ``fail_next`` (429 with Retry-After, 500, 503, 403, 404…), ``delay_next`` (the request is
  still applied after the delay, as a write that outlives the client's timeout is), both with
  ``after_applying=True`` (applied first, then the error or the wait: the answer is lost, the work landed),
  ``deny``; a request ``log`` to count what a client sent;
* ``deleteSheet``, ``createDeveloperMetadata`` / ``updateDeveloperMetadata`` (spreadsheet-level metadata,
  returned by ``spreadsheets.get``), and a simulated person in ``tests/store/factory_gsheets.py`` who types
  the way Google parses typed input.

Standalone, for ``ttr demo``, ``ttr serve`` and the benches on a laptop without a Google account::

    python -m tests.fakes.sheets_api --port 8099        # then, in another terminal:
    TTR_SHEETS_API_URL=http://127.0.0.1:8099 TTR_WORKBOOK=1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789 ttr demo

Any spreadsheet id is created (empty, one tab) the first time it is named, as if a person had created the
sheet and shared it; the state lives as long as the process. The toolkit uses anonymous credentials when
``TTR_SHEETS_API_URL`` is set (like the Firestore emulator's ``FIRESTORE_EMULATOR_HOST``).
"""

from __future__ import annotations

import gzip
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from tests.fakes import discovery
from tests.fakes.discovery import PayloadError, split_mask
from tests.fakes.sheets_model import SheetsError, Spreadsheet, bad_request
from tests.fakes.sheets_requests import batch_update, value_range, values_append, values_update

SERVICE_ACCOUNT = "ttr-gestion@ttr-test.iam.gserviceaccount.com"
STATUS = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
          429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 501: "UNIMPLEMENTED", 502: "UNAVAILABLE",
          503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED"}
MESSAGES = {403: "The caller does not have permission", 404: "Requested entity was not found.",
            500: "Internal error encountered.", 503: "The service is currently unavailable.",
            429: "Quota exceeded for quota metric 'Write requests' and limit 'Write requests per minute per user' "
                 "of service 'sheets.googleapis.com'."}

@dataclass
class Logged:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    method_id: str | None = None
    status: int = 0
    error: str = ""  # Google's message when refused


@dataclass
class Forced:
    status: int = 0
    delay: float = 0.0
    retry_after: float | None = None
    message: str | None = None
    kind: str | None = None  # "read", "write", "drive" or None for any
    after: bool = False  # the request is applied first, then the delay or the error (the answer is lost)


@dataclass
class Quota:
    reads_per_minute: int = 60
    writes_per_minute: int = 60
    clock: Callable[[], float] = time.monotonic
    used: dict[tuple[str, int], int] = field(default_factory=dict)

    def take(self, kind: str) -> bool:
        limit = {"read": self.reads_per_minute, "write": self.writes_per_minute}.get(kind)
        if limit is None:
            return True
        window = (kind, int(self.clock() // 60))
        if self.used.get(window, 0) >= limit:
            return False
        self.used[window] = self.used.get(window, 0) + 1
        return True


def route(method: str, path: str) -> tuple[str, str, dict[str, str]] | None:
    """(method id, kind, path params) for a raw (percent-encoded) path."""
    parts = path.split("/")
    if len(parts) >= 4 and parts[1] == "v4" and parts[2] == "spreadsheets":
        head, rest = parts[3], parts[4:]
        if not rest:
            if method == "GET" and ":" not in head:
                return "sheets.spreadsheets.get", "read", {"id": unquote(head)}
            if method == "POST" and head.endswith(":batchUpdate"):
                return "sheets.spreadsheets.batchUpdate", "write", {"id": unquote(head[: -len(":batchUpdate")])}
            return None
        ident = unquote(head)
        if rest == ["values:batchGet"] and method == "GET":
            return "sheets.spreadsheets.values.batchGet", "read", {"id": ident}
        if len(rest) == 2 and rest[0] == "values":
            rng = rest[1]
            if method == "POST" and rng.endswith(":append"):
                return "sheets.spreadsheets.values.append", "write", {"id": ident, "range": unquote(rng[:-7])}
            if method == "GET":
                return "sheets.spreadsheets.values.get", "read", {"id": ident, "range": unquote(rng)}
            if method == "PUT":
                return "sheets.spreadsheets.values.update", "write", {"id": ident, "range": unquote(rng)}
    if len(parts) == 6 and parts[1:4] == ["drive", "v3", "files"] and parts[5] == "revisions" and method == "GET":
        return "drive.revisions.list", "drive", {"id": unquote(parts[4])}
    if len(parts) == 5 and parts[1:4] == ["drive", "v3", "files"] and method == "GET":
        return "drive.files.get", "drive", {"id": unquote(parts[4])}
    return None


def _plain(value: Any) -> Any:
    if isinstance(value, float):
        return int(value) if value == int(value) and abs(value) < 2**53 else value
    if isinstance(value, Decimal):
        return _plain(float(value))
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _doubles(value: Any) -> Any:
    """Numbers as Google keeps them: doubles."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {k: _doubles(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_doubles(v) for v in value]
    return value


def select_fields(data: Any, mask: str) -> Any:
    """Google's partial response: keep only the fields named by ``fields`` (``a,b(c,d)``, ``a.b``)."""
    tree: dict[str, Any] = {}
    for path in split_mask(mask):
        node = tree
        for part in path.split("."):
            node = node.setdefault(part, {})

    def keep(value: Any, node: dict[str, Any]) -> Any:
        if not node or "*" in node:
            return value
        if isinstance(value, list):
            return [keep(v, node) for v in value]
        if not isinstance(value, dict):
            return value
        return {k: keep(v, node[k]) for k, v in value.items() if k in node}

    return keep(data, tree)


class FakeSheetsApi:
    def __init__(self, *, reads_per_minute: int = 60, writes_per_minute: int = 60,
                 clock: Callable[[], float] = time.monotonic, caller: str = SERVICE_ACCOUNT,
                 auto_create: bool = False) -> None:
        self.auto_create = auto_create
        self.quota = Quota(reads_per_minute, writes_per_minute, clock)
        self.caller = caller
        self.spreadsheets: dict[str, Spreadsheet] = {}
        self.log: list[Logged] = []
        self.lock = threading.RLock()
        self.denied = False
        self._forced: list[Forced] = []
        self.sheets_doc = discovery.load("sheets.v4")
        self.drive_doc = discovery.load("drive.v3")
        self._server: Any = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------------------------
    def start(self, host: str = "127.0.0.1", port: int = 0) -> FakeSheetsApi:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log on the test output
        self._server = make_server(host, port, self.wsgi, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
                                        name="fake-sheets", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeSheetsApi:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # -- state and knobs ------------------------------------------------------------------------------
    def create(self, spreadsheet_id: str = "ss-test", sheets: tuple[str, ...] = ("Feuille 1",)) -> Spreadsheet:
        ss = Spreadsheet(spreadsheet_id)
        for title in sheets:
            ss.add_sheet(title)
        with self.lock:
            self.spreadsheets[spreadsheet_id] = ss
        return ss

    def fail_next(self, status: int, count: int = 1, *, retry_after: float | None = None,
                  message: str | None = None, kind: str | None = None, after_applying: bool = False) -> None:
        """The next ``count`` requests (of ``kind``) answer ``status``: before doing anything, or
        ``after_applying`` them (a 5xx whose work landed, which Google can answer)."""
        with self.lock:
            self._forced += [Forced(status=status, retry_after=retry_after, message=message, kind=kind,
                                    after=after_applying) for _ in range(count)]

    def delay_next(self, seconds: float, count: int = 1, *, kind: str | None = None,
                   after_applying: bool = False) -> None:
        """The next requests wait ``seconds``: then are applied, or are applied at once and then wait."""
        with self.lock:
            self._forced += [Forced(delay=seconds, kind=kind, after=after_applying) for _ in range(count)]

    def calls(self, method_id: str | None = None) -> list[Logged]:
        with self.lock:
            return [e for e in self.log if method_id is None or e.method_id == method_id]

    def _take_forced(self, kind: str) -> Forced | None:
        with self.lock:
            for i, f in enumerate(self._forced):
                if f.kind is None or f.kind == kind:
                    return self._forced.pop(i)
        return None

    # -- HTTP -----------------------------------------------------------------------------------------
    def wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
        request = Request(environ)
        raw = environ.get("RAW_URI") or environ.get("REQUEST_URI") or request.full_path
        split = urlsplit(raw)
        query = parse_qs(split.query, keep_blank_values=True)
        text = request.get_data(as_text=True)
        entry = Logged(request.method, unquote(split.path), query, None)
        try:
            entry.body = json.loads(text, parse_float=Decimal) if text else None
        except ValueError:
            entry.body = text
        with self.lock:
            self.log.append(entry)
        try:
            status, payload, headers = 200, self._handle(request.method, split.path, query, entry), {}
        except SheetsError as exc:
            status, headers = exc.code, getattr(exc, "headers", {})
            payload = {"error": {"code": exc.code, "message": exc.message, "status": exc.status}}
            entry.error = exc.message
        entry.status = status
        # As Google answers: pretty-printed unless ``prettyPrint=false``; gzip only when the request accepts it
        # and its User-Agent says "gzip" (see DESIGN.md, "Facts").
        pretty = query.get("prettyPrint", ["true"])[0] != "false"
        body = json.dumps(_plain(payload), ensure_ascii=False, indent=2 if pretty else None,
                          separators=None if pretty else (",", ":")).encode("utf-8")
        if "gzip" in environ.get("HTTP_ACCEPT_ENCODING", "") and "gzip" in environ.get("HTTP_USER_AGENT", ""):
            body = gzip.compress(body, 6)
            headers = {**headers, "Content-Encoding": "gzip", "Vary": "Origin, X-Origin, Referer"}
        response = Response(body, status=status, content_type="application/json; charset=UTF-8", headers=headers)
        return response(environ, start_response)

    def _handle(self, method: str, path: str, query: dict[str, list[str]], entry: Logged) -> Any:
        found = route(method, path)
        if found is None:
            raise SheetsError(404, "NOT_FOUND", f"Method not found: {method} {path}")
        method_id, kind, params = found
        entry.method_id = method_id
        forced = self._take_forced(kind)
        if forced is not None and not forced.after:
            self._force(forced)
        result = self._apply(method, kind, params, query, entry)
        if forced is not None and forced.after:
            self._force(forced)
        return result

    @staticmethod
    def _force(forced: Forced) -> None:
        if forced.delay:
            time.sleep(forced.delay)  # before: then handled normally, the work lands even if the client gave up
        if forced.status:
            exc = SheetsError(forced.status, STATUS.get(forced.status, "UNKNOWN"),
                              forced.message or MESSAGES.get(forced.status, "Error"))
            if forced.retry_after is not None:
                exc.headers = {"Retry-After": str(forced.retry_after)}  # type: ignore[attr-defined]
            raise exc

    def _apply(self, method: str, kind: str, params: dict[str, str], query: dict[str, list[str]],
               entry: Logged) -> Any:
        method_id = str(entry.method_id)
        if self.denied:
            raise SheetsError(403, "PERMISSION_DENIED", MESSAGES[403])
        with self.lock:
            ss = self.spreadsheets.get(params["id"])
            if ss is None and self.auto_create:
                ss = self.create(params["id"])
            if ss is None:
                raise SheetsError(404, "NOT_FOUND", MESSAGES[404])
            if not self.quota.take(kind):
                metric = "Read requests" if kind == "read" else "Write requests"
                raise SheetsError(429, "RESOURCE_EXHAUSTED",
                                  f"Quota exceeded for quota metric '{metric}' and limit '{metric} per minute "
                                  "per user' of service 'sheets.googleapis.com' for consumer 'project_number:0'.")
            doc = self.drive_doc if kind == "drive" else self.sheets_doc
            doc_id = method_id
            try:
                doc.check_query(doc_id, {k: v for k, v in query.items()})
                if method in ("POST", "PUT"):
                    if isinstance(entry.body, str):
                        raise PayloadError("Invalid JSON payload received. Unexpected token.")
                    doc.check_body(doc_id, entry.body or {})
                if kind == "write":
                    ss.touch()  # a person's edit not yet counted is its own change, before this request's
                result = self._dispatch(method_id, ss, params, query, _doubles(entry.body or {}))
                if kind == "write":
                    ss.bump()
            except PayloadError as exc:
                raise bad_request(str(exc)) from None
        fields = query.get("fields", [""])[0]
        return select_fields(result, fields) if fields else result

    def _dispatch(self, method_id: str, ss: Spreadsheet, params: dict[str, str], query: dict[str, list[str]],
                  body: Any) -> Any:
        q = {k: v[0] for k, v in query.items()}
        if method_id == "sheets.spreadsheets.get":
            data = ss.metadata()
            if q.get("includeGridData") == "true":
                raise SheetsError(501, "UNIMPLEMENTED", "The fake does not serve includeGridData=true.")
            return data
        if method_id == "sheets.spreadsheets.values.batchGet":
            ranges = query.get("ranges", [])
            return {"spreadsheetId": ss.spreadsheet_id, "valueRanges": [value_range(ss, r, q) for r in ranges]}
        if method_id == "sheets.spreadsheets.values.get":
            return value_range(ss, params["range"], q)
        if method_id == "sheets.spreadsheets.values.update":
            return values_update(ss, params["range"], q, body)
        if method_id == "sheets.spreadsheets.values.append":
            return values_append(ss, params["range"], q, body)
        if method_id == "sheets.spreadsheets.batchUpdate":
            return batch_update(ss, body, self.sheets_doc, self.caller)
        if method_id == "drive.files.get":
            ss.touch()
            return {"kind": "drive#file", "id": ss.spreadsheet_id, "name": ss.title,
                    "mimeType": "application/vnd.google-apps.spreadsheet", "version": str(ss.version)}
        if method_id == "drive.revisions.list":
            size = int(q.get("pageSize", "200"))
            start = int(q.get("pageToken") or 0)
            page = ss.revisions[start : start + size]
            out: dict[str, Any] = {"kind": "drive#revisionList", "revisions": page}
            if start + size < len(ss.revisions):
                out["nextPageToken"] = str(start + size)
            return out
        raise SheetsError(501, "UNIMPLEMENTED", method_id)  # pragma: no cover


def main(argv: list[str] | None = None) -> None:
    """``python -m tests.fakes.sheets_api --port N``: serve the fake until Ctrl+C."""
    import argparse

    parser = argparse.ArgumentParser(description="Faux serveur de l'API Google Sheets v4 (et Drive v3).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8099)
    parser.add_argument("--quota", type=int, default=100_000,
                        help="requêtes par minute, lecture et écriture (Google : 60 ; défaut : sans limite pratique)")
    args = parser.parse_args(argv)
    api = FakeSheetsApi(reads_per_minute=args.quota, writes_per_minute=args.quota, auto_create=True)
    api.start(args.host, args.port)
    print(f"Faux Google Sheets sur {api.url} — TTR_SHEETS_API_URL={api.url} ; Ctrl+C pour arrêter.", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        api.stop()


if __name__ == "__main__":  # pragma: no cover
    main()
