"""Failed logins slowed per account and per address, counted in the state store (every instance sees them).

An attempt on an account is counted *before* its password is looked at, in one state-store transaction
(``state.update``): of 50 parallel wrong passwords exactly ``ACCOUNT_FREE`` are evaluated, the others are
refused. A success clears the account's count. Past ``ACCOUNT_FREE`` failures in the window the next attempt
must wait a delay that doubles with every further failure (2 s, 4 s, 8 s… up to 15 min). The account key is
derived from what was typed, whether or not such an account exists, so the answer never tells.

The per-address count (a shop's shared connection, a proxy: every user behind it) slows the accounts that
have failures of their own; it never refuses an account with none, so failures on made-up emails from one
address cannot lock the admin out. The address is read through ``TTR_TRUSTED_PROXIES`` (``client_address``).
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass

from functions.accounts.passwords import digest
from functions.errors import TTRError
from functions.state.base import Doc, StateStore

WINDOW = 900
ACCOUNT_FREE = 5  # failures per account before delays start
ADDRESS_FREE = 20  # per IP address (shared phones, shared connections)
MAX_DELAY = 900
COLLECTION = "throttle"


class TooManyAttemptsError(TTRError):
    """Trop de tentatives. Patientez un instant puis réessayez."""

    status = 429


def client_address(remote_addr: str | None, forwarded_for: str | None, trusted_proxies: int | str | None) -> str:
    """The caller's address: with N trusted relays in front (``TTR_TRUSTED_PROXIES``), the N-th
    ``X-Forwarded-For`` entry from the right (what the outermost trusted relay saw); never a value the
    client could choose. Without trusted relays, the connection's address."""
    try:
        trusted = max(0, min(5, int(trusted_proxies or 0)))
    except (TypeError, ValueError):
        trusted = 0
    if trusted:
        hops = [h.strip() for h in (forwarded_for or "").split(",") if h.strip()]
        if len(hops) >= trusted:
            return hops[-trusted]
    return remote_addr or "inconnu"


def account_key(identifier: str) -> str:
    return f"acct.{digest(identifier.strip().lower())[:40]}"


def address_key(address: str) -> str:
    return f"ip.{digest(address or '-')[:40]}"


def delay_after(failures: int, free: int) -> int:
    return int(min(2 ** (failures - free + 1), MAX_DELAY))


def _wait_error(wait: float) -> TooManyAttemptsError:
    return TooManyAttemptsError(f"Trop de tentatives. Réessayez dans {max(1, math.ceil(wait))} secondes.")


@dataclass
class Attempt:
    """One login attempt, already counted: say how it ended with ``failed()`` or ``succeeded()``."""

    state: StateStore
    identifier: str
    address: str
    now: float

    def failed(self) -> None:
        """The account's failure was counted by ``begin``; the address counts it now."""
        key = address_key(self.address)
        n = self.state.hit(f"login.{key}", WINDOW)
        if n >= ADDRESS_FREE:
            delay = delay_after(n, ADDRESS_FREE)
            self.state.put(COLLECTION, key, {"until": self.now + delay}, ttl_seconds=delay + 60)

    def succeeded(self) -> None:
        succeeded(self.state, self.identifier)


def begin(state: StateStore, identifier: str, address: str, now: float) -> Attempt:
    """Count an attempt on ``identifier`` before its secret is checked; ``TooManyAttemptsError`` when a
    delay earned by earlier failures runs (the account's own, or its address's once it has failed itself)."""
    addr = state.get(COLLECTION, address_key(address))
    address_until = float(addr["until"]) if addr is not None else 0.0
    key = account_key(identifier)
    state.create(COLLECTION, key, {"n": 0, "until": 0}, ttl_seconds=WINDOW + MAX_DELAY)
    claim = secrets.token_hex(8)

    def count(doc: Doc | None) -> Doc:
        doc = doc or {"n": 0, "until": 0}
        failures, until = int(doc.get("n", 0)), float(doc.get("until", 0))
        if until > now or (failures > 0 and address_until > now):
            return doc  # refused: not counted, not evaluated
        failures += 1
        if failures >= ACCOUNT_FREE:
            until = now + delay_after(failures, ACCOUNT_FREE)
        return {"n": failures, "until": until, "claim": claim}

    after = state.update(COLLECTION, key, count)
    if after is None or after.get("claim") != claim:
        own = float(after.get("until", 0)) if after else 0.0
        raise _wait_error(max(own, address_until if after and int(after.get("n", 0)) > 0 else 0.0) - now)
    return Attempt(state, identifier, address, now)


def succeeded(state: StateStore, identifier: str) -> None:
    state.delete(COLLECTION, account_key(identifier))
