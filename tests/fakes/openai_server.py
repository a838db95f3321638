"""A local HTTP server that speaks the OpenAI wire format, with scripted answers per test.

``FakeOpenAI().start()`` listens on 127.0.0.1 (a free port); ``base_url`` is ``http://127.0.0.1:<port>/v1``.
Each ``POST /v1/chat/completions`` takes the next scripted turn (``script(...)``); a turn is:

* ``Turn(content="…")``: a text answer (streamed as several SSE chunks when ``stream`` is true);
* ``Turn(tool_calls=[("kpis", {"period": "this_month"})])``: the model asks for tools (the arguments are
  streamed in pieces, as the real API does);
* ``Turn(status=401)`` (or 429, 500…): an error answer with the OpenAI error body;
* ``Turn(delay=5)``: answer late (tests a client timeout);
* a callable ``fn(request_body) -> Turn``: the answer depends on what the client sent (e.g. the tool results).

``POST /v1/images/generations`` answers ``{"data": [{"b64_json": <a small valid PNG>}]}`` (or a scripted
``Turn(status=…)`` from ``script_images``). Every request is recorded (``requests``: path, headers, body).
"""

from __future__ import annotations

import base64
import json
import struct
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Turn:
    content: str = ""
    tool_calls: list[tuple[str, Any]] = field(default_factory=list)  # (name, arguments dict or raw str)
    status: int = 200
    delay: float = 0.0
    chunk: int = 7  # characters per streamed content chunk
    headers: dict[str, str] = field(default_factory=dict)


Scripted = Turn | Callable[[dict[str, Any]], Turn]


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


def tiny_png(width: int = 4, height: int = 4, rgb: tuple[int, int, int] = (200, 120, 40)) -> bytes:
    """A valid PNG image, built without Pillow."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


class FakeOpenAI:
    def __init__(self) -> None:
        self.turns: list[Scripted] = []
        self.image_turns: list[Turn] = []
        self.requests: list[Seen] = []
        self.image_bytes = tiny_png()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # -- scripting -----------------------------------------------------------------------------------------
    def script(self, *turns: Scripted) -> FakeOpenAI:
        with self._lock:
            self.turns.extend(turns)
        return self

    def script_images(self, *turns: Turn) -> FakeOpenAI:
        with self._lock:
            self.image_turns.extend(turns)
        return self

    def chat_requests(self) -> list[dict[str, Any]]:
        return [r.body for r in self.requests if r.path.endswith("/chat/completions")]

    # -- lifecycle -----------------------------------------------------------------------------------------
    def start(self) -> FakeOpenAI:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server API
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b"{}"
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = {"_raw": raw.decode("utf-8", "replace")}
                with fake._lock:
                    fake.requests.append(Seen(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                if self.path.endswith("/chat/completions"):
                    fake._chat(self, body)
                elif self.path.endswith("/images/generations"):
                    fake._image(self, body)
                else:
                    fake._error(self, 404, "Unknown path")

        class Server(ThreadingHTTPServer):
            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a client that gave up (timeout test) is not an error of the fake

        self._server = Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    # -- answers -------------------------------------------------------------------------------------------
    def _next(self, queue: list[Any], body: dict[str, Any]) -> Turn:
        with self._lock:
            item = queue.pop(0) if queue else Turn(content="(aucune réponse scriptée)")
        return item(body) if callable(item) else item

    def _send(self, h: BaseHTTPRequestHandler, status: int, payload: bytes, ctype: str,
              headers: dict[str, str] | None = None) -> None:
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(payload)))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(payload)

    def _error(self, h: BaseHTTPRequestHandler, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        body = {"error": {"message": message, "type": "fake_error", "code": str(status)}}
        self._send(h, status, json.dumps(body).encode(), "application/json", headers)

    def _chat(self, h: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        turn = self._next(self.turns, body)
        if turn.delay:
            time.sleep(turn.delay)
        if turn.status != 200:
            self._error(h, turn.status, f"scripted error {turn.status}", {"retry-after": "0", **turn.headers})
            return
        model = body.get("model", "fake")
        calls = [{"id": f"call_{i}", "type": "function",
                  "function": {"name": name, "arguments": args if isinstance(args, str) else json.dumps(args)}}
                 for i, (name, args) in enumerate(turn.tool_calls)]
        finish = "tool_calls" if calls else "stop"
        if not body.get("stream"):
            message: dict[str, Any] = {"role": "assistant", "content": turn.content or None}
            if calls:
                message["tool_calls"] = calls
            out = {"id": "chatcmpl-fake", "object": "chat.completion", "created": 0, "model": model,
                   "choices": [{"index": 0, "message": message, "finish_reason": finish}],
                   "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}
            self._send(h, 200, json.dumps(out).encode(), "application/json")
            return
        events: list[dict[str, Any]] = [{"role": "assistant", "content": ""}]
        text = turn.content
        events += [{"content": text[i:i + turn.chunk]} for i in range(0, len(text), turn.chunk)]
        for i, call in enumerate(calls):
            args = call["function"]["arguments"]
            events.append({"tool_calls": [{"index": i, "id": call["id"], "type": "function",
                                           "function": {"name": call["function"]["name"], "arguments": ""}}]})
            half = len(args) // 2
            for piece in (args[:half], args[half:]):
                events.append({"tool_calls": [{"index": i, "function": {"arguments": piece}}]})
        h.send_response(200)
        h.send_header("Content-Type", "text/event-stream")
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()

        def write(data: str) -> None:
            raw = data.encode()
            h.wfile.write(f"{len(raw):x}\r\n".encode() + raw + b"\r\n")
            h.wfile.flush()

        for n, delta in enumerate(events):
            last = n == len(events) - 1
            chunk = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 0, "model": model,
                     "choices": [{"index": 0, "delta": delta, "finish_reason": finish if last else None}]}
            write(f"data: {json.dumps(chunk)}\n\n")
        write("data: [DONE]\n\n")
        h.wfile.write(b"0\r\n\r\n")
        h.wfile.flush()

    def _image(self, h: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        with self._lock:
            turn = self.image_turns.pop(0) if self.image_turns else Turn()
        if turn.delay:
            time.sleep(turn.delay)
        if turn.status != 200:
            self._error(h, turn.status, f"scripted error {turn.status}", {"retry-after": "0"})
            return
        data = turn.content.encode() if turn.content else self.image_bytes
        out = {"created": 0, "data": [{"b64_json": base64.b64encode(data).decode()}]}
        self._send(h, 200, json.dumps(out).encode(), "application/json")
