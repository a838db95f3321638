"""Failed logins slowed per account and per address, counted in the state store (every instance sees them).

Each failure is counted with ``state.hit`` in a 15-minute window. Past a threshold, the next attempt must
wait a delay that doubles with every further failure (2 s, 4 s, 8 s… up to 15 min). The account key is
derived from what was typed, whether or not such an account exists, so the answer never tells.
"""

from __future__ import annotations

import math

from functions.accounts.passwords import digest
from functions.errors import TTRError
from functions.state.base import StateStore

WINDOW = 900
ACCOUNT_FREE = 5  # failures per account before delays start
ADDRESS_FREE = 20  # per IP address (shared phones, shared connections)
MAX_DELAY = 900


class TooManyAttemptsError(TTRError):
    """Trop de tentatives. Patientez un instant puis réessayez."""

    status = 429


def keys(identifier: str, address: str) -> list[tuple[str, int]]:
    return [(f"acct.{digest(identifier.strip().lower())[:40]}", ACCOUNT_FREE),
            (f"ip.{digest(address or '-')[:40]}", ADDRESS_FREE)]


def check(state: StateStore, identifier: str, address: str, now: float) -> None:
    """Raise ``TooManyAttemptsError`` while a delay earned by earlier failures runs."""
    wait = 0.0
    for key, _ in keys(identifier, address):
        doc = state.get("throttle", key)
        if doc is not None:
            wait = max(wait, float(doc["until"]) - now)
    if wait > 0:
        raise TooManyAttemptsError(f"Trop de tentatives. Réessayez dans {math.ceil(wait)} secondes.")


def failed(state: StateStore, identifier: str, address: str, now: float) -> None:
    for key, free in keys(identifier, address):
        n = state.hit(f"login.{key}", WINDOW)
        if n >= free:
            delay = delay_after(n, free)
            state.put("throttle", key, {"until": now + delay}, ttl_seconds=delay + 60)


def delay_after(failures: int, free: int) -> int:
    return int(min(2 ** (failures - free + 1), MAX_DELAY))


def succeeded(state: StateStore, identifier: str) -> None:
    state.delete("throttle", keys(identifier, "")[0][0])
