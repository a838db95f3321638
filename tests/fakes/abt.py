"""A local TTR Ambassadeur (ABT) server over real HTTP, for the promo tests.

It checks the ``x-api-key`` header, validates the event body (exactly the six fields), knows a few codes,
records every request, and can misbehave on demand (``mode``): an HTTP status, ``"timeout"`` (answers
after ``delay`` seconds), ``"badjson"``, ``"flaky"`` (503 once, then normal). Its error bodies echo the key
it received, like a careless server would, so tests can prove the proxy never passes them on.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

FIELDS = {"eventType", "promoCode", "businessId", "clientName", "clientEmail", "amount"}


@dataclass
class FakeAbt:
    key: str
    codes: dict[str, Any] = field(default_factory=lambda: {"BIENVENUE": {"discount": 10}, "AWA-2026": {},
                                                           "NOEL-2024": "expired"})
    mode: Any = None
    delay: float = 2.0
    url: str = ""
    requests: list[dict[str, Any]] = field(default_factory=list)
    payments: list[dict[str, Any]] = field(default_factory=list)
    _flaky_done: bool = False
    _stop: threading.Event = field(default_factory=threading.Event)

    def handle(self, headers: dict[str, str], raw: bytes) -> tuple[int, bytes]:
        got = headers.get("x-api-key", "")
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        self.requests.append({"headers": headers, "body": body})
        mode = self.mode
        if mode == "timeout":
            self._stop.wait(self.delay)
        if mode == "flaky" and not self._flaky_done:
            self._flaky_done = True
            return 503, b'{"error": "busy"}'
        if isinstance(mode, int):
            return mode, json.dumps({"error": "failure", "detail": f"api key was {got}"}).encode()
        if mode == "badjson":
            return 200, f"<html>oops {got}</html>".encode()
        if got != self.key:
            return 401, json.dumps({"error": f"invalid api key {got}"}).encode()
        if not isinstance(body, dict) or set(body) != FIELDS or not isinstance(body["amount"], int):
            return 400, json.dumps({"error": "bad request", "key": got}).encode()
        code = self.codes.get(body["promoCode"])
        if code is None:
            return 404, json.dumps({"valid": False, "reason": "not_found", "message": "Unknown code"}).encode()
        if code == "expired":
            return 200, json.dumps({"valid": False, "reason": "expired", "message": "Expired 2024-12-31"}).encode()
        if body["eventType"] == "CLIENT_SIGNUP":
            return 200, json.dumps({"valid": True, **code, "ambassadorEmail": "koffi@abt.example",
                                    "internal": {"key": got}}).encode()
        if body["eventType"] == "SUBSCRIPTION_PAYMENT" and body["amount"] > 0:
            self.payments.append(body)
            return 200, json.dumps({"success": True, "commission": body["amount"] // 10}).encode()
        return 400, b'{"error": "unknown event"}'

    @contextmanager
    def running(self) -> Iterator[FakeAbt]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, body = fake.handle({k.lower(): v for k, v in self.headers.items()}, raw)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("X-Echo-Key", self.headers.get("x-api-key", ""))
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        server.block_on_close = False
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        thread.start()
        self.url = f"http://127.0.0.1:{server.server_address[1]}/api/events"
        try:
            yield self
        finally:
            self._stop.set()
            server.shutdown()
            server.server_close()
