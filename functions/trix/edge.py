"""HTTP edge of TRIX, shared by the web blueprint and the function handler: auth, errors, the SSE stream.

The answer streams as Server-Sent Events, one JSON object per ``data:`` line::

    data: {"type": "text", "t": "Vos ventes…"}
    data: {"type": "tool", "nom": "kpis"}
    data: {"type": "done", "html": "<p>…</p>", "liens": [{"telephone": "228…", "lien": "https://wa.me/…"}]}
    data: {"type": "error", "erreur": "…"}          (a failure after the stream started)

Everything that can be refused (no key, too long, budget spent, the provider's first answer failing) is
answered before the stream starts, as JSON ``{"erreur": …}`` with its HTTP status.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Callable, Iterator
from itertools import chain
from typing import Any

from flask import Request, Response

from functions.business import Business
from functions.errors import TTRError
from functions.trix.config import TrixSettings

log = logging.getLogger(__name__)

MIN_SERVER_TOKEN = 16


def error_response(exc: TTRError) -> Response:
    return Response(json.dumps({"erreur": exc.message}, ensure_ascii=False), status=exc.status,
                    mimetype="application/json", headers={"Cache-Control": "no-store"})


def bearer_ok(request: Request, env: dict[str, str]) -> bool:
    """True when the request carries ``Authorization: Bearer <TTR_SERVER_TOKEN>`` (16 characters or more)."""
    token = (env.get("TTR_SERVER_TOKEN") or "").strip()
    given = request.headers.get("Authorization", "")
    if len(token) < MIN_SERVER_TOKEN or not given.startswith("Bearer "):
        return False
    return hmac.compare_digest(given[7:].strip().encode(), token.encode())


def sse(payload: dict[str, Any]) -> str:
    return "data: " + json.dumps(payload, ensure_ascii=False) + "\n\n"


def read_body(request: Request, settings: TrixSettings) -> dict[str, Any]:
    from functions.errors import InvalidInputError
    from functions.trix.errors import TrixRequestTooLargeError

    limit = settings.max_request_chars * 4 + 4096  # UTF-8 and JSON escapes: a generous byte bound
    if (request.content_length or 0) > limit:
        raise TrixRequestTooLargeError()
    raw = request.get_data(cache=False)[: limit + 1]
    if len(raw) > limit:
        raise TrixRequestTooLargeError()
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        raise InvalidInputError("Corps de requête illisible : envoyez du JSON {\"messages\": [...]}.") from None
    if not isinstance(body, dict):
        raise InvalidInputError("Corps de requête : un objet JSON est attendu.")
    if isinstance(body.get("question"), str) and "messages" not in body:
        body["messages"] = [{"role": "user", "content": body["question"]}]
    return body


def chat_response(request: Request, business: Callable[[dict[str, Any]], Business], settings: TrixSettings,
                  client: Any = None, allowed: set[str] | None = None) -> Response:
    """Answer one ``POST`` chat request (already authorized) with the streamed answer or a JSON error."""
    from functions.trix.chat import Event, ask
    from functions.trix.render import markdown

    try:
        settings.require_key()
        body = read_body(request, settings)
        events = ask(business(body), body.get("messages"), settings, client=client, allowed=allowed)
        first = next(events)  # the provider's first answer (and any tool round) before the headers
    except TTRError as exc:
        return error_response(exc)

    def stream(events: Iterator[Event]) -> Iterator[str]:
        parts: list[str] = []
        try:
            for e in events:
                if e.kind == "text":
                    parts.append(e.text)
                    yield sse({"type": "text", "t": e.text})
                elif e.kind == "tool":
                    yield sse({"type": "tool", "nom": e.text})
                else:
                    yield sse({"type": "done", "html": str(markdown("".join(parts))), **e.data})
        except TTRError as exc:
            yield sse({"type": "error", "erreur": exc.message})
        except Exception as exc:  # noqa: BLE001 - the stream has started: say it in the stream
            log.error("TRIX : erreur inattendue pendant la réponse (%s).", type(exc).__name__)
            yield sse({"type": "error", "erreur": TTRError().message})

    return Response(stream(chain([first], events)), mimetype="text/event-stream",
                    headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
