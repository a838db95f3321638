"""Google-signed OIDC identity tokens (Cloud Scheduler → the reminders' HTTP trigger), verified here.

A token is accepted only when google-auth's verifier says so: RS256 signature by one of Google's current
keys (fetched from ``certs_url``, cached a few minutes), expiry, and ``aud`` one of the endpoint's addresses;
then the issuer is Google's, the ``email`` claim is exactly the configured invoker and ``email_verified`` is
true. Nothing is trusted because of the platform in front (the web app is public: anyone can reach it).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any

from google.auth import transport

GOOGLE_CERTS_URL = "https://www.googleapis.com/oauth2/v1/certs"
GOOGLE_ISSUERS = ("accounts.google.com", "https://accounts.google.com")
FETCH_TIMEOUT = 10.0
CACHE_SECONDS = 300.0
MAX_TOKEN_CHARS = 4096


class _Response:
    def __init__(self, status: int, headers: Mapping[str, str], data: bytes) -> None:
        self.status, self.headers, self.data = status, headers, data


class _CachingRequest(transport.Request):
    """A ``google.auth.transport.Request`` with a bounded timeout and a short cache of successful GETs
    (the certificates), so that a flood of forged tokens does not turn into a flood of fetches."""

    def __init__(self, session: Any = None) -> None:
        import google.auth.transport.requests

        self._inner = google.auth.transport.requests.Request(session)
        self._cache: dict[str, tuple[float, _Response]] = {}
        self._lock = threading.Lock()

    def __call__(self, url: str, method: str = "GET", body: Any = None, headers: Any = None,
                 timeout: float | None = None, **kwargs: Any) -> Any:
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(url) if method == "GET" else None
        if hit is not None and now - hit[0] < CACHE_SECONDS:
            return hit[1]
        response = self._inner(url, method=method, body=body, headers=headers,
                               timeout=min(timeout or FETCH_TIMEOUT, FETCH_TIMEOUT), **kwargs)
        if method == "GET" and response.status == 200:
            with self._lock:
                self._cache[url] = (now, _Response(response.status, dict(response.headers), response.data))
        return response


class IdTokenVerifier:
    """``verify(token, audiences, invoker)`` → True only for a valid Google ID token of ``invoker``."""

    def __init__(self, certs_url: str = GOOGLE_CERTS_URL, session: Any = None,
                 issuers: Sequence[str] = GOOGLE_ISSUERS) -> None:
        self.certs_url = certs_url
        self.issuers = tuple(issuers)
        self._request = _CachingRequest(session)

    def claims(self, token: str, audiences: Sequence[str]) -> Mapping[str, Any] | None:
        """The verified claims, or None (bad signature, unknown key, expired, wrong audience or issuer)."""
        from google.auth import exceptions
        from google.oauth2 import id_token

        if not token or len(token) > MAX_TOKEN_CHARS or not audiences:
            return None
        try:
            claims = id_token.verify_token(token, self._request, audience=list(audiences),
                                           certs_url=self.certs_url)
        except (ValueError, TypeError, KeyError, exceptions.GoogleAuthError):
            return None
        return claims if claims.get("iss") in self.issuers else None

    def verify(self, token: str, audiences: Sequence[str], invoker: str) -> bool:
        if not invoker:  # no configured caller: no identity token is enough (any account can mint one)
            return False
        claims = self.claims(token, audiences)
        return bool(claims and claims.get("email") == invoker and claims.get("email_verified") is True)


_default: IdTokenVerifier | None = None


def default_verifier() -> IdTokenVerifier:
    global _default
    if _default is None:
        _default = IdTokenVerifier()
    return _default


def audiences(url: str, configured: str | None) -> list[str]:
    """The ``aud`` values accepted: ``TTR_REMINDER_AUDIENCE`` (comma-separated) when set, else the address
    the request came to, as Cloud Scheduler names it (https, with and without its path)."""
    if configured and configured.strip():
        return [a.strip() for a in configured.split(",") if a.strip()]
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if not parts.netloc:
        return []
    base = f"https://{parts.netloc}"
    path = parts.path.rstrip("/")
    return [base + path, base + path + "/", base, base + "/"] if path else [base, base + "/"]
