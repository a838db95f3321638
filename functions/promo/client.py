"""The HTTP client towards ABT (or the manual's external proxy).

One POST per event (httpx, through ``functions.http``) with a JSON body of exactly these fields::

    {"eventType": "CLIENT_SIGNUP" | "SUBSCRIPTION_PAYMENT", "promoCode": str, "businessId": str,
     "clientName": str, "clientEmail": str, "amount": int}

The key travels only in the ``x-api-key`` header, and only in direct mode. Timeouts: 3 s to connect,
10 s to read. A check (``retry=True``) is tried at most twice, and retried only when the first attempt
surely did not reach ABT (connection refused or not established in time) or ABT said it was momentarily
unavailable (502, 503, 504); a read timeout is not retried, so a person waits at most about 23 s.
A payment approval is never retried: the caller's idempotency key decides.

Upstream failures become ``PromoUpstreamError`` (502) or ``PromoTimeoutError`` (504), with French
messages that never contain the upstream body, URL or key. Log records hold the event type, the status
and the duration only.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx

from functions import http
from functions.promo.config import Upstream
from functions.promo.errors import PromoTimeoutError, PromoUpstreamError

log = logging.getLogger(__name__)

TIMEOUTS = (3.0, 10.0)
MAX_REPLY_BYTES = 64 * 1024
RETRY_STATUSES = {502, 503, 504}


@dataclass(frozen=True)
class Reply:
    """What ABT answered: its status and its JSON object (``None`` when the body was not a JSON object)."""

    status: int
    body: dict[str, Any] | None


class NotSent(PromoUpstreamError):
    """The request surely did not reach ABT (connection refused or not established): safe to send again."""


class AbtClient:
    def __init__(self, upstream: Upstream, client: httpx.Client | None = None,
                 timeouts: tuple[float, float] = TIMEOUTS, transport: httpx.BaseTransport | None = None) -> None:
        self.upstream = upstream
        # no proxy or .netrc from the environment may see the key: the factory never trusts the environment
        self.client = client or http.client(connect=timeouts[0], read=timeouts[1], transport=transport)
        self.timeouts = timeouts

    def send(self, event: str, promo_code: str, business_id: str, amount: int = 0, client_name: str = "",
             client_email: str = "", *, retry: bool = False) -> Reply:
        body = {"eventType": event, "promoCode": promo_code, "businessId": business_id,
                "clientName": client_name, "clientEmail": client_email, "amount": int(amount)}
        attempts = 2 if retry else 1
        for attempt in range(1, attempts + 1):
            last = attempt == attempts
            try:
                reply = self._post(event, body)
            except NotSent:
                if last:
                    raise
                continue
            if reply.status in RETRY_STATUSES and not last:
                continue
            return reply
        raise AssertionError("unreachable")  # pragma: no cover

    def _post(self, event: str, body: dict[str, Any]) -> Reply:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.upstream.api_key is not None:
            headers["x-api-key"] = self.upstream.api_key
        started = time.monotonic()
        request = self.client.build_request("POST", self.upstream.url, content=json.dumps(body).encode(),
                                            headers=headers, timeout=http.timeout(*self.timeouts))
        try:
            response = self.client.send(request, stream=True)
        except httpx.HTTPError as exc:
            raise self._failed(event, exc, started) from None
        try:
            raw = _read_limited(response)
        except httpx.HTTPError as exc:
            raise self._failed(event, exc, started, reading=True) from None
        finally:
            response.close()
        parsed = _json_object(raw)
        log.info("ABT %s : statut %d en %.2f s%s", event, response.status_code, time.monotonic() - started,
                 "" if parsed is not None or not raw else " (réponse non JSON)")
        return Reply(response.status_code, parsed)

    def _failed(self, event: str, exc: httpx.HTTPError, started: float, reading: bool = False) -> PromoUpstreamError | PromoTimeoutError:
        kind = http.failure(exc)
        if kind == http.NOT_SENT and not reading:
            log.warning("ABT %s : connexion impossible (%s, %.1f s)", event, type(exc).__name__, time.monotonic() - started)
            return NotSent()
        if kind == http.TIMEOUT:
            log.warning("ABT %s : pas de réponse dans le délai (%.1f s)", event, time.monotonic() - started)
            return PromoTimeoutError()
        log.warning("ABT %s : %s (%s)", event, "réponse interrompue" if reading else "échec de la requête",
                    type(exc).__name__)
        return PromoUpstreamError()


def _read_limited(response: httpx.Response) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes(8192):
        size += len(chunk)
        if size > MAX_REPLY_BYTES:
            log.warning("ABT : réponse trop volumineuse, ignorée")
            return b""
        chunks.append(chunk)
    return b"".join(chunks)


def _json_object(raw: bytes) -> dict[str, Any] | None:
    """The body as a JSON object (numbers as Decimal, never float), else None."""
    try:
        value = json.loads(raw.decode("utf-8"), parse_float=Decimal)
    except (UnicodeDecodeError, ValueError):
        return None
    return value if isinstance(value, dict) else None
