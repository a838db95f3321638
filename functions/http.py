"""Every outbound HTTP call of our own code goes through here (httpx): ABT/promo, the WhatsApp Cloud API,
Cloud Storage and image downloads. The Sheets client is gspread's and keeps its own session.

* ``client(...)``: one factory. Always an explicit ``httpx.Timeout`` (connect and read), no proxy or
  ``.netrc`` from the environment (``trust_env=False``: nothing there may see a key), no redirects
  followed (a redirect is an answer the caller decides about). Tests hand in ``transport=`` (an
  ``httpx.MockTransport``) or point ``base_url`` at a local fake server.
* ``failure(exc)``: the one mapping of httpx's exceptions to what a caller needs to know::

      httpx.HTTPError
      ├── ConnectTimeout, ConnectError, PoolTimeout  -> NOT_SENT     nothing left: safe to send again
      ├── ReadTimeout, WriteTimeout                  -> TIMEOUT      may have arrived: resend only if idempotent
      ├── RemoteProtocolError, ReadError, WriteError -> INTERRUPTED  may have arrived
      └── anything else                              -> FAILED

* ``pause(attempt, response)``: bounded, jittered backoff that honours ``Retry-After`` (capped).

Retries are the caller's choice, and only where safe: a check or a create-only upload may be resent, a
WhatsApp message or a payment approval never.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Generator
from typing import Any

import httpx

# httpx logs every URL at INFO and httpcore every header it receives at DEBUG: an upstream that echoes a key
# would put it in our logs. Callers log what happened themselves (event, status, duration).
for _name in ("httpx", "httpcore"):
    logging.getLogger(_name).setLevel(logging.WARNING)

NOT_SENT, TIMEOUT, INTERRUPTED, FAILED = "not_sent", "timeout", "interrupted", "failed"
USER_AGENT = "TTR-Gestion/0.1 (+httpx)"


def timeout(connect: float, read: float) -> httpx.Timeout:
    """Connect and read limits (writing a body gets the read limit, waiting for a pooled connection the connect one)."""
    return httpx.Timeout(read, connect=connect, read=read, write=read, pool=connect)


def client(*, connect: float = 5.0, read: float = 20.0, transport: httpx.BaseTransport | None = None,
           auth: httpx.Auth | None = None, headers: dict[str, str] | None = None) -> httpx.Client:
    return httpx.Client(timeout=timeout(connect, read), transport=transport, auth=auth, trust_env=False,
                        follow_redirects=False, headers={"User-Agent": USER_AGENT, **(headers or {})})


def failure(exc: BaseException) -> str:
    """What a failed call means for a retry (see the tree above)."""
    if isinstance(exc, httpx.ConnectTimeout | httpx.ConnectError | httpx.PoolTimeout):
        return NOT_SENT
    if isinstance(exc, httpx.TimeoutException):
        return TIMEOUT
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        return INTERRUPTED
    return FAILED


def retry_after(response: httpx.Response | None, cap: float = 10.0) -> float | None:
    value = (response.headers.get("Retry-After") or "").strip() if response is not None else ""
    return min(float(value), cap) if value.isdigit() else None


def pause(attempt: int, response: httpx.Response | None = None, *, base: float = 0.25, cap: float = 4.0,
          jitter: bool = False) -> float:
    """Seconds to wait before attempt ``attempt + 1`` (1-based ``attempt``): ``Retry-After`` when the server
    gave one, else ``base · 2^(attempt-1)`` up to ``cap`` (with ``jitter``: a random part of it)."""
    after = retry_after(response)
    if after is not None:
        return after
    wait = min(base * 2 ** (attempt - 1), cap)
    return random.uniform(wait / 2, wait) if jitter else wait


class GoogleAuth(httpx.Auth):
    """Google credentials (google-auth) as an httpx auth: refreshed when needed, the bearer header applied."""

    def __init__(self, credentials: Any) -> None:
        self.credentials = credentials

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if not self.credentials.valid:
            from google.auth.transport.requests import Request  # google-auth's own token endpoint call

            self.credentials.refresh(Request())
        headers: dict[str, str] = {}
        self.credentials.apply(headers)
        request.headers.update(headers)
        yield request
