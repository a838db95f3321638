"""The HTTP client towards ABT (or the manual's external proxy).

One POST per event with a JSON body of exactly these fields::

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

import requests
import urllib3

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
    def __init__(self, upstream: Upstream, session: requests.Session | None = None,
                 timeouts: tuple[float, float] = TIMEOUTS) -> None:
        self.upstream = upstream
        self.session = session or requests.Session()
        self.session.trust_env = False  # no proxy or .netrc from the environment may see the key
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
        try:
            response = self.session.post(self.upstream.url, data=json.dumps(body).encode(), headers=headers,
                                         timeout=self.timeouts, allow_redirects=False, stream=True)
        except requests.exceptions.ConnectTimeout:
            log.warning("ABT %s : connexion impossible dans le délai (%.1f s)", event, time.monotonic() - started)
            raise NotSent() from None
        except requests.exceptions.ConnectionError as exc:
            if _is_read_timeout(exc):
                raise self._timeout(event, started) from None
            if _never_connected(exc):
                log.warning("ABT %s : connexion impossible (%s)", event, type(exc).__name__)
                raise NotSent() from None
            log.warning("ABT %s : connexion interrompue (%s)", event, type(exc).__name__)
            raise PromoUpstreamError() from None
        except requests.exceptions.Timeout:
            raise self._timeout(event, started) from None
        except requests.exceptions.RequestException as exc:
            log.warning("ABT %s : échec de la requête (%s)", event, type(exc).__name__)
            raise PromoUpstreamError() from None
        try:
            raw = _read_limited(response)
        except requests.exceptions.Timeout:
            raise self._timeout(event, started) from None
        except requests.exceptions.RequestException as exc:
            log.warning("ABT %s : réponse interrompue (%s)", event, type(exc).__name__)
            raise PromoUpstreamError() from None
        finally:
            response.close()
        parsed = _json_object(raw)
        log.info("ABT %s : statut %d en %.2f s%s", event, response.status_code, time.monotonic() - started,
                 "" if parsed is not None or not raw else " (réponse non JSON)")
        return Reply(response.status_code, parsed)

    def _timeout(self, event: str, started: float) -> PromoTimeoutError:
        log.warning("ABT %s : pas de réponse dans le délai (%.1f s)", event, time.monotonic() - started)
        return PromoTimeoutError()


def _reason(exc: BaseException) -> BaseException | None:
    inner = exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else None
    return getattr(inner, "reason", inner)


def _is_read_timeout(exc: BaseException) -> bool:
    """requests reports some read timeouts (urllib3's ReadTimeoutError in a MaxRetryError) as ConnectionError."""
    return isinstance(_reason(exc), urllib3.exceptions.ReadTimeoutError)


def _never_connected(exc: BaseException) -> bool:
    """Connection refused, name not resolved, or not established in time: nothing was sent."""
    return isinstance(_reason(exc), (urllib3.exceptions.NewConnectionError, urllib3.exceptions.ConnectTimeoutError))


def _read_limited(response: requests.Response) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(8192):
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
