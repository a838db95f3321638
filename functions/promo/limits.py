"""Rate limits of *failed* promo checks, per client IP and per business, in the state store.

Every instance shares the state store, so the limits hold across instances. A failed check (an invalid,
expired or malformed code) counts one ``state.hit`` in the key's fixed window; when a count reaches its
limit, a block document is written (``promo_block``/``<key>``) that expires after one window. While it is
live, every check of that IP or business is refused with 429 and ``Retry-After`` (seconds left), before
anything else is done. Successful checks and ABT's own failures do not count.

IPs and business ids are stored hashed (keys never hold a person's address).
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable, Sequence

from functions.promo.config import PromoSettings
from functions.promo.errors import RateLimitedError
from functions.state.base import StateStore

BLOCKS = "promo_block"


def subject(kind: str, value: str) -> str:
    return f"promo.{kind}.{hashlib.sha256(value.encode()).hexdigest()[:32]}"


class FailureLimiter:
    def __init__(self, state: StateStore, settings: PromoSettings, clock: Callable[[], float] = time.time) -> None:
        self.state = state
        self.window = settings.fail_window
        self.limits = {"ip": settings.fails_per_ip, "biz": settings.fails_per_business}
        self.clock = clock

    def _keys(self, ip: str, business_id: str | None) -> Sequence[tuple[str, str]]:
        out = [("ip", subject("ip", ip))]
        if business_id:  # one business whatever the spacing or case it is typed with
            out.append(("biz", subject("biz", business_id.strip().casefold())))
        return out

    def check(self, ip: str, business_id: str | None) -> None:
        """Raise ``RateLimitedError`` when the IP or the business is blocked."""
        wait = 0.0
        for _, key in self._keys(ip, business_id):
            doc = self.state.get(BLOCKS, key)
            if doc is not None:
                wait = max(wait, float(doc.get("until", 0)) - self.clock())
        if wait > 0:
            raise RateLimitedError(math.ceil(wait))

    def failed(self, ip: str, business_id: str | None) -> None:
        """Count one failed check; block the IP or business that reached its limit."""
        for kind, key in self._keys(ip, business_id):
            if self.state.hit(key, self.window) >= self.limits[kind]:
                until = self.clock() + self.window
                self.state.put(BLOCKS, key, {"until": until}, ttl_seconds=self.window)
