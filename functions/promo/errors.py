"""The promo proxy's errors, under the project's one hierarchy (``functions.errors``)::

    TTRError
    ├── InvalidInputError (400)
    │   ├── PayloadTooLargeError (413)   body above 4 KiB, refused before parsing
    │   └── UnsupportedMediaError (415)  not ``application/json``
    ├── PromoConfigError (503)           ABT_URL / TTR_API_KEY / proxy variables missing or inconsistent
    ├── PromoUnauthorizedError (401)     approve without an admin session or a server token
    ├── PromoForbiddenError (403)        origin not allowed; approve called from a browser
    ├── RateLimitedError (429)           too many failed checks (carries ``retry_after`` seconds)
    ├── PromoUpstreamError (502)         ABT failed, refused our key or answered something unreadable
    └── PromoTimeoutError (504)          ABT did not answer in time

Messages never contain what ABT answered: an upstream body may echo a key or an internal detail.
"""

from __future__ import annotations

from functions.errors import InvalidInputError, TTRError


class PayloadTooLargeError(InvalidInputError):
    """Requête trop volumineuse (4 Ko au plus)."""

    status = 413


class UnsupportedMediaError(InvalidInputError):
    """Format non pris en charge : envoyez du JSON (Content-Type: application/json)."""

    status = 415


class PromoConfigError(TTRError):
    """Les codes promo ne sont pas configurés sur ce serveur. Prévenez l'administrateur."""

    status = 503


class PromoUnauthorizedError(TTRError):
    """Accès réservé au serveur : une session administrateur ou un jeton serveur est nécessaire."""

    status = 401


class PromoForbiddenError(TTRError):
    """Accès refusé pour cette origine."""

    status = 403


class RateLimitedError(TTRError):
    """Trop d'essais de code promo. Patientez avant de réessayer."""

    status = 429

    def __init__(self, retry_after: int, message: str | None = None) -> None:
        self.retry_after = max(1, int(retry_after))
        minutes = max(1, -(-self.retry_after // 60))
        super().__init__(message or f"Trop d'essais de code promo. Réessayez dans {minutes} minute(s).")


class PromoUpstreamError(TTRError):
    """Le service des codes promo (TTR Ambassadeur) ne répond pas correctement. Réessayez dans quelques minutes."""

    status = 502


class PromoTimeoutError(TTRError):
    """Le service des codes promo (TTR Ambassadeur) n'a pas répondu à temps. Réessayez dans quelques minutes."""

    status = 504
