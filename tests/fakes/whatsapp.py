"""A local fake of the WhatsApp Cloud API (Graph API ``POST /{version}/{phone-number-id}/messages``).

Served over real HTTP (werkzeug in a thread) so the channel's requests session, timeouts and headers are
exercised. It checks the bearer token (401 with Graph's OAuthException otherwise) and the request shape of a
template message (400 with Graph's error envelope otherwise), records accepted messages in ``messages``,
and answers like Graph (``messages[0].id``). Knobs: ``fail_next`` (status codes for the next requests),
``delay_next`` (seconds to wait before answering the next request; the message still counts, as a send
whose answer was lost does), ``params`` (expected parameter count per template name).
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from typing import Any

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

TOKEN = "EAAG-test-token"
PHONE_NUMBER_ID = "109876543210"
_TEMPLATE_NAME = re.compile(r"^[a-z0-9_]{1,512}$")
_LANG = re.compile(r"^[a-z]{2,3}(_[A-Z]{2})?$")


def _error(status: int, message: str, code: int = 100) -> Response:
    body = {"error": {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "AbCdEf"}}
    return Response(json.dumps(body), status=status, content_type="application/json")


def shape_problem(body: Any, params: dict[str, int]) -> str | None:
    """What is wrong with a template-message request body, or None."""
    if not isinstance(body, dict):
        return "body is not a JSON object"
    if body.get("messaging_product") != "whatsapp":
        return "(#100) The parameter messaging_product is required."
    if not isinstance(body.get("to"), str) or not re.fullmatch(r"\d{8,15}", body["to"]):
        return "(#100) Invalid parameter: to"
    if body.get("type") != "template":
        return "(#131047) Re-engagement message: outside the 24h window, send a template"
    t = body.get("template")
    if not isinstance(t, dict) or not _TEMPLATE_NAME.match(str(t.get("name", ""))):
        return "(#132001) Template name does not exist in the translation"
    if not isinstance(t.get("language"), dict) or not _LANG.match(str(t["language"].get("code", ""))):
        return "(#100) Invalid parameter: template.language.code"
    extra = set(body) - {"messaging_product", "recipient_type", "to", "type", "template"}
    if extra or body.get("recipient_type", "individual") != "individual":
        return f"(#100) Unexpected key(s): {sorted(extra)}"
    comps = t.get("components", [])
    if not isinstance(comps, list) or any(not isinstance(c, dict) or c.get("type") != "body" for c in comps):
        return "(#100) Invalid parameter: components"
    values = [p for c in comps for p in c.get("parameters", [])]
    for p in values:
        text = p.get("text") if isinstance(p, dict) else None
        if p.get("type") != "text" or not isinstance(text, str) or not text:
            return "(#100) Invalid parameter: parameter text"
        if "\n" in text or "\t" in text or "    " in text or len(text) > 1024:
            return "(#132018) Param text cannot have new-line/tab characters or more than 4 consecutive spaces"
    want = params.get(t["name"])
    if want is not None and len(values) != want:
        return f"(#132000) Number of parameters does not match the expected number of params ({want})"
    return None


class FakeWhatsApp:
    def __init__(self, token: str = TOKEN, phone_number_id: str = PHONE_NUMBER_ID, version: str = "v21.0") -> None:
        self.token = token
        self.phone_number_id = phone_number_id
        self.version = version
        self.messages: list[dict[str, Any]] = []
        self.refused: list[tuple[int, str]] = []
        self.fail_next: list[int] = []
        self.delay_next: list[float] = []
        self.params: dict[str, int] = {}
        self.lock = threading.Lock()
        self._ids = itertools.count(1)
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}/{version}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> FakeWhatsApp:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()

    def _app(self, environ: dict[str, Any], start_response: Any) -> Any:
        return self._handle(Request(environ))(environ, start_response)

    def _handle(self, req: Request) -> Response:
        if req.method != "POST" or req.path != f"/{self.version}/{self.phone_number_id}/messages":
            return self._refuse(404, "Unsupported post request.", 100)
        if req.headers.get("Authorization") != f"Bearer {self.token}":
            return self._refuse(401, "Invalid OAuth access token - Cannot parse access token", 190)
        try:
            body = json.loads(req.get_data(as_text=True))
        except ValueError:
            return self._refuse(400, "(#100) The request body is not valid JSON")
        problem = shape_problem(body, self.params)
        if problem:
            return self._refuse(400, problem)
        with self.lock:
            status = self.fail_next.pop(0) if self.fail_next else 200
            delay = self.delay_next.pop(0) if self.delay_next else 0.0
        if status != 200:
            return self._refuse(status, "(#131000) Something went wrong", 131000)
        with self.lock:
            self.messages.append(body)
            wamid = f"wamid.TEST{next(self._ids):06d}"
        if delay:
            time.sleep(delay)
        answer = {"messaging_product": "whatsapp", "contacts": [{"input": body["to"], "wa_id": body["to"]}],
                  "messages": [{"id": wamid}]}
        return Response(json.dumps(answer), status=200, content_type="application/json")

    def _refuse(self, status: int, message: str, code: int = 100) -> Response:
        with self.lock:
            self.refused.append((status, message))
        return _error(status, message, code)

    def sent(self) -> list[tuple[str, str, list[str]]]:
        """(to, template, parameters) of every accepted message."""
        with self.lock:
            return [(m["to"], m["template"]["name"], [p["text"] for c in m["template"].get("components", [])
                                                      for p in c.get("parameters", [])]) for m in self.messages]


if __name__ == "__main__":  # a standalone fake for the end-to-end test's subprocesses
    import sys

    fake = FakeWhatsApp()
    with fake:
        print(fake.url, flush=True)
        sys.stdin.read()
