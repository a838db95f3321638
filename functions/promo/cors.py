"""Exact-origin CORS for the public check.

``TTR_ALLOWED_ORIGINS`` is a comma-separated list of origins (``https://app.exemple.com``). Each entry is
normalised once (scheme and host lower-cased, a trailing ``/`` dropped, default ports removed); ``*``,
``null``, entries with a path, query or credentials, and non-http(s) schemes are ignored with a warning.
A request's ``Origin`` header is then compared **exactly**, character for character: a browser always sends
the canonical form, so ``https://app.exemple.com/``, ``HTTPS://APP.exemple.com``, ``http://…``,
``https://app.exemple.com.evil.io`` or ``https://evil-app.exemple.com`` never match.

Every answer carries ``Vary: Origin``; ``Access-Control-Allow-Origin`` is only ever one allowed origin,
never ``*``. Credentials are never allowed (the check needs no cookie).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, MutableMapping
from urllib.parse import urlsplit

from werkzeug.datastructures import Headers

log = logging.getLogger(__name__)

ALLOWED_METHOD = "POST"
ALLOWED_HEADERS = frozenset({"content-type"})
MAX_AGE = "600"


def parse_origins(raw: str) -> frozenset[str]:
    out: set[str] = set()
    for entry in (raw or "").split(","):
        entry = entry.strip()
        if not entry:
            continue
        origin = canonical(entry)
        if origin is None:
            log.warning("TTR_ALLOWED_ORIGINS : entrée ignorée (%r n'est pas une origine https://hôte[:port]).",
                        entry[:80])
            continue
        out.add(origin)
    return frozenset(out)


def canonical(entry: str) -> str | None:
    """``scheme://host[:port]`` in the form browsers send, or None for anything that is not one origin."""
    if entry in ("*", "null") or any(c.isspace() for c in entry):
        return None
    try:
        parts = urlsplit(entry)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment or "*" in entry:
        return None
    scheme = parts.scheme.lower()
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    default = {"http": 80, "https": 443}[scheme]
    return f"{scheme}://{host}" + (f":{port}" if port and port != default else "")


class Cors:
    def __init__(self, allowed: frozenset[str]) -> None:
        self.allowed = allowed

    @classmethod
    def from_env(cls, raw: str) -> Cors:
        return cls(parse_origins(raw))

    def allows(self, origin: str | None) -> bool:
        return origin is not None and origin in self.allowed

    def headers(self, origin: str | None) -> dict[str, str]:
        """Headers of an actual (non-preflight) answer."""
        out = {"Vary": "Origin"}
        if self.allows(origin):
            assert origin is not None
            out["Access-Control-Allow-Origin"] = origin
            out["Access-Control-Expose-Headers"] = "Retry-After"
        return out

    def preflight(self, request_headers: Mapping[str, str] | Headers) -> tuple[int, dict[str, str]]:
        """Status and headers of an ``OPTIONS`` answer: 204 with CORS headers only for an allowed origin
        asking for ``POST`` with no header other than ``Content-Type``; else 403 without them."""
        origin = request_headers.get("Origin")
        method = (request_headers.get("Access-Control-Request-Method") or "").strip()
        asked = {h.strip().lower() for h in (request_headers.get("Access-Control-Request-Headers") or "").split(",")
                 if h.strip()}
        headers: MutableMapping[str, str] = {"Vary": "Origin, Access-Control-Request-Method, "
                                                     "Access-Control-Request-Headers"}
        if not self.allows(origin) or method != ALLOWED_METHOD or not asked <= ALLOWED_HEADERS:
            return 403, dict(headers)
        assert origin is not None
        headers.update({"Access-Control-Allow-Origin": origin, "Access-Control-Allow-Methods": ALLOWED_METHOD,
                        "Access-Control-Allow-Headers": "Content-Type", "Access-Control-Max-Age": MAX_AGE})
        return 204, dict(headers)
